import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserStore } from './users.js';

describe('UserStore', () => {
  it('stores Argon2id hashes (file 0600), authenticates by name, updates and removes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-users-'));
    try {
      const file = path.join(dir, 'users.json');
      const store = await UserStore.open(file);
      await store.upsert('Lan', 'operator', 'một mật khẩu dài');
      const text = await readFile(file, 'utf8');
      expect(text).toMatch(/"hash": "\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(text).not.toContain('một mật khẩu dài');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const other = await UserStore.open(file);
      expect((await other.authenticate('lan', 'một mật khẩu dài'))?.role).toBe('operator');
      expect(await other.authenticate('lan', 'wrong password')).toBeUndefined();
      expect(await other.authenticate('nobody', 'một mật khẩu dài')).toBeUndefined();
      await store.upsert('lan', 'admin', 'another long password');
      expect(store.list()).toHaveLength(1);
      expect((await other.authenticate('Lan', 'another long password'))?.role).toBe('admin');
      await expect(store.upsert('x', 'planner', 'short')).rejects.toThrow(/at least 10 characters/);
      await expect(store.upsert('has space', 'planner', 'long enough pw')).rejects.toThrow(/user name/);
      expect(await store.remove('lan')).toBe(true);
      expect(await other.authenticate('lan', 'another long password')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the file and the entry when the users file is broken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-users-'));
    try {
      const file = path.join(dir, 'users.json');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, '{"users":[{"id":"1","name":"a","role":"boss","hash":"$argon2id$x"}]}');
      await expect(UserStore.open(file)).rejects.toThrow(/users\.json: user #0 has role "boss"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

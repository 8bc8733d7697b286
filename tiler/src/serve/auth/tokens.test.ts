import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestTopicOf, TokenStore, tokenAllows, tokenReadRole, topicMatches } from './tokens.js';

describe('MQTT topic filters', () => {
  it('matches + one level and # the rest, and a subscription to # is not inside a + filter', () => {
    expect(topicMatches('v1.1/#', 'v1.1/Datastreams(3)/Observations')).toBe(true);
    expect(topicMatches('v1.1/+/Observations', 'v1.1/Datastreams(3)/Observations')).toBe(true);
    expect(topicMatches('v1.1/+/Observations', 'v1.1/Observations')).toBe(false);
    expect(topicMatches('bdtwin/traffic/flow', 'bdtwin/traffic/flow/x')).toBe(false);
    expect(topicMatches('#', '$SYS/broker')).toBe(false);
    expect(topicMatches('a/+', 'a/#')).toBe(false);
    expect(topicMatches('a/#', 'a/#')).toBe(true);
  });

  it('maps HTTP ingest paths to the topics a token names', () => {
    expect(ingestTopicOf('/v1.1/Datastreams(7)/Observations')).toBe('v1.1/Datastreams(7)/Observations');
    expect(ingestTopicOf('/v1.1/Things')).toBe('v1.1/Things');
    expect(ingestTopicOf('/api/traffic/flow')).toBe('bdtwin/traffic/flow');
    expect(ingestTopicOf('/api/gtfs-rt/vehicle-positions')).toBe('bdtwin/gtfs-rt/vehicle-positions');
    expect(ingestTopicOf('/api/auth/login')).toBeUndefined();
  });
});

describe('TokenStore', () => {
  it('keeps only a hash (file 0600), verifies the token and its source, and replaces on re-add', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-tokens-'));
    try {
      const file = path.join(dir, 'auth/tokens.json');
      const store = await TokenStore.open(file);
      expect(store.empty).toBe(true);
      const token = await store.add('station-net', ['v1.1/#']);
      const text = await readFile(file, 'utf8');
      expect(text).not.toContain(token);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const reopened = await TokenStore.open(file);
      expect(reopened.verify(token)?.source).toBe('station-net');
      expect(reopened.verify(`${token}x`)).toBeUndefined();
      expect(reopened.verifySource('station-net', token)).toBeDefined();
      expect(reopened.verifySource('other', token)).toBeUndefined();
      expect(tokenAllows(reopened.verify(token)!, 'bdtwin/traffic/flow')).toBe(false);
      const second = await store.add('station-net', ['v1.1/#']);
      expect(store.verify(token)).toBeUndefined();
      expect(store.verify(second)).toBeDefined();
      // What it may read over MQTT: public unless it says otherwise.
      expect(tokenReadRole(store.verify(second)!)).toBe('public');
      const watcher = await store.add('ops-display', ['#'], 'operator');
      expect(tokenReadRole((await TokenStore.open(file)).verify(watcher)!)).toBe('operator');
      await expect(store.add('bad name!', ['#'])).rejects.toThrow(/source "bad name!"/);
      await expect(store.add('x', ['a/#/b'])).rejects.toThrow(/not a valid MQTT filter/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a file without read roles (older tokens) as public, and names a bad one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-tokens-'));
    try {
      const file = path.join(dir, 'tokens.json');
      const entry = { source: 'old', topics: ['#'], hash: 'a'.repeat(64), createdAt: '2026-01-01' };
      await writeFile(file, JSON.stringify({ tokens: [entry] }));
      expect(tokenReadRole((await TokenStore.open(file)).list()[0]!)).toBe('public');
      await writeFile(file, JSON.stringify({ tokens: [{ ...entry, read: 'boss' }] }));
      await expect(TokenStore.open(file)).rejects.toThrow(/tokens\.json: token #0 has read role "boss"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

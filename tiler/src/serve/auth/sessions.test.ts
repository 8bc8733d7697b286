/**
 * Server-side sessions, through the real service on an ephemeral port (docs/security.md, "Users
 * and sessions"): a copied cookie stops working after logout, after its user is removed or their
 * password or role changed (by `bdtwin users` in another process, or by hand in the users file),
 * after the idle timeout and the absolute lifetime; forged ids are refused; the store keeps only
 * hashes and survives a restart. The service's clock is injected, so hours pass at once.
 */

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server.js';
import { sealValue } from './sealed.js';
import { SESSION_IDLE_MS, SESSION_TTL_MS } from './session-store.js';
import { SESSION_COOKIE } from './sessions.js';
import { UserStore } from './users.js';

const REPO = path.resolve(import.meta.dirname, '../../../..');
const PASSWORD = 'correct horse battery staple';
const MIN = 60_000;
const HOUR = 60 * MIN;

let dir: string;
let usersFile: string;
let sessionsFile: string;
let users: UserStore;
let server: RunningServer;
/** The service's clock: tests move it forward instead of waiting. */
let clock = Date.now();

async function start(): Promise<RunningServer> {
  return startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: path.join(dir, 'data'),
    webDir: path.join(dir, 'data'),
    auth: { users, sessionsFile, now: () => clock, loginPerMinute: 1_000, log: () => {} },
  });
}

/** Logs in; resolves with the `name=value` cookie. */
async function login(name: string, password = PASSWORD): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password }),
  });
  expect(res.status, `login ${name}`).toBe(200);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

/** Who the service thinks the cookie belongs to (null: nobody). */
async function who(cookie: string): Promise<{ name: string; role: string } | null> {
  const res = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
  return ((await res.json()) as { user: { name: string; role: string } | null }).user;
}

/** Rows in the sessions file, read as another process would. */
function rows(): { id_hash: string; user_id: string; name: string; role: string }[] {
  const db = new Database(sessionsFile, { readonly: true });
  try {
    return db.prepare('SELECT id_hash, user_id, name, role FROM sessions').all() as ReturnType<typeof rows>;
  } finally {
    db.close();
  }
}

/** `bdtwin users …` from source in a child process, on this test's users and sessions files. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./tiler/src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })",
        ...args,
      ],
      {
        cwd: REPO,
        env: { ...process.env, BDTWIN_USERS: usersFile, BDTWIN_SESSIONS: sessionsFile, ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-sessions-'));
  await mkdir(path.join(dir, 'data'));
  usersFile = path.join(dir, 'auth/users.json');
  sessionsFile = path.join(dir, 'auth/sessions.sqlite');
  users = await UserStore.open(usersFile);
  server = await start();
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // Every test starts past the end of all earlier sessions, with the same three users.
  clock = Math.max(clock, Date.now()) + SESSION_TTL_MS + SESSION_IDLE_MS;
  for (const [name, role] of [
    ['lan', 'operator'],
    ['minh', 'planner'],
    ['tuan', 'admin'],
  ] as const) {
    await users.upsert(name, role, PASSWORD);
  }
});

describe('server-side sessions', () => {
  it('keeps only a hash of the session id, in a 0600 file; the cookie is a 256-bit random id', async () => {
    const cookie = await login('lan');
    const value = cookie.slice(SESSION_COOKIE.length + 1);
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await who(cookie)).toMatchObject({ name: 'lan', role: 'operator' });
    const stored = rows().filter((r) => r.name === 'lan');
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.some((r) => r.id_hash.includes(value))).toBe(false);
    // Nowhere in the database or its write-ahead log, where the hash is.
    const files = Buffer.concat([await readFile(sessionsFile), await readFile(`${sessionsFile}-wal`)]);
    expect(files.includes(stored[0]!.id_hash)).toBe(true);
    expect(files.includes(value)).toBe(false);
    expect((await stat(sessionsFile)).mode & 0o777).toBe(0o600);
    // What the file holds is no cookie: a stolen database gives no session.
    expect(await who(`${SESSION_COOKIE}=${stored[0]!.id_hash}`)).toBeNull();
  });

  it('logout ends the session on the server: a copied cookie stops working', async () => {
    const cookie = await login('lan');
    const copy = cookie;
    expect(await who(copy)).toMatchObject({ name: 'lan' });
    const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/bdtwin_session=;/);
    expect(await who(copy)).toBeNull();
    // Another session of the same user (another browser) is not affected.
    const other = await login('lan');
    expect(await who(other)).toMatchObject({ name: 'lan' });
  });

  it('removing the user (bdtwin users remove, another process) ends their sessions at once', async () => {
    const cookie = await login('minh');
    const bystander = await login('lan');
    const before = rows().filter((r) => r.name === 'minh').length;
    expect(before).toBeGreaterThan(0);
    const { code, out } = await cli(['users', 'remove', 'minh']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/ended \d+ sessions? of minh/);
    // The rows are gone before the service even asks (the service's users file reload is not
    // what ended them).
    expect(rows().filter((r) => r.name === 'minh')).toEqual([]);
    expect(await who(cookie)).toBeNull();
    expect(await who(bystander)).toMatchObject({ name: 'lan' });
  }, 60_000);

  it('a password change (bdtwin users add on an existing user) ends their sessions; the new password works', async () => {
    const cookie = await login('lan');
    const { code, out } = await cli(
      ['users', 'add', 'lan', '--role', 'operator', '--password-env', 'NEW_PW'],
      {
        NEW_PW: 'a brand new long password',
      },
    );
    expect(code, out).toBe(0);
    expect(rows().filter((r) => r.name === 'lan')).toEqual([]);
    expect(await who(cookie)).toBeNull();
    clock += 3_000; // past the service's 2 s users-file reload
    await users.reload();
    expect(await who(await login('lan', 'a brand new long password'))).toMatchObject({ name: 'lan' });
  }, 60_000);

  it('a role or password changed by hand in the users file ends the sessions too (fingerprint)', async () => {
    const cookie = await login('tuan');
    const json = JSON.parse(await readFile(usersFile, 'utf8')) as { users: { name: string; role: string }[] };
    json.users.find((u) => u.name === 'tuan')!.role = 'planner';
    await writeFile(usersFile, JSON.stringify(json));
    clock += 3_000;
    expect(await who(cookie)).toBeNull();
    // And the row is deleted, not just ignored.
    expect(rows().filter((r) => r.name === 'tuan')).toEqual([]);
  });

  it(`refuses a session idle for ${SESSION_IDLE_MS / HOUR} h; activity keeps it, up to ${SESSION_TTL_MS / HOUR} h in all`, async () => {
    const idle = await login('lan');
    clock += SESSION_IDLE_MS - MIN;
    expect(await who(idle)).toMatchObject({ name: 'lan' });
    clock += SESSION_IDLE_MS - MIN; // active a minute before each timeout: still in
    expect(await who(idle)).toMatchObject({ name: 'lan' });
    clock += SESSION_IDLE_MS + 1;
    expect(await who(idle)).toBeNull();

    const busy = await login('lan');
    const started = clock;
    while (clock + HOUR < started + SESSION_TTL_MS) {
      clock += HOUR;
      expect(await who(busy), `after ${(clock - started) / HOUR} h`).toMatchObject({ name: 'lan' });
    }
    clock = started + SESSION_TTL_MS;
    expect(await who(busy)).toBeNull();
  });

  it('purges expired sessions on login, so the table stays bounded', async () => {
    for (let i = 0; i < 5; i++) await login('lan');
    expect(rows().length).toBeGreaterThanOrEqual(5);
    clock += SESSION_TTL_MS;
    await login('tuan');
    expect(rows().map((r) => r.name)).toEqual(['tuan']);
  });

  it('refuses forged, random and malformed cookies', async () => {
    const real = await login('lan');
    const value = real.slice(SESSION_COOKIE.length + 1);
    const flipped = `${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    // The old stateless format: a signed blob claiming admin (under some secret).
    const sealed = sealValue({ id: 'local:x', name: 'tuan', role: 'admin' }, Buffer.alloc(32), clock, HOUR);
    for (const forged of [
      flipped,
      'A'.repeat(43),
      Buffer.alloc(32, 7).toString('base64url'),
      sealed,
      '',
      'garbage',
      'x'.repeat(5000),
    ]) {
      const cookie = `${SESSION_COOKIE}=${forged}`;
      expect(await who(cookie), forged.slice(0, 20)).toBeNull();
      // An admin-only file answers 404 exactly as for anyone without a session.
      expect((await fetch(`${server.url}/data/layers.json`, { headers: { cookie } })).status).toBe(404);
    }
    expect(await who(real)).toMatchObject({ name: 'lan' });
  });

  it('sessions survive a restart of the service when the store file is kept', async () => {
    const cookie = await login('lan');
    await server.close();
    server = await start();
    expect(await who(cookie)).toMatchObject({ name: 'lan', role: 'operator' });
  });
});

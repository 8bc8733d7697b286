import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuthOptions } from './plugin.js';
import type { Role } from './roles.js';
import { SESSION_COOKIE } from './sessions.js';
import { UserStore } from './users.js';

/**
 * For tests that need a signed-in role: an in-memory users store with one user per role
 * (`test-planner`, `test-operator`, `test-admin`, random passwords) to pass as `auth` to
 * startServer, and a real login through `POST /api/auth/login` that returns the session cookie.
 */
export interface TestAuth {
  auth: AuthOptions;
  /** Logs in as the role's user; resolves with the cookie's `name=value`. */
  login(
    baseUrl: string,
    role: Exclude<Role, 'public'>,
  ): Promise<{ name: string; value: string; header: string }>;
}

export async function testAuth(extra: Omit<AuthOptions, 'users'> = {}): Promise<TestAuth> {
  const users = await UserStore.open();
  const passwords = new Map<string, string>();
  for (const role of ['planner', 'operator', 'admin'] as const) {
    const password = randomBytes(12).toString('base64url');
    await users.upsert(`test-${role}`, role, password);
    passwords.set(role, password);
  }
  return {
    // A sessions file of its own, so sessions survive a restart of the service within the test.
    auth: {
      sessionSecret: randomBytes(32),
      sessionsFile: path.join(mkdtempSync(path.join(tmpdir(), 'bdtwin-sessions-')), 'sessions.sqlite'),
      ...extra,
      users,
    },
    async login(baseUrl, role) {
      const res = await fetch(`${baseUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `test-${role}`, password: passwords.get(role) }),
      });
      if (res.status !== 200) throw new Error(`login as ${role}: ${res.status} ${await res.text()}`);
      const header = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
      const value = header.slice(SESSION_COOKIE.length + 1);
      return { name: SESSION_COOKIE, value, header };
    },
  };
}

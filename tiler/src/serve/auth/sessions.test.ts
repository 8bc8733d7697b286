import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSession, sealSession } from './sessions.js';

describe('session cookie', () => {
  const secret = randomBytes(32);
  const user = { id: 'local:1', name: 'an', role: 'operator' as const };

  it('opens what it sealed until it expires', () => {
    const value = sealSession(user, secret, 1_000, 60_000);
    expect(openSession(value, secret, 2_000)).toEqual(user);
    expect(openSession(value, secret, 61_000)).toBeUndefined();
  });

  it('refuses another secret, a changed payload and garbage', () => {
    const value = sealSession(user, secret, 0, 60_000);
    expect(openSession(value, randomBytes(32), 1)).toBeUndefined();
    const [, mac] = value.split('.');
    const admin = Buffer.from(JSON.stringify({ ...user, role: 'admin', exp: 60_000 })).toString('base64url');
    expect(openSession(`${admin}.${mac}`, secret, 1)).toBeUndefined();
    for (const bad of ['', '.', 'abc', 'a.b', `${value}x`, 'x'.repeat(5000)]) {
      expect(openSession(bad, secret, 1)).toBeUndefined();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSealed, sealValue } from './sealed.js';

describe('sealed cookie (the OIDC login state)', () => {
  const secret = randomBytes(32);
  const value = { id: 'state verifier', name: 'oidc', role: 'public' as const };

  it('opens what it sealed until it expires', () => {
    const sealed = sealValue(value, secret, 1_000, 60_000);
    expect(openSealed(sealed, secret, 2_000)).toEqual(value);
    expect(openSealed(sealed, secret, 61_000)).toBeUndefined();
  });

  it('refuses another secret, a changed payload and garbage', () => {
    const sealed = sealValue(value, secret, 0, 60_000);
    expect(openSealed(sealed, randomBytes(32), 1)).toBeUndefined();
    const [, mac] = sealed.split('.');
    const admin = Buffer.from(JSON.stringify({ ...value, role: 'admin', exp: 60_000 })).toString('base64url');
    expect(openSealed(`${admin}.${mac}`, secret, 1)).toBeUndefined();
    for (const bad of ['', '.', 'abc', 'a.b', `${sealed}x`, 'x'.repeat(5000)]) {
      expect(openSealed(bad, secret, 1)).toBeUndefined();
    }
  });
});

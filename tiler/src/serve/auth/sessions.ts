import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRole, type SessionUser } from './roles.js';

/**
 * Sessions are a signed cookie (HMAC-SHA256 over the user and an expiry), so they survive a
 * restart and need no table. The service still checks a local user against the users file on
 * every request (a removed user or a changed role takes effect at once). Logout clears the cookie;
 * a copied cookie stays valid until it expires (8 h), which docs/security.md states.
 */

export const SESSION_COOKIE = 'bdtwin_session';
export const SESSION_TTL_MS = 8 * 3_600_000;

interface Payload extends SessionUser {
  /** Expiry, epoch ms. */
  exp: number;
}

function mac(secret: Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** `base64url(json).base64url(hmac)`. */
export function sealSession(
  user: SessionUser,
  secret: Buffer,
  nowMs: number,
  ttlMs = SESSION_TTL_MS,
): string {
  const payload: Payload = { id: user.id, name: user.name, role: user.role, exp: nowMs + ttlMs };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** The user in a valid, unexpired cookie value; undefined for anything else (never throws). */
export function openSession(
  value: string | undefined,
  secret: Buffer,
  nowMs: number,
): SessionUser | undefined {
  if (!value || value.length > 4096) return undefined;
  const dot = value.indexOf('.');
  if (dot <= 0) return undefined;
  const body = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(secret, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let p: Partial<Payload>;
  try {
    p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof p.exp !== 'number' || p.exp <= nowMs) return undefined;
  if (typeof p.id !== 'string' || typeof p.name !== 'string' || !isRole(p.role)) return undefined;
  return { id: p.id, name: p.name, role: p.role };
}

/**
 * Cookie attributes: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * POSTs, which is the CSRF defence for the JSON APIs), Path=/, and Secure when the request came
 * over https (directly or, with `trustProxy`, per X-Forwarded-Proto). Plain http://localhost
 * gets no Secure flag, or browsers would drop the cookie and the local demo could not log in.
 */
export function cookieOptions(secure: boolean, maxAgeS = SESSION_TTL_MS / 1000) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure, maxAge: maxAgeS };
}

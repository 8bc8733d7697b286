import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRole, type SessionUser } from './roles.js';

/**
 * Short-lived values signed with HMAC-SHA256 under the service's secret, carried in a cookie so
 * that no table is needed: only the OpenID Connect login's pending state and PKCE verifier
 * (10 minutes, oidc.ts). Sessions are not sealed but kept server-side (session-store.ts).
 */

interface Payload extends SessionUser {
  /** Expiry, epoch ms. */
  exp: number;
}

function mac(secret: Buffer, body: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/** `base64url(json).base64url(hmac)`, valid for `ttlMs`. */
export function sealValue(value: SessionUser, secret: Buffer, nowMs: number, ttlMs: number): string {
  const payload: Payload = { id: value.id, name: value.name, role: value.role, exp: nowMs + ttlMs };
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

/** The value of a valid, unexpired sealed cookie; undefined for anything else (never throws). */
export function openSealed(
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

import { SESSION_TTL_MS } from './session-store.js';

/**
 * The session cookie. Its value is a random session id; what it stands for is kept server-side
 * (session-store.ts), so logout and user changes end it at once.
 */

export const SESSION_COOKIE = 'bdtwin_session';
export { SESSION_IDLE_MS, SESSION_TTL_MS } from './session-store.js';

/**
 * Cookie attributes: HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site
 * POSTs, which is the CSRF defence for the JSON APIs), Path=/, and Secure when the request came
 * over https (directly or, with `trustProxy`, per X-Forwarded-Proto). Plain http://localhost
 * gets no Secure flag, or browsers would drop the cookie and the local demo could not log in.
 */
export function cookieOptions(secure: boolean, maxAgeS = SESSION_TTL_MS / 1000) {
  return { httpOnly: true, sameSite: 'lax' as const, path: '/', secure, maxAge: maxAgeS };
}

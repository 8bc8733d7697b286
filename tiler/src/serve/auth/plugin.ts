import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type IngestGuardOptions, ingestGuard } from './ingest.js';
import { type OidcOptions, registerOidc } from './oidc.js';
import './request.js';
import { isRole, type Role, type SessionUser } from './roles.js';
import { credentialOf, SessionStore } from './session-store.js';
import { cookieOptions, SESSION_COOKIE } from './sessions.js';
import type { TokenStore } from './tokens.js';
import type { UserStore } from './users.js';

/**
 * Who the caller is, for every request: the session cookie → a server-side session
 * (session-store.ts) → `request.bdtwinUser`; the login, logout and "who am I" routes; the OIDC
 * routes when configured; and the ingest-token guard. docs/security.md describes the whole;
 * serve/server.ts registers this before any route.
 */

export interface AuthOptions {
  /** Local users (argon2id). Default: an empty in-memory store (nobody can log in). */
  users?: UserStore;
  /** Ingest tokens. Default: none, i.e. open ingest (development; the service warns). */
  tokens?: TokenStore;
  /**
   * Where sessions are kept (SQLite, shared with `bdtwin users`, which ends a user's sessions
   * there). Default: in memory, so sessions end when the service stops.
   */
  sessionsFile?: string;
  /** A session ends after this long without a request (default 2 h, SESSION_IDLE_MS). */
  sessionIdleMs?: number;
  /** Signs the OIDC login's short-lived state cookie; default: random per process. */
  sessionSecret?: Buffer;
  /** The identity provider, when a city uses one (auth/oidc.ts). */
  oidc?: OidcOptions;
  /** Login attempts per client address per minute (default 10). */
  loginPerMinute?: number;
  /** Ingest requests per source (token, else address) per minute (default 60,000). */
  ingestPerMinute?: number;
  /**
   * Tests only (never set by `bdtwin serve` or `npm start`): the role a caller without a session
   * gets. Lets tests that are not about access control read operator feeds without logging in.
   */
  anonymousRole?: Role;
  now?: () => number;
  log?: (line: string) => void;
}

export const AUTH_DEFAULTS = { loginPerMinute: 10, ingestPerMinute: 60_000 };

/** Expired sessions are purged this often, besides on every login. */
const PURGE_INTERVAL_MS = 10 * 60_000;

/** What `GET /api/auth/me` answers. */
export interface MeResponse {
  user: SessionUser | null;
  /** Whether "log in with the city's identity provider" is offered. */
  oidc: boolean;
}

export async function registerAuth(app: FastifyInstance, options: AuthOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const secret = options.sessionSecret ?? (await import('node:crypto')).randomBytes(32);
  const users = options.users;
  const anonymous: SessionUser | undefined =
    options.anonymousRole && options.anonymousRole !== 'public'
      ? { id: 'test:anonymous', name: 'anonymous', role: options.anonymousRole }
      : undefined;

  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  app.decorateRequest('bdtwinUser', undefined);

  // A short busy timeout: better-sqlite3 waits synchronously, and `bdtwin users` holds the write
  // lock only for a DELETE. Reads never wait (WAL).
  const sessions = SessionStore.open(options.sessionsFile, {
    ...(options.sessionIdleMs !== undefined ? { idleMs: options.sessionIdleMs } : {}),
    busyTimeoutMs: 250,
  });
  const purge = setInterval(() => {
    try {
      sessions.purge(now());
    } catch (error) {
      app.log.error({ err: error }, 'sessions purge');
    }
  }, PURGE_INTERVAL_MS);
  purge.unref();
  app.addHook('onClose', async () => {
    clearInterval(purge);
    sessions.close();
  });

  /** Re-reads the users file at most every 2 s (a hand edit takes effect within that). */
  let lastReload = 0;
  app.addHook('onRequest', async (req) => {
    const id = req.cookies[SESSION_COOKIE];
    let session: ReturnType<SessionStore['lookup']>;
    try {
      session = sessions.lookup(id, now());
    } catch (error) {
      // The store failing must not let anyone in, nor take the public service down.
      req.log.error({ err: error }, 'sessions store');
      session = undefined;
    }
    if (!session) {
      req.bdtwinUser = anonymous;
      return;
    }
    if (session.id.startsWith('local:')) {
      if (users && now() - lastReload > 2_000) {
        lastReload = now();
        await users.reload().catch((error: Error) => req.log.error({ err: error }, 'users file'));
      }
      // Removed, or password or role changed since the login: the session is over.
      const stored = users?.byId(session.id.slice('local:'.length));
      if (!stored || credentialOf(stored) !== session.credential) {
        try {
          sessions.end(id);
        } catch {
          // Refused again next time anyway: the fingerprint still differs.
        }
        req.bdtwinUser = anonymous;
        return;
      }
      req.bdtwinUser = { id: session.id, name: stored.name, role: stored.role };
      return;
    }
    req.bdtwinUser = { id: session.id, name: session.name, role: session.role };
  });

  const guard: IngestGuardOptions = {
    ...(options.tokens ? { tokens: options.tokens } : {}),
    limiter: app.rateLimit({
      max: options.ingestPerMinute ?? AUTH_DEFAULTS.ingestPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => {
        const auth = req.headers.authorization;
        return auth ? `token:${auth.slice(-16)}` : `ip:${req.ip}`;
      },
    }),
  };
  app.addHook('onRequest', ingestGuard(guard));

  /**
   * Starts a server-side session for `user` (after a password or OIDC login) and sets its id as
   * the cookie. A session the browser already had is ended: one login, one live session id.
   */
  const startSession = (req: FastifyRequest, reply: FastifyReply, user: SessionUser, credential = '') => {
    sessions.end(req.cookies[SESSION_COOKIE]);
    const id = sessions.create(user, credential, now());
    reply.setCookie(SESSION_COOKIE, id, cookieOptions(req.protocol === 'https'));
  };

  app.post<{ Body: { name?: unknown; password?: unknown } }>(
    '/api/auth/login',
    {
      bodyLimit: 4 * 1024,
      config: {
        rateLimit: {
          max: options.loginPerMinute ?? AUTH_DEFAULTS.loginPerMinute,
          timeWindow: 60_000,
          errorResponseBuilder: (req, ctx) => ({
            statusCode: 429,
            error: 'too many login attempts',
            message: `try again in ${Math.ceil(ctx.ttl / 1000)} s`,
            requestId: req.id,
          }),
        },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const name = typeof body?.name === 'string' ? body.name : '';
      const password = typeof body?.password === 'string' ? body.password : '';
      // One answer for every failure (unknown user, wrong password, missing field), after the
      // same Argon2 work, so neither the message nor the timing tells which.
      const user =
        users && name.length <= 64 && password.length <= 1024
          ? await users.authenticate(name, password)
          : undefined;
      if (!user) {
        options.log?.(`bdtwin auth: failed login for "${name.slice(0, 64)}" from ${req.ip}`);
        return reply
          .code(401)
          .send({ error: 'unauthorized', message: 'wrong user name or password', requestId: req.id });
      }
      const session: SessionUser = { id: `local:${user.id}`, name: user.name, role: user.role };
      startSession(req, reply, session, credentialOf(user));
      return { user: session } satisfies { user: SessionUser };
    },
  );

  // Ends the session server-side: a copy of the cookie stops working too.
  app.post('/api/auth/logout', { bodyLimit: 1024 }, async (req, reply) => {
    sessions.end(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { user: null };
  });

  app.get('/api/auth/me', async (req, reply): Promise<MeResponse> => {
    reply.header('Cache-Control', 'no-store');
    return { user: req.bdtwinUser ?? null, oidc: options.oidc !== undefined };
  });

  if (options.oidc) await registerOidc(app, options.oidc, { secret, startSession, now });
}

/**
 * A route guard: the caller must have one of `roles` (admin always passes). 401 without a
 * session, 403 with one of another role.
 */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const role = req.bdtwinUser?.role;
    if (role === 'admin' || (role && roles.includes(role))) return;
    const anonymous = !role || role === 'public';
    await reply.code(anonymous ? 401 : 403).send({
      error: anonymous ? 'unauthorized' : 'forbidden',
      message: anonymous ? 'log in first' : `this needs the ${roles.join(' or ')} role`,
      requestId: req.id,
    });
  };
}

export { isRole };

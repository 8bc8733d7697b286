import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { isRole, type Role, type SessionUser } from './roles.js';
import { openSealed, sealValue } from './sealed.js';
import { cookieOptions } from './sessions.js';

/**
 * Log in with a city's identity provider (OpenID Connect, authorization code + PKCE, via
 * openid-client). `GET /api/auth/oidc/login` redirects there; the provider sends the browser back
 * to `GET /api/auth/oidc/callback`, where the code is exchanged, the ID token checked (issuer,
 * audience, signature, nonce-free PKCE + state) and the role read from a claim. A user whose
 * claim names no bdtwin role gets `public`. Configured from the environment (oidcFromEnv).
 */

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  /** Claim holding the role: a string or a list of strings (default `bdtwin_role`). */
  roleClaim?: string;
  /** Where the provider redirects back; default `<request origin>/api/auth/oidc/callback`. */
  redirectUrl?: string;
  /** http:// issuers (a test provider, a lab); never for a city's real provider. */
  allowHttp?: boolean;
}

export const OIDC_STATE_COOKIE = 'bdtwin_oidc';

/** `BDTWIN_OIDC_ISSUER`, `BDTWIN_OIDC_CLIENT_ID`, `BDTWIN_OIDC_CLIENT_SECRET`, `BDTWIN_OIDC_ROLE_CLAIM`, `BDTWIN_OIDC_REDIRECT_URL`. */
export function oidcFromEnv(env: NodeJS.ProcessEnv = process.env): OidcOptions | undefined {
  const issuer = env.BDTWIN_OIDC_ISSUER;
  if (!issuer) return undefined;
  const clientId = env.BDTWIN_OIDC_CLIENT_ID;
  if (!clientId) throw new Error('BDTWIN_OIDC_ISSUER is set but BDTWIN_OIDC_CLIENT_ID is not');
  return {
    issuer,
    clientId,
    ...(env.BDTWIN_OIDC_CLIENT_SECRET ? { clientSecret: env.BDTWIN_OIDC_CLIENT_SECRET } : {}),
    ...(env.BDTWIN_OIDC_ROLE_CLAIM ? { roleClaim: env.BDTWIN_OIDC_ROLE_CLAIM } : {}),
    ...(env.BDTWIN_OIDC_REDIRECT_URL ? { redirectUrl: env.BDTWIN_OIDC_REDIRECT_URL } : {}),
  };
}

/** The role a claim value grants: the highest bdtwin role named (admin > operator > planner). */
export function roleFromClaim(value: unknown): Role {
  const names = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  for (const role of ['admin', 'operator', 'planner'] as const) if (names.includes(role)) return role;
  const first = names.find(isRole);
  return first ?? 'public';
}

interface Context {
  secret: Buffer;
  now: () => number;
  startSession(req: FastifyRequest, reply: FastifyReply, user: SessionUser): void;
}

export async function registerOidc(app: FastifyInstance, options: OidcOptions, ctx: Context): Promise<void> {
  let config: Promise<client.Configuration> | undefined;
  // Discovered on first use, so the service starts while the provider is down (and retries).
  const configuration = () => {
    config ??= client
      .discovery(
        new URL(options.issuer),
        options.clientId,
        options.clientSecret,
        undefined,
        options.allowHttp ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        config = undefined;
        throw error;
      });
    return config;
  };
  const redirectUri = (req: FastifyRequest) =>
    options.redirectUrl ?? `${req.protocol}://${req.headers.host}/api/auth/oidc/callback`;

  app.get('/api/auth/oidc/login', async (req, reply) => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(await configuration(), {
      redirect_uri: redirectUri(req),
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    // The verifier and state ride in a short-lived signed cookie (no server-side table).
    const pending = sealValue(
      { id: `${state} ${verifier}`, name: 'oidc', role: 'public' },
      ctx.secret,
      ctx.now(),
      600_000,
    );
    reply.setCookie(OIDC_STATE_COOKIE, pending, cookieOptions(req.protocol === 'https', 600));
    return reply.redirect(url.href);
  });

  app.get('/api/auth/oidc/callback', async (req, reply) => {
    const pending = openSealed(req.cookies[OIDC_STATE_COOKIE], ctx.secret, ctx.now());
    reply.clearCookie(OIDC_STATE_COOKIE, { path: '/' });
    if (!pending)
      return reply
        .code(400)
        .send({ error: 'bad request', message: 'the login expired; start again', requestId: req.id });
    const [state, verifier] = pending.id.split(' ');
    const current = new URL(req.url, redirectUri(req));
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(await configuration(), current, {
        pkceCodeVerifier: verifier!,
        expectedState: state!,
      });
      claims = tokens.claims() as Record<string, unknown> | undefined;
    } catch (error) {
      req.log.warn({ err: error }, 'OIDC callback failed');
      return reply.code(401).send({
        error: 'unauthorized',
        message: 'the identity provider did not confirm the login',
        requestId: req.id,
      });
    }
    if (!claims || typeof claims.sub !== 'string') {
      return reply.code(401).send({ error: 'unauthorized', message: 'no ID token', requestId: req.id });
    }
    const name = [claims.preferred_username, claims.name, claims.email, claims.sub].find(
      (v): v is string => typeof v === 'string' && v.length > 0,
    )!;
    const role = roleFromClaim(claims[options.roleClaim ?? 'bdtwin_role']);
    ctx.startSession(req, reply, { id: `oidc:${claims.sub}`, name: name.slice(0, 80), role });
    return reply.redirect('/');
  });
}

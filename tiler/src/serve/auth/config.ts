import path from 'node:path';
import { oidcFromEnv } from './oidc.js';
import type { AuthOptions } from './plugin.js';
import { loadSessionSecret } from './secret.js';
import { TokenStore } from './tokens.js';
import { UserStore } from './users.js';

/**
 * Where the service keeps its secrets, from the environment or defaults under an auth folder
 * that is never served and never committed (`build/` is gitignored):
 * - `BDTWIN_USERS` → users file (default `<authDir>/users.json`)
 * - `BDTWIN_TOKENS` → ingest tokens (default `<authDir>/tokens.json`)
 * - `BDTWIN_SESSIONS` → sessions (SQLite, default `<authDir>/sessions.sqlite`)
 * - `BDTWIN_SESSION_IDLE_MINUTES` → idle timeout of a session (default 120)
 * - `BDTWIN_SESSION_SECRET`, else `<authDir>/session-secret` (generated once; signs the OIDC
 *   login state)
 * - `BDTWIN_OIDC_*` → the identity provider (oidc.ts)
 * - `BDTWIN_CORS_ORIGINS` → comma-separated origins allowed to call the service
 * - `BDTWIN_INGEST_PER_MINUTE` → HTTP ingest requests per minute per token (per client address
 *   without one), default 60,000: a device is far below it; a gateway forwarding a whole
 *   city's sensors under one token, or a load test, may need more
 */

export interface AuthPaths {
  usersFile: string;
  tokensFile: string;
  sessionsFile: string;
  secretFile: string;
}

export function authPaths(authDir: string, env: NodeJS.ProcessEnv = process.env): AuthPaths {
  // An empty variable counts as unset (a blank line in an env file must not mean "the cwd").
  return {
    usersFile: path.resolve(env.BDTWIN_USERS || path.join(authDir, 'users.json')),
    tokensFile: path.resolve(env.BDTWIN_TOKENS || path.join(authDir, 'tokens.json')),
    sessionsFile: path.resolve(env.BDTWIN_SESSIONS || path.join(authDir, 'sessions.sqlite')),
    secretFile: path.join(authDir, 'session-secret'),
  };
}

export async function loadAuth(
  authDir: string,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = (line) => console.error(line),
): Promise<{ auth: AuthOptions; paths: AuthPaths; corsOrigins: string[] }> {
  const paths = authPaths(authDir, env);
  const users = await UserStore.open(paths.usersFile);
  const tokens = await TokenStore.open(paths.tokensFile);
  const sessionSecret = await loadSessionSecret(paths.secretFile, env);
  const oidc = oidcFromEnv(env);
  const sessionIdleMs = sessionIdleFromEnv(env);
  const ingestPerMinute = ingestPerMinuteFromEnv(env);
  const corsOrigins = (env.BDTWIN_CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/]+$/.test(origin))
      throw new Error(`BDTWIN_CORS_ORIGINS: "${origin}" must be an origin like https://viewer.example.vn`);
  }
  return {
    auth: {
      users,
      tokens,
      sessionSecret,
      sessionsFile: paths.sessionsFile,
      ...(sessionIdleMs !== undefined ? { sessionIdleMs } : {}),
      ...(ingestPerMinute !== undefined ? { ingestPerMinute } : {}),
      ...(oidc ? { oidc } : {}),
      log,
    },
    paths,
    corsOrigins,
  };
}

/** `BDTWIN_SESSION_IDLE_MINUTES` (1 to 1440) in ms; undefined when unset (the 2 h default). */
export function sessionIdleFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.BDTWIN_SESSION_IDLE_MINUTES;
  if (!text) return undefined;
  const minutes = Number(text);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
    throw new Error(`BDTWIN_SESSION_IDLE_MINUTES: "${text}" must be a whole number of minutes, 1 to 1440`);
  return minutes * 60_000;
}

/** `BDTWIN_INGEST_PER_MINUTE` (1 to 10⁹); undefined when unset (AUTH_DEFAULTS.ingestPerMinute). */
export function ingestPerMinuteFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.BDTWIN_INGEST_PER_MINUTE;
  if (!text) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1e9)
    throw new Error(
      `BDTWIN_INGEST_PER_MINUTE: "${text}" must be a whole number of requests, 1 to 1000000000`,
    );
  return n;
}

/** The lines `bdtwin serve` prints about access control at start (warnings included). */
export function authSummary(auth: AuthOptions, paths: AuthPaths): string[] {
  const lines = [
    `bdtwin: access control: ${auth.users?.size ?? 0} users (${paths.usersFile}), ` +
      `${auth.tokens?.list().length ?? 0} ingest tokens (${paths.tokensFile})` +
      (auth.oidc ? `, OpenID Connect ${auth.oidc.issuer}` : ''),
  ];
  if (!auth.tokens || auth.tokens.empty) {
    lines.push(
      '',
      '  !!! WARNING: no ingest tokens: anyone who can reach this service can WRITE sensor data over',
      '  !!! HTTP and MQTT. Fine on a laptop; never in a city. Create one per source:',
      '  !!!   npx bdtwin tokens add <source> [--topics "v1.1/#"]',
      '',
    );
  }
  return lines;
}

/**
 * The OpenID Connect log-in against a tiny identity provider written here (discovery, JWKS, an
 * authorization endpoint that signs in at once, a token endpoint that checks the PKCE verifier and
 * signs an RS256 ID token). No network beyond 127.0.0.1.
 */
import { createHash, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../server.js';
import { roleFromClaim } from './oidc.js';

const CLIENT_ID = 'bdtwin';
const CLIENT_SECRET = randomBytes(16).toString('hex');
const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

let provider: Server;
let issuer = '';
let service: RunningServer;
let dir = '';
let claimRole: unknown = 'operator';
const codes = new Map<string, { challenge: string; redirect: string }>();
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function idToken(sub: string): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
  const now = Math.floor(Date.now() / 1000);
  const payload = b64url(
    JSON.stringify({
      iss: issuer,
      aud: CLIENT_ID,
      sub,
      iat: now,
      exp: now + 300,
      preferred_username: 'nguyen.an',
      bdtwin_role: claimRole,
    }),
  );
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

beforeAll(async () => {
  provider = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      });
    }
    if (url.pathname === '/jwks') {
      return json(200, {
        keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' }],
      });
    }
    if (url.pathname === '/authorize') {
      // Signs the user in at once and sends the browser back with a code.
      const code = randomBytes(8).toString('hex');
      codes.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirect: url.searchParams.get('redirect_uri') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        // client_secret_basic or client_secret_post (openid-client's default).
        const basic =
          Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString() ||
          `${form.get('client_id')}:${form.get('client_secret')}`;
        const pending = codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const ok =
          basic === `${CLIENT_ID}:${CLIENT_SECRET}` &&
          pending !== undefined &&
          pending.redirect === form.get('redirect_uri') &&
          b64url(createHash('sha256').update(verifier).digest()) === pending.challenge;
        if (!ok) return json(400, { error: 'invalid_grant' });
        codes.delete(form.get('code')!);
        json(200, {
          access_token: 'at',
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken('user-42'),
        });
      });
      return;
    }
    json(404, {});
  });
  await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
  const address = provider.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-oidc-'));
  service = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    auth: { oidc: { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, allowHttp: true } },
  });
});

afterAll(async () => {
  await service?.close();
  await new Promise((r) => provider?.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** Follows the log-in as a browser would, by hand; resolves with the callback's response. */
async function logIn(tamper?: (callback: URL) => void): Promise<Response> {
  const start = await fetch(`${service.url}/api/auth/oidc/login`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const pendingCookie = start.headers.get('set-cookie')!.split(';')[0]!;
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const atProvider = await fetch(authorize, { redirect: 'manual' });
  const callback = new URL(atProvider.headers.get('location')!);
  tamper?.(callback);
  return fetch(callback, { redirect: 'manual', headers: { cookie: pendingCookie } });
}

describe('OpenID Connect log-in (authorization code + PKCE)', () => {
  it('signs the user in with the role from the claim', async () => {
    claimRole = ['viewer', 'operator'];
    const res = await logIn();
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const session = res.headers.getSetCookie().find((c) => c.startsWith('bdtwin_session='))!;
    expect(session).toMatch(/HttpOnly/);
    const me = await fetch(`${service.url}/api/auth/me`, { headers: { cookie: session.split(';')[0]! } });
    expect(await me.json()).toEqual({
      user: { id: 'oidc:user-42', name: 'nguyen.an', role: 'operator' },
      oidc: true,
    });
    // A server-side session like a local one: logout ends it, copies included.
    const cookie = session.split(';')[0]!;
    await fetch(`${service.url}/api/auth/logout`, { method: 'POST', headers: { cookie } });
    const after = await fetch(`${service.url}/api/auth/me`, { headers: { cookie } });
    expect(((await after.json()) as { user: unknown }).user).toBeNull();
  });

  it('refuses a callback with a forged state, and one without the pending cookie', async () => {
    const wrongState = await logIn((u) => u.searchParams.set('state', 'forged'));
    expect(wrongState.status).toBe(401);
    expect(
      wrongState.headers
        .getSetCookie()
        .some((c) => c.startsWith('bdtwin_session=') && !c.startsWith('bdtwin_session=;')),
    ).toBe(false);
    const noCookie = await fetch(`${service.url}/api/auth/oidc/callback?code=x&state=y`, {
      redirect: 'manual',
    });
    expect(noCookie.status).toBe(400);
  });

  it('maps claims to roles: the highest bdtwin role named, else public', () => {
    expect(roleFromClaim('admin')).toBe('admin');
    expect(roleFromClaim(['planner', 'operator'])).toBe('operator');
    expect(roleFromClaim(['staff'])).toBe('public');
    expect(roleFromClaim(undefined)).toBe('public');
  });
});

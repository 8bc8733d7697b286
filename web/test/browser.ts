/**
 * Shared set-up for the browser tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), the flags that give WebGL on SwiftShader without network chatter, the
 * demo build, and the "did anything leave this machine" check.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Screenshots land here (gitignored); look at them. */
export const OUT = path.join(ROOT, 'test-output');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) {
  console.warn(
    `[browser tests] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** Headless Chromium with WebGL on SwiftShader, and no background requests to Google. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * scripts/demo.ts builds the demo city, its tiles and the viewer. Imported by a computed
 * specifier so that web's TypeScript project does not pull in the scripts project's sources
 * (a composite project may only contain its own files); the shape is checked here instead.
 */
export interface DemoModule {
  ensureDemo(options?: { log?: (line: string) => void }): Promise<{ dataDir: string }>;
  ensureWebBuild(options?: { log?: (line: string) => void }): Promise<string>;
}
const DEMO_MODULE = '../../scripts/demo.js';
export async function demoModule(): Promise<DemoModule> {
  return (await import(/* @vite-ignore */ DEMO_MODULE)) as DemoModule;
}

/** Whether a request stayed on this machine (data:, blob:, or http(s)/ws to localhost). */
export function isLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  try {
    const u = new URL(url);
    return (
      ['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) &&
      ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)
    );
  } catch {
    return false;
  }
}

/**
 * Signs a browser context in as `role` on the service at `baseUrl` (a real `POST /api/auth/login`
 * with a user of `testAuth()` from tiler/src/serve/auth/testing.ts, whose `auth` the test passed to
 * startServer). The cookie is set for both localhost and 127.0.0.1, as tests use either.
 */
export async function loginAs(
  context: BrowserContext,
  baseUrl: string,
  auth: {
    login(baseUrl: string, role: 'planner' | 'operator' | 'admin'): Promise<{ name: string; value: string }>;
  },
  role: 'planner' | 'operator' | 'admin',
): Promise<void> {
  const { name, value } = await auth.login(baseUrl, role);
  const port = new URL(baseUrl).port;
  await context.addCookies(
    ['localhost', '127.0.0.1'].map((host) => ({
      name,
      value,
      url: `http://${host}:${port}`,
      httpOnly: true,
      sameSite: 'Lax' as const,
    })),
  );
}

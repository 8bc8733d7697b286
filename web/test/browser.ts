/**
 * Shared set-up for the browser tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), the flags that give WebGL on SwiftShader without network chatter, the
 * demo build, and the "did anything leave this machine" check.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

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

/** What a browser test saw go wrong (and everything requested, for the offline check). */
export interface PageWatch {
  /** Every URL the context requested, in order. */
  requests: string[];
  /** Responses ≥ 400 ("404 <url>") and requests that failed ("failed (<reason>) <url>"). */
  failures: string[];
  /** Uncaught exceptions in the page and console errors ("console: …"). */
  pageErrors: string[];
}

export interface WatchOptions {
  /** A response (its status) or failed request (its reason) that is expected, not a failure. */
  expected?(url: string, statusOrReason: number | string): boolean;
  /** A console error line that is expected (e.g. Chromium's line for an expected 404). */
  expectedConsole?(text: string): boolean;
}

/**
 * A fresh context (a fresh, empty profile: no cache, no service workers) and a page in it,
 * recording into `watch` what they request and what fails. Cancelled requests (ERR_ABORTED:
 * Cesium drops tile requests the camera no longer needs) are not failures.
 */
export async function openWatchedPage(
  browser: Browser,
  contextOptions: BrowserContextOptions,
  watch: PageWatch,
  options: WatchOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ deviceScaleFactor: 1, ...contextOptions });
  watchContext(context, watch, options);
  const page = await context.newPage();
  watchPage(page, watch, options);
  return { context, page };
}

/** Records a context's requests and its responses ≥ 400 and failed requests into `watch`. */
export function watchContext(
  context: BrowserContext,
  watch: Omit<PageWatch, 'pageErrors'>,
  options: WatchOptions = {},
): void {
  context.on('request', (r) => {
    watch.requests.push(r.url());
  });
  context.on('response', (r) => {
    if (r.status() >= 400 && !options.expected?.(r.url(), r.status())) {
      watch.failures.push(`${r.status()} ${r.url()}`);
    }
  });
  context.on('requestfailed', (r) => {
    const reason = r.failure()?.errorText ?? '';
    if (/ERR_ABORTED/.test(reason) || options.expected?.(r.url(), reason)) return;
    watch.failures.push(`failed (${reason}) ${r.url()}`);
  });
}

/**
 * The demo terrain answers 404 for some level-12 tiles at the edge of its extent, which Cesium
 * asks for when the whole province is in view (and Chromium logs each as a console error).
 */
export const DEMO_TERRAIN_EDGE_404: WatchOptions = {
  expected: (url, status) => status === 404 && /\/data\/terrain\//.test(url),
  expectedConsole: (text) => /^Failed to load resource: .* 404/.test(text),
};

/** Records a page's uncaught exceptions and console errors into `watch.pageErrors`. */
export function watchPage(
  page: Page,
  watch: Pick<PageWatch, 'pageErrors'>,
  options: WatchOptions = {},
): void {
  page.on('pageerror', (e) => {
    watch.pageErrors.push(e.message);
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !options.expectedConsole?.(m.text()))
      watch.pageErrors.push(`console: ${m.text()}`);
  });
}

/**
 * scripts/demo.ts builds the demo city, its tiles and the viewer. Imported by a computed
 * specifier so that web's TypeScript project does not pull in the scripts project's sources
 * (a composite project may only contain its own files); the shape is checked here instead.
 */
export interface DemoModule {
  ensureCity(log?: (line: string) => void): Promise<void>;
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

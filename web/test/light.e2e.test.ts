/**
 * The light viewer (three.js + 3d-tiles-renderer) on the demo tileset in headless Chromium:
 * a second 3D Tiles client loads the tiler's output (meshopt, quantization, feature ids and
 * property tables) and a building is identified by a click, offline.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../tiler/src/serve/server.js';

interface DemoModule {
  ensureDemo(options?: { log?: (line: string) => void }): Promise<{ dataDir: string }>;
  ensureWebBuild(options?: { log?: (line: string) => void }): Promise<string>;
}
const DEMO_MODULE = '../../scripts/demo.js';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = path.join(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

declare global {
  interface Window {
    __bdtwinLight?: {
      loaded: boolean;
      meshes: number;
      error: string | null;
      pick(x: number, y: number): string | null;
    };
  }
}

describe.skipIf(!existsSync(CHROMIUM))('light viewer: 3d-tiles-renderer loads the tiler output', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const log = (line: string) => console.log(`[light] ${line}`);
    const { ensureDemo, ensureWebBuild } = (await import(/* @vite-ignore */ DEMO_MODULE)) as DemoModule;
    const { dataDir } = await ensureDemo({ log });
    const webDir = await ensureWebBuild({ log });
    server = await startServer({ port: 0, dataDir, webDir });
    await mkdir(OUT, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--enable-unsafe-swiftshader',
        '--disable-background-networking',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on('request', (r) => {
      requests.push(r.url());
    });
    page.on('pageerror', (e) => {
      errors.push(e.message);
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the buildings and reads a clicked building’s id from its metadata', async () => {
    const t0 = Date.now();
    await page.goto(`${server!.url}/light.html`);
    await page.waitForFunction(
      () => window.__bdtwinLight?.loaded === true || window.__bdtwinLight?.error,
      null,
      {
        timeout: 120_000,
        polling: 250,
      },
    );
    const state = await page.evaluate(() => ({
      meshes: window.__bdtwinLight!.meshes,
      error: window.__bdtwinLight!.error,
    }));
    expect(state.error).toBeNull();
    expect(state.meshes).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUT, 'light-overview.png') });
    // The view is centred on the old town: find a pixel that hits a building.
    let picked: string | null = null;
    for (let y = 300; y <= 460 && !picked; y += 8) {
      for (let x = 480; x <= 800 && !picked; x += 8) {
        picked = await page.evaluate(([px, py]) => window.__bdtwinLight!.pick(px!, py!), [x, y]);
      }
    }
    expect(picked).toMatch(/^TDM-\d{6}$/);
    console.log(`[light] loaded in ${Date.now() - t0} ms, ${state.meshes} meshes, picked ${picked}`);
    expect(requests.filter((u) => !/^(data:|blob:|https?:\/\/(localhost|127\.0\.0\.1)[:/])/.test(u))).toEqual(
      [],
    );
    expect(errors).toEqual([]);
  }, 180_000);
});

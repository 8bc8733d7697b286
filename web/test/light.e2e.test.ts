/**
 * The light viewer (three.js + 3d-tiles-renderer) on the demo tileset in headless Chromium:
 * a second 3D Tiles client loads the tiler's output (meshopt, quantization, feature ids and
 * property tables) and a building is identified by a click, offline.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../tiler/src/serve/server.js';
import { demoModule, HAVE_CHROMIUM, isLocal, launchChromium, OUT } from './browser';

declare global {
  interface Window {
    __bdtwinLight?: {
      loaded: boolean;
      meshes: number;
      error: string | null;
      pick(x: number, y: number): string | null;
      tilesLoadedCount: number;
      setCamera(view: {
        lonDeg: number;
        latDeg: number;
        heightM: number;
        headingDeg: number;
        pitchDeg: number;
      }): void;
    };
  }
}

describe.skipIf(!HAVE_CHROMIUM)('light viewer: 3d-tiles-renderer loads the tiler output', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const requests: string[] = [];
  const errors: string[] = [];

  beforeAll(async () => {
    const log = (line: string) => console.log(`[light] ${line}`);
    const { ensureDemo, ensureWebBuild } = await demoModule();
    const { dataDir } = await ensureDemo({ log });
    const webDir = await ensureWebBuild({ log });
    server = await startServer({ port: 0, dataDir, webDir });
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
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
    expect(requests.filter((u) => !isLocal(u))).toEqual([]);
    expect(errors).toEqual([]);
  }, 180_000);
});

/**
 * A 3D Tiles archive in the service's data folder, loaded by both viewers through plain URLs
 * (`/data/buildings.3tz/tileset.json`, tiles under it): the demo city's buildings tileset,
 * packed as `bdtwin tile --archive` packs it and deployed alone. CesiumJS draws the opening view
 * out of it, and 3d-tiles-renderer (the light viewer) loads it and picks a building. Neither
 * client knows it reads an archive.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../tiler/src/archive/write.js';
import { startServer } from '../../tiler/src/serve/server.js';
import { ARCHIVE_OPTIONS } from '../../tiler/src/tiles/archive-output.js';
import {
  demoModule,
  HAVE_CHROMIUM,
  isLocal,
  launchChromium,
  OUT,
  openWatchedPage,
  type PageWatch,
} from './browser';

/** As viewer.e2e: a broken tileset, style or culling shows a few hundred features at most. */
const MIN_OVERVIEW_FEATURES = 5_000;

describe.skipIf(!HAVE_CHROMIUM)('3D Tiles archive served to the viewers (headless Chromium)', () => {
  let work: string;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const watch: PageWatch = { requests: [], failures: [], pageErrors: [] };
  const { requests, failures, pageErrors } = watch;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[3tz] ${line}`);
    const { ensureDemo, ensureWebBuild } = await demoModule();
    const demo = await ensureDemo({ log });
    const webDir = await ensureWebBuild({ log });
    work = await mkdtemp(path.join(tmpdir(), 'bdtwin-3tz-e2e-'));
    const dataDir = path.join(work, 'data');
    await mkdir(dataDir);
    const t0 = Date.now();
    const archive = await writeArchive(
      path.join(demo.dataDir, 'buildings'),
      path.join(dataDir, 'buildings.3tz'),
      ARCHIVE_OPTIONS,
    );
    log(
      `packed ${archive.entries} files into ${(archive.bytes / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`,
    );

    server = await startServer({ port: 0, dataDir, webDir });
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    ({ context, page } = await openWatchedPage(browser, { viewport: { width: 1280, height: 720 } }, watch));
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('CesiumJS draws the opening view out of the archive', async () => {
    const t0 = Date.now();
    await page.goto(`${server!.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bdtwin?.ready === true, null, { timeout: 60_000 });
    await page.waitForFunction(() => window.__bdtwin?.tilesLoaded === true, null, {
      timeout: 60_000,
      polling: 250,
    });
    const state = await page.evaluate(() => ({
      features: window.__bdtwin!.renderedFeatures,
      errors: window.__bdtwin!.errors,
    }));
    await page.screenshot({ path: path.join(OUT, 'archive-cesium.png') });
    const tiles = requests.filter((u) => new URL(u).pathname.startsWith('/data/buildings.3tz/tiles/'));
    console.log(
      `[3tz] Cesium: ${state.features} features from ${tiles.length} tiles in ${Date.now() - t0} ms`,
    );
    expect(state.errors).toEqual([]);
    expect(requests.some((u) => new URL(u).pathname === '/data/buildings.3tz/tileset.json')).toBe(true);
    expect(tiles.length).toBeGreaterThan(0);
    expect(state.features).toBeGreaterThan(MIN_OVERVIEW_FEATURES);
  }, 120_000);

  it('3d-tiles-renderer (the light viewer) loads the same archive layer and picks a building', async () => {
    await page.goto(`${server!.url}/light.html`, { waitUntil: 'load' });
    await page.waitForFunction(
      () => window.__bdtwinLight?.loaded === true || window.__bdtwinLight?.error,
      null,
      {
        timeout: 60_000,
        polling: 250,
      },
    );
    const state = await page.evaluate(() => ({
      meshes: window.__bdtwinLight!.meshes,
      error: window.__bdtwinLight!.error,
    }));
    await page.screenshot({ path: path.join(OUT, 'archive-light.png') });
    expect(state.error).toBeNull();
    expect(state.meshes).toBeGreaterThan(0);
    // As light.e2e: the view is centred on the old town, find a pixel on a building.
    let picked: string | null = null;
    for (let y = 300; y <= 460 && !picked; y += 8) {
      for (let x = 480; x <= 800 && !picked; x += 8) {
        picked = await page.evaluate(([px, py]) => window.__bdtwinLight!.pick(px!, py!), [x, y]);
      }
    }
    expect(picked).toMatch(/^TDM-\d{6}$/);
    expect(requests.filter((u) => !isLocal(u))).toEqual([]);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});

/**
 * The viewer on terrain, in real headless Chromium (software WebGL): a data folder built in a
 * temporary directory with the demo DEM tiled by `bdtwin terrain`, the ward boundaries, and the
 * demo buildings of the riverside clamped to the same terrain. Checks that CesiumTerrainProvider
 * loads the tiles (served gzipped), that the globe's surface is at the terrain's heights, and
 * takes low-angle screenshots over the Sài Gòn valley into test-output/ (look at them).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../tiler/src/serve/server.js';
import { TERRAIN_DEFAULTS, tileTerrain } from '../../tiler/src/terrain/build.js';
import { openTerrainSampler } from '../../tiler/src/terrain/sample.js';
import { TILE_DEFAULTS, tileBuildings } from '../../tiler/src/tile.js';
import type { BdtwinHooks } from '../src/scene/testHooks';
import {
  demoModule,
  HAVE_CHROMIUM,
  launchChromium,
  OUT,
  openWatchedPage,
  type PageWatch,
  ROOT,
} from './browser';

/** scripts/ modules, by computed specifier (see browser.ts for why). */
interface DemModule {
  ensureDemoDem(dir: string): Promise<string>;
  ensureDemoWater(dir: string): Promise<string>;
}
const DEM_MODULE = '../../scripts/terrain/demo-dem.js';

const VIEWPORT = { width: 1280, height: 720 };
const LOAD_TIMEOUT_MS = 180_000;
/** Riverside Thủ Dầu Một: the old centre on the valley side, the Sài Gòn river to its west. */
const AREA = { west: 106.615, south: 10.966, east: 106.665, north: 11.0 };

declare global {
  interface Window {
    __bdtwin?: BdtwinHooks;
  }
}

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown> & { id: string; height?: number };
  geometry:
    | { type: 'Polygon'; coordinates: number[][][] }
    | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

/**
 * The demo buildings in AREA, standing on the terrain. Until the building tiler takes
 * `--terrain`, a building's clamped base is passed as OSM `min_height` (its bottom) over a base
 * at the ellipsoid, with `height` raised by the same amount: the same walls in the same place.
 */
async function clampedBuildings(demFile: string, file: string): Promise<number> {
  const fc = JSON.parse(await readFile(path.join(ROOT, 'data/generated/buildings.geojson'), 'utf8')) as {
    features: Feature[];
  };
  const sampler = await openTerrainSampler([demFile]);
  const features: Feature[] = [];
  for (const f of fc.features) {
    const parts = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const [lon, lat] = parts[0]![0]![0]!;
    if (lon! < AREA.west || lon! > AREA.east || lat! < AREA.south || lat! > AREA.north) continue;
    const base = sampler.footprintBaseM(parts.map((rings) => rings.map((r) => r.slice(0, -1).flat())));
    // min_height must be ≥ 0; by the river the ground is ~1 m *below* the ellipsoid (the geoid
    // is −4.5 m here). Those few wait for the tiler's own clamping, which has no such limit.
    if (base < 0) continue;
    const height = (f.properties.height as number | undefined) ?? 7;
    features.push({ ...f, properties: { ...f.properties, min_height: base, height: base + height } });
  }
  await writeFile(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return features.length;
}

async function waitForTiles(page: Page): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(() => window.__bdtwin?.tilesLoaded === true, null, {
    timeout: LOAD_TIMEOUT_MS,
    polling: 250,
  });
  return Date.now() - t0;
}

describe.skipIf(!HAVE_CHROMIUM)('viewer on terrain (headless Chromium, demo DEM)', () => {
  let work: string;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const terrainResponses: { status: number; encoding: string | undefined }[] = [];
  const watch: PageWatch = { requests: [], failures: [], pageErrors: [] };
  const { failures, pageErrors } = watch;
  let buildings = 0;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[e2e terrain] ${line}`);
    const { ensureCity, ensureWebBuild } = await demoModule();
    const { ensureDemoDem, ensureDemoWater } = (await import(/* @vite-ignore */ DEM_MODULE)) as DemModule;
    await ensureCity(log);
    const webDir = await ensureWebBuild({ log });
    work = await mkdtemp(path.join(tmpdir(), 'bdtwin-terrain-e2e-'));
    const dataDir = path.join(work, 'data');
    await mkdir(dataDir);
    const demFile = await ensureDemoDem(path.join(work, 'dem'));
    // As the demo: with the river as a water mask.
    const terrain = await tileTerrain([demFile], {
      ...TERRAIN_DEFAULTS,
      out: path.join(dataDir, 'terrain'),
      water: [await ensureDemoWater(path.join(work, 'dem'))],
    });
    log(`terrain: ${terrain.tiles} tiles, levels 0–${terrain.maxZoom}, ${terrain.seconds.toFixed(1)} s`);
    const input = path.join(work, 'riverside.geojson');
    buildings = await clampedBuildings(demFile, input);
    await tileBuildings([input], { ...TILE_DEFAULTS, out: path.join(dataDir, 'buildings') });
    log(`${buildings} riverside buildings clamped to the terrain`);
    await copyFile(
      path.join(ROOT, 'data/admin/thu_dau_mot_2025_wards.geojson'),
      path.join(dataDir, 'wards-2025.geojson'),
    );
    server = await startServer({ port: 0, dataDir, webDir });
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    ({ context, page } = await openWatchedPage(browser, { viewport: VIEWPORT }, watch));
    context.on('response', async (r) => {
      if (r.url().includes('.terrain')) {
        terrainResponses.push({ status: r.status(), encoding: (await r.allHeaders())['content-encoding'] });
      }
    });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('draws the valley in relief with the buildings standing on it', async () => {
    expect(buildings).toBeGreaterThan(500);
    await page.goto(`${server!.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bdtwin?.ready === true, null, { timeout: LOAD_TIMEOUT_MS });
    expect(await page.evaluate(() => window.__bdtwin!.errors)).toEqual([]);

    // From over the river, low, looking east-north-east at the bank rising to the old centre;
    // then at street level on that slope.
    const views = [
      { name: 'terrain-valley', lon: 106.638, lat: 10.981, height: 4, range: 1_500, heading: 85, pitch: -6 },
      { name: 'terrain-street', lon: 106.644, lat: 10.9805, height: 10, range: 200, heading: 80, pitch: -6 },
    ];
    let waterSeen: { hasWaterMask: boolean; coastTiles: number } | undefined;
    for (const view of views) {
      await page.evaluate(({ name: _name, ...v }) => window.__bdtwin!.lookAt(v), view);
      const ms = await waitForTiles(page);
      await page.screenshot({ path: path.join(OUT, `${view.name}.png`) });
      console.log(`[e2e terrain] ${view.name}: tiles loaded in ${ms} ms`);
      if (view.name === 'terrain-valley')
        waterSeen = await page.evaluate(() => window.__bdtwin!.terrainWater());
    }

    // The globe is the terrain now: low by the river, ~10 m higher inland (ellipsoid heights,
    // the geoid here being ~4.5 m below the ellipsoid).
    const ground = await page.evaluate(() => ({
      river: window.__bdtwin!.groundHeight(106.6393, 10.975),
      inland: window.__bdtwin!.groundHeight(106.668, 10.982),
    }));
    console.log(
      `[e2e terrain] ground: river ${ground.river?.toFixed(1)} m, inland ${ground.inland?.toFixed(1)} m`,
    );
    expect(ground.river).not.toBeNull();
    expect(ground.inland).not.toBeNull();
    expect(ground.inland! - ground.river!).toBeGreaterThan(6);

    // Cesium took the water mask: over the river, tiles in view carry a coastline.
    const water = waterSeen!;
    console.log(`[e2e terrain] water mask: ${JSON.stringify(water)}`);
    expect(water.hasWaterMask).toBe(true);
    expect(water.coastTiles).toBeGreaterThan(0);

    // Tiles came from the service, gzip-encoded, and nothing failed.
    expect(terrainResponses.length).toBeGreaterThan(5);
    expect(terrainResponses.every((r) => r.status === 200 || r.status === 304)).toBe(true);
    expect(terrainResponses.some((r) => r.encoding === 'gzip')).toBe(true);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 600_000);
});

/**
 * The layer catalogue in real headless Chromium (software WebGL) against the real service:
 * 1. the demo city with its demo catalogue (scripts/catalog/demo.ts): the panel by sector, toggling
 *    the tiled parcel layer (vector tiles painted as imagery) and a demo layer, the parcel legend,
 *    a click on a parcel, the parcels at 1.8 km, street level and 4 km, and the administrative
 *    units before and after 1 July 2025 (9 → 36 units; former Thủ Dầu Một 1 unit of 14 wards →
 *    5 wards);
 * 2. the hand-computed data folder (tiler/src/catalog/testing.ts): a vector-tiled layer covering
 *    the north half of ward Two drawn there and nowhere else (north up, picked by a click), the
 *    dashboard's numbers, the completeness map, the CSV export, and files dropped for a private
 *    look.
 * Screenshots: test-output/catalog-*.png.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLayer } from '../../tiler/src/catalog/import.js';
import { HAND_CASE, writeHandComputedCase } from '../../tiler/src/catalog/testing.js';
import { metresPerDegree } from '../../tiler/src/geo/ellipsoid.js';
import { startServer } from '../../tiler/src/serve/server.js';
import type { CatalogHooks } from '../src/catalog/testHooks';
import type { BdtwinHooks } from '../src/scene/testHooks';
import {
  DEMO_TERRAIN_EDGE_404,
  demoModule,
  HAVE_CHROMIUM,
  isLocal,
  launchChromium,
  OUT,
  type PageWatch,
  ROOT,
  watchContext,
  watchPage,
} from './browser';
import { zip } from './zip';

declare global {
  interface Window {
    __bdtwin?: BdtwinHooks;
    __bdtwinCatalog?: CatalogHooks;
  }
}

const VIEWPORT = { width: 1280, height: 720 };
const LOAD_TIMEOUT_MS = 120_000;
/** Centre of the 2025 ward Thủ Dầu Một (100 % of its demo parcels digitised). */
const TDM = { lon: 106.6575, lat: 10.972 };

interface CatalogDemoModule {
  ensureDemoCatalog(dataDir: string, options?: { log?: (line: string) => void }): Promise<unknown>;
}
const CATALOG_DEMO = '../../scripts/catalog/demo.js';

type Server = Awaited<ReturnType<typeof startServer>>;

async function settle(page: Page, ms = 1_500) {
  await page.evaluate((ms) => new Promise((r) => requestAnimationFrame(() => setTimeout(r, ms))), ms);
}

/** The scale the hand-computed case places its wards with (tiler/src/catalog/testing.ts). */
const metresPerDegreeAt = (lat0: number) => metresPerDegree(lat0 + 500 / metresPerDegree(lat0).latM);

/** RGB of screenshot pixels (decoded in the page: no image library in the tests). */
async function pixels(page: Page, points: { x: number; y: number }[]): Promise<number[][]> {
  const png = (await page.screenshot()).toString('base64');
  return page.evaluate(
    async ({ png, points }) => {
      const bitmap = await createImageBitmap(await (await fetch(`data:image/png;base64,${png}`)).blob());
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const g = canvas.getContext('2d')!;
      g.drawImage(bitmap, 0, 0);
      return points.map((p) => [...g.getImageData(Math.round(p.x), Math.round(p.y), 1, 1).data.slice(0, 3)]);
    },
    { png, points },
  );
}

async function waitDrawn(page: Page, id: string) {
  await page.waitForFunction(
    (id) => window.__bdtwinCatalog?.layers.find((l) => l.id === id)?.drawn === true,
    id,
    { timeout: LOAD_TIMEOUT_MS, polling: 250 },
  );
}

describe.skipIf(!HAVE_CHROMIUM)('layer catalogue (headless Chromium)', () => {
  let demo: Server | undefined;
  let hand: Server | undefined;
  let handDir: string | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  const watch: PageWatch = { requests: [], failures: [], pageErrors: [] };
  const { requests, failures, pageErrors } = watch;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[catalog e2e] ${line}`);
    const { ensureDemo, ensureWebBuild } = await demoModule();
    const { dataDir } = await ensureDemo({ log });
    const { ensureDemoCatalog } = (await import(/* @vite-ignore */ CATALOG_DEMO)) as CatalogDemoModule;
    await ensureDemoCatalog(dataDir, { log });
    const webDir = await ensureWebBuild({ log });
    demo = await startServer({ port: 0, dataDir, webDir });
    handDir = await mkdtemp(path.join(tmpdir(), 'bdtwin-catalog-e2e-'));
    await writeHandComputedCase(handDir);
    // The north half of ward Two (x 1000–2000 m, y 500–1000 m), vector-tiled, in blue: drawn
    // there and not in the south half only if the imagery is painted the right way up.
    const { lonM, latM } = metresPerDegreeAt(HAND_CASE.lat0);
    const at = (x: number, y: number) => [HAND_CASE.lon0 + x / lonM, HAND_CASE.lat0 + y / latM];
    const northHalf = path.join(handDir, 'north-half.geojson');
    await writeFile(
      northHalf,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { id: 'N', name: 'Nửa bắc phường Hai' },
            geometry: {
              type: 'Polygon',
              coordinates: [[at(1000, 500), at(2000, 500), at(2000, 1000), at(1000, 1000), at(1000, 500)]],
            },
          },
        ],
      }),
    );
    await addLayer(northHalf, {
      dataDir: handDir,
      id: 'north-half',
      sector: 'ha-tang',
      kind: 'polygon-vector-tiles',
      title: 'Nửa bắc phường Hai',
      style: { type: 'simple', color: '#0050FF', opacity: 1 },
      // Out of the completeness table: the hand-computed figures stay as they are.
      coverage: 'none',
      validFrom: '2025-07-01',
    });
    hand = await startServer({ port: 0, dataDir: handDir, webDir });
    await mkdir(OUT, { recursive: true });
    // A zipped Shapefile to drop: the OSM test buildings (WGS 84), as Windows would zip them.
    const fixtures = path.join(OUT, 'catalog-fixtures');
    await mkdir(fixtures, { recursive: true });
    const shp = await Promise.all(
      ['shp', 'dbf', 'prj', 'cpg'].map(async (ext) => ({
        name: `osm-100.${ext}`,
        data: new Uint8Array(await readFile(path.join(ROOT, `tiler/test/data/osm-100.${ext}`))),
        deflate: true,
      })),
    );
    await writeFile(path.join(fixtures, 'osm-100.zip'), zip(shp));
    browser = await launchChromium();
    context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, acceptDownloads: true });
    watchContext(context, watch, DEMO_TERRAIN_EDGE_404);
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await demo?.close();
    await hand?.close();
    if (handDir) await rm(handDir, { recursive: true, force: true });
  });

  const open = async (server: Server) => {
    const page = await context!.newPage();
    watchPage(page, watch, DEMO_TERRAIN_EDGE_404);
    await page.goto(`${server.url}/`, { waitUntil: 'load' });
    await page.waitForFunction(
      () => window.__bdtwinCatalog?.ready === true && window.__bdtwin?.ready === true,
      null,
      {
        timeout: LOAD_TIMEOUT_MS,
      },
    );
    return page;
  };

  it('lists the demo layers by sector, toggles parcels and buildings, reads the legend, picks a parcel', async () => {
    const page = await open(demo!);
    await page.getByTestId('catalog-open').click();
    const panel = page.getByTestId('catalog-panel');
    await panel.waitFor({ state: 'visible' });
    const sectorLayers = await page.evaluate(() =>
      [...document.querySelectorAll('.catalog-sector')].map((s) => [
        (s as HTMLElement).dataset.sector,
        [...s.querySelectorAll('.catalog-layer')].map((l) => (l as HTMLElement).dataset.layer),
      ]),
    );
    expect(sectorLayers).toEqual([
      ['dat-dai', ['terrain', 'boundaries', 'thua-dat', 'don-vi-hanh-chinh']],
      ['quy-hoach-do-thi', []],
      ['quy-hoach-xay-dung', ['buildings']],
      ['moi-truong', ['quan-trac-moi-truong']],
      ['giao-thong', ['roads', 'bus-stops']],
      ['ha-tang', []],
    ]);
    // Search ignores accents.
    await panel.getByPlaceholder('Tìm lớp dữ liệu…').fill('dia chinh');
    expect(
      await panel
        .locator('.catalog-layer')
        .evaluateAll((ls) => ls.map((l) => (l as HTMLElement).dataset.layer)),
    ).toEqual(['thua-dat']);
    await panel.getByPlaceholder('Tìm lớp dữ liệu…').fill('');

    // The parcels (vector tiles, painted on the terrain) on, the buildings (the demo's own layer) off.
    await panel.getByLabel('Hiện “Bản đồ địa chính (thửa đất, mô phỏng)”').check();
    await panel.getByLabel('Hiện “Công trình (mô phỏng)”').uncheck();
    const parcels = panel.locator('[data-layer="thua-dat"]');
    const legend = await parcels.locator('.catalog-legend li').allTextContents();
    expect(legend).toContain('ODT – Đất ở tại đô thị');
    expect(legend).toContain('CLN – Đất trồng cây lâu năm');
    expect(legend.at(-1)).toBe('Giá trị khác');
    // The metadata card.
    await parcels.getByRole('button', { name: 'i' }).click();
    const card = parcels.getByTestId('catalog-card');
    expect(await card.textContent()).toContain('Apache-2.0 (bdtwin)');
    expect(await card.textContent()).toContain('từ 01/07/2025, đang hiệu lực');
    expect(await card.textContent()).toContain('Vùng lát ô vector');
    await page.evaluate(
      (c) => window.__bdtwin!.lookAt({ ...c, height: 0, range: 1_800, heading: 0, pitch: -60 }),
      TDM,
    );
    await waitDrawn(page, 'thua-dat');
    await settle(page);
    // The painted tiles went to the GPU as raw pixels, unflipped (vectorTileImagery.ts).
    expect(await page.evaluate(() => window.__bdtwinCatalog!.directUploads)).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUT, 'catalog-parcels.png') });

    // A click on the ground in the ward lands on a parcel (no building in the way: they are off).
    const centre = await page.evaluate((c) => window.__bdtwin!.worldToScreen(c.lon, c.lat, 20), TDM);
    expect(centre).not.toBeNull();
    await page.mouse.click(centre!.x, centre!.y);
    await expect
      .poll(() => page.evaluate(() => window.__bdtwinCatalog!.selected?.layerId), { timeout: 20_000 })
      .toBe('thua-dat');
    const picked = await page.evaluate(() => window.__bdtwinCatalog!.selected!.properties);
    expect(String(picked.id)).toMatch(/^25747-\d{3}-\d{4}$/);
    expect(picked.ward).toBe('Thủ Dầu Một');
    await page.getByTestId('catalog-feature').waitFor({ state: 'visible' });
    // The picked parcel is outlined, around the point clicked.
    const outline = await page.evaluate(() => ({
      rings: window.__bdtwinCatalog!.highlightRings,
      ring: window.__bdtwinCatalog!.selected!.outline![0]!,
    }));
    expect(outline.rings).toBeGreaterThan(0);
    const lons = outline.ring.filter((_, k) => k % 2 === 0);
    const lats = outline.ring.filter((_, k) => k % 2 === 1);
    expect(Math.min(...lons)).toBeLessThan(TDM.lon);
    expect(Math.max(...lons)).toBeGreaterThan(TDM.lon);
    expect(Math.min(...lats)).toBeLessThan(TDM.lat);
    expect(Math.max(...lats)).toBeGreaterThan(TDM.lat);
    await settle(page);
    await page.screenshot({ path: path.join(OUT, 'catalog-parcel-picked.png') });

    // Street level (over-zoomed beyond the tiles' z16: repainted sharp) and 4 km.
    await page.getByTestId('catalog-feature').getByRole('button').click();
    expect(await page.evaluate(() => window.__bdtwinCatalog!.highlightRings)).toBe(0);
    for (const [name, range, pitch] of [
      ['street', 250, -35],
      ['4km', 4_000, -50],
    ] as const) {
      await page.evaluate(
        ({ c, range, pitch }) => window.__bdtwin!.lookAt({ ...c, height: 0, range, heading: 20, pitch }),
        { c: TDM, range, pitch },
      );
      await waitDrawn(page, 'thua-dat');
      await settle(page);
      await page.screenshot({ path: path.join(OUT, `catalog-parcels-${name}.png`) });
    }
    await page.close();
  }, 300_000);

  it('shows the administrative units valid on each side of 1 July 2025', async () => {
    const page = await open(demo!);
    await page.evaluate(() => window.__bdtwinCatalog!.openPanel(true));
    await page.getByLabel('Hiện “Đơn vị hành chính trước và sau 01/07/2025”').check();
    await page.getByLabel('Hiện “Công trình (mô phỏng)”').uncheck();
    await waitDrawn(page, 'don-vi-hanh-chinh');
    await page.evaluate(() =>
      window.__bdtwin!.lookAt({ lon: 106.66, lat: 11.17, height: 0, range: 95_000, heading: 0, pitch: -70 }),
    );
    const count = page.getByTestId('unit-count');

    await page.getByTestId('date-before').click();
    await expect.poll(() => count.getAttribute('data-total')).toBe('9');
    expect(await count.getAttribute('data-tdm')).toBe('1');
    expect(await count.getAttribute('data-tdm-wards')).toBe('14');
    expect(await count.textContent()).toContain('9 đơn vị hiệu lực ngày 30/06/2025');
    await settle(page, 2_500);
    await page.screenshot({ path: path.join(OUT, 'catalog-units-2025-06-30.png') });

    await page.getByTestId('date-after').click();
    await expect.poll(() => count.getAttribute('data-total')).toBe('36');
    expect(await count.getAttribute('data-tdm')).toBe('5');
    expect(await count.getAttribute('data-tdm-wards')).toBe('5');
    expect(await count.textContent()).toContain('Thủ Dầu Một cũ: 5 đơn vị trên bản đồ, 5 phường');
    await settle(page, 2_500);
    await page.screenshot({ path: path.join(OUT, 'catalog-units-2025-07-01.png') });

    // The demo dashboard is not all 100 %: urban planning and infrastructure have no data yet.
    await page.getByTestId('completeness-open').click();
    const table = await page.evaluate(() => window.__bdtwinCatalog!.completeness!);
    expect(table.units.map((u) => u.name).sort()).toEqual([
      'Bình Dương',
      'Chánh Hiệp',
      'Phú An',
      'Phú Lợi',
      'Thủ Dầu Một',
    ]);
    expect(table.totals['quy-hoach-do-thi']).toBe(0);
    expect(table.totals['dat-dai']).toBeGreaterThan(0.3);
    expect(table.totals['dat-dai']).toBeLessThan(0.9);
    await page.getByTestId('completeness-map').selectOption('dat-dai');
    await page.waitForFunction(() => window.__bdtwinCatalog!.completenessMapReady(), null, {
      timeout: 60_000,
    });
    await page.evaluate(() =>
      window.__bdtwin!.lookAt({ lon: 106.655, lat: 11.02, height: 0, range: 32_000, heading: 0, pitch: -75 }),
    );
    await settle(page, 3_000);
    await page.screenshot({ path: path.join(OUT, 'catalog-demo-completeness.png') });
    await page.close();
  }, 300_000);

  it('shows the hand-computed completeness, maps it, exports CSV, and takes dropped files', async () => {
    const page = await open(hand!);
    await page.evaluate(() =>
      window.__bdtwin!.lookAt({
        lon: 106.6591,
        lat: 10.9845,
        height: 0,
        range: 3_500,
        heading: 0,
        pitch: -89,
      }),
    );
    // The vector-tiled north half of ward Two: blue north of the middle line, not south of it.
    await page.evaluate(() => window.__bdtwinCatalog!.setShown('north-half', true));
    await waitDrawn(page, 'north-half');
    await settle(page);
    const { lonM, latM } = metresPerDegreeAt(HAND_CASE.lat0);
    const screen = (x: number, y: number) =>
      page.evaluate(
        ([lon, lat]) => window.__bdtwin!.worldToScreen(lon!, lat!, 0),
        [HAND_CASE.lon0 + x / lonM, HAND_CASE.lat0 + y / latM],
      );
    const north = (await screen(1500, 800))!;
    const south = (await screen(1500, 200))!;
    const [n, sth] = await pixels(page, [north, south]);
    const blue = ([r, g, b]: number[]) => b! > r! + 60 && b! > g! + 30;
    expect(blue(n!), `north ${n}`).toBe(true);
    expect(blue(sth!), `south ${sth}`).toBe(false);
    await page.screenshot({ path: path.join(OUT, 'catalog-vector-north-half.png') });
    await page.mouse.click(north.x, north.y);
    await expect
      .poll(() => page.evaluate(() => window.__bdtwinCatalog!.selected?.properties.id), { timeout: 20_000 })
      .toBe('N');
    await page.mouse.click(south.x, south.y);
    await expect.poll(() => page.evaluate(() => window.__bdtwinCatalog!.selected)).toBeNull();
    await page.evaluate(() => window.__bdtwinCatalog!.setShown('north-half', false));

    await page.getByTestId('completeness-open').click();
    const dashboard = page.getByTestId('completeness');
    await dashboard.locator('tbody tr').first().waitFor();
    const cell = (unit: string, sector: string) =>
      dashboard.locator(`tr[data-unit="${unit}"] td[data-sector="${sector}"]`).textContent();
    // tiler/src/catalog/testing.ts: W1 50 % land, 25 % planning, 3/16 transport; W2 0, 100 %, 1/16.
    expect(await cell('W1', 'dat-dai')).toBe('50 %');
    expect(await cell('W1', 'quy-hoach-do-thi')).toBe('25 %');
    expect(await cell('W1', 'giao-thong')).toBe('18,8 %');
    expect(await cell('W1', 'overall')).toBe('15,6 %');
    expect(await cell('W2', 'dat-dai')).toBe('0 %');
    expect(await cell('W2', 'quy-hoach-do-thi')).toBe('100 %');
    expect(await cell('W2', 'giao-thong')).toBe('6,3 %');
    expect(await cell('W2', 'overall')).toBe('17,7 %');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('completeness-export').click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[1]).toBe('Phường Một,1.00,50.0,25.0,0.0,0.0,18.8,0.0,15.6');

    await page.getByTestId('completeness-map').selectOption('overall');
    await page.waitForFunction(() => window.__bdtwinCatalog!.completenessMapReady(), null, {
      timeout: 60_000,
    });
    // The layers of the hand case on too, for the picture.
    await page.evaluate(async () => {
      for (const id of ['half-parcels', 'stops']) await window.__bdtwinCatalog!.setShown(id, true);
    });
    await waitDrawn(page, 'half-parcels');
    await settle(page, 2_000);
    await page.screenshot({ path: path.join(OUT, 'catalog-hand-completeness.png') });

    // A GeoJSON dropped on the page (a real drop event) and a zipped Shapefile chosen with the
    // file button: read in the browser, listed as private layers, never uploaded.
    const before = requests.length;
    await page.evaluate(() => {
      const fc = {
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { loai_dat: 'TMD', ten: 'Khu thương mại' },
            geometry: {
              type: 'Polygon',
              coordinates: [
                [
                  [106.6535, 10.9835],
                  [106.6555, 10.9835],
                  [106.6555, 10.9855],
                  [106.6535, 10.9855],
                  [106.6535, 10.9835],
                ],
              ],
            },
          },
        ],
      };
      const dt = new DataTransfer();
      dt.items.add(
        new File([JSON.stringify(fc)], 'khu-thuong-mai.geojson', { type: 'application/geo+json' }),
      );
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    });
    await expect
      .poll(() => page.getByTestId('catalog-notice').textContent())
      .toBe('Đã thêm “khu-thuong-mai.geojson”: 1 đối tượng');
    await page
      .getByTestId('catalog-file')
      .setInputFiles(path.join(ROOT, 'test-output/catalog-fixtures/osm-100.zip'));
    await expect
      .poll(() => page.getByTestId('catalog-notice').textContent())
      .toBe('Đã thêm “osm-100.zip”: 100 đối tượng');
    const privates = await page.evaluate(() =>
      window.__bdtwinCatalog!.layers.filter((l) => l.owner === 'private').map((l) => [l.id, l.featureCount]),
    );
    expect(privates).toEqual([
      ['rieng-1', 1],
      ['rieng-2', 100],
    ]);
    expect(requests.slice(before).filter((u) => /khu-thuong-mai|osm-100/.test(u))).toEqual([]);
    await waitDrawn(page, 'rieng-1');
    await settle(page, 2_000);
    await page.screenshot({ path: path.join(OUT, 'catalog-dropped.png') });

    expect(requests.filter((u) => !isLocal(u))).toEqual([]);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 300_000);
});

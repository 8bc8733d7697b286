/**
 * `npm run bench:catalog`: the catalogue's large-layer path (docs/catalog.md, docs/benchmarks.md).
 *
 * 1. **tile-500k** / **tile-500k-mvt**: 500,000 synthetic cadastral parcels over the whole former
 *    Bình Dương province (a jittered grid, ~62 × 87 m, inside the province outline;
 *    scripts/catalog/parcels.ts), written as GeoJSONSeq (build/bench/catalog/, generated on first
 *    use), imported with `bdtwin add`'s library function: read + convert + coverage of the 5 demo
 *    wards + 3D Tiles (`--tiles 3dtiles`) or vector tiles (`--tiles mvt`). Each import runs in a
 *    process of its own, so its peak RSS is its own. Target: ≤ 60 s. Reports the stages, peak RSS
 *    and the output's size.
 * 2. **browser-pan-province** / **browser-pan-province-mvt**: the viewer (built web/dist) in
 *    headless Chromium (SwiftShader, 1280×720) over that data folder; the camera flies across the
 *    province at 4 km range, in both directions, with the parcel layer (3D Tiles, or vector tiles)
 *    hidden and then shown. `firstDrawnMs`: from turning it on to its tiles for the view drawn.
 *    Per frame, the main-thread time of Cesium's render (scene.preUpdate → postRender); p50/p95
 *    and the ratio shown ÷ hidden. Target: p95 < 16 ms and ratio ≤ 1.5.
 * 3. **draped-20k** (the choice of representation): the same 20,000 parcels of one area once as
 *    a GeoJSON layer draped as a GroundPrimitive (what vector tiles become in Cesium, one tile's
 *    worth) and once as the tiled layer: time until drawn, and frame p95 over that area.
 *
 * Options: --cases tile,browser,draped (default all); --parcels <n> (default 500000);
 * --forms 3dtiles,mvt (default both); --runs <n> (default 1): each browser case n times, each in
 * a fresh browser, one JSON line per run and a last line with the median ratio (a p95 over ~85
 * frames moves by ±0.2 in the ratio between identical runs) and `pooled`: the frame statistics
 * and ratio over all runs' frames together.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { CATALOG_FILE, type CatalogFile } from '../../tiler/src/api/catalog.js';
import { PreparedUnit } from '../../tiler/src/catalog/coverage.js';
import { type Polygon, toLocal } from '../../tiler/src/catalog/geometry.js';
import { addLayer, type TiledForm } from '../../tiler/src/catalog/import.js';
import { startServer } from '../../tiler/src/serve/server.js';
import { launchChromium } from '../../web/test/browser.js';
import { parcelGrid } from '../catalog/parcels.js';
import { ensureWebBuild, REPO_ROOT } from '../demo.js';

/** What the bench uses of the viewer's test hooks (web/src/scene/testHooks.ts, web/src/catalog/testHooks.ts). */
interface ViewHooks {
  ready: boolean;
  lookAt(v: View & { height: number }): void;
  flyTo(v: View & { height: number }, durationS: number): Promise<boolean>;
}
interface CatalogBenchHooks {
  ready: boolean;
  layers: { id: string; drawn: boolean }[];
  setShown(id: string, shown: boolean): Promise<void>;
  startFrameTimer(): void;
  stopFrameTimer(): number[];
}
declare const window: { __bdtwin?: ViewHooks; __bdtwinCatalog?: CatalogBenchHooks };

const BENCH_DIR = path.join(REPO_ROOT, 'build/bench/catalog');

const { values } = parseArgs({
  options: {
    cases: { type: 'string' },
    parcels: { type: 'string' },
    forms: { type: 'string' },
    runs: { type: 'string' },
    // Internal: import one form in this process and print its result (see tileInChild).
    'import-form': { type: 'string' },
  },
});
const CASES = new Set((values.cases ?? 'tile,browser,draped').split(','));
const PARCELS = Number(values.parcels ?? 500_000);
const FORMS = (values.forms ?? '3dtiles,mvt').split(',') as TiledForm[];
const RUNS = Number(values.runs ?? 1);
if (!Number.isInteger(RUNS) || RUNS < 1)
  throw new Error(`bench:catalog: --runs must be a whole number ≥ 1, got ${values.runs}`);
/** The province layer of each form, and the names of its cases. */
const FORM = {
  '3dtiles': {
    id: 'thua-dat-tinh',
    entry: 'tileset.json',
    tile: 'tile-500k',
    browser: 'browser-pan-province',
  },
  mvt: {
    id: 'thua-dat-tinh-mvt',
    entry: 'tiles.json',
    tile: 'tile-500k-mvt',
    browser: 'browser-pan-province-mvt',
  },
} as const;

const log = (line: string) => console.log(`[bench:catalog] ${line}`);

async function exists(p: string) {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The province outline (pre-2025 level 1 polygon, dvhcvn GPL-3.0) as a unit to test points against. */
async function provinceUnit(): Promise<PreparedUnit> {
  const fc = JSON.parse(
    await readFile(
      path.join(REPO_ROOT, 'data/catalog/admin/binhduong_province_districts_dvhcvn.geojson'),
      'utf8',
    ),
  ) as { features: { properties: { level: number }; geometry: { coordinates: Polygon[] } }[] };
  const province = fc.features.find((f) => f.properties.level === 1)!;
  return new PreparedUnit({ id: '74', name: 'Bình Dương', polygons: province.geometry.coordinates });
}

/** Parcels over the province, n of them (the cell size is chosen from the province's area). */
async function writeProvinceParcels(n: number, file: string): Promise<number> {
  const province = await provinceUnit();
  const cellM2 = province.areaM2 / n;
  const cellHM = Math.sqrt(cellM2 * 1.4);
  const cellWM = cellM2 / cellHM;
  const [w, s, e, nn] = province.bbox;
  const origin = { lon: province.plane.lon0, lat: province.plane.lat0 };
  const out = createWriteStream(file);
  let count = 0;
  for (const parcel of parcelGrid({
    seed: 74,
    originLonDeg: origin.lon,
    originLatDeg: origin.lat,
    minXM: w,
    minYM: s,
    maxXM: e,
    maxYM: nn,
    cellWM,
    cellHM,
    accept: (lon, lat) =>
      province.contains(...toLocal(province.plane, [lon, lat])) ? { ward: '', wardCode: '74' } : null,
  })) {
    if (!out.write(`${JSON.stringify(parcel)}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
    count++;
  }
  await new Promise<void>((r) => out.end(() => r()));
  return count;
}

async function folderBytes(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    bytes += (await stat(path.join(e.parentPath, e.name))).size;
    files++;
  }
  return { bytes, files };
}

/** A data folder whose catalogue names the demo's five wards as units (for coverage). */
async function benchDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'wards-2025.geojson'),
    await readFile(path.join(REPO_ROOT, 'data/admin/thu_dau_mot_2025_wards.geojson')),
  );
  await writeFile(
    path.join(dir, 'layers.json'),
    JSON.stringify([
      { id: 'boundaries', kind: 'boundaries', title: 'Phường 2025', path: 'wards-2025.geojson' },
    ]),
  );
  const catalog: CatalogFile = {
    version: 1,
    units: { layer: 'boundaries', idProperty: 'id', nameProperty: 'name' },
    layers: [
      {
        id: 'boundaries',
        kind: 'boundaries',
        title: { vi: 'Phường 2025', en: 'Wards 2025' },
        sector: 'dat-dai',
        path: 'wards-2025.geojson',
        source: 'vietnam-3d-map',
        licence: 'MIT',
        crsOfOrigin: 'WGS 84',
        validFrom: '2025-07-01',
        validTo: null,
        updatedAt: '2025-11-25T00:00:00Z',
        visibility: 'public',
        style: { type: 'simple', color: '#FF4FD8' },
        coverage: { method: 'none' },
      },
    ],
  };
  await writeFile(path.join(dir, CATALOG_FILE), JSON.stringify(catalog));
}

interface FrameStats {
  frames: number;
  p50: number;
  p95: number;
  max: number;
}

function stats(times: number[]): FrameStats {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  const r = (v: number) => Math.round(v * 10) / 10;
  return { frames: sorted.length, p50: r(q(0.5)), p95: r(q(0.95)), max: r(sorted.at(-1) ?? Number.NaN) };
}

type View = { lon: number; lat: number; range: number; heading?: number; pitch?: number };

/** Flies through the waypoints (there and back) recording main-thread frame times. */
async function flyRecording(page: Page, waypoints: View[], secondsEach: number): Promise<number[]> {
  await page.evaluate(
    (v) => window.__bdtwin!.lookAt({ height: 0, heading: 0, pitch: -50, ...v }),
    waypoints[0]!,
  );
  await page.evaluate(() => new Promise((r) => setTimeout(r, 4_000)));
  await page.evaluate(() => window.__bdtwinCatalog!.startFrameTimer());
  for (const v of [...waypoints.slice(1), ...waypoints.slice(0, -1).reverse()]) {
    await page.evaluate(
      ({ v, s }) => window.__bdtwin!.flyTo({ height: 0, heading: 0, pitch: -50, ...v }, s),
      { v, s: secondsEach },
    );
  }
  return page.evaluate(() => window.__bdtwinCatalog!.stopFrameTimer());
}

/**
 * The pan along `waypoints` with layer `id` hidden, then shown (after `lookAt` the start again
 * when `relook`, and once its tiles are drawn): frame statistics of both and their p95 ratio.
 */
async function panHiddenThenShown(
  page: Page,
  id: string,
  waypoints: View[],
  shot: string,
  relook: boolean,
  /** Receives every frame time of both pans (for statistics pooled over runs). */
  frames?: { hidden: number[]; shown: number[] },
) {
  const hiddenTimes = await flyRecording(page, waypoints, 4);
  frames?.hidden.push(...hiddenTimes);
  const hidden = stats(hiddenTimes);
  await page.evaluate((id) => window.__bdtwinCatalog!.setShown(id, true), id);
  if (relook)
    await page.evaluate(
      (v) => window.__bdtwin!.lookAt({ height: 0, heading: 0, pitch: -50, ...v }),
      waypoints[0]!,
    );
  const firstDrawnMs = await waitDrawn(page, id);
  const shownTimes = await flyRecording(page, waypoints, 4);
  frames?.shown.push(...shownTimes);
  const shown = stats(shownTimes);
  await screenshot(page, shot);
  return { firstDrawnMs, hidden, shown, ratio_p95: Math.round((shown.p95 / hidden.p95) * 100) / 100 };
}

async function browserRun<T extends Record<string, unknown>>(
  url: string,
  run: (page: Page) => Promise<T>,
): Promise<T> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(
      () => window.__bdtwinCatalog?.ready === true && window.__bdtwin?.ready === true,
      null,
      {
        timeout: 120_000,
      },
    );
    return await run(page);
  } finally {
    await browser.close();
  }
}

/** A screenshot, if the page can still make one (a page busy for seconds per frame may not). */
async function screenshot(page: Page, name: string): Promise<void> {
  await page
    .screenshot({ path: path.join(BENCH_DIR, name), timeout: 60_000 })
    .catch((e: Error) => log(`${name}: ${e.message.split('\n')[0]}`));
}

async function waitDrawn(page: Page, id: string): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(
    (id) => window.__bdtwinCatalog!.layers.find((l) => l.id === id)?.drawn === true,
    id,
    { timeout: 300_000, polling: 200 },
  );
  return Date.now() - t0;
}

/** Across the province, south-west (Thuận An) to north-east (Phú Giáo), at 4 km. */
const PROVINCE_PATH: View[] = [
  { lon: 106.68, lat: 10.93, range: 4_000 },
  { lon: 106.7, lat: 11.06, range: 4_000 },
  { lon: 106.72, lat: 11.2, range: 4_000 },
  { lon: 106.78, lat: 11.33, range: 4_000 },
];

const results: Record<string, unknown>[] = [];
const dataDir = path.join(BENCH_DIR, 'data');
await mkdir(BENCH_DIR, { recursive: true });
const input = path.join(BENCH_DIR, `parcels-${PARCELS}.geojsonl`);
if (!(await exists(input))) {
  log(`generating ${PARCELS.toLocaleString('en')} parcels over the province …`);
  const n = await writeProvinceParcels(PARCELS, input);
  log(`  ${n.toLocaleString('en')} parcels → ${path.relative(REPO_ROOT, input)}`);
}

/** Imports the province's parcels in one form (in this process) and returns the case's result. */
async function tileProvince(form: TiledForm): Promise<Record<string, unknown>> {
  const f = FORM[form];
  const report = await addLayer(input, {
    dataDir,
    id: f.id,
    sector: 'dat-dai',
    title: `Thửa đất toàn tỉnh (mô phỏng, ${form})`,
    styleBy: 'use',
    tiles: form,
    // The bench viewer has no terrain (no DEM of the province offline): volumes ±10 m around
    // the ellipsoid, as thin as a DEM-informed layer's (±15 m around the ground).
    volume: { bottomM: -10, heightM: 20 },
    validFrom: '2025-07-01',
  });
  const size = await folderBytes(path.join(dataDir, 'catalog', f.id));
  const v = report.vectorTiles;
  return {
    case: f.tile,
    parcels: report.featuresWritten,
    seconds: Math.round(report.seconds * 10) / 10,
    stage_seconds: {
      read_convert_coverage: Math.round(report.stageSeconds.read * 10) / 10,
      tile: Math.round(report.stageSeconds.write * 10) / 10,
      ...(v
        ? {
            partition: Math.round(v.stageSeconds.partition * 10) / 10,
            cut_encode_write: Math.round(v.stageSeconds.tile * 10) / 10,
          }
        : {}),
    },
    parcels_per_s: Math.round(report.featuresWritten / report.seconds),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    output_mb: Math.round(size.bytes / 1e5) / 10,
    files: size.files,
    bytes_per_parcel: Math.round(size.bytes / report.featuresWritten),
    ...(v
      ? {
          zooms: v.tilesByZoom,
          partitions: v.partitions,
          largest_partition_parcels: v.largestPartitionFeatures,
          largest_tile_kb: Math.round(v.largestTileBytes / 102.4) / 10,
          uncompressed_mb: Math.round(v.rawBytes / 1e5) / 10,
        }
      : {}),
    coverage: report.layer.coverage?.byUnit,
  };
}

/** Runs tileProvince in a child process of its own (so peak RSS is that import's alone). */
async function tileInChild(form: TiledForm): Promise<Record<string, unknown>> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, '--parcels', String(PARCELS), '--import-form', form],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += String(d);
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) throw new Error(`import of ${form} failed (exit ${code}):\n${out}`);
  return JSON.parse(line.slice('RESULT '.length)) as Record<string, unknown>;
}

if (values['import-form']) {
  console.log(`RESULT ${JSON.stringify(await tileProvince(values['import-form'] as TiledForm))}`);
  process.exit(0);
}

const layerMissing = async (form: TiledForm) =>
  !(await exists(path.join(dataDir, 'catalog', FORM[form].id, FORM[form].entry)));
if (CASES.has('tile') || (await Promise.all(FORMS.map(layerMissing))).some(Boolean)) {
  await benchDataDir(dataDir);
  for (const form of FORMS) {
    log(`tiling (${form}) …`);
    const result = await tileInChild(form);
    results.push(result);
    log(JSON.stringify(result));
  }
}

if (CASES.has('browser') || CASES.has('draped')) {
  const webDir = await ensureWebBuild({ log });
  const server = await startServer({ port: 0, dataDir, webDir });
  try {
    if (CASES.has('browser')) {
      for (const form of FORMS) {
        const { id, browser } = FORM[form];
        const ratios: number[] = [];
        const pooled = { hidden: [] as number[], shown: [] as number[] };
        for (let run = 0; run < RUNS; run++) {
          const result = await browserRun(`${server.url}/`, async (page) => ({
            case: browser,
            ...(await panHiddenThenShown(
              page,
              id,
              PROVINCE_PATH,
              `province-parcels-${form}.png`,
              true,
              pooled,
            )),
          }));
          results.push(result);
          log(JSON.stringify(result));
          ratios.push(result.ratio_p95);
        }
        if (RUNS > 1) {
          const sorted = [...ratios].sort((a, b) => a - b);
          // Every run's frames in one sample: a p95 over n × ~90 frames instead of the fourth-worst
          // frame of one pan, so one stray frame moves it less.
          const hidden = stats(pooled.hidden);
          const shown = stats(pooled.shown);
          const summary = {
            case: `${browser}-median`,
            runs: RUNS,
            ratios,
            ratio_p95_median: sorted[Math.floor(RUNS / 2)],
            pooled: { hidden, shown, ratio_p95: Math.round((shown.p95 / hidden.p95) * 100) / 100 },
          };
          results.push(summary);
          log(JSON.stringify(summary));
        }
      }
    }
    if (CASES.has('draped')) {
      // 20,000 parcels around Thủ Dầu Một's centre, as GeoJSON (draped) and as the tiled layer.
      const centre = { lon: 106.655, lat: 10.98 };
      const subset = path.join(BENCH_DIR, 'parcels-20k.geojson');
      const lines = (await readFile(input, 'utf8')).split('\n').filter(Boolean);
      const near = lines
        .map((l) => {
          const f = JSON.parse(l) as { geometry: { coordinates: number[][][] } };
          const [lon, lat] = f.geometry.coordinates[0]![0]!;
          return { l, d: Math.hypot(lon! - centre.lon, lat! - centre.lat) };
        })
        .sort((a, b) => a.d - b.d)
        .slice(0, 20_000);
      await writeFile(
        subset,
        `{"type":"FeatureCollection","features":[\n${near.map((x) => x.l).join(',\n')}\n]}`,
      );
      for (const [id, threshold] of [
        ['draped-geojson', 1_000_000],
        ['draped-tiles', 0],
      ] as const) {
        await addLayer(subset, {
          dataDir,
          id,
          sector: 'dat-dai',
          styleBy: 'use',
          tileThreshold: threshold,
          // The 3D Tiles form, as when this case was first measured (docs/benchmarks.md).
          tiles: '3dtiles',
          validFrom: '2025-07-01',
        });
      }
      const area: View[] = [
        { lon: 106.64, lat: 10.965, range: 3_000 },
        { lon: 106.67, lat: 10.995, range: 3_000 },
      ];
      for (const id of ['draped-geojson', 'draped-tiles']) {
        const result = await browserRun(`${server.url}/`, async (page) => ({
          case: id,
          parcels: 20_000,
          ...(await panHiddenThenShown(page, id, area, `${id}.png`, false)),
        }));
        results.push(result);
        log(JSON.stringify(result));
      }
    }
  } finally {
    await server.close();
  }
}

console.log('\nresults (one JSON object per case):');
for (const r of results) console.log(JSON.stringify(r));

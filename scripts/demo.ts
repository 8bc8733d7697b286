/**
 * The demo city, built when missing or stale: generated footprints and streets
 * (data/generated), tiled into build/demo/buildings, with the real ward boundaries and bus
 * stops beside them and a layers.json manifest for `bdtwin serve`. Also builds the viewer.
 * Used by `npm start` and by the tests, so both see the same city.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LayerManifestEntry } from '../tiler/src/api/layers.js';
import { metresPerDegree } from '../tiler/src/geo/ellipsoid.js';
import { TERRAIN_DEFAULTS, tileTerrain } from '../tiler/src/terrain/build.js';
import { openTerrainSampler, type TerrainSampler } from '../tiler/src/terrain/sample.js';
import { TILE_DEFAULTS, tileBuildings } from '../tiler/src/tile.js';
import { CITY_GENERATOR_VERSION, DEFAULT_SEED, writeDemoCity } from './generate-city.js';
import { DEMO_DEM_VERSION, ensureDemoDem, ensureDemoWater } from './terrain/demo-dem.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEMO_DIR = path.join(REPO_ROOT, 'build/demo');
export const GENERATED_DIR = path.join(REPO_ROOT, 'data/generated');
export const WEB_DIR = path.join(REPO_ROOT, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');

type Log = (line: string) => void;

/** Layers of the demo, in drawing order. Paths are relative to the demo folder. */
const LAYERS: (LayerManifestEntry & { from: string })[] = [
  {
    id: 'terrain',
    kind: 'terrain',
    title: 'Địa hình',
    path: 'terrain/layer.json',
    from: '',
    attribution: 'Địa hình: DEM mô phỏng, không phải số liệu đo',
    en: { title: 'Terrain', attribution: 'Terrain: simulated DEM, not surveyed data' },
  },
  {
    id: 'boundaries',
    kind: 'boundaries',
    title: 'Ranh giới phường (từ 01/07/2025)',
    path: 'wards-2025.geojson',
    from: 'data/admin/thu_dau_mot_2025_wards.geojson',
    attribution: 'Ranh giới phường: vietnam-3d-map (MIT)',
    en: { title: 'Ward boundaries (from 01/07/2025)', attribution: 'Ward boundaries: vietnam-3d-map (MIT)' },
  },
  {
    id: 'roads',
    kind: 'roads',
    title: 'Đường phố',
    path: 'roads.geojson',
    from: 'data/generated/roads.geojson',
    attribution: 'Quốc lộ: CTU-SematX/LegoCity (CC-BY-SA-4.0); đường phố khác: mô phỏng',
    en: {
      title: 'Streets',
      attribution: 'National highways: CTU-SematX/LegoCity (CC-BY-SA-4.0); other streets: simulated',
    },
  },
  {
    id: 'bus-stops',
    kind: 'points',
    title: 'Trạm xe buýt Kaze',
    path: 'bus-stops.geojson',
    from: 'data/transport/kaze_bus_stops_osm.geojson',
    attribution: 'Trạm xe buýt © OpenStreetMap contributors (ODbL)',
    en: { title: 'Kaze bus stops', attribution: 'Bus stops © OpenStreetMap contributors (ODbL)' },
  },
  {
    id: 'buildings',
    kind: 'buildings',
    title: 'Công trình',
    path: 'buildings/tileset.json',
    from: '',
    attribution: 'Công trình: thành phố mô phỏng của bdtwin, không phải dữ liệu thật',
    en: { title: 'Buildings', attribution: 'Buildings: bdtwin simulated city, not real data' },
  },
];

async function exists(p: string) {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** Hash of every file under `dir` (sorted), skipping tests: changes when the code does. */
async function hashTree(dir: string, hash = createHash('sha256')): Promise<ReturnType<typeof createHash>> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await hashTree(p, hash);
    else if (!e.name.endsWith('.test.ts')) hash.update(e.name).update(await readFile(p));
  }
  return hash;
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

interface GeneratedStamp {
  seed: number;
  version: string | number;
}

/** Generates data/generated/{buildings,roads}.geojson unless present for this seed and version. */
export async function ensureCity(log: Log = console.log, seed = DEFAULT_SEED): Promise<void> {
  const stampFile = path.join(GENERATED_DIR, 'stamp.json');
  const stamp = await readJson<GeneratedStamp>(stampFile);
  const have =
    (await exists(path.join(GENERATED_DIR, 'buildings.geojson'))) &&
    (await exists(path.join(GENERATED_DIR, 'roads.geojson')));
  if (have && stamp?.seed === seed && stamp.version === CITY_GENERATOR_VERSION) return;
  log(`generating the demo city (seed ${seed}) into ${path.relative(REPO_ROOT, GENERATED_DIR)}/ …`);
  await writeDemoCity({ outDir: GENERATED_DIR, seed });
  await writeFile(stampFile, JSON.stringify({ seed, version: CITY_GENERATOR_VERSION }));
}

/** Builds build/demo (tiles + layers) unless it is up to date with its inputs and the tiler. */
export async function ensureDemo(options: { log?: Log } = {}): Promise<{ dataDir: string }> {
  const log = options.log ?? console.log;
  await ensureCity(log);
  await copyKioskStories();
  const buildingsFile = path.join(GENERATED_DIR, 'buildings.geojson');
  // No real DEM of Bình Dương is available offline: a generated one (scripts/terrain).
  const dem = await ensureDemoDem(GENERATED_DIR);
  // The river of the same DEM as an area: the terrain's water mask.
  const water = await ensureDemoWater(GENERATED_DIR);
  const hash = await hashTree(path.join(REPO_ROOT, 'tiler/src'));
  hash.update(`dem ${DEMO_DEM_VERSION}`);
  hash.update(await readFile(water));
  hash.update(await readFile(buildingsFile));
  hash.update(JSON.stringify(LAYERS));
  hash.update('terrain attribution: from the manifest only');
  for (const layer of LAYERS) if (layer.from) hash.update(await readFile(path.join(REPO_ROOT, layer.from)));
  const key = hash.digest('hex');
  const stampFile = path.join(DEMO_DIR, 'stamp.json');
  if ((await readJson<{ key: string }>(stampFile))?.key === key) return { dataDir: DEMO_DIR };

  log('tiling the demo terrain …');
  await mkdir(DEMO_DIR, { recursive: true });
  await rm(stampFile, { force: true });
  const terrainReport = await tileTerrain([dem], {
    ...TERRAIN_DEFAULTS,
    out: path.join(DEMO_DIR, 'terrain'),
    name: 'Địa hình Thủ Dầu Một',
    water: [water],
    // None in layer.json: the viewer shows the manifest's line (LAYERS above) in the UI's
    // language; Cesium would add the tile set's own beside it, in Vietnamese only.
    attribution: '',
  });
  log(`  ${terrainReport.tiles.toLocaleString('en')} terrain tiles, ${terrainReport.seconds.toFixed(1)} s`);
  log('tiling the demo buildings on it …');
  // The key covers the tiler's sources: a changed tiler rebuilds every tile (force).
  const report = await tileBuildings([buildingsFile], {
    ...TILE_DEFAULTS,
    out: path.join(DEMO_DIR, 'buildings'),
    terrain: [dem],
    force: true,
  });
  log(
    `  ${report.buildingsWritten.toLocaleString('en')} buildings in ${report.tiles} tiles, ` +
      `${(report.bytesWritten / 1e6).toFixed(1)} MB, ${report.seconds.toFixed(1)} s`,
  );
  // Vector layers get the terrain's heights (z), so the viewer draws them just above the
  // ground instead of draping thousands of streets (shadow volumes, very slow without a GPU).
  const sampler = await openTerrainSampler([dem]);
  for (const layer of LAYERS) {
    if (!layer.from) continue;
    const fc = JSON.parse(await readFile(path.join(REPO_ROOT, layer.from), 'utf8')) as {
      features: unknown[];
    };
    const draped = { ...fc, features: fc.features.map((f) => withGroundHeights(f as Feature, sampler)) };
    await writeFile(path.join(DEMO_DIR, layer.path), JSON.stringify(draped));
  }
  const manifest: LayerManifestEntry[] = LAYERS.map(({ from: _from, ...entry }) => entry);
  await writeFile(path.join(DEMO_DIR, 'layers.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(stampFile, JSON.stringify({ key }));
  return { dataDir: DEMO_DIR };
}

/**
 * The kiosk's stories (data/kiosk/*.json, edited by staff) into build/demo/kiosk/, where
 * `GET /api/kiosk/story` reads them. Copied on every start (a few KB), so an edit shows on the
 * next start without re-tiling; each file is written aside and renamed (a running kiosk never
 * reads half a file).
 */
async function copyKioskStories(): Promise<void> {
  const from = path.join(REPO_ROOT, 'data/kiosk');
  const to = path.join(DEMO_DIR, 'kiosk');
  await mkdir(to, { recursive: true });
  for (const name of await readdir(from)) {
    if (!name.endsWith('.json')) continue;
    const tmp = path.join(to, `.${name}.${process.pid}.tmp`);
    await writeFile(tmp, await readFile(path.join(from, name)));
    await rename(tmp, path.join(to, name));
  }
}

interface Feature {
  geometry: { type: string; coordinates: unknown } | null;
}

/** Longest straight piece of a line between height samples, metres: follows gentle relief. */
const DRAPE_STEP_M = 40;

/** A feature with z = terrain height on every position, lines densified to DRAPE_STEP_M. */
function withGroundHeights(feature: Feature, sampler: TerrainSampler): Feature {
  const g = feature.geometry;
  if (!g) return feature;
  const point = (p: number[]) => [p[0]!, p[1]!, Math.round(sampler.heightAt(p[0]!, p[1]!) * 100) / 100];
  const line = (ps: number[][]): number[][] => {
    const out: number[][] = [];
    for (let i = 0; i < ps.length; i++) {
      const a = ps[i]!;
      out.push(point(a));
      const b = ps[i + 1];
      if (!b) break;
      const { lonM, latM } = metresPerDegree(a[1]!);
      const n = Math.floor(Math.hypot((b[0]! - a[0]!) * lonM, (b[1]! - a[1]!) * latM) / DRAPE_STEP_M);
      for (let k = 1; k <= n; k++) {
        const t = k / (n + 1);
        out.push(point([a[0]! + (b[0]! - a[0]!) * t, a[1]! + (b[1]! - a[1]!) * t]));
      }
    }
    return out;
  };
  const c = g.coordinates as never;
  const coordinates =
    g.type === 'Point'
      ? point(c)
      : g.type === 'MultiPoint'
        ? (c as number[][]).map(point)
        : g.type === 'LineString'
          ? line(c)
          : g.type === 'MultiLineString' || g.type === 'Polygon'
            ? (c as number[][][]).map(line)
            : g.type === 'MultiPolygon'
              ? (c as number[][][][]).map((poly) => poly.map(line))
              : c;
  return { ...feature, geometry: { ...g, coordinates } };
}

/** Newest modification time (ms) of the files under `p`. */
async function newestMtime(p: string): Promise<number> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const e of await readdir(p)) newest = Math.max(newest, await newestMtime(path.join(p, e)));
  return newest;
}

/** Builds the viewer into web/dist when it is missing or older than its sources. */
export async function ensureWebBuild(options: { log?: Log } = {}): Promise<string> {
  const log = options.log ?? console.log;
  const built = await stat(path.join(WEB_DIST, 'index.html')).catch(() => undefined);
  const sources = Math.max(
    ...(await Promise.all(
      [
        'web/src',
        'web/index.html',
        'web/light.html',
        'web/public',
        'web/vite.config.ts',
        'web/package.json',
        'tiler/src/api',
      ].map((p) => newestMtime(path.join(REPO_ROOT, p))),
    )),
  );
  if (built && built.mtimeMs >= sources) return WEB_DIST;
  log('building the viewer (vite) …');
  const { build } = await import('vite');
  // Built aside and swapped in with two renames, so a server or test already serving WEB_DIST
  // (another process rebuilding at the same time) never sees a half-written folder.
  const aside = `${WEB_DIST}.build-${process.pid}-${Date.now()}`;
  const old = `${aside}.old`;
  try {
    await build({
      root: WEB_DIR,
      configFile: path.join(WEB_DIR, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: aside, emptyOutDir: true },
    });
    await rename(WEB_DIST, old).catch(() => undefined);
    await rename(aside, WEB_DIST);
  } finally {
    await rm(aside, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
  return WEB_DIST;
}

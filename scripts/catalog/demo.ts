/**
 * The demo catalogue, built into the demo data folder when missing or stale:
 * `<demoDir>/catalog.json` and `<demoDir>/catalog/` (docs/catalog.md). It catalogues the demo's
 * own layers (terrain, 2025 wards, roads, bus stops, buildings) and adds, through `bdtwin add`'s
 * library function:
 * - synthetic cadastral parcels (đất đai), tiled as vector tiles (drawn as imagery on the
 *   terrain), covering each ward as far as its (invented) digitisation has got, map sheet by
 *   map sheet;
 * - environmental monitoring points (môi trường): the 26 air points (invented positions) and the
 *   7 Sài Gòn river water points (real positions);
 * - administrative units before and after 1 July 2025 as one time-valid layer.
 * Urban planning and infrastructure stay empty: the dashboard should show the gaps.
 *
 * Call it after `ensureDemo()` (scripts/demo.ts), e.g. `await ensureDemoCatalog(dataDir, { log })`.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CATALOG_FILE,
  CATALOG_LAYERS_DIR,
  type CatalogFile,
  type CatalogLayer,
  type LayerStyle,
} from '../../tiler/src/api/catalog.js';
import { PreparedUnit } from '../../tiler/src/catalog/coverage.js';
import { toLocal } from '../../tiler/src/catalog/geometry.js';
import { addLayer } from '../../tiler/src/catalog/import.js';
import { measureGeoJsonCoverage, readUnits } from '../../tiler/src/catalog/service.js';
import { writeCatalog } from '../../tiler/src/catalog/store.js';
import { createProjection } from '../city/projection.js';
import { ADMIN_DIR, deriveAdminTransition, FILES, OLD_DATA_DATE } from './admin.js';
import { hash01, PARCEL_H_M, PARCEL_W_M, parcelGrid } from './parcels.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GENERATED_DIR = path.join(REPO_ROOT, 'data/generated');
/** Bump when the demo catalogue changes for the same inputs. */
export const DEMO_CATALOG_VERSION = 2;
const SEED = 20250701;
/** updatedAt of the demo layers: fixed, so rebuilds are byte-identical. */
const DEMO_UPDATED = new Date('2025-11-25T00:00:00Z');

/**
 * How far each ward's cadastral map is digitised (share of its map sheets), invented for the
 * demo so the completeness dashboard has something to show.
 */
export const DIGITISED_SHARE: Readonly<Record<string, number>> = {
  'Thủ Dầu Một': 1,
  'Phú Lợi': 0.85,
  'Chánh Hiệp': 0.6,
  'Bình Dương': 0.45,
  'Phú An': 0.2,
};

type Log = (line: string) => void;

async function hashTree(p: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return;
  if (!s.isDirectory()) {
    hash.update(p).update(await readFile(p));
    return;
  }
  for (const e of (await readdir(p)).sort())
    if (!e.endsWith('.test.ts')) await hashTree(path.join(p, e), hash);
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => '');

const BASE = {
  updatedAt: DEMO_UPDATED.toISOString().replace(/\.\d+Z$/, 'Z'),
  visibility: 'public' as const,
};

/** The demo's own layers (scripts/demo.ts writes them), catalogued where they belong. */
function demoReferences(): CatalogLayer[] {
  return [
    {
      ...BASE,
      id: 'terrain',
      kind: 'terrain',
      title: { vi: 'Địa hình', en: 'Terrain' },
      sector: 'dat-dai',
      path: 'terrain/layer.json',
      source: 'DEM mô phỏng của bdtwin (scripts/terrain), không phải số liệu đo',
      licence: 'Apache-2.0 (bdtwin)',
      crsOfOrigin: 'WGS 84 (EPSG:4326), độ cao EGM96 → elipxoit',
      validFrom: '2025-01-01',
      validTo: null,
      style: { type: 'simple', color: '#8D6E63' },
      defaultOn: true,
      coverage: { method: 'none' },
    },
    {
      ...BASE,
      id: 'boundaries',
      kind: 'boundaries',
      title: { vi: 'Ranh giới phường (từ 01/07/2025)', en: 'Ward boundaries (from 1 July 2025)' },
      sector: 'dat-dai',
      path: 'wards-2025.geojson',
      source: 'vietnam-3d-map (github.com/lamngockhuong/vietnam-3d-map @dc6095c)',
      licence: 'MIT',
      crsOfOrigin: 'WGS 84 (EPSG:4326)',
      validFrom: '2025-07-01',
      validTo: null,
      style: { type: 'simple', color: '#FF4FD8', widthPx: 3 },
      attribution: 'Ranh giới phường: vietnam-3d-map (MIT)',
      labelProperty: 'name',
      defaultOn: true,
      coverage: { method: 'none' },
    },
    {
      ...BASE,
      id: 'buildings',
      kind: 'buildings',
      title: { vi: 'Công trình (mô phỏng)', en: 'Buildings (synthetic)' },
      sector: 'quy-hoach-xay-dung',
      path: 'buildings/tileset.json',
      source: 'Thành phố mô phỏng của bdtwin (scripts/city), không phải dữ liệu thật',
      licence: 'Apache-2.0 (bdtwin)',
      crsOfOrigin: 'WGS 84 (EPSG:4326)',
      validFrom: '2025-07-01',
      validTo: null,
      style: { type: 'simple', color: '#EBEBE6' },
      defaultOn: true,
      coverage: { method: 'cells', cellM: 250 },
    },
    {
      ...BASE,
      id: 'roads',
      kind: 'roads',
      title: { vi: 'Đường phố', en: 'Streets' },
      sector: 'giao-thong',
      path: 'roads.geojson',
      source: 'Quốc lộ: CTU-SematX/LegoCity; đường phố khác: mô phỏng (bdtwin)',
      licence: 'CC-BY-SA-4.0 (quốc lộ); Apache-2.0 (mô phỏng)',
      crsOfOrigin: 'WGS 84 (EPSG:4326)',
      validFrom: '2025-07-01',
      validTo: null,
      style: { type: 'simple', color: '#FFD166', widthPx: 3 },
      attribution: 'Quốc lộ: CTU-SematX/LegoCity (CC-BY-SA-4.0); đường phố khác: mô phỏng',
      defaultOn: true,
      coverage: { method: 'cells', cellM: 250 },
    },
    {
      ...BASE,
      id: 'bus-stops',
      kind: 'points',
      title: { vi: 'Trạm xe buýt Kaze', en: 'Kaze bus stops' },
      sector: 'giao-thong',
      path: 'bus-stops.geojson',
      source: 'OpenStreetMap qua github.com/tienhung2812/BinhDuongBusMap',
      licence: 'ODbL-1.0',
      crsOfOrigin: 'WGS 84 (EPSG:4326)',
      validFrom: '2018-01-01',
      validTo: null,
      style: { type: 'simple', color: '#00C389', widthPx: 8 },
      attribution: 'Trạm xe buýt © OpenStreetMap contributors (ODbL)',
      defaultOn: true,
      coverage: { method: 'cells', cellM: 250 },
    },
  ];
}

const MONITORING_STYLE: LayerStyle = {
  type: 'categorical',
  property: 'loai',
  categories: [
    {
      value: 'khong-khi',
      color: '#E76F51',
      label: { vi: 'Không khí (vị trí mô phỏng)', en: 'Air (invented positions)' },
    },
    {
      value: 'nuoc-mat',
      color: '#3F88C5',
      label: { vi: 'Nước mặt sông Sài Gòn', en: 'Sài Gòn river water' },
    },
  ],
  otherColor: '#9E9E9E',
  widthPx: 11,
};

const ADMIN_STYLE: LayerStyle = {
  type: 'categorical',
  property: 'level',
  categories: [
    {
      value: 'district',
      color: '#F77F00',
      label: { vi: 'Huyện, thị xã, thành phố (trước 01/07/2025)', en: 'Districts (before 1 July 2025)' },
    },
    {
      value: 'ward',
      color: '#7B2CBF',
      label: { vi: 'Phường, xã (từ 01/07/2025)', en: 'Wards and communes (from 1 July 2025)' },
    },
  ],
  otherColor: '#9E9E9E',
  opacity: 0.18,
  widthPx: 3,
};

/** Writes the demo parcels (GeoJSONSeq) for the five wards; returns how many. */
async function writeDemoParcels(dataDir: string, file: string): Promise<number> {
  const catalog: CatalogFile = {
    version: 1,
    units: { layer: 'boundaries', idProperty: 'id', nameProperty: 'name' },
    layers: demoReferences(),
  };
  const units = (await readUnits(dataDir, catalog)).map((u) => new PreparedUnit(u));
  const origin = { lon: 106.66, lat: 11.0 };
  const projection = createProjection(origin.lon, origin.lat);
  // Dominant cadastral use of the demo buildings on each grid cell.
  const tally = new Map<string, Map<string, number>>();
  const buildings = JSON.parse(await readFile(path.join(GENERATED_DIR, 'buildings.geojson'), 'utf8')) as {
    features: { properties: { use?: string }; geometry: { type: string; coordinates: unknown } }[];
  };
  for (const f of buildings.features) {
    const use = f.properties.use;
    if (!use) continue;
    const ring =
      (f.geometry.type === 'Polygon'
        ? (f.geometry.coordinates as number[][][])[0]
        : (f.geometry.coordinates as number[][][][])[0]?.[0]) ?? [];
    if (ring.length === 0) continue;
    const lon = ring.reduce((s, p) => s + p[0]!, 0) / ring.length;
    const lat = ring.reduce((s, p) => s + p[1]!, 0) / ring.length;
    const [x, y] = projection.toLocal(lon, lat);
    const key = `${Math.floor(x / PARCEL_W_M)},${Math.floor(y / PARCEL_H_M)}`;
    const counts = tally.get(key) ?? new Map<string, number>();
    counts.set(use, (counts.get(use) ?? 0) + 1);
    tally.set(key, counts);
  }
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const u of units) {
    for (const poly of u.polygons) {
      for (const ring of poly) {
        for (const p of ring) {
          const lonLat: [number, number] = [
            u.plane.lon0 + p[0] / u.plane.lonM,
            u.plane.lat0 + p[1] / u.plane.latM,
          ];
          const [x, y] = projection.toLocal(lonLat[0], lonLat[1]);
          minX = Math.min(minX, x);
          minY = Math.min(minY, y);
          maxX = Math.max(maxX, x);
          maxY = Math.max(maxY, y);
        }
      }
    }
  }
  const out = createWriteStream(file);
  let n = 0;
  for (const parcel of parcelGrid({
    seed: SEED,
    originLonDeg: origin.lon,
    originLatDeg: origin.lat,
    minXM: minX,
    minYM: minY,
    maxXM: maxX,
    maxYM: maxY,
    accept(lon, lat, si, sj) {
      const unit = units.find((u) => u.contains(...toLocal(u.plane, [lon, lat])));
      if (!unit) return null;
      const share = DIGITISED_SHARE[unit.name] ?? 0.5;
      return hash01(SEED + 3, si, sj) < share ? { ward: unit.name, wardCode: unit.id } : null;
    },
    useAt(i, j) {
      const counts = tally.get(`${i},${j}`);
      if (!counts) return undefined;
      return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
    },
  })) {
    if (!out.write(`${JSON.stringify(parcel)}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
    n++;
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return n;
}

async function writeMonitoringPoints(file: string): Promise<number> {
  const air = JSON.parse(
    await readFile(path.join(REPO_ROOT, 'data/feeds/air_stations_demo.json'), 'utf8'),
  ) as {
    stations: { code: string; name: string; category: string; lonDeg: number; latDeg: number }[];
  };
  const water = JSON.parse(
    await readFile(
      path.join(REPO_ROOT, 'data/environment/saigon_dongnai_water_points_with_coords.geojson'),
      'utf8',
    ),
  ) as { features: { properties: { name: string; standard?: string }; geometry: unknown }[] };
  const features = [
    ...air.stations.map((s) => ({
      type: 'Feature',
      properties: {
        id: s.code,
        name: `${s.code} ${s.name}`,
        loai: 'khong-khi',
        nhom: s.category,
        vi_tri: 'mô phỏng',
      },
      geometry: { type: 'Point', coordinates: [s.lonDeg, s.latDeg] },
    })),
    ...water.features.map((f, i) => ({
      type: 'Feature',
      properties: {
        id: `SG${i + 1}`,
        name: f.properties.name,
        loai: 'nuoc-mat',
        quy_chuan: f.properties.standard ?? '',
        vi_tri: 'công bố',
      },
      geometry: f.geometry,
    })),
  ];
  await writeFile(file, JSON.stringify({ type: 'FeatureCollection', features }));
  return features.length;
}

/**
 * Makes `<dataDir>/catalog.json` and `<dataDir>/catalog/` the demo catalogue for the current demo
 * build; returns the catalogue. The demo folder must already be built (scripts/demo.ts).
 */
export async function ensureDemoCatalog(dataDir: string, options: { log?: Log } = {}): Promise<CatalogFile> {
  const log = options.log ?? console.log;
  const demoStamp = await readText(path.join(dataDir, 'stamp.json'));
  if (!demoStamp)
    throw new Error(`${dataDir} is not a built demo folder (no stamp.json): run ensureDemo() first`);
  const hash = createHash('sha256').update(`v${DEMO_CATALOG_VERSION}`).update(demoStamp);
  for (const p of [
    'tiler/src/catalog',
    'tiler/src/api/catalog.ts',
    'scripts/catalog',
    ADMIN_DIR,
    'data/feeds/air_stations_demo.json',
  ]) {
    await hashTree(path.join(REPO_ROOT, p), hash);
  }
  const key = hash.digest('hex');
  const stampFile = path.join(dataDir, CATALOG_LAYERS_DIR, 'stamp.json');
  if ((await readText(stampFile)).includes(key)) {
    return JSON.parse(await readFile(path.join(dataDir, CATALOG_FILE), 'utf8')) as CatalogFile;
  }
  const started = performance.now();
  log('building the demo catalogue …');
  await rm(path.join(dataDir, CATALOG_LAYERS_DIR), { recursive: true, force: true });
  await rm(path.join(dataDir, CATALOG_FILE), { force: true });
  const inputs = path.join(dataDir, '.catalog-inputs');
  await mkdir(inputs, { recursive: true });

  // The demo's own layers, with their coverage measured here (the service would otherwise do it
  // on the first request; the buildings' tiles cannot be read back, their GeoJSON can).
  const references = demoReferences();
  const base: CatalogFile = {
    version: 1,
    title: { vi: 'Danh mục dữ liệu Thủ Dầu Một (demo)', en: 'Thủ Dầu Một data catalogue (demo)' },
    units: { layer: 'boundaries', idProperty: 'id', nameProperty: 'name' },
    layers: references,
  };
  const units = (await readUnits(dataDir, base)).map((u) => new PreparedUnit(u));
  for (const layer of references) {
    const method = layer.coverage?.method ?? 'none';
    if (method === 'none') continue;
    const file =
      layer.id === 'buildings'
        ? path.join(GENERATED_DIR, 'buildings.geojson')
        : path.join(dataDir, layer.path);
    layer.coverage = {
      ...layer.coverage!,
      byUnit: await measureGeoJsonCoverage(file, units, method, layer.coverage?.cellM),
      unitsLayer: 'boundaries',
    };
  }
  await writeCatalog(dataDir, base);

  const parcelsFile = path.join(inputs, 'thua-dat.geojsonl');
  const parcels = await writeDemoParcels(dataDir, parcelsFile);
  log(`  ${parcels.toLocaleString('en')} synthetic parcels; tiling them (vector tiles) …`);
  const parcelReport = await addLayer(parcelsFile, {
    dataDir,
    id: 'thua-dat',
    sector: 'dat-dai',
    title: 'Bản đồ địa chính (thửa đất, mô phỏng)',
    titleEn: 'Cadastral parcels (synthetic)',
    description: {
      vi: 'Thửa đất mô phỏng theo tờ bản đồ; mỗi phường mới số hoá một phần (Thủ Dầu Một 100 %, Phú An 20 %).',
      en: 'Synthetic parcels by map sheet; each ward digitised in part (Thủ Dầu Một 100 %, Phú An 20 %).',
    },
    source: 'Lưới thửa mô phỏng của bdtwin (scripts/catalog/parcels.ts); loại đất theo công trình mô phỏng',
    licence: 'Apache-2.0 (bdtwin)',
    validFrom: '2025-07-01',
    // Vector tiles are painted on whatever terrain is drawn: no DEM needed (docs/catalog.md).
    tiles: 'mvt',
    styleBy: 'use',
    now: DEMO_UPDATED,
  });
  log(`  parcels: ${parcelReport.layer.kind}, ${parcelReport.seconds.toFixed(1)} s`);

  const monitoringFile = path.join(inputs, 'quan-trac.geojson');
  await writeMonitoringPoints(monitoringFile);
  await addLayer(monitoringFile, {
    dataDir,
    id: 'quan-trac-moi-truong',
    sector: 'moi-truong',
    title: 'Điểm quan trắc môi trường',
    titleEn: 'Environmental monitoring points',
    source:
      'Không khí: mã và tên theo bản tin AQI Bình Dương 2023–2025, vị trí mô phỏng; nước mặt: kế hoạch quan trắc Sài Gòn – Đồng Nai',
    licence: 'facts (public bulletins) + Apache-2.0 (bdtwin positions)',
    validFrom: '2023-01-01',
    style: MONITORING_STYLE,
    labelProperty: 'name',
    // A fixed station speaks for about a kilometre around it.
    coverage: 'cells',
    cellM: 1000,
    now: DEMO_UPDATED,
  });

  const adminFile = path.join(inputs, 'don-vi-hanh-chinh.geojson');
  await writeFile(adminFile, JSON.stringify(await deriveAdminTransition(REPO_ROOT)));
  await addLayer(adminFile, {
    dataDir,
    id: 'don-vi-hanh-chinh',
    sector: 'dat-dai',
    kind: 'boundaries',
    title: 'Đơn vị hành chính trước và sau 01/07/2025',
    titleEn: 'Administrative units before and after 1 July 2025',
    description: {
      vi: 'Trước 01/07/2025: 9 huyện, thị xã, thành phố (TP. Thủ Dầu Một có 14 phường, chưa có ranh giới phường). Từ 01/07/2025: 36 phường, xã (Thủ Dầu Một cũ thành 5 phường).',
      en: 'Before 1 July 2025: 9 districts (Thủ Dầu Một city had 14 wards; no ward polygons available). From 1 July 2025: 36 wards and communes (former Thủ Dầu Một: 5 wards).',
    },
    source: `Trước 2025: dvhcvn (${FILES.districts}, dữ liệu ngày ${OLD_DATA_DATE}); từ 2025: vietnam-3d-map (${FILES.wards2025})`,
    licence: 'GPL-3.0 (ranh giới trước 2025, dvhcvn) + MIT (ranh giới 2025, vietnam-3d-map)',
    attribution: 'Ranh giới trước 2025: dvhcvn (GPL-3.0); từ 2025: vietnam-3d-map (MIT)',
    validFrom: OLD_DATA_DATE,
    timeFeatures: true,
    labelProperty: 'name',
    style: ADMIN_STYLE,
    coverage: 'none',
    now: DEMO_UPDATED,
  });
  await rm(inputs, { recursive: true, force: true });
  await writeFile(stampFile, JSON.stringify({ key }));
  log(`  demo catalogue ready (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return JSON.parse(await readFile(path.join(dataDir, CATALOG_FILE), 'utf8')) as CatalogFile;
}

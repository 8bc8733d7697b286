/**
 * A generated digital elevation model of the Thủ Dầu Một area for the demo: no real DEM is
 * available offline, so this invents one that is plausible for the place (not measured):
 *
 * - 1 arc-second pixels (~31 m), like SRTM 1″, heights in metres above the EGM96 geoid;
 * - land rising from ~8 m in the south-west to ~38 m in the north-east (the Bình Dương
 *   plateau towards Tân Uyên);
 * - the valley of the Sài Gòn river along the wards' western edge (the real ward boundary
 *   follows the river), its floodplain at 3–5 m, the east bank rising ~10 m within a kilometre
 *   (old Thủ Dầu Một stands on such a bluff above the river);
 * - gentle hills (value noise, ±2 m over 0.5–2 km, ±0.4 m over ~200 m);
 * - a small nodata hole (as in real SRTM voids) that the tiler must fill, not turn into a spike.
 *
 * Deterministic: same bytes for the same `DEMO_DEM_VERSION`.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeGeoTiff } from './geotiff-writer.js';

/** Bump when the terrain changes, so the demo build regenerates it. */
export const DEMO_DEM_VERSION = 2;
export const DEMO_DEM_FILE = 'thu-dau-mot-dem.tif';

/** The five wards span lon 106.556–106.723, lat 10.940–11.113; this adds 2–4 km around them. */
export const DEMO_DEM_BOUNDS = {
  westDeg: 106.52,
  southDeg: 10.91,
  eastDeg: 106.76,
  northDeg: 11.14,
} as const;
export const DEMO_DEM_PIXEL_DEG = 1 / 3600;
export const DEMO_DEM_NODATA = -9999;
/** The void: pixel columns/rows (from the north-west), in Phú Lợi, away from the river. */
export const DEMO_DEM_HOLE = { col: 540, row: 420, width: 9, height: 6 } as const;

/** The river's centre line, south to north: [latDeg, lonDeg], just west of the ward boundary. */
const RIVER: readonly (readonly [number, number])[] = [
  [10.9, 106.664],
  [10.94, 106.6505],
  [10.96, 106.6475],
  [10.975, 106.639],
  [10.99, 106.6145],
  [11.0, 106.618],
  [11.012, 106.5975],
  [11.03, 106.5935],
  [11.045, 106.5625],
  [11.06, 106.554],
  [11.075, 106.5645],
  [11.09, 106.5815],
  [11.105, 106.582],
  [11.15, 106.566],
];

const M_PER_DEG_LAT = 110_600;
const M_PER_DEG_LON = 109_200; // at 11° N

/** Longitude of the river's centre line at a latitude, degrees. */
export function riverCentreLonDeg(latDeg: number): number {
  for (let i = 1; i < RIVER.length; i++) {
    const [lat1, lon1] = RIVER[i]!;
    const [lat0, lon0] = RIVER[i - 1]!;
    if (latDeg <= lat1 || i === RIVER.length - 1) {
      const t = Math.min(1, Math.max(0, (latDeg - lat0) / (lat1 - lat0)));
      // Smoothstep between control points: no kinks in the valley.
      const s = t * t * (3 - 2 * t);
      return lon0 + (lon1 - lon0) * s;
    }
  }
  return RIVER[0]![1];
}

/** Distance to the river's centre line in metres (east–west distance, good enough for a valley). */
function riverDistanceM(lonDeg: number, latDeg: number): number {
  return Math.abs(lonDeg - riverCentreLonDeg(latDeg)) * M_PER_DEG_LON;
}

function hash(ix: number, iy: number, seed: number): number {
  let h = (ix * 374761393 + iy * 668265263 + seed * 2147483647) | 0;
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967295;
}

/** Smooth value noise in [−1, 1] with cells of `cellM` metres. */
function valueNoise(xM: number, yM: number, cellM: number, seed: number): number {
  const x = xM / cellM;
  const y = yM / cellM;
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash(ix, iy, seed);
  const b = hash(ix + 1, iy, seed);
  const c = hash(ix, iy + 1, seed);
  const d = hash(ix + 1, iy + 1, seed);
  return ((a + (b - a) * sx) * (1 - sy) + (c + (d - c) * sx) * sy) * 2 - 1;
}

/** Height above the EGM96 geoid (metres) of the invented terrain. */
export function demoHeightM(lonDeg: number, latDeg: number): number {
  const { westDeg, southDeg, eastDeg, northDeg } = DEMO_DEM_BOUNDS;
  const xM = (lonDeg - westDeg) * M_PER_DEG_LON;
  const yM = (latDeg - southDeg) * M_PER_DEG_LAT;
  // 0 in the south-west corner, 1 in the north-east.
  const t = ((lonDeg - westDeg) / (eastDeg - westDeg) + (latDeg - southDeg) / (northDeg - southDeg)) / 2;
  const plateau = 8 + 30 * t * t * (1.6 - 0.6 * t);
  const hills =
    2.0 * valueNoise(xM, yM, 1_400, 1) + 1.0 * valueNoise(xM, yM, 600, 2) + 0.4 * valueNoise(xM, yM, 220, 3);
  const land = plateau + hills * (0.4 + 0.6 * t);
  // The valley: floodplain within ~300 m of the river, sides rising over ~1.2 km.
  const d = riverDistanceM(lonDeg, latDeg);
  const floodplain = 3.5 + 0.8 * valueNoise(xM, yM, 500, 4);
  const rise = Math.min(1, Math.max(0, (d - 300) / 1_200));
  const blend = rise * rise * (3 - 2 * rise);
  const h = floodplain + (land - floodplain) * blend;
  // The channel itself: ~2 m below the floodplain.
  const channel = Math.max(0, 1 - d / 120);
  return h - 2 * channel * channel;
}

export interface DemoDem {
  width: number;
  height: number;
  values: Float32Array;
  westDeg: number;
  northDeg: number;
  pixelDeg: number;
  nodata: number;
}

/** The raster: pixel centres sampled from `demoHeightM`, the hole set to nodata. */
export function generateDemoDem(): DemoDem {
  const { westDeg, southDeg, eastDeg, northDeg } = DEMO_DEM_BOUNDS;
  const width = Math.round((eastDeg - westDeg) / DEMO_DEM_PIXEL_DEG);
  const height = Math.round((northDeg - southDeg) / DEMO_DEM_PIXEL_DEG);
  const values = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const lat = northDeg - (row + 0.5) * DEMO_DEM_PIXEL_DEG;
    for (let col = 0; col < width; col++) {
      values[row * width + col] = demoHeightM(westDeg + (col + 0.5) * DEMO_DEM_PIXEL_DEG, lat);
    }
  }
  const hole = DEMO_DEM_HOLE;
  for (let row = hole.row; row < hole.row + hole.height; row++) {
    for (let col = hole.col; col < hole.col + hole.width; col++) values[row * width + col] = DEMO_DEM_NODATA;
  }
  return { width, height, values, westDeg, northDeg, pixelDeg: DEMO_DEM_PIXEL_DEG, nodata: DEMO_DEM_NODATA };
}

/**
 * Writes `<dir>/thu-dau-mot-dem.tif` unless it is there for this version (a stamp file beside
 * it records the version). Returns the DEM's path.
 */
export async function ensureDemoDem(dir: string): Promise<string> {
  const file = path.join(dir, DEMO_DEM_FILE);
  const stampFile = `${file}.stamp.json`;
  const stamp = await readFile(stampFile, 'utf8').then(
    (text) => JSON.parse(text) as { version?: number },
    () => undefined,
  );
  const present = await stat(file).then(
    () => true,
    () => false,
  );
  if (present && stamp?.version === DEMO_DEM_VERSION) return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, new Uint8Array(encodeGeoTiff(generateDemoDem())));
  await rename(tmp, file);
  await writeFile(stampFile, JSON.stringify({ version: DEMO_DEM_VERSION }));
  return file;
}

export const DEMO_WATER_FILE = 'thu-dau-mot-water.geojson';
/** Half the river's width, metres: the Sài Gòn river is ~200 m wide at Thủ Dầu Một. */
export const DEMO_RIVER_HALF_WIDTH_M = 100;

/**
 * The demo's water: the same invented Sài Gòn river the DEM's valley follows, as an area
 * (`DEMO_RIVER_HALF_WIDTH_M` either side of the centre line, measured east–west as the valley
 * is), clipped to the DEM's bounds, for the terrain's water mask. A GeoJSON FeatureCollection.
 */
export function demoWater(): { type: 'FeatureCollection'; features: unknown[] } {
  const { southDeg, northDeg } = DEMO_DEM_BOUNDS;
  const halfDeg = DEMO_RIVER_HALF_WIDTH_M / M_PER_DEG_LON;
  // ~22 m along the river: the straight chords stay within ~0.3 m of the curved centre line.
  const stepDeg = 0.0002;
  const steps = Math.round((northDeg - southDeg) / stepDeg);
  const west: number[][] = [];
  const east: number[][] = [];
  for (let i = 0; i <= steps; i++) {
    const lat = Number((southDeg + i * stepDeg).toFixed(7));
    const lon = riverCentreLonDeg(lat);
    west.push([Number((lon - halfDeg).toFixed(6)), lat]);
    east.push([Number((lon + halfDeg).toFixed(6)), lat]);
  }
  // Counter-clockwise (RFC 7946): up the east bank, down the west bank.
  const ring = [...east, ...west.reverse(), east[0]!];
  return {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { name: 'Sông Sài Gòn', note: 'invented for the demo, follows the generated DEM' },
        geometry: { type: 'Polygon', coordinates: [ring] },
      },
    ],
  };
}

/** Writes `<dir>/thu-dau-mot-water.geojson` unless it already holds the same (atomically). Returns its path. */
export async function ensureDemoWater(dir: string): Promise<string> {
  const file = path.join(dir, DEMO_WATER_FILE);
  const text = `${JSON.stringify(demoWater())}\n`;
  if ((await readFile(file, 'utf8').catch(() => '')) === text) return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
  return file;
}

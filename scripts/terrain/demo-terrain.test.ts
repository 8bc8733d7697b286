/**
 * The demo terrain end to end: the generated DEM of Thủ Dầu Một, tiled as `bdtwin terrain`
 * tiles it, walked border by border, and 1,000 demo buildings clamped to it, checked against the
 * surface decoded from the served tiles.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERRAIN_DEFAULTS, type TerrainReport, tileTerrain } from '../../tiler/src/terrain/build.js';
import { checkTerrain } from '../../tiler/src/terrain/check.js';
import { geoidHeightM } from '../../tiler/src/terrain/datum.js';
import {
  type DecodedQuantizedMesh,
  decodedHeightAt,
  decodeQuantizedMesh,
} from '../../tiler/src/terrain/decode.js';
import { readDem } from '../../tiler/src/terrain/dem.js';
import { openTerrainSampler, type TerrainSampler } from '../../tiler/src/terrain/sample.js';
import { type TileKey, tileAt, tileBox } from '../../tiler/src/terrain/tiling.js';
import { ensureCity, GENERATED_DIR } from '../demo.js';
import {
  DEMO_DEM_BOUNDS,
  DEMO_DEM_HOLE,
  DEMO_DEM_NODATA,
  DEMO_RIVER_HALF_WIDTH_M,
  demoHeightM,
  ensureDemoDem,
  ensureDemoWater,
  generateDemoDem,
  riverCentreLonDeg,
} from './demo-dem.js';

const WORK = path.join(tmpdir(), `bdtwin-demo-terrain-${process.pid}`);
const OUT = path.join(WORK, 'terrain');
let demFile: string;
let report: TerrainReport;

beforeAll(async () => {
  demFile = await ensureDemoDem(WORK);
  // As `npm start` tiles it: with the river's water mask.
  report = await tileTerrain([demFile], {
    ...TERRAIN_DEFAULTS,
    out: OUT,
    water: [await ensureDemoWater(WORK)],
  });
});
afterAll(async () => {
  await rm(WORK, { recursive: true, force: true });
});

describe('generated demo DEM', () => {
  const dem = generateDemoDem();
  const at = (lon: number, lat: number) => {
    const col = Math.floor((lon - dem.westDeg) / dem.pixelDeg);
    const row = Math.floor((dem.northDeg - lat) / dem.pixelDeg);
    return dem.values[row * dem.width + col]!;
  };

  it('is deterministic, 1″ pixels over the wards with a margin', () => {
    expect(generateDemoDem().values).toEqual(dem.values);
    expect(dem.width).toBe(864);
    expect(dem.height).toBe(828);
    expect(DEMO_DEM_BOUNDS.westDeg).toBeLessThan(106.556);
    expect(DEMO_DEM_BOUNDS.northDeg).toBeGreaterThan(11.113);
  });

  it('looks like the place: 1–40 m, rising to the north-east, the Sài Gòn valley on the west', () => {
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    let valid = 0;
    let above5 = 0;
    for (const v of dem.values) {
      if (v === DEMO_DEM_NODATA) continue;
      valid++;
      if (v >= 5) above5++;
      lowest = Math.min(lowest, v);
      highest = Math.max(highest, v);
    }
    expect(lowest).toBeGreaterThan(0.5); // the channel bed
    expect(highest).toBeLessThan(40);
    expect(above5 / valid).toBeGreaterThan(0.9);
    expect(at(106.74, 11.12) - at(106.54, 10.93)).toBeGreaterThan(15);
    // Across the river at Thủ Dầu Một's riverside (lat 10.98): low by the water, higher inland.
    const river = Math.min(...Array.from({ length: 60 }, (_, i) => at(106.61 + i * 0.001, 10.98)));
    expect(river).toBeLessThan(4);
    expect(at(106.68, 10.98)).toBeGreaterThan(river + 8);
  });

  it('has a void that the reader fills smoothly (no spike, no pit)', async () => {
    const { col, row, width, height } = DEMO_DEM_HOLE;
    expect(dem.values[row * dem.width + col]).toBe(DEMO_DEM_NODATA);
    const read = await readDem(demFile, { verticalDatum: 'ellipsoid' });
    expect(read.info.fill).toMatchObject({ filled: width * height, largestHole: width * height });
    let worst = 0;
    for (let r = row; r < row + height; r++) {
      for (let c = col; c < col + width; c++) {
        const truth = demoHeightM(
          dem.westDeg + (c + 0.5) * dem.pixelDeg,
          dem.northDeg - (r + 0.5) * dem.pixelDeg,
        );
        worst = Math.max(worst, Math.abs(read.raster.heights[r * dem.width + c]! - truth));
      }
    }
    // The invented terrain varies by well under a metre across the 9 × 6 pixel void.
    expect(worst).toBeLessThan(0.5);
  });
});

describe('demo terrain tiles', () => {
  it('tile the DEM to level 14 (grid ≤ DEM pixel), error 0.5 m there', () => {
    expect(report.maxZoom).toBe(14);
    expect(report.levels.at(-1)).toMatchObject({ z: 14, maxErrorM: 0.5 });
    expect(report.sources[0]?.fill.filled).toBe(DEMO_DEM_HOLE.width * DEMO_DEM_HOLE.height);
  });

  it('pass the structural check, and every shared border has the same vertices at the same heights', async () => {
    const check = await checkTerrain(OUT);
    expect(check.problems).toEqual([]);
    expect(check.borders).toBeGreaterThan(500);
    // Within each level's stated error by far: only the two tiles' height quantization differs.
    expect(check.maxBorderGapM).toBeLessThanOrEqual(check.maxQuantizationStepM);
    expect(check.maxBorderGapM).toBeLessThan(0.01);
  });

  it('are ellipsoid heights: the DEM plus the EGM96 geoid (~−4.5 m)', async () => {
    const lon = 106.7;
    const lat = 11.05;
    const key = tileAt(lon, lat, 14);
    const mesh = decodeQuantizedMesh(await readFile(path.join(OUT, `14/${key.x}/${key.y}.terrain`)));
    const h = decodedHeightAt(mesh, tileBox(key), lon, lat)!;
    expect(h).toBeCloseTo(demoHeightM(lon, lat) + geoidHeightM(lon, lat), 0);
  });

  it('mark the river as water on the valley floor, and the land above it as land', async () => {
    expect(report.water?.sources[0]).toMatchObject({ polygons: 1, skipped: 0 });
    expect(report.water!.mixedTiles).toBeGreaterThan(50);
    // Every finest-level tile along the river: wet pixels lie on the floodplain (≤ 5 m above
    // the geoid, the channel lower still) within the river's half width of its centre line
    // (east–west, as the valley is made), dry ones outside it; ~4.7 m pixels.
    let wetPixels = 0;
    let dryPixels = 0;
    const misplaced: string[] = [];
    let highestWetM = Number.NEGATIVE_INFINITY;
    for (let lat = 10.92; lat < 11.13; lat += 0.01) {
      const lon = riverCentreLonDeg(lat);
      const key = tileAt(lon, lat, 14);
      const mesh = decodeQuantizedMesh(await readFile(path.join(OUT, `14/${key.x}/${key.y}.terrain`)));
      const mask = mesh.waterMask!;
      expect(mask.length, `tile ${key.x}/${key.y} has a coastline`).toBe(256 * 256);
      const box = tileBox(key);
      for (let i = 0; i < mask.length; i++) {
        const pLon = box.westDeg + ((i % 256) + 0.5) * ((box.eastDeg - box.westDeg) / 256);
        const pLat = box.northDeg - (Math.floor(i / 256) + 0.5) * ((box.northDeg - box.southDeg) / 256);
        // The water polygon stops at the DEM's edges.
        if (pLat < DEMO_DEM_BOUNDS.southDeg || pLat > DEMO_DEM_BOUNDS.northDeg) continue;
        const fromCentreM = Math.abs(pLon - riverCentreLonDeg(pLat)) * 109_200;
        if (mask[i] === 255) {
          highestWetM = Math.max(highestWetM, demoHeightM(pLon, pLat));
          if (fromCentreM > DEMO_RIVER_HALF_WIDTH_M + 5) misplaced.push(`wet ${pLon},${pLat}`);
          wetPixels++;
        } else if (mask[i] === 0) {
          if (fromCentreM < DEMO_RIVER_HALF_WIDTH_M - 5) misplaced.push(`dry ${pLon},${pLat}`);
          dryPixels++;
        }
      }
    }
    expect(misplaced.slice(0, 5)).toEqual([]);
    expect(wetPixels).toBeGreaterThan(10_000);
    expect(dryPixels).toBeGreaterThan(wetPixels);
    expect(highestWetM).toBeLessThan(5);
  });
});

interface BuildingFeature {
  properties: { id: string };
  geometry:
    | { type: 'Polygon'; coordinates: number[][][] }
    | { type: 'MultiPolygon'; coordinates: number[][][][] };
}

/** Closed GeoJSON rings → flat, open rings (as `Footprint.polygons`). */
function toPolygons(f: BuildingFeature): number[][][] {
  const parts = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
  return parts.map((rings) => rings.map((ring) => ring.slice(0, -1).flat()));
}

describe('clamping demo buildings to the demo terrain', () => {
  let sampler: TerrainSampler;
  let buildings: BuildingFeature[];
  const tiles = new Map<string, DecodedQuantizedMesh>();
  /** The served surface: decoded from the level-14 tile files, as a viewer draws them. */
  const served = async (lon: number, lat: number) => {
    const key: TileKey = tileAt(lon, lat, 14);
    const id = `${key.x}/${key.y}`;
    let mesh = tiles.get(id);
    if (!mesh) {
      mesh = decodeQuantizedMesh(await readFile(path.join(OUT, `14/${id}.terrain`)));
      tiles.set(id, mesh);
    }
    return decodedHeightAt(mesh, tileBox(key), lon, lat)!;
  };

  beforeAll(async () => {
    await ensureCity(() => {});
    sampler = await openTerrainSampler([demFile]);
    const fc = JSON.parse(await readFile(path.join(GENERATED_DIR, 'buildings.geojson'), 'utf8')) as {
      features: BuildingFeature[];
    };
    // 1,000 buildings picked with a fixed stride-and-offset, spread over the whole city.
    const step = Math.floor(fc.features.length / 1000);
    buildings = Array.from(
      { length: 1000 },
      (_, i) => fc.features[(i * step + ((i * 7919) % step)) % fc.features.length]!,
    );
  }, 600_000);

  it('puts each base within 0.5 m of the served terrain at its lowest corner, and never above the ground', async () => {
    let worstCorner = 0;
    let worstFloat = Number.NEGATIVE_INFINITY;
    let maxRelief = 0;
    for (const f of buildings) {
      const polygons = toPolygons(f);
      const base = sampler.footprintBaseM(polygons);
      let lowestCorner = Number.POSITIVE_INFINITY;
      let highest = Number.NEGATIVE_INFINITY;
      for (const rings of polygons) {
        for (const ring of rings) {
          for (let i = 0; i < ring.length; i += 2) {
            const h = await served(ring[i]!, ring[i + 1]!);
            lowestCorner = Math.min(lowestCorner, h);
            highest = Math.max(highest, h);
            // Midpoints of the edges too: a base above any of them would float there.
            const j = (i + 2) % ring.length;
            const mid = await served((ring[i]! + ring[j]!) / 2, (ring[i + 1]! + ring[j + 1]!) / 2);
            worstFloat = Math.max(worstFloat, base - mid);
          }
        }
      }
      worstFloat = Math.max(worstFloat, base - lowestCorner);
      worstCorner = Math.max(worstCorner, Math.abs(base - lowestCorner));
      maxRelief = Math.max(maxRelief, highest - lowestCorner);
    }
    expect(worstCorner).toBeLessThanOrEqual(0.5);
    // Not floating: the base is at or below the served surface at every corner and edge midpoint.
    expect(worstFloat).toBeLessThan(0.01);
    // And the test means something: some footprints do sit on a slope.
    expect(maxRelief).toBeGreaterThan(0.25);
  });
});

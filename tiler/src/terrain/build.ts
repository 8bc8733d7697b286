import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { StagedFolder } from '../tiles/publish.js';
import type { VerticalDatum } from './datum.js';
import { type DemInfo, readDem } from './dem.js';
import { encodeQuantizedMesh } from './encode.js';
import { demHeightSource } from './heights.js';
import { availability, type TerrainLayerJson } from './layer-json.js';
import { levelErrors, levelTiles, sampleGrid, tileId } from './level.js';
import { buildTileMesh } from './mesh.js';
import { Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { cesiumLevelErrorM, type LonLatBox, type TileKey, tileBox, tileSizeDeg } from './tiling.js';
import { readWater, type WaterSourceReport } from './water.js';
import { type WaterBodies, waterMask } from './watermask.js';

/**
 * `bdtwin terrain`: DEMs → quantized-mesh-1.0 tiles + layer.json, published atomically.
 * See docs/terrain.md.
 */

export interface TerrainOptions {
  /** Output folder, replaced atomically on success. */
  out: string;
  /** Mesh error at the finest level, metres; each coarser level allows twice as much. */
  maxErrorM: number;
  /** What the DEMs' heights are relative to. */
  verticalDatum: VerticalDatum;
  /** CRS of the DEMs when their files do not say (or say wrongly). */
  crs?: string;
  /** Finest level; by default the first whose grid is at least as fine as the DEM. */
  maxZoom?: number;
  /** Grid segments per tile side (2^k); 64 matches what Cesium's level selection assumes. */
  gridSize: number;
  /** Write per-vertex normals (octvertexnormals) for lighting. */
  normals: boolean;
  /** `name` and `attribution` in layer.json. */
  name: string;
  attribution: string;
  /**
   * Water polygons (rivers, lakes) for the `watermask` extension, which makes CesiumJS draw
   * water there; none by default (no mask, no extension in layer.json).
   */
  water?: readonly string[];
  /** CRS of the water files when they do not say. */
  waterCrs?: string;
  onProgress?: (progress: TerrainProgress) => void;
}

export interface TerrainProgress {
  z: number;
  maxZoom: number;
  /** Tiles written so far, all levels. */
  done: number;
  total: number;
}

export const TERRAIN_DEFAULTS = {
  maxErrorM: 0.5,
  verticalDatum: 'egm96',
  gridSize: 64,
  normals: true,
  name: 'terrain',
  attribution: '',
} as const satisfies Omit<TerrainOptions, 'out'>;

export interface TerrainLevelPlan {
  z: number;
  tiles: TileKey[];
  /** The level's mesh error bound, metres. */
  maxErrorM: number;
}

export interface TerrainReport {
  sources: DemInfo[];
  coverage: LonLatBox;
  maxZoom: number;
  levels: { z: number; tiles: number; maxErrorM: number; triangles: number }[];
  tiles: number;
  /** Bytes on disk (gzipped tiles + layer.json). */
  bytes: number;
  /** Tile bytes before gzip. */
  rawBytes: number;
  seconds: number;
  version: string;
  /** With `water`: its sources and how many tiles have water (mixed: a 256 × 256 mask). */
  water?: { sources: WaterSourceReport[]; mixedTiles: number; wetTiles: number };
}

/** The first level whose grid spacing is no coarser than the data's. */
export function defaultMaxZoom(resolutionDeg: number, gridSize: number): number {
  const z = Math.ceil(Math.log2(180 / (gridSize * resolutionDeg)) - 1e-9);
  return Math.min(22, Math.max(0, z));
}

/**
 * A level's error bound: `maxErrorM` at the finest level, doubling per level up, and never
 * looser than Cesium's own estimate for the level (which decides when the viewer refines).
 */
export function levelMaxErrorM(z: number, maxZoom: number, maxErrorM: number): number {
  return Math.min(cesiumLevelErrorM(z), maxErrorM * 2 ** (maxZoom - z));
}

/** Which tiles each level gets and how accurate they are. Pure. */
export function planTerrain(
  source: HeightSource,
  options: Pick<TerrainOptions, 'maxErrorM' | 'gridSize' | 'maxZoom'>,
): TerrainLevelPlan[] {
  const maxZoom = options.maxZoom ?? defaultMaxZoom(source.resolutionDeg, options.gridSize);
  const levels: TerrainLevelPlan[] = [];
  for (let z = 0; z <= maxZoom; z++) {
    levels.push({
      z,
      tiles: levelTiles(source.coverage, z),
      maxErrorM: levelMaxErrorM(z, maxZoom, options.maxErrorM),
    });
  }
  return levels;
}

/** Reads the DEMs and tiles them. Throws InputError for bad DEMs before writing anything. */
export async function tileTerrain(
  inputs: readonly string[],
  options: TerrainOptions,
): Promise<TerrainReport> {
  const started = performance.now();
  const dems = [];
  for (const file of inputs) {
    dems.push(
      await readDem(file, {
        verticalDatum: options.verticalDatum,
        ...(options.crs === undefined ? {} : { crs: options.crs }),
      }),
    );
  }
  const water = options.water?.length
    ? await readWater(options.water, options.waterCrs === undefined ? {} : { crs: options.waterCrs })
    : undefined;
  const source = demHeightSource(dems, options.verticalDatum);
  const report = await writeTerrain(
    source,
    options,
    dems.map((d) => d.info),
    water?.water,
  );
  return {
    ...report,
    ...(water && report.water ? { water: { ...report.water, sources: water.sources } } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** Tiles a height source into `options.out` (staging folder, then rename). */
export async function writeTerrain(
  source: HeightSource,
  options: TerrainOptions,
  sources: DemInfo[] = [],
  water?: WaterBodies,
): Promise<TerrainReport> {
  const started = performance.now();
  const plan = planTerrain(source, options);
  const maxZoom = plan.length - 1;
  const rtin = new Rtin(options.gridSize);
  const total = plan.reduce((n, l) => n + l.tiles.length, 0);
  // A killed earlier run may have left a staging folder, or its previous output moved aside.
  const leftovers = await StagedFolder.recover(options.out);
  const staged = await StagedFolder.create(options.out);
  const hash = createHash('sha256');
  let done = 0;
  let bytes = 0;
  let rawBytes = 0;
  let mixedTiles = 0;
  let wetTiles = 0;
  const levels: TerrainReport['levels'] = [];
  try {
    for (const level of plan) {
      const { z, tiles, maxErrorM } = level;
      const errors = levelErrors(source, z, tiles, rtin);
      let triangles = 0;
      const madeDirs = new Set<number>();
      for (const key of tiles) {
        const heights = sampleGrid(source, key, rtin.size);
        const mesh = buildTileMesh(source, key, rtin, heights, errors.get(tileId(key))!, {
          maxErrorM,
          normals: options.normals,
        });
        triangles += mesh.indices.length / 3;
        const mask = water ? waterMask(water, tileBox(key)) : undefined;
        if (mask) {
          if (mask.length > 1) mixedTiles++;
          else if (mask[0] === 255) wetTiles++;
        }
        const raw = encodeQuantizedMesh(mesh, {
          normals: options.normals,
          ...(mask ? { waterMask: mask } : {}),
        });
        const gz = gzipSync(raw);
        hash.update(gz);
        rawBytes += raw.length;
        bytes += gz.length;
        const dir = staged.file(`${z}/${key.x}`);
        if (!madeDirs.has(key.x)) {
          mkdirSync(dir, { recursive: true });
          madeDirs.add(key.x);
        }
        writeFileSync(path.join(dir, `${key.y}.terrain`), gz);
        done++;
        options.onProgress?.({ z, maxZoom, done, total });
      }
      levels.push({ z, tiles: tiles.length, maxErrorM, triangles });
    }
    const version = hash.digest('hex').slice(0, 12);
    const { westDeg, southDeg, eastDeg, northDeg } = source.coverage;
    const layer: TerrainLayerJson = {
      tilejson: '2.1.0',
      name: options.name,
      description: `Quantized-mesh terrain by bdtwin: ${maxZoom + 1} levels, ${total} tiles, mesh error ≤ ${options.maxErrorM} m at level ${maxZoom}`,
      version,
      format: 'quantized-mesh-1.0',
      attribution: options.attribution,
      scheme: 'tms',
      tiles: ['{z}/{x}/{y}.terrain?v={version}'],
      projection: 'EPSG:4326',
      bounds: [westDeg, southDeg, eastDeg, northDeg],
      minzoom: 0,
      maxzoom: maxZoom,
      available: availability(plan.map((l) => l.tiles)),
      extensions: [...(options.normals ? ['octvertexnormals'] : []), ...(water ? ['watermask'] : [])],
      bdtwin: {
        verticalDatum: 'ellipsoid',
        sourceVerticalDatum: options.verticalDatum,
        gridSize: options.gridSize,
        maxErrorM: plan.map((l) => Number(l.maxErrorM.toPrecision(6))),
      },
    };
    const json = `${JSON.stringify(layer, null, 2)}\n`;
    await writeFile(staged.file('layer.json'), json);
    bytes += Buffer.byteLength(json);
    await staged.commit();
    await StagedFolder.removeLeftovers(leftovers);
    return {
      sources,
      coverage: source.coverage,
      maxZoom,
      levels,
      tiles: total,
      bytes,
      rawBytes,
      seconds: (performance.now() - started) / 1000,
      version,
      ...(water ? { water: { sources: [], mixedTiles, wetTiles } } : {}),
    };
  } catch (error) {
    await staged.abort();
    throw error;
  }
}

/** Grid spacing of the finest level in metres (north–south), for reports. */
export function finestSpacingM(maxZoom: number, gridSize: number): number {
  return (tileSizeDeg(maxZoom) / gridSize) * 110_574;
}

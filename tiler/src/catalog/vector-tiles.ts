import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import GeoJSONVT from 'geojson-vt';
import vtPbf, { type GeojsonVtFeature } from 'vt-pbf';
import type { VectorTileSetJson } from '../api/catalog.js';
import { MAX_FOOTPRINT_VERTICES } from '../buildings/normalise.js';
import { InputError } from '../errors.js';
import { StagedFolder } from '../tiles/publish.js';
import type { BBox } from './geometry.js';
import type { VectorTilePartition, VectorTilePlan } from './vector-tile-plan.js';
import { isWithin, latToWorldY, lonToWorldX } from './web-mercator.js';

const gzip = promisify(gzipCallback);

/**
 * A large polygon layer as Mapbox Vector Tiles (MVT 2.1, Web Mercator z/x/y), the form the viewer
 * drapes on the terrain as imagery (web/src/catalog/vectorTileImagery.ts; docs/catalog.md):
 *
 * 1. **partition**: one pass over the staging GeoJSONSeq keeps each feature's properties that
 *    the style and the click panel need, checks its rings, winds them as MVT wants (outer rings
 *    clockwise on screen), and appends it to the file of every partition (VectorTilePlan) its
 *    box, grown by the tile buffer, touches;
 * 2. **tile**, one partition at a time (so memory is bounded by the largest partition, not the
 *    layer): geojson-vt projects, simplifies per zoom (Douglas–Peucker), clips with a buffer and
 *    quantises to the tile extent; every non-empty tile of the partition from `minzoom` to
 *    `maxzoom` is encoded by vt-pbf, gzipped and written as `<z>/<x>/<y>.pbf`. Tiles below
 *    `maxzoom` keep only the style's properties (a click is answered from the `maxzoom` tile);
 * 3. `tiles.json` (TileJSON 3.0.0 with the zoom range, bounds, fields and which tiles exist).
 *
 * Everything is written into a staging folder that replaces `out` only when complete
 * (StagedFolder, as the 3D Tiles path does).
 */

export const VECTOR_TILE_DEFAULTS = {
  /**
   * Tile coordinate units per tile side (MVT `extent`): 8 per pixel of the viewer's 512-px
   * tiles; a unit is ~0.3 m at z15, ~2.3 m at z12 (latitude 11°).
   */
  extent: 4096,
  /**
   * Geometry kept beyond each tile edge, tile units (64 = 8 px of a 512-px tile): a polygon's
   * clipped edge lies outside the painted tile, so tiles meet without seams or stray outlines.
   */
  bufferUnits: 64,
  /**
   * Douglas–Peucker tolerance below `maxzoom`, tile units of that zoom (8 = one pixel of a
   * 512-px tile, ~19 m at z12): invisible at the zoom it is drawn at. `maxzoom` tiles keep every
   * vertex (quantised to the extent), since the viewer enlarges them beyond.
   */
  toleranceUnits: 8,
  /** zlib level of the stored tiles (they are served as they are, Content-Encoding: gzip). */
  gzipLevel: 6,
  /** Tiles being compressed and written at once. */
  writeConcurrency: 32,
};

export type VectorTileTuning = typeof VECTOR_TILE_DEFAULTS;

export interface VectorTileWriteOptions {
  /** Staging GeoJSONSeq in WGS 84, one Feature a line (what `bdtwin add` writes while reading). */
  input: string;
  /** Output folder (`<data>/catalog/<id>`), replaced as a whole. */
  out: string;
  /** Name of the one source layer (the catalogue layer's id). */
  layerName: string;
  /** Properties the `maxzoom` tiles keep (style, click panel); others are dropped. */
  fields: readonly string[];
  /** Properties the tiles below `maxzoom` keep (what the style reads). */
  styleFields: readonly string[];
  plan: VectorTilePlan;
  /** The user's file (for messages) and the feature number in it of the n-th staging line. */
  source: { file: string; indexOf(line: number): number };
  /** Features that may be refused (too many vertices, no ring) before the run fails. */
  maxRejected: number;
  tuning?: Partial<VectorTileTuning>;
  onProgress?: (tilesWritten: number) => void;
}

export interface VectorTileReport {
  featuresWritten: number;
  rejected: { index: number; reason: string }[];
  tiles: number;
  tilesByZoom: Record<number, number>;
  /** Bytes on disk (gzipped) and before compression. */
  bytes: number;
  rawBytes: number;
  largestTileBytes: number;
  partitions: number;
  /** Features in the largest partition (what geojson-vt held at once), crossing copies included. */
  largestPartitionFeatures: number;
  stageSeconds: { partition: number; tile: number };
}

type Ring = number[][];
type PolygonCoords = Ring[];

/** Shoelace sum over lon/lat: positive for a counter-clockwise ring (north up). */
function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j]!;
    const b = ring[i]!;
    sum += (a[0]! - b[0]!) * (a[1]! + b[1]!);
  }
  return sum / 2;
}

export type CheckedPolygons = { ok: true; polygons: PolygonCoords[] } | { ok: false; reason: string };

/**
 * A feature's polygons as MVT wants them, or why it cannot be tiled: at most
 * MAX_FOOTPRINT_VERTICES vertices (as the 3D Tiles path: a million-vertex parcel is a data
 * error and would make a tile of its own megabytes), rings of fewer than 4 positions dropped
 * (a polygon without its outer ring goes), outer rings wound counter-clockwise in lon/lat and
 * holes clockwise (RFC 7946), which after Web Mercator's y-flip is MVT's clockwise-outer rule —
 * Shapefiles wind the other way. Pure; returns new arrays.
 */
export function checkPolygons(geometry: { type: string; coordinates?: unknown } | null): CheckedPolygons {
  let raw: unknown[];
  if (geometry?.type === 'Polygon') raw = [geometry.coordinates];
  else if (geometry?.type === 'MultiPolygon' && Array.isArray(geometry.coordinates))
    raw = geometry.coordinates;
  else return { ok: false, reason: `geometry is ${geometry?.type ?? 'null'}, not a Polygon or MultiPolygon` };
  let vertices = 0;
  for (const rings of raw)
    if (Array.isArray(rings)) for (const ring of rings) if (Array.isArray(ring)) vertices += ring.length;
  if (vertices > MAX_FOOTPRINT_VERTICES) {
    return {
      ok: false,
      reason:
        `has ${vertices.toLocaleString('en')} vertices; a tiled polygon may have at most ` +
        `${MAX_FOOTPRINT_VERTICES.toLocaleString('en')} (simplify it, or split it)`,
    };
  }
  const polygons: PolygonCoords[] = [];
  for (const rings of raw) {
    if (!Array.isArray(rings)) continue;
    const kept: PolygonCoords = [];
    for (const [k, ring] of (rings as unknown[]).entries()) {
      const ok =
        Array.isArray(ring) &&
        ring.length >= 4 &&
        ring.every((p) => Array.isArray(p) && Number.isFinite(p[0]) && Number.isFinite(p[1]));
      if (!ok) {
        if (k === 0) break;
        continue;
      }
      const copy = (ring as number[][]).map((p) => [p[0]!, p[1]!]);
      const area = signedArea(copy);
      if (area === 0) {
        if (k === 0) break;
        continue;
      }
      if (k === 0 ? area < 0 : area > 0) copy.reverse();
      kept.push(copy);
    }
    if (kept.length) polygons.push(kept);
  }
  if (!polygons.length) return { ok: false, reason: 'has no ring of 4 or more positions enclosing an area' };
  return { ok: true, polygons };
}

/** Only text, numbers and booleans go into a vector tile; other values are left out. */
function pickProperties(
  properties: Record<string, unknown> | null | undefined,
  fields: readonly string[],
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  if (!properties) return out;
  for (const k of fields) {
    const v = properties[k];
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)))
      out[k] = v;
  }
  return out;
}

/**
 * Tiles that exist as rectangles per zoom: runs of columns per row, merged with the rows below
 * while they have the same runs (a province's tiles at z16 are a few hundred rectangles).
 */
export function availabilityRectangles(
  tiles: Iterable<[x: number, y: number]>,
): { startX: number; startY: number; endX: number; endY: number }[] {
  const rows = new Map<number, number[]>();
  for (const [x, y] of tiles) {
    const row = rows.get(y);
    if (row) row.push(x);
    else rows.set(y, [x]);
  }
  const out: { startX: number; startY: number; endX: number; endY: number }[] = [];
  /** Rectangles still open, by their column run `x0:x1`. */
  let open = new Map<string, (typeof out)[number]>();
  for (const y of [...rows.keys()].sort((a, b) => a - b)) {
    const xs = rows.get(y)!.sort((a, b) => a - b);
    const next = new Map<string, (typeof out)[number]>();
    for (let i = 0; i < xs.length; ) {
      let j = i;
      while (j + 1 < xs.length && xs[j + 1]! <= xs[j]! + 1) j++;
      const key = `${xs[i]}:${xs[j]}`;
      const above = open.get(key);
      if (above && above.endY === y - 1) {
        above.endY = y;
        next.set(key, above);
      } else {
        const r = { startX: xs[i]!, startY: y, endX: xs[j]!, endY: y };
        out.push(r);
        next.set(key, r);
      }
      i = j + 1;
    }
    open = next;
  }
  return out;
}

/** One tile's features as an (uncompressed) MVT 2.1 protobuf with one source layer. */
export function encodeTile(
  layerName: string,
  features: readonly GeojsonVtFeature[],
  extent: number,
): Uint8Array {
  return vtPbf.fromGeojsonVt({ [layerName]: { features } }, { version: 2, extent });
}

/**
 * Cuts GeoJSON features (lon/lat) into tile z/x/y and encodes it as `writeVectorTiles` does its
 * `maxzoom` tiles (clipped with the buffer, quantised, not simplified): for tests and tools.
 * Undefined when nothing falls in the tile.
 */
export function cutTile(
  features: readonly { type: 'Feature'; properties: Record<string, unknown>; geometry: unknown }[],
  tile: { z: number; x: number; y: number },
  layerName: string,
  tuning: Partial<VectorTileTuning> = {},
): Uint8Array | undefined {
  const t = { ...VECTOR_TILE_DEFAULTS, ...tuning };
  const index = new GeoJSONVT({ type: 'FeatureCollection', features } as never, {
    maxZoom: tile.z,
    indexMaxZoom: tile.z,
    indexMaxPoints: 0,
    tolerance: t.toleranceUnits,
    extent: t.extent,
    buffer: t.bufferUnits,
  });
  const cut = index.getTile(tile.z, tile.x, tile.y);
  if (!cut?.features.length) return undefined;
  return encodeTile(layerName, cut.features as GeojsonVtFeature[], t.extent);
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

function fieldType(v: unknown): string {
  return typeof v === 'number' ? 'Number' : typeof v === 'boolean' ? 'Boolean' : 'String';
}

/** Writes the layer's vector tiles into `options.out` (replacing what was there). */
export async function writeVectorTiles(options: VectorTileWriteOptions): Promise<VectorTileReport> {
  const t = { ...VECTOR_TILE_DEFAULTS, ...options.tuning };
  const { plan } = options;
  const { minzoom, maxzoom } = plan;
  const started = performance.now();
  // Runs killed part-way left staging folders (no resuming: a rerun is a minute).
  await StagedFolder.removeLeftovers(await StagedFolder.recover(options.out));
  const staged = await StagedFolder.create(options.out);
  const partsDir = `${staged.staging}-parts-${randomBytes(3).toString('hex')}`;
  const rejected: VectorTileReport['rejected'] = [];
  const fieldTypes: Record<string, string> = {};
  let written = 0;
  const pending = new Set<Promise<void>>();
  try {
    // 1. Partition.
    await mkdir(partsDir, { recursive: true });
    const partitions = plan.partitions;
    const partFiles = partitions.map((_, k) => path.join(partsDir, `${k}.geojsonl`));
    const streams = partFiles.map((f) => createWriteStream(f));
    const partCounts = partitions.map(() => 0);
    // World-unit boxes of the partitions, grown by the largest buffer (at minzoom).
    const grow = t.bufferUnits / t.extent / 2 ** minzoom;
    const partBoxes = partitions.map((p) => {
      const n = 2 ** p.z;
      return [p.x / n - grow, p.y / n - grow, (p.x + 1) / n + grow, (p.y + 1) / n + grow] as const;
    });
    let line = -1;
    try {
      for await (const text of createInterface({
        input: createReadStream(options.input),
        crlfDelay: Infinity,
      })) {
        if (!text) continue;
        line++;
        const feature = JSON.parse(text) as {
          properties?: Record<string, unknown> | null;
          geometry: { type: string; coordinates?: unknown } | null;
        };
        const checked = checkPolygons(feature.geometry);
        if (!checked.ok) {
          const index = options.source.indexOf(line);
          rejected.push({ index, reason: checked.reason });
          if (rejected.length > options.maxRejected) {
            throw new InputError(
              options.source.file,
              `${checked.reason}; ${rejected.length} feature(s) skipped (allowed: ${options.maxRejected}): fix the source or pass --max-rejected <n>`,
              { index },
            );
          }
          continue;
        }
        const properties = pickProperties(feature.properties, options.fields);
        for (const [k, v] of Object.entries(properties)) fieldTypes[k] ??= fieldType(v);
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        for (const poly of checked.polygons) {
          for (const [lon, lat] of poly[0]!) {
            const x = lonToWorldX(lon!);
            const y = latToWorldY(lat!);
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
          }
        }
        const geometry =
          checked.polygons.length === 1
            ? { type: 'Polygon', coordinates: checked.polygons[0] }
            : { type: 'MultiPolygon', coordinates: checked.polygons };
        const out = `${JSON.stringify({ type: 'Feature', properties, geometry })}\n`;
        for (let k = 0; k < partBoxes.length; k++) {
          const b = partBoxes[k]!;
          if (x1 < b[0] || x0 > b[2] || y1 < b[1] || y0 > b[3]) continue;
          partCounts[k]!++;
          await write(streams[k]!, out);
        }
        written++;
      }
    } finally {
      await Promise.all(
        streams.map(async (s) => {
          s.end();
          if (!s.closed) await once(s, 'close');
        }),
      );
    }
    const partitioned = performance.now();

    // 2. Tile, one partition at a time.
    const tilesByZoom: Record<number, number> = {};
    const available = new Map<number, [number, number][]>();
    let bytes = 0;
    let rawBytes = 0;
    let largestTileBytes = 0;
    let tiles = 0;
    let failure: unknown;
    const styleOnly = (f: GeojsonVtFeature): GeojsonVtFeature => ({
      ...f,
      tags: pickProperties(f.tags, options.styleFields),
    });
    const emit = async (z: number, x: number, y: number, features: GeojsonVtFeature[]) => {
      const pbf = encodeTile(options.layerName, z === maxzoom ? features : features.map(styleOnly), t.extent);
      const job = (async () => {
        const gz = await gzip(pbf, { level: t.gzipLevel });
        await staged.write(`${z}/${x}/${y}.pbf`, gz);
        bytes += gz.length;
        rawBytes += pbf.length;
        largestTileBytes = Math.max(largestTileBytes, gz.length);
      })().catch((error: unknown) => {
        failure ??= error;
      });
      pending.add(job);
      void job.finally(() => pending.delete(job));
      tiles++;
      tilesByZoom[z] = (tilesByZoom[z] ?? 0) + 1;
      const list = available.get(z);
      if (list) list.push([x, y]);
      else available.set(z, [[x, y]]);
      if (pending.size >= t.writeConcurrency) await Promise.race(pending);
      if (failure) throw failure;
      if (tiles % 500 === 0) options.onProgress?.(tiles);
    };
    for (const [k, partition] of partitions.entries()) {
      if (partCounts[k] === 0) continue;
      await tilePartition(partFiles[k]!, partition, plan, t, emit);
      await rm(partFiles[k]!, { force: true });
    }
    await Promise.all(pending);
    if (failure) throw failure;
    options.onProgress?.(tiles);

    // 3. TileJSON.
    const [w, s, e, n] = plan.bounds;
    const tileJson: VectorTileSetJson = {
      tilejson: '3.0.0',
      name: options.layerName,
      tiles: ['{z}/{x}/{y}.pbf'],
      minzoom,
      maxzoom,
      bounds: [w, s, e, n].map((v) => Math.round(v * 1e7) / 1e7) as BBox,
      center: [Math.round(((w + e) / 2) * 1e7) / 1e7, Math.round(((s + n) / 2) * 1e7) / 1e7, minzoom],
      vector_layers: [
        {
          id: options.layerName,
          fields: Object.fromEntries(
            options.fields.filter((f) => fieldTypes[f]).map((f) => [f, fieldTypes[f]!]),
          ),
          minzoom,
          maxzoom,
        },
      ],
      bdtwin: {
        extent: t.extent,
        featureCount: written,
        styleFields: options.styleFields.filter((f) => fieldTypes[f]),
        available: Array.from({ length: maxzoom - minzoom + 1 }, (_, k) =>
          availabilityRectangles(available.get(minzoom + k) ?? []),
        ),
      },
    };
    await staged.write('tiles.json', `${JSON.stringify(tileJson)}\n`);
    await staged.commit();
    return {
      featuresWritten: written,
      rejected,
      tiles,
      tilesByZoom,
      bytes,
      rawBytes,
      largestTileBytes,
      partitions: partitions.length,
      largestPartitionFeatures: Math.max(0, ...partCounts),
      stageSeconds: {
        partition: (partitioned - started) / 1000,
        tile: (performance.now() - partitioned) / 1000,
      },
    };
  } catch (error) {
    // Let writes still in flight settle first, or one could recreate the folder after abort.
    await Promise.allSettled(pending);
    await staged.abort();
    throw error;
  } finally {
    await rm(partsDir, { recursive: true, force: true });
  }
}

/** Cuts one partition's features into tiles and hands each non-empty tile inside it to `emit`. */
async function tilePartition(
  file: string,
  partition: VectorTilePartition,
  plan: VectorTilePlan,
  t: VectorTileTuning,
  emit: (z: number, x: number, y: number, features: GeojsonVtFeature[]) => Promise<void>,
): Promise<void> {
  const features: unknown[] = [];
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (text) features.push(JSON.parse(text));
  }
  const index = new GeoJSONVT({ type: 'FeatureCollection', features } as never, {
    maxZoom: plan.maxzoom,
    // Cut every tile down to maxzoom now (the pyramid is written whole), not on demand.
    indexMaxZoom: plan.maxzoom,
    indexMaxPoints: 0,
    tolerance: t.toleranceUnits,
    extent: t.extent,
    buffer: t.bufferUnits,
  });
  features.length = 0;
  const coords = index.tileCoords
    .filter((c) => c.z >= plan.minzoom && isWithin(c.z, c.x, c.y, partition))
    .sort((a, b) => a.z - b.z || a.y - b.y || a.x - b.x);
  for (const c of coords) {
    const tile = index.getTile(c.z, c.x, c.y);
    if (!tile || tile.features.length === 0) continue;
    await emit(c.z, c.x, c.y, tile.features as GeojsonVtFeature[]);
  }
}

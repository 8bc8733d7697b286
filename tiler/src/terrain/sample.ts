import { metresPerDegree } from '../geo/ellipsoid.js';
import { defaultMaxZoom, levelMaxErrorM, TERRAIN_DEFAULTS, type TerrainOptions } from './build.js';
import type { VerticalDatum } from './datum.js';
import { type Dem, readDem } from './dem.js';
import { demHeightSource } from './heights.js';
import { levelErrors, levelTiles, sampleGrid, tileId } from './level.js';
import { buildTileMesh, dequantizeHeight } from './mesh.js';
import { Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { type TileKey, tileAt, tileBox, tileSizeDeg } from './tiling.js';

/**
 * Heights for clamping buildings to terrain, taken from the very surface the viewer draws: the
 * finest level's quantized-mesh triangles, built exactly as `bdtwin terrain` builds them (same
 * DEMs, datum, grid, error bound and border settling). A building's base therefore sits on the
 * served mesh, not on a DEM sample the mesh may be up to `maxErrorM` away from.
 */

export interface TerrainSamplerOptions
  extends Pick<TerrainOptions, 'maxErrorM' | 'gridSize' | 'maxZoom' | 'verticalDatum'> {
  /** Spacing of samples along footprint outlines, metres. */
  outlineStepM: number;
}

export const SAMPLER_DEFAULTS: TerrainSamplerOptions = {
  maxErrorM: TERRAIN_DEFAULTS.maxErrorM,
  gridSize: TERRAIN_DEFAULTS.gridSize,
  verticalDatum: TERRAIN_DEFAULTS.verticalDatum,
  outlineStepM: 1,
};

export interface TerrainSampler {
  /** The level sampled (the terrain's finest). */
  readonly z: number;
  /** Ellipsoid height (m) of the drawn terrain surface at a point. */
  heightAt(lonDeg: number, latDeg: number): number;
  /**
   * Lowest terrain height (ellipsoid m) under a footprint: its vertices, its outline every
   * `outlineStepM`, and every mesh vertex inside it (the lowest point of a triangulated
   * surface over a polygon is on the polygon's outline or at a vertex inside). `polygons` as in
   * `Footprint.polygons`: parts of `[outer, ...holes]`, flat `[lon, lat, …]` rings.
   */
  footprintBaseM(polygons: readonly (readonly (readonly number[])[])[]): number;
}

interface SampledTile {
  box: ReturnType<typeof tileBox>;
  errors: Float32Array;
  /** Decoded mesh height per grid sample (only mesh vertices are set). */
  heights: Float64Array;
}

/** A sampler over a height source (DEMs already read). */
export function createTerrainSampler(
  source: HeightSource,
  options: Partial<TerrainSamplerOptions> = {},
): TerrainSampler {
  const o = { ...SAMPLER_DEFAULTS, ...options };
  const z = o.maxZoom ?? defaultMaxZoom(source.resolutionDeg, o.gridSize);
  const maxErrorM = levelMaxErrorM(z, z, o.maxErrorM);
  const rtin = new Rtin(o.gridSize);
  const g = rtin.gridSize;
  const n = rtin.size;
  const step = tileSizeDeg(z) / n;
  // Border settling needs the whole level; meshes are built on first use.
  const tiles = levelTiles(source.coverage, z);
  const errors = levelErrors(source, z, tiles, rtin);
  const cache = new Map<string, SampledTile>();

  const tile = (key: TileKey): SampledTile | undefined => {
    const id = tileId(key);
    let t = cache.get(id);
    if (t) return t;
    const e = errors.get(id);
    if (!e) return undefined;
    const grid = sampleGrid(source, key, n);
    const mesh = buildTileMesh(source, key, rtin, grid, e, { maxErrorM, normals: false });
    const heights = new Float64Array(g * g);
    for (let i = 0; i < mesh.u.length; i++) {
      const col = Math.round((mesh.u[i]! / 32767) * n);
      const row = n - Math.round((mesh.v[i]! / 32767) * n);
      heights[row * g + col] = dequantizeHeight(mesh, mesh.h[i]!);
    }
    t = { box: tileBox(key), errors: e, heights };
    cache.set(id, t);
    return t;
  };

  const heightAt = (lonDeg: number, latDeg: number): number => {
    const t = tile(tileAt(lonDeg, latDeg, z));
    if (!t) return source.heightAt(lonDeg, latDeg);
    const x = Math.min(n, Math.max(0, (lonDeg - t.box.westDeg) / step));
    const y = Math.min(n, Math.max(0, (t.box.northDeg - latDeg) / step));
    const [a, b, c] = rtin.locate(t.errors, maxErrorM, x, y);
    return barycentric(g, a, b, c, x, y, t.heights);
  };

  const footprintBaseM: TerrainSampler['footprintBaseM'] = (polygons) => {
    let lowest = Number.POSITIVE_INFINITY;
    for (const rings of polygons) {
      const outer = rings[0];
      if (!outer || outer.length < 6) continue;
      const { lonM, latM } = metresPerDegree(outer[1]!);
      for (const ring of rings) {
        const count = ring.length / 2;
        for (let i = 0; i < count; i++) {
          const x0 = ring[i * 2]!;
          const y0 = ring[i * 2 + 1]!;
          const x1 = ring[((i + 1) % count) * 2]!;
          const y1 = ring[((i + 1) % count) * 2 + 1]!;
          const lengthM = Math.hypot((x1 - x0) * lonM, (y1 - y0) * latM);
          const parts = Math.max(1, Math.ceil(lengthM / o.outlineStepM));
          for (let k = 0; k < parts; k++) {
            const h = heightAt(x0 + ((x1 - x0) * k) / parts, y0 + ((y1 - y0) * k) / parts);
            if (h < lowest) lowest = h;
          }
        }
      }
      // Mesh vertices inside: grid samples in the outer ring's box, inside the polygon.
      let west = Number.POSITIVE_INFINITY;
      let east = Number.NEGATIVE_INFINITY;
      let south = Number.POSITIVE_INFINITY;
      let north = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < outer.length; i += 2) {
        west = Math.min(west, outer[i]!);
        east = Math.max(east, outer[i]!);
        south = Math.min(south, outer[i + 1]!);
        north = Math.max(north, outer[i + 1]!);
      }
      for (let j = Math.ceil((south + 90) / step); -90 + j * step <= north; j++) {
        const lat = -90 + j * step;
        for (let i = Math.ceil((west + 180) / step); -180 + i * step <= east; i++) {
          const lon = -180 + i * step;
          if (!insidePolygon(rings, lon, lat)) continue;
          const h = heightAt(lon, lat);
          if (h < lowest) lowest = h;
        }
      }
    }
    if (lowest === Number.POSITIVE_INFINITY) throw new Error('footprintBaseM: empty footprint');
    return lowest;
  };

  return { z, heightAt, footprintBaseM };
}

/** Reads DEM files (GeoTIFF / .hgt, as `bdtwin terrain` does) and makes a sampler over them. */
export async function openTerrainSampler(
  files: readonly string[],
  options: Partial<TerrainSamplerOptions> & { crs?: string } = {},
): Promise<TerrainSampler> {
  const datum: VerticalDatum = options.verticalDatum ?? SAMPLER_DEFAULTS.verticalDatum;
  const dems: Dem[] = [];
  for (const file of files) {
    dems.push(await readDem(file, { verticalDatum: datum, ...(options.crs ? { crs: options.crs } : {}) }));
  }
  return createTerrainSampler(demHeightSource(dems, datum), options);
}

function barycentric(
  g: number,
  a: number,
  b: number,
  c: number,
  x: number,
  y: number,
  h: Float64Array,
): number {
  const ax = a % g;
  const ay = (a / g) | 0;
  const bx = b % g;
  const by = (b / g) | 0;
  const cx = c % g;
  const cy = (c / g) | 0;
  const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
  const l1 = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / det;
  const l2 = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / det;
  return l1 * h[a]! + l2 * h[b]! + (1 - l1 - l2) * h[c]!;
}

/** Even-odd rule over all rings (holes included) of one polygon. */
function insidePolygon(rings: readonly (readonly number[])[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    const count = ring.length / 2;
    for (let i = 0, j = count - 1; i < count; j = i++) {
      const xi = ring[i * 2]!;
      const yi = ring[i * 2 + 1]!;
      const xj = ring[j * 2]!;
      const yj = ring[j * 2 + 1]!;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

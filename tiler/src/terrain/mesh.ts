import { geodeticToEcef, metresPerDegree } from '../geo/ellipsoid.js';
import { gridLatDeg, gridLonDeg } from './level.js';
import type { Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { type LonLatBox, type TileKey, tileBox, tileSizeDeg } from './tiling.js';

/**
 * A terrain tile's mesh as quantized-mesh stores it: positions quantized to 0…32767 across the
 * tile (u east, v north) and heights quantized between the tile's minimum and maximum.
 */
export interface TileMesh {
  key: TileKey;
  box: LonLatBox;
  u: Uint16Array;
  v: Uint16Array;
  /** Quantized heights, 0…32767 from `minHeightM` to `maxHeightM`. */
  h: Uint16Array;
  /** As the header stores them (float32). */
  minHeightM: number;
  maxHeightM: number;
  /** Triangles, counter-clockwise seen from above, vertices numbered in order of first use. */
  indices: Uint32Array;
  /** Vertices on each side, sorted along it (west/east south→north, south/north west→east). */
  west: Uint32Array;
  south: Uint32Array;
  east: Uint32Array;
  north: Uint32Array;
  /** Oct-encoded ECEF unit normals, two bytes per vertex; absent when not asked for. */
  normals?: Uint8Array;
}

export const QUANTIZED_MAX = 32767;

/** Height a viewer decodes from a quantized value (float32 min/max, as Cesium reads them). */
export function dequantizeHeight(mesh: Pick<TileMesh, 'minHeightM' | 'maxHeightM'>, q: number): number {
  return mesh.minHeightM + (q / QUANTIZED_MAX) * (mesh.maxHeightM - mesh.minHeightM);
}

export interface MeshOptions {
  /** Largest vertical error of the mesh against the full-resolution grid, metres. */
  maxErrorM: number;
  /** Per-vertex normals (the `octvertexnormals` extension). */
  normals: boolean;
}

/**
 * Builds a tile's mesh from its height grid and (border-settled) RTIN errors. Normals come
 * from `source` (central differences one grid step apart), not from the tile's triangles, so
 * the two sides of a border light the same way.
 */
export function buildTileMesh(
  source: HeightSource,
  key: TileKey,
  rtin: Rtin,
  heights: Float32Array,
  errors: Float32Array,
  options: MeshOptions,
): TileMesh {
  const g = rtin.gridSize;
  const n = rtin.size;
  const tris = rtin.triangles(errors, options.maxErrorM);
  // Renumber samples by first use: high-water-mark index coding needs it.
  const vertexOf = new Int32Array(g * g).fill(-1);
  const samples: number[] = [];
  const indices = new Uint32Array(tris.length);
  for (let t = 0; t < tris.length; t += 3) {
    let a = tris[t]!;
    let b = tris[t + 1]!;
    const c = tris[t + 2]!;
    // Counter-clockwise with x east and y north; grid rows run south, so the sign flips.
    const ax = a % g;
    const ay = (a / g) | 0;
    const cross = ((b % g) - ax) * (((c / g) | 0) - ay) - (((b / g) | 0) - ay) * ((c % g) - ax);
    if (cross > 0) [a, b] = [b, a];
    for (const [k, s] of [
      [0, a],
      [1, b],
      [2, c],
    ] as const) {
      let v = vertexOf[s]!;
      if (v < 0) {
        v = samples.length;
        vertexOf[s] = v;
        samples.push(s);
      }
      indices[t + k] = v;
    }
  }
  const count = samples.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of samples) {
    const hM = heights[s]!;
    if (hM < min) min = hM;
    if (hM > max) max = hM;
  }
  const minHeightM = Math.fround(min);
  const maxHeightM = Math.fround(max);
  const range = maxHeightM - minHeightM;
  const u = new Uint16Array(count);
  const v = new Uint16Array(count);
  const h = new Uint16Array(count);
  const sides: Record<'west' | 'south' | 'east' | 'north', number[]> = {
    west: [],
    south: [],
    east: [],
    north: [],
  };
  for (let i = 0; i < count; i++) {
    const s = samples[i]!;
    const col = s % g;
    const row = (s / g) | 0;
    u[i] = Math.round((col / n) * QUANTIZED_MAX);
    v[i] = Math.round(((n - row) / n) * QUANTIZED_MAX);
    h[i] = range > 0 ? Math.round(((heights[s]! - minHeightM) / range) * QUANTIZED_MAX) : 0;
    if (col === 0) sides.west.push(i);
    if (col === n) sides.east.push(i);
    if (row === n) sides.south.push(i);
    if (row === 0) sides.north.push(i);
  }
  const byV = (a: number, b: number) => v[a]! - v[b]!;
  const byU = (a: number, b: number) => u[a]! - u[b]!;
  const mesh: TileMesh = {
    key,
    box: tileBox(key),
    u,
    v,
    h,
    minHeightM,
    maxHeightM,
    indices,
    west: Uint32Array.from(sides.west.sort(byV)),
    south: Uint32Array.from(sides.south.sort(byU)),
    east: Uint32Array.from(sides.east.sort(byV)),
    north: Uint32Array.from(sides.north.sort(byU)),
  };
  if (options.normals) {
    const normals = new Uint8Array(count * 2);
    const step = tileSizeDeg(key.z) / n;
    const out = [0, 0, 0];
    for (let i = 0; i < count; i++) {
      const s = samples[i]!;
      const lon = gridLonDeg(key.z, n, key.x, s % g);
      const lat = gridLatDeg(key.z, n, key.y, (s / g) | 0);
      surfaceNormal(source, lon, lat, step, out);
      octEncode(out[0]!, out[1]!, out[2]!, normals, i * 2);
    }
    mesh.normals = normals;
  }
  return mesh;
}

const DEG = Math.PI / 180;

/** ECEF unit normal of the surface at a point, from height differences ±step degrees away. */
export function surfaceNormal(
  source: HeightSource,
  lonDeg: number,
  latDeg: number,
  stepDeg: number,
  out: number[],
): number[] {
  const latN = Math.min(90, latDeg + stepDeg);
  const latS = Math.max(-90, latDeg - stepDeg);
  const { lonM, latM } = metresPerDegree(latDeg);
  const dEast = 2 * stepDeg * lonM;
  const dNorth = (latN - latS) * latM;
  const gx =
    dEast > 1e-6
      ? (source.heightAt(lonDeg + stepDeg, latDeg) - source.heightAt(lonDeg - stepDeg, latDeg)) / dEast
      : 0;
  const gy = (source.heightAt(lonDeg, latN) - source.heightAt(lonDeg, latS)) / dNorth;
  // Up-facing ENU normal (−∂h/∂e, −∂h/∂n, 1), rotated to ECEF.
  const lon = lonDeg * DEG;
  const lat = latDeg * DEG;
  const sLon = Math.sin(lon);
  const cLon = Math.cos(lon);
  const sLat = Math.sin(lat);
  const cLat = Math.cos(lat);
  const e = -gx;
  const nn = -gy;
  let x = -sLon * e - sLat * cLon * nn + cLat * cLon;
  let y = cLon * e - sLat * sLon * nn + cLat * sLon;
  let z = cLat * nn + sLat;
  const len = Math.hypot(x, y, z);
  x /= len;
  y /= len;
  z /= len;
  out[0] = x;
  out[1] = y;
  out[2] = z;
  return out;
}

function toSnorm(value: number): number {
  return Math.round((Math.min(1, Math.max(-1, value)) * 0.5 + 0.5) * 255);
}

/** Cesium's `AttributeCompression.octEncode` (0…255 per component). */
export function octEncode(x: number, y: number, z: number, out: Uint8Array, offset: number): void {
  const l1 = Math.abs(x) + Math.abs(y) + Math.abs(z);
  let ox = x / l1;
  let oy = y / l1;
  if (z < 0) {
    const tx = ox;
    ox = (1 - Math.abs(oy)) * (tx >= 0 ? 1 : -1);
    oy = (1 - Math.abs(tx)) * (oy >= 0 ? 1 : -1);
  }
  out[offset] = toSnorm(ox);
  out[offset + 1] = toSnorm(oy);
}

/** Inverse of `octEncode` (Cesium's `octDecode`), for tests and tools. */
export function octDecode(ex: number, ey: number): [number, number, number] {
  let x = (ex / 255) * 2 - 1;
  let y = (ey / 255) * 2 - 1;
  const z = 1 - (Math.abs(x) + Math.abs(y));
  if (z < 0) {
    const tx = x;
    x = (1 - Math.abs(y)) * (tx >= 0 ? 1 : -1);
    y = (1 - Math.abs(tx)) * (y >= 0 ? 1 : -1);
  }
  const len = Math.hypot(x, y, z);
  return [x / len, y / len, z / len];
}

/** ECEF positions (x, y, z per vertex) of a mesh as a viewer decodes it. */
export function meshEcef(mesh: TileMesh): Float64Array {
  const { westDeg, southDeg, eastDeg, northDeg } = mesh.box;
  const out = new Float64Array(mesh.u.length * 3);
  const p = [0, 0, 0];
  for (let i = 0; i < mesh.u.length; i++) {
    const lon = westDeg + (mesh.u[i]! / QUANTIZED_MAX) * (eastDeg - westDeg);
    const lat = southDeg + (mesh.v[i]! / QUANTIZED_MAX) * (northDeg - southDeg);
    geodeticToEcef(lon, lat, dequantizeHeight(mesh, mesh.h[i]!), p);
    out[i * 3] = p[0]!;
    out[i * 3 + 1] = p[1]!;
    out[i * 3 + 2] = p[2]!;
  }
  return out;
}

import type { BuildingProperties } from '../api/buildings.js';
import type { RepairKind } from './repair.js';

/**
 * A building footprint after reading and normalising, before meshing.
 * Coordinates are longitude/latitude in degrees (WGS 84). Rings are flat
 * `[lon0, lat0, lon1, lat1, …]`, NOT closed (the last vertex is not repeated), outer rings
 * counter-clockwise and holes clockwise (as seen from above), without duplicate points.
 */
export interface Footprint {
  /** Where it came from, for messages and reports. */
  source: { file: string; index: number };
  properties: BuildingProperties;
  /** One entry per polygon part; each part is `[outer, ...holes]`. */
  polygons: number[][][];
  /** Ellipsoidal height of the base in metres (0 until terrain clamping exists). */
  baseM: number;
  /** Height of the roof above the base in metres. */
  heightM: number;
  /**
   * Height of the bottom above the base in metres: 0 for a building on the ground; more for a
   * building part that starts higher up (OSM `min_height`: a tower above a podium, a bridge
   * between buildings). Always below `heightM`.
   */
  minHeightM: number;
  /** Where the height came from. */
  heightSource: 'height' | 'storeys' | 'default';
  /** Centroid of the footprint's vertices (lon, lat in degrees), used for partitioning. */
  centroid: [lonDeg: number, latDeg: number];
  /** Bounding box `[west, south, east, north]` in degrees. */
  bbox: [number, number, number, number];
  /** What was repaired in the source geometry, each kind once; absent when nothing was. */
  repairs?: RepairKind[];
}

/** A feature that could not be made into a footprint, and why. */
export interface Rejection {
  file: string;
  index: number;
  id: string | undefined;
  reason: string;
}

/** Signed area of a flat ring (shoelace); positive when counter-clockwise in x-east/y-north axes. */
export function signedArea(ring: ArrayLike<number>): number {
  const n = ring.length / 2;
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += (ring[j * 2]! - ring[i * 2]!) * (ring[j * 2 + 1]! + ring[i * 2 + 1]!);
  }
  return sum / 2;
}

/** Reverses a flat ring's vertex order in place. */
export function reverseRing(ring: number[]): number[] {
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < j; i++, j--) {
    const x = ring[i * 2]!;
    const y = ring[i * 2 + 1]!;
    ring[i * 2] = ring[j * 2]!;
    ring[i * 2 + 1] = ring[j * 2 + 1]!;
    ring[j * 2] = x;
    ring[j * 2 + 1] = y;
  }
  return ring;
}

import { metresPerDegree } from '../geo/ellipsoid.js';

/**
 * Plane geometry for planning metrics. Polygons use the Footprint layout: parts of
 * `[outer, ...holes]`, each ring flat `[x0, y0, x1, y1, …]` and not closed; outer rings
 * counter-clockwise, holes clockwise. In lon/lat degrees as read, in metres on a LocalFrame.
 */

export type Polygons = number[][][];

/**
 * An equirectangular tangent plane at an origin: metres east/north. Over a parcel (≤ 1 km) its
 * scale error is far below a millimetre per metre, so areas and setbacks are exact enough.
 */
export interface LocalFrame {
  lonDeg: number;
  latDeg: number;
  toLocal(lonDeg: number, latDeg: number): [number, number];
  toLonLat(xM: number, yM: number): [number, number];
}

export function localFrame(lonDeg: number, latDeg: number): LocalFrame {
  const { lonM, latM } = metresPerDegree(latDeg);
  return {
    lonDeg,
    latDeg,
    toLocal: (lon, lat) => [(lon - lonDeg) * lonM, (lat - latDeg) * latM],
    toLonLat: (x, y) => [lonDeg + x / lonM, latDeg + y / latM],
  };
}

/** Every ring's coordinates mapped through `f` (a new structure). */
export function mapPolygons(polygons: Polygons, f: (x: number, y: number) => [number, number]): Polygons {
  return polygons.map((rings) =>
    rings.map((ring) => {
      const out = new Array<number>(ring.length);
      for (let i = 0; i < ring.length; i += 2) {
        const [x, y] = f(ring[i]!, ring[i + 1]!);
        out[i] = x;
        out[i + 1] = y;
      }
      return out;
    }),
  );
}

export function toLocalPolygons(polygons: Polygons, frame: LocalFrame): Polygons {
  return mapPolygons(polygons, frame.toLocal);
}

/** Signed area of a flat ring (shoelace); positive when counter-clockwise. */
export function ringArea(ring: readonly number[]): number {
  const n = ring.length / 2;
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    sum += ring[j * 2]! * ring[i * 2 + 1]! - ring[i * 2]! * ring[j * 2 + 1]!;
  }
  return sum / 2;
}

/** Area of polygons with holes (outer areas minus hole areas, whatever their winding). */
export function polygonsArea(polygons: Polygons): number {
  let area = 0;
  for (const rings of polygons) {
    rings.forEach((ring, r) => {
      const a = Math.abs(ringArea(ring));
      area += r === 0 ? a : -a;
    });
  }
  return area;
}

/** Area centroid of the polygons (holes subtracted); the vertex mean for degenerate input. */
export function polygonsCentroid(polygons: Polygons): [number, number] {
  let a = 0;
  let cx = 0;
  let cy = 0;
  // Relative to the first vertex, so degree coordinates keep their precision.
  const x0 = polygons[0]?.[0]?.[0] ?? 0;
  const y0 = polygons[0]?.[0]?.[1] ?? 0;
  let mx = 0;
  let my = 0;
  let count = 0;
  for (const rings of polygons) {
    rings.forEach((ring, r) => {
      const n = ring.length / 2;
      // Outer rings count positive and holes negative, whatever their stored winding.
      const sign = (r === 0 ? 1 : -1) * Math.sign(ringArea(ring) || 1);
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const xi = ring[i * 2]! - x0;
        const yi = ring[i * 2 + 1]! - y0;
        const xj = ring[j * 2]! - x0;
        const yj = ring[j * 2 + 1]! - y0;
        const f = (xj * yi - xi * yj) * sign;
        a += f;
        cx += (xi + xj) * f;
        cy += (yi + yj) * f;
        if (r === 0) {
          mx += xi;
          my += yi;
          count++;
        }
      }
    });
  }
  if (Math.abs(a) < 1e-18) return count ? [x0 + mx / count, y0 + my / count] : [x0, y0];
  return [x0 + cx / (3 * a), y0 + cy / (3 * a)];
}

function inRing(x: number, y: number, ring: readonly number[]): boolean {
  let hit = false;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[i * 2]!;
    const yi = ring[i * 2 + 1]!;
    const xj = ring[j * 2]!;
    const yj = ring[j * 2 + 1]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** Even-odd point in polygons-with-holes test. */
export function pointInPolygons(x: number, y: number, polygons: Polygons): boolean {
  for (const rings of polygons) {
    if (!rings[0] || !inRing(x, y, rings[0])) continue;
    let inHole = false;
    for (let r = 1; r < rings.length && !inHole; r++) inHole = inRing(x, y, rings[r]!);
    if (!inHole) return true;
  }
  return false;
}

/** `[west, south, east, north]` (or min x, min y, max x, max y). */
export type BBox = [number, number, number, number];

export function polygonsBBox(polygons: Polygons): BBox {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const rings of polygons) {
    const outer = rings[0] ?? [];
    for (let i = 0; i < outer.length; i += 2) {
      const x = outer[i]!;
      const y = outer[i + 1]!;
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
    }
  }
  return [w, s, e, n];
}

/**
 * Planar geometry in local metres: point-in-polygon, oriented rectangles (OBBs) with a
 * separating-axis overlap test, segment distances, polygon clipping of segments, and a uniform
 * spatial hash. Everything the generator needs to keep buildings apart and off the streets
 * without rasterising the 146 km² of the wards.
 */
import type { XY } from './projection.js';

export type Ring = XY[];

/** Signed area (positive when counter-clockwise); the ring may or may not repeat its first point. */
export function ringSignedAreaM2(ring: readonly XY[]): number {
  let sum = 0;
  const n = ring.length;
  for (let i = 0; i < n; i++) {
    const a = ring[i]!;
    const b = ring[(i + 1) % n]!;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

/** Even-odd point-in-ring test (the ring may be closed or open). */
export function pointInRing(x: number, y: number, ring: readonly XY[]): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Point in a polygon given as [outer, ...holes] (even-odd over all rings). */
export function pointInPolygon(x: number, y: number, rings: readonly (readonly XY[])[]): boolean {
  let inside = false;
  for (const ring of rings) if (pointInRing(x, y, ring)) inside = !inside;
  return inside;
}

/** Distance from point p to segment ab. */
export function pointSegmentDistanceM(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
) {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const cx = ax + t * dx - px;
  const cy = ay + t * dy - py;
  return Math.sqrt(cx * cx + cy * cy);
}

/** Closest point on segment ab to p, with its parameter t in [0, 1]. */
export function closestOnSegment(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): { x: number; y: number; t: number } {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  return { x: ax + t * dx, y: ay + t * dy, t };
}

/**
 * Oriented rectangle: centre, half extents along its own axes, and the angle of the length
 * axis from local east. Buildings are made of these (one for a house, two for an L).
 */
export interface Obb {
  cxM: number;
  cyM: number;
  halfLengthM: number;
  halfWidthM: number;
  angleRad: number;
}

/** The four corners, counter-clockwise, starting at the (-length, -width) corner. */
export function obbCorners(o: Obb): [XY, XY, XY, XY] {
  const c = Math.cos(o.angleRad);
  const s = Math.sin(o.angleRad);
  const ux = c * o.halfLengthM;
  const uy = s * o.halfLengthM;
  const vx = -s * o.halfWidthM;
  const vy = c * o.halfWidthM;
  return [
    [o.cxM - ux - vx, o.cyM - uy - vy],
    [o.cxM + ux - vx, o.cyM + uy - vy],
    [o.cxM + ux + vx, o.cyM + uy + vy],
    [o.cxM - ux + vx, o.cyM - uy + vy],
  ];
}

/** Axis-aligned bounding box [minX, minY, maxX, maxY] of an OBB, grown by marginM. */
export function obbAabb(o: Obb, marginM = 0): [number, number, number, number] {
  const c = Math.abs(Math.cos(o.angleRad));
  const s = Math.abs(Math.sin(o.angleRad));
  const ex = c * o.halfLengthM + s * o.halfWidthM + marginM;
  const ey = s * o.halfLengthM + c * o.halfWidthM + marginM;
  return [o.cxM - ex, o.cyM - ey, o.cxM + ex, o.cyM + ey];
}

/** Same rectangle grown by marginM on every side. */
export function inflateObb(o: Obb, marginM: number): Obb {
  return { ...o, halfLengthM: o.halfLengthM + marginM, halfWidthM: o.halfWidthM + marginM };
}

/**
 * Separating-axis test. Two rectangles overlap only when they interpenetrate by more than
 * toleranceM (1 cm, numerical noise) on every axis, so row houses that share a wall pass.
 */
export function obbsOverlap(a: Obb, b: Obb, toleranceM = 0.01): boolean {
  const dx = b.cxM - a.cxM;
  const dy = b.cyM - a.cyM;
  const ac = Math.cos(a.angleRad);
  const as = Math.sin(a.angleRad);
  const bc = Math.cos(b.angleRad);
  const bs = Math.sin(b.angleRad);
  const axes: [number, number][] = [
    [ac, as],
    [-as, ac],
    [bc, bs],
    [-bs, bc],
  ];
  for (const [nx, ny] of axes) {
    const ra = a.halfLengthM * Math.abs(ac * nx + as * ny) + a.halfWidthM * Math.abs(-as * nx + ac * ny);
    const rb = b.halfLengthM * Math.abs(bc * nx + bs * ny) + b.halfWidthM * Math.abs(-bs * nx + bc * ny);
    if (ra + rb - Math.abs(dx * nx + dy * ny) <= toleranceM) return false;
  }
  return true;
}

/**
 * Shortest distance between segment pq and an OBB (0 when they intersect). For a segment and a
 * convex polygon that do not intersect, the minimum is reached at a segment endpoint or at a
 * polygon corner, so four corner tests plus two endpoint tests suffice.
 */
export function segmentObbDistanceM(px: number, py: number, qx: number, qy: number, o: Obb): number {
  const c = Math.cos(o.angleRad);
  const s = Math.sin(o.angleRad);
  // Segment in the rectangle's frame, where the rectangle is [-hl, hl] × [-hw, hw].
  const ax = (px - o.cxM) * c + (py - o.cyM) * s;
  const ay = -(px - o.cxM) * s + (py - o.cyM) * c;
  const bx = (qx - o.cxM) * c + (qy - o.cyM) * s;
  const by = -(qx - o.cxM) * s + (qy - o.cyM) * c;
  const hl = o.halfLengthM;
  const hw = o.halfWidthM;
  if (segmentIntersectsBox(ax, ay, bx, by, hl, hw)) return 0;
  // Hot path (called ~10^6 times): no closures or temporary arrays.
  let ex = Math.max(Math.abs(ax) - hl, 0);
  let ey = Math.max(Math.abs(ay) - hw, 0);
  let d = Math.sqrt(ex * ex + ey * ey);
  ex = Math.max(Math.abs(bx) - hl, 0);
  ey = Math.max(Math.abs(by) - hw, 0);
  d = Math.min(d, Math.sqrt(ex * ex + ey * ey));
  d = Math.min(d, pointSegmentDistanceM(-hl, -hw, ax, ay, bx, by));
  d = Math.min(d, pointSegmentDistanceM(hl, -hw, ax, ay, bx, by));
  d = Math.min(d, pointSegmentDistanceM(hl, hw, ax, ay, bx, by));
  return Math.min(d, pointSegmentDistanceM(-hl, hw, ax, ay, bx, by));
}

/** Liang–Barsky: does segment ab cross the box [-hx, hx] × [-hy, hy]? */
function segmentIntersectsBox(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  hx: number,
  hy: number,
): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const ps = [-dx, dx, -dy, dy];
  const qs = [ax + hx, hx - ax, ay + hy, hy - ay];
  for (let i = 0; i < 4; i++) {
    const p = ps[i]!;
    const q = qs[i]!;
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t1) return false;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return false;
      if (r < t1) t1 = r;
    }
  }
  return t0 <= t1;
}

/** Parameter pairs (t along ab, u along cd) where two segments cross, or null. */
export function segmentIntersection(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): { t: number; u: number } | null {
  const rx = bx - ax;
  const ry = by - ay;
  const sx = dx - cx;
  const sy = dy - cy;
  const denom = rx * sy - ry * sx;
  if (Math.abs(denom) < 1e-12) return null;
  const qx = cx - ax;
  const qy = cy - ay;
  return { t: (qx * sy - qy * sx) / denom, u: (qx * ry - qy * rx) / denom };
}

/**
 * Clips a polyline to a polygon ring: returns the pieces inside. Crossing points are computed
 * exactly on the ring's edges, so a street clipped at a ward boundary ends on that boundary.
 */
export function clipPolylineToRing(line: readonly XY[], ring: readonly XY[]): XY[][] {
  const pieces: XY[][] = [];
  let current: XY[] | null = null;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const ts: number[] = [0, 1];
    for (let j = 0; j + 1 < ring.length; j++) {
      const c = ring[j]!;
      const d = ring[j + 1]!;
      const hit = segmentIntersection(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]);
      if (hit && hit.t > 0 && hit.t < 1 && hit.u >= 0 && hit.u <= 1) ts.push(hit.t);
    }
    ts.sort((p, q) => p - q);
    for (let k = 0; k + 1 < ts.length; k++) {
      const t0 = ts[k]!;
      const t1 = ts[k + 1]!;
      if (t1 - t0 < 1e-9) continue;
      const tm = (t0 + t1) / 2;
      const inside = pointInRing(a[0] + (b[0] - a[0]) * tm, a[1] + (b[1] - a[1]) * tm, ring);
      const p0: XY = [a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0];
      const p1: XY = [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1];
      if (inside) {
        if (!current) {
          current = [p0];
          pieces.push(current);
        }
        current.push(p1);
      } else {
        current = null;
      }
    }
  }
  return pieces;
}

export function polylineLengthM(line: readonly XY[]): number {
  let len = 0;
  for (let i = 0; i + 1 < line.length; i++) {
    len += Math.hypot(line[i + 1]![0] - line[i]![0], line[i + 1]![1] - line[i]![1]);
  }
  return len;
}

/**
 * Uniform grid of buckets holding item ids by their bounding boxes. Queries return each id once
 * (a stamp array replaces a Set, which matters at ~10^6 queries).
 */
export class SpatialHash {
  private readonly cells = new Map<number, number[]>();
  private stamps = new Uint32Array(1024);
  private stamp = 0;

  constructor(private readonly cellSizeM: number) {}

  private key(ix: number, iy: number): number {
    return (ix + 100000) * 200003 + (iy + 100000);
  }

  insert(id: number, minX: number, minY: number, maxX: number, maxY: number): void {
    const s = this.cellSizeM;
    const x0 = Math.floor(minX / s);
    const x1 = Math.floor(maxX / s);
    const y0 = Math.floor(minY / s);
    const y1 = Math.floor(maxY / s);
    for (let ix = x0; ix <= x1; ix++) {
      for (let iy = y0; iy <= y1; iy++) {
        const k = this.key(ix, iy);
        let bucket = this.cells.get(k);
        if (!bucket) {
          bucket = [];
          this.cells.set(k, bucket);
        }
        bucket.push(id);
      }
    }
    if (id >= this.stamps.length) {
      const grown = new Uint32Array(Math.max(id + 1, this.stamps.length * 2));
      grown.set(this.stamps);
      this.stamps = grown;
    }
  }

  /** Ids whose boxes share a cell with the query box (a superset of the true hits). */
  query(minX: number, minY: number, maxX: number, maxY: number): number[] {
    const s = this.cellSizeM;
    const out: number[] = [];
    this.stamp++;
    if (this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    const x0 = Math.floor(minX / s);
    const x1 = Math.floor(maxX / s);
    const y0 = Math.floor(minY / s);
    const y1 = Math.floor(maxY / s);
    for (let ix = x0; ix <= x1; ix++) {
      for (let iy = y0; iy <= y1; iy++) {
        const bucket = this.cells.get(this.key(ix, iy));
        if (!bucket) continue;
        for (const id of bucket) {
          if (this.stamps[id] !== this.stamp) {
            this.stamps[id] = this.stamp;
            out.push(id);
          }
        }
      }
    }
    return out;
  }
}

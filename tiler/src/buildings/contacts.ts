/**
 * Where the rings of a polygon cross or touch: the cheap validity test that decides whether a
 * footprint needs the (expensive) polyclip rebuild. Rings are flat `[x0, y0, x1, y1, …]` in
 * planar coordinates (metres on a tangent plane), not closed.
 *
 * Small polygons (most footprints have 4–20 vertices) are tested pair by pair with a bounding
 * box reject, which is faster than anything clever at that size; larger ones are swept in x
 * order so a 2,000-vertex outline costs milliseconds, not seconds.
 */

/** Segments do not meet. */
export const APART = 0;
/** An endpoint of one segment lies on the other, and they do not cross. */
export const TOUCH = 1;
/** The segments cross, or overlap along a stretch (collinear). */
export const CROSS = 2;
export type Contact = typeof APART | typeof TOUCH | typeof CROSS;

/** How two rings (or one ring with itself, `a === b`) meet; the strongest contact found. */
export interface RingContact {
  a: number;
  b: number;
  contact: typeof TOUCH | typeof CROSS;
}

/** Twice the signed area of triangle (a, b, c): > 0 when counter-clockwise. */
function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Whether p, known to be collinear with a–b, lies within the segment's box (on it). */
function within(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return px >= Math.min(ax, bx) && px <= Math.max(ax, bx) && py >= Math.min(ay, by) && py <= Math.max(ay, by);
}

/** How segments a–b and c–d meet. Exact for shared vertices, which is what figure-eights have. */
export function segmentContact(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): Contact {
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return CROSS;
  if (d1 === 0 && d2 === 0 && d3 === 0 && d4 === 0) {
    // Collinear: compare the stretches along the longer axis of a–b.
    const useX = Math.abs(bx - ax) >= Math.abs(by - ay);
    const a0 = useX ? Math.min(ax, bx) : Math.min(ay, by);
    const a1 = useX ? Math.max(ax, bx) : Math.max(ay, by);
    const c0 = useX ? Math.min(cx, dx) : Math.min(cy, dy);
    const c1 = useX ? Math.max(cx, dx) : Math.max(cy, dy);
    const overlap = Math.min(a1, c1) - Math.max(a0, c0);
    if (overlap > 0) return CROSS;
    return overlap === 0 ? TOUCH : APART;
  }
  if (
    (d1 === 0 && within(cx, cy, dx, dy, ax, ay)) ||
    (d2 === 0 && within(cx, cy, dx, dy, bx, by)) ||
    (d3 === 0 && within(ax, ay, bx, by, cx, cy)) ||
    (d4 === 0 && within(ax, ay, bx, by, dx, dy))
  ) {
    return TOUCH;
  }
  return APART;
}

/** Below this many segments, test every pair; above, sweep. */
const BRUTE_FORCE_MAX_SEGMENTS = 48;

/** Records the strongest contact per ring pair. */
function record(found: RingContact[], a: number, b: number, contact: Contact) {
  if (contact === APART) return;
  for (const f of found) {
    if (f.a === a && f.b === b) {
      if (contact > f.contact) f.contact = contact;
      return;
    }
  }
  found.push({ a, b, contact });
}

/**
 * Every pair of rings that cross or touch, including a ring with itself (then only
 * non-adjacent edges count: adjacent edges share their vertex by construction). An empty
 * array means the rings are simple and disjoint: the common case, and cheap (no allocation
 * beyond the empty result for small polygons).
 */
export function findContacts(rings: readonly ArrayLike<number>[]): RingContact[] {
  const found: RingContact[] = [];
  let total = 0;
  for (const ring of rings) total += ring.length >> 1;
  if (total > BRUTE_FORCE_MAX_SEGMENTS) {
    sweep(rings, total, found);
    return found;
  }
  for (let ra = 0; ra < rings.length; ra++) {
    const A = rings[ra]!;
    const na = A.length >> 1;
    for (let i = 0; i < na; i++) {
      const i2 = i + 1 < na ? i + 1 : 0;
      const ax = A[i * 2]!;
      const ay = A[i * 2 + 1]!;
      const bx = A[i2 * 2]!;
      const by = A[i2 * 2 + 1]!;
      const minAx = Math.min(ax, bx);
      const maxAx = Math.max(ax, bx);
      const minAy = Math.min(ay, by);
      const maxAy = Math.max(ay, by);
      for (let rb = ra; rb < rings.length; rb++) {
        const B = rings[rb]!;
        const nb = B.length >> 1;
        for (let j = rb === ra ? i + 1 : 0; j < nb; j++) {
          const j2 = j + 1 < nb ? j + 1 : 0;
          // Adjacent edges of one ring share a vertex: not a contact.
          if (rb === ra && (j === i2 || j2 === i)) continue;
          const cx = B[j * 2]!;
          const cy = B[j * 2 + 1]!;
          const dx = B[j2 * 2]!;
          const dy = B[j2 * 2 + 1]!;
          if ((cx < minAx && dx < minAx) || (cx > maxAx && dx > maxAx)) continue;
          if ((cy < minAy && dy < minAy) || (cy > maxAy && dy > maxAy)) continue;
          record(found, ra, rb, segmentContact(ax, ay, bx, by, cx, cy, dx, dy));
        }
      }
    }
  }
  return found;
}

/** findContacts for large polygons: segments in x order, each compared with those it overlaps in x. */
function sweep(rings: readonly ArrayLike<number>[], total: number, found: RingContact[]) {
  const xs = new Float64Array(total);
  const ys = new Float64Array(total);
  const ringOf = new Uint32Array(total);
  const next = new Uint32Array(total);
  let k = 0;
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r]!;
    const n = ring.length >> 1;
    const start = k;
    for (let i = 0; i < n; i++, k++) {
      xs[k] = ring[i * 2]!;
      ys[k] = ring[i * 2 + 1]!;
      ringOf[k] = r;
      next[k] = i + 1 < n ? k + 1 : start;
    }
  }
  const minX = new Float64Array(total);
  const maxX = new Float64Array(total);
  const minY = new Float64Array(total);
  const maxY = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    const j = next[i]!;
    minX[i] = Math.min(xs[i]!, xs[j]!);
    maxX[i] = Math.max(xs[i]!, xs[j]!);
    minY[i] = Math.min(ys[i]!, ys[j]!);
    maxY[i] = Math.max(ys[i]!, ys[j]!);
  }
  const order = Array.from({ length: total }, (_, i) => i).sort((p, q) => minX[p]! - minX[q]!);
  for (let s = 0; s < total; s++) {
    const i = order[s]!;
    const i2 = next[i]!;
    for (let t = s + 1; t < total; t++) {
      const j = order[t]!;
      if (minX[j]! > maxX[i]!) break;
      if (minY[i]! > maxY[j]! || minY[j]! > maxY[i]!) continue;
      const j2 = next[j]!;
      const ri = ringOf[i]!;
      const rj = ringOf[j]!;
      if (ri === rj && (i2 === j || j2 === i)) continue;
      const c = segmentContact(xs[i]!, ys[i]!, xs[i2]!, ys[i2]!, xs[j]!, ys[j]!, xs[j2]!, ys[j2]!);
      record(found, Math.min(ri, rj), Math.max(ri, rj), c);
    }
  }
}

/**
 * Where a point lies relative to a ring (flat, not closed): 1 inside, -1 outside, 0 on its
 * boundary. Crossing-number test; the boundary case is exact for points on vertices.
 */
export function pointInRing(px: number, py: number, ring: ArrayLike<number>): -1 | 0 | 1 {
  const n = ring.length >> 1;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[i * 2]!;
    const yi = ring[i * 2 + 1]!;
    const xj = ring[j * 2]!;
    const yj = ring[j * 2 + 1]!;
    if (orient(xj, yj, xi, yi, px, py) === 0 && within(xj, yj, xi, yi, px, py)) return 0;
    if (yi > py !== yj > py && px < ((xj - xi) * (py - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside ? 1 : -1;
}

/**
 * Whether ring `inner` lies inside ring `outer`, given that they do not cross: decided by the
 * first vertex of `inner` that is not on `outer`'s boundary. `undefined` when every vertex is
 * on the boundary (the rings coincide), so the caller must decide.
 */
export function ringInside(inner: ArrayLike<number>, outer: ArrayLike<number>): boolean | undefined {
  for (let i = 0; i < inner.length; i += 2) {
    const where = pointInRing(inner[i]!, inner[i + 1]!, outer);
    if (where !== 0) return where > 0;
  }
  return undefined;
}

/**
 * Right-triangulated irregular networks (RTIN) on a (2^k + 1)² height grid: the hierarchy of
 * right isosceles triangles that @mapbox/martini uses (same triangle numbering and traversal;
 * ISC licence, Vladimir Agafonkin), with two changes this tiler needs:
 *
 * - **Exact errors.** A triangle's error is the largest vertical distance between its plane and
 *   every grid sample inside it (martini uses only the hypotenuse midpoint, which can
 *   underestimate by up to 2×). So a mesh built with `maxErrorM` is within `maxErrorM` of the full
 *   resolution surface everywhere, which the building clamping relies on.
 * - **Shared borders.** A border sample is the midpoint of one triangle in each of the two tiles
 *   that share the border. `combineBorder` raises both sides to the larger error, and
 *   `propagateErrors` pushes that up the hierarchy, so both tiles split exactly the same border
 *   samples: no cracks, no T-junctions (see `level.ts`).
 *
 * Grid coordinates: column x from west to east, row y from north to south, index y·(N+1) + x.
 */

export class Rtin {
  /** Segments per tile side (a power of two). */
  readonly size: number;
  /** Samples per tile side: size + 1. */
  readonly gridSize: number;
  readonly numTriangles: number;
  /** Triangles that have children (the rest are the smallest, legs √2). */
  readonly numParentTriangles: number;
  /** a (x, y), b (x, y), c (x, y) per triangle; a–b is the hypotenuse, c the right angle. */
  readonly coords: Uint16Array;

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 2 || size > 4096) {
      throw new Error(`RTIN size must be a power of two between 2 and 4096, got ${size}`);
    }
    this.size = size;
    this.gridSize = size + 1;
    this.numTriangles = size * size * 2 - 2;
    this.numParentTriangles = this.numTriangles - size * size;
    this.coords = new Uint16Array(this.numTriangles * 6);
    for (let i = 0; i < this.numTriangles; i++) {
      // Heap numbering: the two roots are ids 2 and 3, children of id are 2·id and 2·id + 1.
      let id = i + 2;
      let ax = 0;
      let ay = 0;
      let bx = 0;
      let by = 0;
      let cx = 0;
      let cy = 0;
      if (id & 1) {
        bx = by = cx = size; // root a (0,0), b (N,N), c (N,0)
      } else {
        ax = ay = cy = size; // root a (N,N), b (0,0), c (0,N)
      }
      for (id >>= 1; id > 1; id >>= 1) {
        const mx = (ax + bx) >> 1;
        const my = (ay + by) >> 1;
        if (id & 1) {
          bx = ax;
          by = ay;
          ax = cx;
          ay = cy;
        } else {
          ax = bx;
          ay = by;
          bx = cx;
          by = cy;
        }
        cx = mx;
        cy = my;
      }
      const k = i * 6;
      this.coords[k] = ax;
      this.coords[k + 1] = ay;
      this.coords[k + 2] = bx;
      this.coords[k + 3] = by;
      this.coords[k + 4] = cx;
      this.coords[k + 5] = cy;
    }
  }

  /**
   * Per-sample errors: entry m is the largest error of the triangles whose hypotenuse midpoint
   * is m or that descend from them, so a triangle must be split when `errors[m] > maxError`.
   * `extraErrorM(hypotenuseCells)` adds an error that depends only on a triangle's size (the
   * chord sag of big tiles), the same in every tile of a level.
   */
  computeErrors(heights: ArrayLike<number>, extraErrorM?: (hypotenuseCells: number) => number): Float32Array {
    const g = this.gridSize;
    const errors = new Float32Array(g * g);
    const c = this.coords;
    for (let i = this.numTriangles - 1; i >= 0; i--) {
      const k = i * 6;
      const ax = c[k]!;
      const ay = c[k + 1]!;
      const bx = c[k + 2]!;
      const by = c[k + 3]!;
      const cx = c[k + 4]!;
      const cy = c[k + 5]!;
      const m = ((ay + by) >> 1) * g + ((ax + bx) >> 1);
      let e = triangleError(heights, g, ax, ay, bx, by, cx, cy);
      if (extraErrorM)
        e += extraErrorM(
          Math.max(Math.abs(ax - bx), Math.abs(ay - by)) * (ax !== bx && ay !== by ? Math.SQRT2 : 1),
        );
      if (e > errors[m]!) errors[m] = e;
      if (i < this.numParentTriangles) {
        const left = errors[((ay + cy) >> 1) * g + ((ax + cx) >> 1)]!;
        const right = errors[((by + cy) >> 1) * g + ((bx + cx) >> 1)]!;
        if (left > errors[m]!) errors[m] = left;
        if (right > errors[m]!) errors[m] = right;
      }
    }
    return errors;
  }

  /** Re-establishes "a parent's error ≥ its children's" after border errors were raised. */
  propagateErrors(errors: Float32Array): void {
    const g = this.gridSize;
    const c = this.coords;
    for (let i = this.numParentTriangles - 1; i >= 0; i--) {
      const k = i * 6;
      const ax = c[k]!;
      const ay = c[k + 1]!;
      const bx = c[k + 2]!;
      const by = c[k + 3]!;
      const cx = c[k + 4]!;
      const cy = c[k + 5]!;
      const m = ((ay + by) >> 1) * g + ((ax + bx) >> 1);
      const left = errors[((ay + cy) >> 1) * g + ((ax + cx) >> 1)]!;
      const right = errors[((by + cy) >> 1) * g + ((bx + cx) >> 1)]!;
      if (left > errors[m]!) errors[m] = left;
      if (right > errors[m]!) errors[m] = right;
    }
  }

  /**
   * The mesh for a maximum error: triangles as grid-sample indices, three per triangle.
   * Winding is whatever the hierarchy gives; `mesh.ts` orders it for the viewer.
   */
  triangles(errors: Float32Array, maxError: number): Uint32Array {
    const out: number[] = [];
    const g = this.gridSize;
    const n = this.size;
    const visit = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => {
      const mx = (ax + bx) >> 1;
      const my = (ay + by) >> 1;
      if (Math.abs(ax - cx) + Math.abs(ay - cy) > 1 && errors[my * g + mx]! > maxError) {
        visit(cx, cy, ax, ay, mx, my);
        visit(bx, by, cx, cy, mx, my);
      } else {
        out.push(ay * g + ax, by * g + bx, cy * g + cx);
      }
    };
    visit(0, 0, n, n, n, 0);
    visit(n, n, 0, 0, 0, n);
    return Uint32Array.from(out);
  }

  /**
   * The leaf triangle of the mesh for `maxError` containing grid point (x, y) (fractional),
   * as three sample indices. Point location by descending the hierarchy: O(log N).
   */
  locate(errors: Float32Array, maxError: number, x: number, y: number): [number, number, number] {
    const g = this.gridSize;
    const n = this.size;
    // Root 1 (a (0,0), b (N,N), c (N,0)) holds x ≥ y; root 2 the rest.
    let ax = 0;
    let ay = 0;
    let bx = n;
    let by = n;
    let cx = n;
    let cy = 0;
    if (x < y) {
      ax = n;
      ay = n;
      bx = 0;
      by = 0;
      cx = 0;
      cy = n;
    }
    for (;;) {
      const mx = (ax + bx) >> 1;
      const my = (ay + by) >> 1;
      if (!(Math.abs(ax - cx) + Math.abs(ay - cy) > 1 && errors[my * g + mx]! > maxError)) break;
      // Children (c, a, m) and (b, c, m) are separated by the line c–m; keep the side holding p.
      const side = (mx - cx) * (y - cy) - (my - cy) * (x - cx);
      const aSide = (mx - cx) * (ay - cy) - (my - cy) * (ax - cx);
      if (side * aSide >= 0) {
        bx = ax;
        by = ay;
        ax = cx;
        ay = cy;
      } else {
        ax = bx;
        ay = by;
        bx = cx;
        by = cy;
      }
      cx = mx;
      cy = my;
    }
    return [ay * g + ax, by * g + bx, cy * g + cx];
  }
}

/**
 * Largest |plane − sample| over the grid samples inside triangle (a, b, c), c the right angle.
 * Samples are walked as c + (i·(a − c) + j·(b − c)) / d: with axis-aligned legs d is the leg
 * length; with an axis-aligned hypotenuse the legs are diagonal and d is twice the leg's
 * extent, keeping only i + j even (the odd ones fall between samples).
 */
function triangleError(
  h: ArrayLike<number>,
  g: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
): number {
  const diagonalLegs = ax === bx || ay === by;
  const d = diagonalLegs
    ? Math.max(Math.abs(ax - bx), Math.abs(ay - by))
    : Math.max(Math.abs(ax - cx), Math.abs(ay - cy));
  const step = diagonalLegs ? 2 : 1;
  const hc = h[cy * g + cx]!;
  const dha = (h[ay * g + ax]! - hc) / d;
  const dhb = (h[by * g + bx]! - hc) / d;
  const dax = ax - cx;
  const day = ay - cy;
  const dbx = bx - cx;
  const dby = by - cy;
  let worst = 0;
  for (let i = 0; i <= d; i++) {
    // i + j even when the legs are diagonal.
    for (let j = diagonalLegs ? i & 1 : 0; i + j <= d; j += step) {
      const px = cx + (i * dax + j * dbx) / d;
      const py = cy + (i * day + j * dby) / d;
      const e = Math.abs(hc + i * dha + j * dhb - h[py * g + px]!);
      if (e > worst) worst = e;
    }
  }
  return worst;
}

/** The four sides of a tile, in the order quantized-mesh stores edge indices. */
export type Side = 'west' | 'south' | 'east' | 'north';

/** Sample index of border sample k (0…N, from the west or north end) on a side. */
export function borderIndex(gridSize: number, side: Side, k: number): number {
  const n = gridSize - 1;
  switch (side) {
    case 'west':
      return k * gridSize;
    case 'east':
      return k * gridSize + n;
    case 'north':
      return k;
    case 'south':
      return n * gridSize + k;
  }
}

export const OPPOSITE: Record<Side, Side> = { west: 'east', east: 'west', north: 'south', south: 'north' };

/**
 * Raises the errors along a shared border to the larger of the two tiles' values (in place, both
 * arrays). Returns whether anything changed. Corners are always vertices and are skipped.
 */
export function combineBorder(
  gridSize: number,
  mine: Float32Array,
  side: Side,
  theirs: Float32Array,
): boolean {
  let changed = false;
  const other = OPPOSITE[side];
  for (let k = 1; k < gridSize - 1; k++) {
    const i = borderIndex(gridSize, side, k);
    const j = borderIndex(gridSize, other, k);
    const a = mine[i]!;
    const b = theirs[j]!;
    if (a < b) {
      mine[i] = b;
      changed = true;
    } else if (b < a) {
      theirs[j] = a;
      changed = true;
    }
  }
  return changed;
}

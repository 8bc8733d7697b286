import { describe, expect, it } from 'vitest';
import { combineBorder, Rtin } from './rtin.js';

/** A bumpy deterministic surface on a (n+1)² grid. */
function bumps(n: number, seed: number): Float32Array {
  const g = n + 1;
  const h = new Float32Array(g * g);
  for (let y = 0; y < g; y++) {
    for (let x = 0; x < g; x++) {
      h[y * g + x] =
        10 * Math.sin((x + seed) / 3) * Math.cos(y / 4) +
        0.3 * ((x * 7 + y * 13 + seed) % 5) +
        (x > 20 && y < 5 ? 8 : 0);
    }
  }
  return h;
}

/** Height of the mesh at grid point (x, y): linear in the triangle holding it. */
function meshHeight(rtin: Rtin, h: Float32Array, tris: Uint32Array, x: number, y: number): number {
  const g = rtin.gridSize;
  for (let t = 0; t < tris.length; t += 3) {
    const [a, b, c] = [tris[t]!, tris[t + 1]!, tris[t + 2]!];
    const [ax, ay, bx, by, cx, cy] = [a % g, (a / g) | 0, b % g, (b / g) | 0, c % g, (c / g) | 0];
    const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
    const l1 = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / det;
    const l2 = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / det;
    const l3 = 1 - l1 - l2;
    if (l1 >= -1e-9 && l2 >= -1e-9 && l3 >= -1e-9) return l1 * h[a]! + l2 * h[b]! + l3 * h[c]!;
  }
  throw new Error(`no triangle holds ${x},${y}`);
}

describe('Rtin', () => {
  const rtin = new Rtin(32);
  const heights = bumps(32, 1);

  it('keeps every grid sample within the error bound (exact errors, not midpoint estimates)', () => {
    const errors = rtin.computeErrors(heights);
    for (const maxError of [0.05, 0.5, 2, 5]) {
      const tris = rtin.triangles(errors, maxError);
      let worst = 0;
      for (let y = 0; y <= 32; y++) {
        for (let x = 0; x <= 32; x++) {
          worst = Math.max(worst, Math.abs(meshHeight(rtin, heights, tris, x, y) - heights[y * 33 + x]!));
        }
      }
      expect(worst).toBeLessThanOrEqual(maxError + 1e-5);
      // Coarser bounds give fewer triangles.
      expect(tris.length / 3).toBeLessThan(2 * 32 * 32 + 1);
    }
    expect(rtin.triangles(errors, 5).length).toBeLessThan(rtin.triangles(errors, 0.05).length);
  });

  it('makes a conforming mesh: every inner edge has two triangles, no T-junctions', () => {
    const errors = rtin.computeErrors(heights);
    const tris = rtin.triangles(errors, 1);
    const edges = new Map<string, number>();
    for (let t = 0; t < tris.length; t += 3) {
      for (let k = 0; k < 3; k++) {
        const a = tris[t + k]!;
        const b = tris[t + ((k + 1) % 3)]!;
        const key = a < b ? `${a},${b}` : `${b},${a}`;
        edges.set(key, (edges.get(key) ?? 0) + 1);
      }
    }
    const g = 33;
    const onBorder = (i: number) => i % g === 0 || i % g === 32 || i < g || i >= 32 * g;
    for (const [key, count] of edges) {
      const [a, b] = key.split(',').map(Number) as [number, number];
      const border =
        onBorder(a) &&
        onBorder(b) &&
        ((a % g === b % g && (a % g === 0 || a % g === 32)) ||
          (((a / g) | 0) === ((b / g) | 0) && (a < g || a >= 32 * g)));
      expect(count, `edge ${key}`).toBe(border ? 1 : 2);
    }
  });

  it('locates points in the same triangles the mesh has', () => {
    const errors = rtin.computeErrors(heights);
    const tris = rtin.triangles(errors, 1);
    const set = new Set<string>();
    for (let t = 0; t < tris.length; t += 3) set.add([tris[t], tris[t + 1], tris[t + 2]].sort().join(','));
    for (const [x, y] of [
      [0.2, 0.1],
      [31.9, 0.3],
      [16, 16],
      [5.5, 27.25],
      [32, 32],
      [0, 32],
    ] as const) {
      expect(set.has(rtin.locate(errors, 1, x, y).sort().join(','))).toBe(true);
    }
  });

  it('splits a shared border identically on both sides after combining', () => {
    const left = bumps(32, 1);
    const right = bumps(32, 7);
    // Make the shared column identical, as neighbouring tiles sample it.
    for (let y = 0; y <= 32; y++) right[y * 33] = left[y * 33 + 32]!;
    const el = rtin.computeErrors(left);
    const er = rtin.computeErrors(right);
    while (combineBorder(33, el, 'east', er)) {
      rtin.propagateErrors(el);
      rtin.propagateErrors(er);
    }
    const rows = (tris: Uint32Array, col: number) =>
      [...new Set([...tris].filter((i) => i % 33 === col).map((i) => (i / 33) | 0))].sort((a, b) => a - b);
    const lt = rtin.triangles(el, 0.2);
    const rt = rtin.triangles(er, 0.2);
    expect(rows(lt, 32)).toEqual(rows(rt, 0));
    expect(rows(lt, 32).length).toBeGreaterThan(2);
  });
});

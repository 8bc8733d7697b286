import { describe, expect, it } from 'vitest';
import { leaves, partition } from './partition.js';

/** Deterministic pseudo-random points: a dense town centre and a sparse fringe. */
function town(n: number) {
  let s = 42;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  return Array.from({ length: n }, (_, i) => {
    const spread = i % 4 === 0 ? 0.05 : 0.005;
    return { lonDeg: 106.65 + (rnd() - 0.5) * spread, latDeg: 10.98 + (rnd() - 0.5) * spread, vertices: 20 };
  });
}

describe('partition', () => {
  const items = town(10_000);
  const root = partition(items, { maxFeatures: 500, maxVertices: 8000, maxDepth: 20 });
  const all = leaves(root);

  it('puts every building in exactly one leaf', () => {
    const seen = all.flatMap((l) => l.items).sort((a, b) => a - b);
    expect(seen).toEqual(items.map((_, i) => i));
  });

  it('keeps every leaf within the feature and vertex budgets', () => {
    for (const leaf of all) {
      expect(leaf.items.length).toBeLessThanOrEqual(400); // 8000 vertices / 20
    }
  });

  it('refines deeper where buildings are dense', () => {
    const depthNear = (lon: number, lat: number) =>
      all.find((l) => l.cell[0] <= lon && lon < l.cell[2] && l.cell[1] <= lat && lat < l.cell[3])?.level ?? 0;
    expect(depthNear(106.65, 10.98)).toBeGreaterThan(depthNear(106.674, 11.004));
  });

  it('assigns each building to the leaf cell that contains its centroid, with children inside parents', () => {
    const check = (node: typeof root) => {
      for (const i of node.items) {
        const it = items[i]!;
        expect(it.lonDeg).toBeGreaterThanOrEqual(node.cell[0]);
        expect(it.lonDeg).toBeLessThan(node.cell[2]);
        expect(it.latDeg).toBeGreaterThanOrEqual(node.cell[1]);
        expect(it.latDeg).toBeLessThan(node.cell[3]);
      }
      for (const c of node.children) {
        expect(c.level).toBe(node.level + 1);
        expect(c.cell[0]).toBeGreaterThanOrEqual(node.cell[0]);
        expect(c.cell[2]).toBeLessThanOrEqual(node.cell[2]);
        check(c);
      }
    };
    check(root);
  });

  it('stops at the depth limit when buildings share one centroid instead of recursing forever', () => {
    const same = Array.from({ length: 50 }, () => ({ lonDeg: 106.6, latDeg: 11, vertices: 10 }));
    const r = partition(same, { maxFeatures: 10, maxVertices: 1000, maxDepth: 6 });
    expect(leaves(r).every((l) => l.level <= 6)).toBe(true);
    expect(leaves(r).flatMap((l) => l.items)).toHaveLength(50);
  });
});

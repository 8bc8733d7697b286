import { describe, expect, it } from 'vitest';
import { type LodItem, planLod, visualSizeM } from './lod.js';
import { leaves, partition, type QuadNode } from './partition.js';

/** A town: many small houses, some mid-rise, a few towers; deterministic. */
function town(n: number) {
  let s = 7;
  const rnd = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const positions: { lonDeg: number; latDeg: number; vertices: number }[] = [];
  const items: LodItem[] = [];
  for (let i = 0; i < n; i++) {
    const heightM = i % 97 === 0 ? 60 + rnd() * 60 : i % 11 === 0 ? 20 + rnd() * 15 : 4 + rnd() * 12;
    const areaM2 = i % 97 === 0 ? 900 : 60 + rnd() * 60;
    positions.push({ lonDeg: 106.6 + rnd() * 0.1, latDeg: 10.95 + rnd() * 0.1, vertices: 20 });
    items.push({ sizeM: visualSizeM(heightM, areaM2), errorM: heightM, vertices: 20 });
  }
  return { positions, items };
}

describe('planLod', () => {
  const { positions, items } = town(20_000);
  const budget = { maxFeatures: 1000, maxVertices: 10_000 };
  const tree = partition(positions, { ...budget, maxDepth: 20 });
  const plan = planLod(tree, items, budget);
  const nodes: QuadNode[] = [];
  const walk = (n: QuadNode) => {
    nodes.push(n);
    n.children.forEach(walk);
  };
  walk(tree);

  it('gives every parent content within the budget, so a zoomed-out view is not empty', () => {
    for (const node of nodes) {
      const tile = plan.tiles.get(node)!;
      let vertices = 0;
      for (const i of tile.items) vertices += items[i]!.vertices;
      expect(vertices).toBeLessThanOrEqual(budget.maxVertices);
      expect(tile.items.length).toBeLessThanOrEqual(budget.maxFeatures);
      if (node.children.length > 0) expect(tile.items.length).toBeGreaterThan(0);
    }
    // The root shows the towers, the most visible buildings.
    const root = plan.tiles.get(tree)!;
    const towers = items.map((it, i) => (it.errorM >= 60 ? i : -1)).filter((i) => i >= 0);
    expect(root.items).toEqual(expect.arrayContaining(towers));
  });

  it('measures each parent error as the tallest building its level leaves out, decreasing down the tree', () => {
    for (const node of nodes) {
      const tile = plan.tiles.get(node)!;
      if (node.children.length === 0) {
        expect(tile.geometricErrorM).toBe(0);
        continue;
      }
      const kept = new Set(tile.items);
      const subtree = leaves(node).flatMap((l) => l.items);
      const left = subtree.filter((i) => !kept.has(i));
      const tallestLeft = Math.max(0, ...left.map((i) => items[i]!.errorM));
      expect(tile.geometricErrorM).toBeGreaterThanOrEqual(tallestLeft);
      expect(tile.geometricErrorM).toBe(plan.levelErrorM[node.level]);
      for (const c of node.children)
        expect(plan.tiles.get(c)!.geometricErrorM).toBeLessThanOrEqual(tile.geometricErrorM);
    }
    expect(plan.levelErrorM[tree.level]).toBeGreaterThan(0);
  });

  it('decides per level: two tiles of one level keep the same kinds of buildings (no density seam)', () => {
    for (const node of nodes) {
      if (node.children.length === 0) continue;
      const t = plan.levelThresholdM[node.level]!;
      const kept = new Set(plan.tiles.get(node)!.items);
      for (const i of leaves(node).flatMap((l) => l.items)) expect(kept.has(i)).toBe(items[i]!.sizeM > t);
    }
  });

  it('keeps in a child everything its parent showed there (REPLACE never loses a building)', () => {
    for (const node of nodes) {
      if (node.children.length === 0) continue;
      const parentKept = plan.tiles.get(node)!.items;
      for (const child of node.children) {
        const inChild = new Set(leaves(child).flatMap((l) => l.items));
        const childKept = new Set(plan.tiles.get(child)!.items);
        for (const i of parentKept) if (inChild.has(i)) expect(childKept.has(i)).toBe(true);
      }
    }
  });
});

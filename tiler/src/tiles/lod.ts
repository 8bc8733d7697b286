import type { QuadNode } from './partition.js';

/**
 * Hierarchical level of detail (HLOD): parent tiles carry content, so a zoomed-out view of a
 * province is not empty. Like tippecanoe's drop-smallest, a parent keeps the most visible
 * buildings of its subtree — those whose visual size (max of height and √footprint area) is
 * above its level's threshold. Its geometric error is measured, not a 2^z formula: the
 * Hausdorff distance between what it draws and the full detail, i.e. the height of the
 * tallest building it leaves out (its roof is that far from the ground drawn instead), so
 * clients refine it when that many metres become visible on screen.
 *
 * Thresholds are decided per level, not per tile: every tile of a level drops the same kinds
 * of buildings, so neighbouring tiles show no seam in density. A level's threshold is the
 * highest any of its tiles needs to fit the budget; a child's buildings above its parent's
 * threshold fit the child's budget (they fitted the parent's), so thresholds only decrease
 * down the tree; a child leaves out a subset of what its parent left out, so geometric errors
 * decrease too, and it keeps everything its parent showed there (refinement by REPLACE never
 * loses a building).
 */

export interface LodBudget {
  /** Most buildings in one tile. */
  maxFeatures: number;
  /** Most vertices in one tile. */
  maxVertices: number;
}

export interface LodItem {
  /** Visual size in metres, max(height, √footprint area): decides what parents keep. */
  sizeM: number;
  /** Error in metres when the building is left out: its height (roof to ground). */
  errorM: number;
  /** Vertices of the full-detail mesh (an upper bound for simplified ones). */
  vertices: number;
}

export interface LodTile {
  /** Indices of the buildings this tile draws (all its items for a leaf). */
  items: number[];
  /** Geometric error in metres: 0 for leaves; for parents, the tallest building their level leaves out. */
  geometricErrorM: number;
}

export interface LodPlan {
  tiles: Map<QuadNode, LodTile>;
  /** Geometric error per level for levels with parent tiles, metres. */
  levelErrorM: number[];
  /** Visual-size threshold per level: parents keep buildings larger than this, metres. */
  levelThresholdM: number[];
}

/** Visual size of a building: what is missing, in metres, when it is left out. */
export function visualSizeM(heightM: number, footprintAreaM2: number): number {
  return Math.max(heightM, Math.sqrt(Math.max(0, footprintAreaM2)));
}

export function planLod(root: QuadNode, items: readonly LodItem[], budget: LodBudget): LodPlan {
  // One global order (largest first, then input order) makes every subtree's list a sub-list
  // of its parent's, which is what keeps the plan consistent across levels.
  const order = items.map((_, i) => i).sort((a, b) => items[b]!.sizeM - items[a]!.sizeM || a - b);
  const rank = new Int32Array(items.length);
  order.forEach((item, r) => {
    rank[item] = r;
  });

  // Items of each subtree in rank order, gathered bottom-up.
  const subtree = new Map<QuadNode, number[]>();
  const gather = (node: QuadNode): number[] => {
    const list =
      node.children.length === 0
        ? [...node.items].sort((a, b) => rank[a]! - rank[b]!)
        : mergeByRank(node.children.map(gather), rank);
    subtree.set(node, list);
    return list;
  };
  gather(root);

  const byLevel: QuadNode[][] = [];
  const walk = (node: QuadNode) => {
    const list = byLevel[node.level] ?? [];
    list.push(node);
    byLevel[node.level] = list;
    for (const c of node.children) walk(c);
  };
  walk(root);

  const tiles = new Map<QuadNode, LodTile>();
  const levelErrorM: number[] = [];
  const levelThresholdM: number[] = [];
  for (const [level, nodes] of byLevel.entries()) {
    if (!nodes) continue;
    const parents = nodes.filter((n) => n.children.length > 0);
    // The size of the first building that no longer fits; the level keeps only larger ones.
    let threshold = 0;
    for (const node of parents) {
      let vertices = 0;
      let features = 0;
      for (const i of subtree.get(node)!) {
        vertices += items[i]!.vertices;
        features++;
        if (vertices > budget.maxVertices || features > budget.maxFeatures) {
          threshold = Math.max(threshold, items[i]!.sizeM);
          break;
        }
      }
    }
    // One error for the whole level (no seams in refinement either): the tallest building
    // any of its parents leaves out.
    let errorM = 0;
    const kept = new Map<QuadNode, number[]>();
    for (const node of parents) {
      const keep: number[] = [];
      for (const i of subtree.get(node)!) {
        if (items[i]!.sizeM > threshold) keep.push(i);
        else errorM = Math.max(errorM, items[i]!.errorM);
      }
      kept.set(node, keep);
    }
    if (parents.length > 0) {
      levelThresholdM[level] = threshold;
      // Positive even if everything left out were flat, so clients still refine the parent.
      levelErrorM[level] = Math.max(errorM, 1e-3);
    }
    for (const node of nodes) {
      if (node.children.length === 0) tiles.set(node, { items: node.items, geometricErrorM: 0 });
      else tiles.set(node, { items: kept.get(node)!, geometricErrorM: levelErrorM[level]! });
    }
  }
  return { tiles, levelErrorM, levelThresholdM };
}

function mergeByRank(lists: number[][], rank: Int32Array): number[] {
  const out: number[] = [];
  for (const l of lists) for (const i of l) out.push(i);
  return out.sort((a, b) => rank[a]! - rank[b]!);
}

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

/** The same as columns, item `i` at index `i` (no million small objects for a province). */
export interface LodColumns {
  sizeM: Float64Array;
  errorM: Float64Array;
  vertices: Float64Array;
}

function lodColumns(items: readonly LodItem[] | LodColumns): LodColumns {
  if (!Array.isArray(items)) return items as LodColumns;
  const list = items as readonly LodItem[];
  return {
    sizeM: Float64Array.from(list, (it) => it.sizeM),
    errorM: Float64Array.from(list, (it) => it.errorM),
    vertices: Float64Array.from(list, (it) => it.vertices),
  };
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

export function planLod(root: QuadNode, input: readonly LodItem[] | LodColumns, budget: LodBudget): LodPlan {
  const items = lodColumns(input);
  const { sizeM } = items;
  // One global order (largest first, then input order) makes every subtree's list a sub-list
  // of its parent's, which is what keeps the plan consistent across levels. Subtrees are kept
  // as sorted lists of ranks (typed arrays, sorted natively), item = order[rank].
  const order = Uint32Array.from(sizeM, (_, i) => i).sort((a, b) => sizeM[b]! - sizeM[a]! || a - b);
  const rank = new Int32Array(order.length);
  order.forEach((item, r) => {
    rank[item] = r;
  });

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
  // Levels are independent once each node's subtree list is known, so they are planned bottom
  // up: a level's lists are merged from the one below, and only two levels' lists (≤ 2 × 4
  // bytes per building) are ever held.
  let below = new Map<QuadNode, Int32Array>();
  for (let level = byLevel.length - 1; level >= root.level; level--) {
    const nodes = byLevel[level]!;
    const lists = new Map<QuadNode, Int32Array>();
    for (const node of nodes) {
      lists.set(
        node,
        node.children.length === 0
          ? Int32Array.from(node.items, (i) => rank[i]!).sort()
          : mergeSorted(node.children.map((c) => below.get(c)!)),
      );
    }
    const parents = nodes.filter((n) => n.children.length > 0);
    // The size of the first building that no longer fits; the level keeps only larger ones.
    let threshold = 0;
    for (const node of parents) {
      let vertices = 0;
      let features = 0;
      for (const r of lists.get(node)!) {
        const i = order[r]!;
        vertices += items.vertices[i]!;
        features++;
        if (vertices > budget.maxVertices || features > budget.maxFeatures) {
          threshold = Math.max(threshold, sizeM[i]!);
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
      for (const r of lists.get(node)!) {
        const i = order[r]!;
        if (sizeM[i]! > threshold) keep.push(i);
        else errorM = Math.max(errorM, items.errorM[i]!);
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
    below = lists;
  }
  return { tiles, levelErrorM, levelThresholdM };
}

/** Sorted lists merged into one sorted list. */
function mergeSorted(lists: Int32Array[]): Int32Array {
  if (lists.length === 1) return lists[0]!;
  let length = 0;
  for (const l of lists) length += l.length;
  const out = new Int32Array(length);
  let at = 0;
  for (const l of lists) {
    out.set(l, at);
    at += l.length;
  }
  return out.sort();
}

/**
 * Loose quadtree keyed on footprint centroids: each building goes to exactly one leaf, so no
 * building is ever split across tiles; a tile's bounding volume is then grown to whatever its
 * buildings cover (hence "loose"). Nodes split until they fit the per-tile budgets.
 */

export interface PartitionOptions {
  /** Most buildings per tile. Feature ids are 16-bit, so at most 65,535. */
  maxFeatures: number;
  /** Most vertices per tile: keeps each glb quick to parse and upload. */
  maxVertices: number;
  /**
   * Deepest level of the global quadtree (level 30 cells are ~4 cm); a node there is a leaf even
   * when over budget (e.g. many identical centroids).
   */
  maxDepth: number;
}

export const PARTITION_DEFAULTS: PartitionOptions = { maxFeatures: 4000, maxVertices: 40_000, maxDepth: 30 };

/** Side of the global quadtree's level-0 cell, degrees. */
const GLOBAL_SIZE_DEG = 360;

export interface PartitionItem {
  lonDeg: number;
  latDeg: number;
  vertices: number;
}

/** A quadtree node; `level/x/y` is its address in the global quadtree (x grows east, y grows north). */
export interface QuadNode {
  level: number;
  x: number;
  y: number;
  /** Node square in degrees: [west, south, east, north] (the strict cell, before loosening). */
  cell: [number, number, number, number];
  /** Indices into the input items; only leaves hold items. */
  items: number[];
  children: QuadNode[];
}

export function partition(
  items: readonly PartitionItem[],
  options: PartitionOptions = PARTITION_DEFAULTS,
): QuadNode {
  if (options.maxFeatures > 65_535) throw new RangeError('maxFeatures must be ≤ 65,535 (16-bit feature ids)');
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (const it of items) {
    if (it.lonDeg < west) west = it.lonDeg;
    if (it.lonDeg > east) east = it.lonDeg;
    if (it.latDeg < south) south = it.latDeg;
    if (it.latDeg > north) north = it.latDeg;
  }
  // Cells come from one global quadtree (level 0: a 360° square from 180° W, 90° S), so a tile's
  // address depends only on where its buildings are: a change elsewhere never renames it, which
  // incremental re-tiling relies on. The root is the deepest cell holding every centroid.
  let level = 0;
  while (level < options.maxDepth) {
    const size = GLOBAL_SIZE_DEG / 2 ** (level + 1);
    const same = (a: number, b: number, origin: number) =>
      Math.floor((a - origin) / size) === Math.floor((b - origin) / size);
    if (!same(west, east, -180) || !same(south, north, -90)) break;
    level++;
  }
  const size = GLOBAL_SIZE_DEG / 2 ** level;
  const x = Math.floor((west + 180) / size);
  const y = Math.floor((south + 90) / size);
  const root: QuadNode = {
    level,
    x,
    y,
    cell: [x * size - 180, y * size - 90, (x + 1) * size - 180, (y + 1) * size - 90],
    items: items.map((_, i) => i),
    children: [],
  };
  split(root, items, options);
  return root;
}

function split(node: QuadNode, items: readonly PartitionItem[], options: PartitionOptions) {
  let vertices = 0;
  for (const i of node.items) vertices += items[i]!.vertices;
  const fits = node.items.length <= options.maxFeatures && vertices <= options.maxVertices;
  if (fits || node.level >= options.maxDepth || node.items.length <= 1) return;
  const [w, s, e, n] = node.cell;
  const midLon = (w + e) / 2;
  const midLat = (s + n) / 2;
  const quads: QuadNode[] = [0, 1, 2, 3].map((q) => {
    const qx = q & 1;
    const qy = q >> 1;
    return {
      level: node.level + 1,
      x: node.x * 2 + qx,
      y: node.y * 2 + qy,
      cell: [qx ? midLon : w, qy ? midLat : s, qx ? e : midLon, qy ? n : midLat],
      items: [],
      children: [],
    };
  });
  for (const i of node.items) {
    const it = items[i]!;
    const q = (it.lonDeg >= midLon ? 1 : 0) | (it.latDeg >= midLat ? 2 : 0);
    quads[q]!.items.push(i);
  }
  node.items = [];
  node.children = quads.filter((q) => q.items.length > 0);
  for (const child of node.children) split(child, items, options);
}

/** Leaves in depth-first order. */
export function leaves(node: QuadNode): QuadNode[] {
  if (node.children.length === 0) return [node];
  return node.children.flatMap(leaves);
}

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
  /** Centroid longitude and latitude, degrees. */
  lonDeg: number;
  latDeg: number;
  /** Vertices of the item's mesh, for the per-tile budget. */
  vertices: number;
}

/**
 * The same as columns, item `i` at index `i`: a province's million buildings as three typed
 * arrays (24 MB) instead of a million objects (~80 MB of heap).
 */
export interface PartitionColumns {
  lonDeg: Float64Array;
  latDeg: Float64Array;
  vertices: Float64Array;
}

/** Items as columns (arrays of objects are converted; columns are used as they are). */
export function partitionColumns(items: readonly PartitionItem[] | PartitionColumns): PartitionColumns {
  if (!Array.isArray(items)) return items as PartitionColumns;
  const list = items as readonly PartitionItem[];
  return {
    lonDeg: Float64Array.from(list, (it) => it.lonDeg),
    latDeg: Float64Array.from(list, (it) => it.latDeg),
    vertices: Float64Array.from(list, (it) => it.vertices),
  };
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
  input: readonly PartitionItem[] | PartitionColumns,
  options: PartitionOptions = PARTITION_DEFAULTS,
): QuadNode {
  if (options.maxFeatures > 65_535) throw new RangeError('maxFeatures must be ≤ 65,535 (16-bit feature ids)');
  const items = partitionColumns(input);
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  for (let i = 0; i < items.lonDeg.length; i++) {
    const lon = items.lonDeg[i]!;
    const lat = items.latDeg[i]!;
    if (lon < west) west = lon;
    if (lon > east) east = lon;
    if (lat < south) south = lat;
    if (lat > north) north = lat;
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
    items: Array.from(items.lonDeg, (_, i) => i),
    children: [],
  };
  split(root, items, options);
  return root;
}

function split(node: QuadNode, items: PartitionColumns, options: PartitionOptions) {
  let vertices = 0;
  for (const i of node.items) vertices += items.vertices[i]!;
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
    const q = (items.lonDeg[i]! >= midLon ? 1 : 0) | (items.latDeg[i]! >= midLat ? 2 : 0);
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

/**
 * tileset.json (3D Tiles 1.1) for a quadtree whose leaves hold glb content.
 * Bounding volumes are `region`s (radians, ellipsoidal metres) computed from what each tile
 * really holds, so they always contain their content and a parent's contains its children's.
 */

/** [west, south, east, north] in degrees and [minHeight, maxHeight] in metres. */
export interface TileExtent {
  west: number;
  south: number;
  east: number;
  north: number;
  minHeightM: number;
  maxHeightM: number;
}

export interface TilesetNode {
  extent: TileExtent;
  geometricErrorM: number;
  contentUri?: string;
  children: TilesetNode[];
}

export interface Tileset {
  asset: { version: '1.1'; generator?: string; tilesetVersion?: string };
  geometricError: number;
  root: TileJson;
  properties?: Record<string, { minimum: number; maximum: number }>;
  extras?: Record<string, unknown>;
}

export interface TileJson {
  boundingVolume: { region: number[] };
  geometricError: number;
  refine?: 'ADD' | 'REPLACE';
  transform?: number[];
  content?: { uri: string };
  children?: TileJson[];
}

const RAD = Math.PI / 180;

export function regionOf(e: TileExtent): number[] {
  return [e.west * RAD, e.south * RAD, e.east * RAD, e.north * RAD, e.minHeightM, e.maxHeightM];
}

export function unionExtent(a: TileExtent, b: TileExtent): TileExtent {
  return {
    west: Math.min(a.west, b.west),
    south: Math.min(a.south, b.south),
    east: Math.max(a.east, b.east),
    north: Math.max(a.north, b.north),
    minHeightM: Math.min(a.minHeightM, b.minHeightM),
    maxHeightM: Math.max(a.maxHeightM, b.maxHeightM),
  };
}

function toTileJson(node: TilesetNode): TileJson {
  const tile: TileJson = {
    boundingVolume: { region: regionOf(node.extent) },
    geometricError: node.geometricErrorM,
  };
  if (node.contentUri) tile.content = { uri: node.contentUri };
  if (node.children.length > 0) tile.children = node.children.map(toTileJson);
  return tile;
}

export function buildTileset(
  root: TilesetNode,
  options: {
    generator: string;
    tilesetVersion: string;
    extentDiagonalM: number;
    extras?: Record<string, unknown>;
  },
): Tileset {
  const rootTile = toTileJson(root);
  // Parents draw a coarser version of what their children draw: children replace them.
  rootTile.refine = 'REPLACE';
  return {
    asset: { version: '1.1', generator: options.generator, tilesetVersion: options.tilesetVersion },
    // Clients render the root only when this error is visible on screen, so it must be > 0
    // even when the root is a single leaf (error 0): use the extent's size.
    geometricError: Math.max(root.geometricErrorM * 2, options.extentDiagonalM),
    root: rootTile,
    ...(options.extras ? { extras: options.extras } : {}),
  };
}

import { combineBorder, type Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { type LonLatBox, type TileKey, tileRange, tileSizeDeg, tilesX } from './tiling.js';

/**
 * One level of the terrain pyramid: which tiles exist, their height grids and their RTIN
 * errors made consistent across every shared border.
 *
 * Why a whole level at once: a border sample's error in one tile depends on triangles that share
 * midpoints with triangles along the tile's other borders, and those depend on the next tiles.
 * Raising both sides of every shared border to the larger value and re-propagating until nothing
 * changes is the same as running one RTIN over the whole level; it settles in a few rounds
 * because errors only move up to larger triangles.
 */

export function tileId({ z, x, y }: TileKey): string {
  return `${z}/${x}/${y}`;
}

/** Longitude of grid column `i` of tile column `x`, from integers only, so neighbours agree bit for bit. */
export function gridLonDeg(z: number, n: number, x: number, i: number): number {
  const lon = -180 + (x * n + i) * (tileSizeDeg(z) / n);
  return lon >= 180 ? lon - 360 : lon;
}

/** Latitude of grid row `j` (0 = north) of tile row `y` (TMS, 0 = south). */
export function gridLatDeg(z: number, n: number, y: number, j: number): number {
  return -90 + (y * n + (n - j)) * (tileSizeDeg(z) / n);
}

/** The (N+1)² heights of a tile, row 0 at the north. */
export function sampleGrid(source: HeightSource, key: TileKey, n: number): Float32Array {
  const g = n + 1;
  const heights = new Float32Array(g * g);
  const lons = new Float64Array(g);
  for (let i = 0; i < g; i++) lons[i] = gridLonDeg(key.z, n, key.x, i);
  for (let j = 0; j < g; j++) {
    const lat = gridLatDeg(key.z, n, key.y, j);
    for (let i = 0; i < g; i++) heights[j * g + i] = source.heightAt(lons[i]!, lat);
  }
  return heights;
}

const MEAN_RADIUS_M = 6371008.8;
const METRES_PER_DEGREE = 111_320;

/**
 * Chord sag: a flat triangle between points on the curved earth lies below the surface by about
 * (hypotenuse)² / 8R. Negligible below level ~8; it keeps level 0–3 tiles from being two
 * triangles that cut through the globe.
 */
export function sagErrorM(z: number, n: number): (hypotenuseCells: number) => number {
  const cellM = (tileSizeDeg(z) / n) * METRES_PER_DEGREE;
  return (cells) => {
    const hyp = cells * cellM;
    return (hyp * hyp) / (8 * MEAN_RADIUS_M);
  };
}

/** Tiles of level z over the data: both root tiles at level 0 (Cesium needs them), else those touching the coverage. */
export function levelTiles(coverage: LonLatBox, z: number): TileKey[] {
  if (z === 0) {
    return [
      { z, x: 0, y: 0 },
      { z, x: 1, y: 0 },
    ];
  }
  const r = tileRange(coverage, z);
  const tiles: TileKey[] = [];
  for (let y = r.y0; y <= r.y1; y++) for (let x = r.x0; x <= r.x1; x++) tiles.push({ z, x, y });
  return tiles;
}

/**
 * RTIN errors of every tile of a level, consistent across shared borders (see above). Keyed by
 * `tileId`. Tiles outside `tiles` are not shared with (Cesium upsamples those from the parent).
 */
export function levelErrors(
  source: HeightSource,
  z: number,
  tiles: readonly TileKey[],
  rtin: Rtin,
  onTile?: () => void,
): Map<string, Float32Array> {
  const errors = new Map<string, Float32Array>();
  const sag = sagErrorM(z, rtin.size);
  for (const t of tiles) {
    errors.set(tileId(t), rtin.computeErrors(sampleGrid(source, t, rtin.size), sag));
    onTile?.();
  }
  settleBorders(errors, tiles, rtin);
  return errors;
}

/** Makes shared border errors equal on both sides, re-propagating until stable. Returns the rounds taken. */
export function settleBorders(
  errors: Map<string, Float32Array>,
  tiles: readonly TileKey[],
  rtin: Rtin,
): number {
  const g = rtin.gridSize;
  for (let round = 1; ; round++) {
    const dirty = new Set<Float32Array>();
    for (const t of tiles) {
      const mine = errors.get(tileId(t))!;
      // Each shared border once: with the eastern (wrapping at the antimeridian) and northern neighbour.
      const east = errors.get(tileId({ z: t.z, x: (t.x + 1) % tilesX(t.z), y: t.y }));
      if (east && east !== mine && combineBorder(g, mine, 'east', east)) {
        dirty.add(mine);
        dirty.add(east);
      }
      const north = errors.get(tileId({ z: t.z, x: t.x, y: t.y + 1 }));
      if (north && combineBorder(g, mine, 'north', north)) {
        dirty.add(mine);
        dirty.add(north);
      }
    }
    if (dirty.size === 0) return round;
    for (const e of dirty) rtin.propagateErrors(e);
  }
}

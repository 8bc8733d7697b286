/**
 * The EPSG:4326 tiling scheme CesiumTerrainProvider expects for quantized-mesh: two root tiles
 * (west and east hemispheres) at level 0, each tile split into four below. Tile files are
 * addressed TMS-style (y = 0 at the south), as `layer.json` declares with `"scheme": "tms"`.
 */

/** A tile address: level, column from the antimeridian eastwards, row from the south (TMS). */
export interface TileKey {
  z: number;
  x: number;
  y: number;
}

/** A rectangle in longitude/latitude degrees. */
export interface LonLatBox {
  westDeg: number;
  southDeg: number;
  eastDeg: number;
  northDeg: number;
}

/** Columns at a level: 2 at level 0. */
export function tilesX(z: number): number {
  return 2 ** (z + 1);
}

/** Rows at a level: 1 at level 0. */
export function tilesY(z: number): number {
  return 2 ** z;
}

/** Width (= height) of a tile in degrees. */
export function tileSizeDeg(z: number): number {
  return 180 / 2 ** z;
}

export function tileBox({ z, x, y }: TileKey): LonLatBox {
  const size = tileSizeDeg(z);
  return {
    westDeg: -180 + x * size,
    southDeg: -90 + y * size,
    eastDeg: -180 + (x + 1) * size,
    northDeg: -90 + (y + 1) * size,
  };
}

/** Inclusive column/row range of the tiles at level z that a box touches (with area, not just an edge). */
export function tileRange(box: LonLatBox, z: number): { x0: number; y0: number; x1: number; y1: number } {
  const size = tileSizeDeg(z);
  const clampX = (v: number) => Math.min(tilesX(z) - 1, Math.max(0, v));
  const clampY = (v: number) => Math.min(tilesY(z) - 1, Math.max(0, v));
  // A box edge exactly on a tile edge does not pull in the next tile (it would only touch it).
  return {
    x0: clampX(Math.floor((box.westDeg + 180) / size)),
    x1: clampX(Math.ceil((box.eastDeg + 180) / size) - 1),
    y0: clampY(Math.floor((box.southDeg + 90) / size)),
    y1: clampY(Math.ceil((box.northDeg + 90) / size) - 1),
  };
}

/** The tile at level z containing a point (on an edge: the tile to its north-east). */
export function tileAt(lonDeg: number, latDeg: number, z: number): TileKey {
  const size = tileSizeDeg(z);
  return {
    z,
    x: Math.min(tilesX(z) - 1, Math.max(0, Math.floor((lonDeg + 180) / size))),
    y: Math.min(tilesY(z) - 1, Math.max(0, Math.floor((latDeg + 90) / size))),
  };
}

/**
 * Cesium's estimate of a level's geometric error for this tiling scheme: what
 * `TerrainProvider.getEstimatedLevelZeroGeometricErrorForAHeightmap(WGS84, 65, 2)` returns,
 * halved per level. Cesium picks the level to draw from this number, not from the tiles, so a
 * tile must be at least this accurate or the viewer will show it from too close.
 */
export function cesiumLevelErrorM(z: number): number {
  const levelZero = (6378137 * 2 * Math.PI * 0.25) / (65 * 2);
  return levelZero / 2 ** z;
}

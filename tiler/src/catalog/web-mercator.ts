/**
 * Web Mercator (EPSG:3857) tile arithmetic for the catalogue's vector tiles, pure. "World"
 * coordinates are the unit square: x 0 at 180° W → 1 at 180° E, y 0 at the north edge
 * (85.05113° N) → 1 at the south edge, so tile (z, x, y) spans [x, x + 1] / 2^z, [y, y + 1] / 2^z
 * (the XYZ scheme of OSM, MapLibre, TileJSON and Cesium's WebMercatorTilingScheme).
 * Browser-safe: the viewer's vector-tile provider uses the same functions.
 */

/** Latitude (degrees) of the square world's north and south edges. */
export const MAX_LATITUDE_DEG = 85.0511287798066;

/** Equatorial circumference of the WGS 84 ellipsoid, metres (what "metres per pixel" is scaled from). */
export const EARTH_CIRCUMFERENCE_M = 40_075_016.686;

export function lonToWorldX(lonDeg: number): number {
  return (lonDeg + 180) / 360;
}

export function latToWorldY(latDeg: number): number {
  const lat = Math.max(-MAX_LATITUDE_DEG, Math.min(MAX_LATITUDE_DEG, latDeg));
  const s = Math.sin((lat * Math.PI) / 180);
  return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
}

export function worldXToLon(x: number): number {
  return x * 360 - 180;
}

export function worldYToLat(y: number): number {
  return (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
}

/** Tile bounds in degrees: west, south, east, north. */
export function tileBoundsDeg(z: number, x: number, y: number): [number, number, number, number] {
  const n = 2 ** z;
  return [worldXToLon(x / n), worldYToLat((y + 1) / n), worldXToLon((x + 1) / n), worldYToLat(y / n)];
}

/** Ground size of one pixel of a `tilePx`-wide tile at zoom `z` and latitude `latDeg`, metres. */
export function metresPerPixel(z: number, latDeg: number, tilePx = 256): number {
  return (EARTH_CIRCUMFERENCE_M * Math.cos((latDeg * Math.PI) / 180)) / (tilePx * 2 ** z);
}

/** The tile at zoom `z` holding world point (x, y), clamped to the world. */
export function worldToTile(z: number, x: number, y: number): [number, number] {
  const n = 2 ** z;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, Math.floor(v * n)));
  return [clamp(x), clamp(y)];
}

/** Key of a tile, unique over zooms 0–24 (a safe integer: z < 32, x, y < 2^24). */
export function tileKey(z: number, x: number, y: number): number {
  return (y * 2 ** 24 + x) * 32 + z;
}

export function keyToTile(key: number): { z: number; x: number; y: number } {
  const z = key % 32;
  const xy = Math.floor(key / 32);
  return { z, x: xy % 2 ** 24, y: Math.floor(xy / 2 ** 24) };
}

/** Whether tile (z, x, y) is `ancestor` or lies inside it. */
export function isWithin(
  z: number,
  x: number,
  y: number,
  ancestor: { z: number; x: number; y: number },
): boolean {
  if (z < ancestor.z) return false;
  const d = z - ancestor.z;
  return Math.floor(x / 2 ** d) === ancestor.x && Math.floor(y / 2 ** d) === ancestor.y;
}

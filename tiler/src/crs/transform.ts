import proj4 from 'proj4';
import { type Crs, WGS84 } from './crs.js';

/**
 * Conversions between a CRS and WGS 84 longitude/latitude (EPSG:4326), datum shift included.
 * Heights are not touched: footprints are 2D and building heights are relative to the ground, so
 * the few metres by which the VN-2000 shift moves the ellipsoid vertically do not matter.
 */

/** (x, y) in the CRS (easting/northing metres, or lon/lat degrees) → WGS 84 degrees. */
export type ToWgs84 = (x: number, y: number) => [lonDeg: number, latDeg: number];
/** WGS 84 degrees → (x, y) in the CRS. */
export type FromWgs84 = (lonDeg: number, latDeg: number) => [x: number, y: number];

const identity = (a: number, b: number): [number, number] => [a, b];

/** True when the CRS's numbers already are WGS 84 degrees, so conversion can be skipped. */
function isWgs84LonLat(crs: Crs): boolean {
  return crs.proj4 === WGS84.proj4;
}

function converter(crs: Crs) {
  // Built once per CRS: proj4 parses the definitions and prepares the datum shift here, not per point.
  return proj4(crs.proj4, WGS84.proj4);
}

/**
 * A function converting the CRS's coordinates to WGS 84 longitude/latitude degrees. Returns
 * non-finite numbers (not an exception) for points the projection cannot invert; see
 * `checkPlausible` for catching data in the wrong CRS.
 */
export function toWgs84(crs: Crs): ToWgs84 {
  if (isWgs84LonLat(crs)) return identity;
  const c = converter(crs);
  return (x, y) => {
    const [lon, lat] = c.forward([x, y]) as number[];
    return [lon!, lat!];
  };
}

/** A function converting WGS 84 longitude/latitude degrees to the CRS's coordinates. */
export function fromWgs84(crs: Crs): FromWgs84 {
  if (isWgs84LonLat(crs)) return identity;
  const c = converter(crs);
  return (lonDeg, latDeg) => {
    const [x, y] = c.inverse([lonDeg, latDeg]) as number[];
    return [x!, y!];
  };
}

/**
 * Coordinate reference systems for Vietnamese GIS data: WGS 84, UTM 48N/49N, Web Mercator and
 * VN-2000 (geographic, UTM and every provincial TM-3 zone) with the national datum shift, read
 * from a `--crs` flag or a WKT definition, converted to WGS 84 degrees, and checked for
 * plausibility. See docs/crs.md.
 */
export {
  CRS84,
  type Crs,
  crsFromEpsg,
  SUPPORTED_CRS_TEXT,
  VN2000_GEOGRAPHIC,
  vn2000Tm3,
  vn2000Utm,
  WEB_MERCATOR,
  WGS84,
  wgs84Utm,
} from './crs.js';
export { CRS_FLAG, parseCentralMeridian, parseCrs } from './parse.js';
export { type CrsGuess, checkPlausible, guessCrs, type XY } from './plausible.js';
export { type DeclaredCrs, declaredCrs, type ResolvedCrs, resolveCrs } from './resolve.js';
export { type FromWgs84, fromWgs84, type ToWgs84, toWgs84 } from './transform.js';
export { inVietnam, VIETNAM_BBOX } from './vietnam.js';
export { VN2000_TO_WGS84_CF, VN2000_TOWGS84 } from './vn2000.js';
export { crsFromWkt, looksLikeWkt } from './wkt.js';

/**
 * VN-2000, Vietnam's national datum (Decision 83/2000/QĐ-TTg): the WGS 84 ellipsoid, but placed
 * to fit Vietnam, so its origin sits ~225 m from WGS 84's. Coordinates taken from VN-2000 without
 * the datum shift land 200–300 m off (about 195 m west and 112 m north at Thủ Dầu Một).
 */

/**
 * The national VN-2000 → WGS 84 parameters as published in Decision 05/2007/QĐ-BTNMT and stored
 * by EPSG as transformation 6960 "VN-2000 to WGS 84 (2)", method 9607 *Coordinate Frame rotation*.
 * Translations in metres, rotations in arc-seconds, scale difference in parts per million.
 */
export const VN2000_TO_WGS84_CF = {
  dxM: -191.90441429,
  dyM: -39.30318279,
  dzM: -111.45032835,
  rxArcSec: -0.00928836,
  ryArcSec: 0.01975479,
  rzArcSec: -0.00427372,
  scalePpm: 0.252906278,
} as const;

/**
 * The same transformation as proj4 `+towgs84` parameters. proj4 (like PROJ and WKT1 TOWGS84)
 * reads the rotations in the *Position Vector* convention (EPSG 9606), which has the opposite
 * sign to Coordinate Frame, so the three rotations are negated here. Copying the published
 * values straight into `+towgs84`, as many tools do, is off by ~0.55 m at Thủ Dầu Một.
 */
export const VN2000_TOWGS84: readonly number[] = [
  VN2000_TO_WGS84_CF.dxM,
  VN2000_TO_WGS84_CF.dyM,
  VN2000_TO_WGS84_CF.dzM,
  -VN2000_TO_WGS84_CF.rxArcSec,
  -VN2000_TO_WGS84_CF.ryArcSec,
  -VN2000_TO_WGS84_CF.rzArcSec,
  VN2000_TO_WGS84_CF.scalePpm,
];

const TOWGS84 = `+towgs84=${VN2000_TOWGS84.join(',')}`;

/** VN-2000 longitude/latitude (EPSG:4756). */
export const VN2000_GEOGRAPHIC_PROJ4 = `+proj=longlat +ellps=WGS84 ${TOWGS84} +no_defs`;

/** TM-3 (provincial 3° zones, Circular 973/2001/TT-TCĐC): scale factor on the central meridian. */
export const TM3_K0 = 0.9999;
/** TM-3 central meridians run from 102°00' to 108°30' on a 15' grid. */
export const TM3_MIN_LON_DEG = 102;
export const TM3_MAX_LON_DEG = 108.5;
export const TM3_STEP_DEG = 0.25;

/** Bình Dương (and Hồ Chí Minh City, Long An…) use 105°45'. */
export const BINH_DUONG_TM3_LON_DEG = 105.75;

/** True when `lonDeg` is a TM-3 central meridian: 102°–108°30' in steps of 15'. */
export function isTm3CentralMeridian(lonDeg: number): boolean {
  if (!(lonDeg >= TM3_MIN_LON_DEG - 1e-9 && lonDeg <= TM3_MAX_LON_DEG + 1e-9)) return false;
  const steps = (lonDeg - TM3_MIN_LON_DEG) / TM3_STEP_DEG;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

/** Every TM-3 central meridian in degrees, west to east. */
export function tm3CentralMeridians(): number[] {
  const out: number[] = [];
  for (let lon = TM3_MIN_LON_DEG; lon <= TM3_MAX_LON_DEG + 1e-9; lon += TM3_STEP_DEG) out.push(lon);
  return out;
}

/** 105.75 → "105°45'" as Vietnamese documents write central meridians. */
export function formatDegMin(lonDeg: number): string {
  const deg = Math.floor(lonDeg + 1e-9);
  const min = Math.round((lonDeg - deg) * 60);
  return `${deg}°${String(min).padStart(2, '0')}'`;
}

/** proj4 definition of VN-2000 / TM-3 with the given central meridian (degrees). */
export function vn2000Tm3Proj4(lonDeg: number): string {
  return `+proj=tmerc +lat_0=0 +lon_0=${lonDeg} +k=${TM3_K0} +x_0=500000 +y_0=0 +ellps=WGS84 ${TOWGS84} +units=m +no_defs`;
}

/** proj4 definition of VN-2000 / UTM zone 48N or 49N (6° zones, k0 = 0.9996). */
export function vn2000UtmProj4(zone: 48 | 49): string {
  return `+proj=utm +zone=${zone} +ellps=WGS84 ${TOWGS84} +units=m +no_defs`;
}

/**
 * True when +towgs84 / TOWGS84 values are the national VN-2000 shift (either rotation sign
 * convention) or a local refinement of it: the translations dominate (~225 m) and every published
 * VN-2000 → WGS 84 set agrees on them within a metre or two.
 */
export function looksLikeVn2000Shift(towgs84: readonly number[]): boolean {
  const [dx, dy, dz] = towgs84;
  if (dx === undefined || dy === undefined || dz === undefined) return false;
  return (
    Math.hypot(dx - VN2000_TO_WGS84_CF.dxM, dy - VN2000_TO_WGS84_CF.dyM, dz - VN2000_TO_WGS84_CF.dzM) < 5
  );
}

/** Names that GIS software gives the VN-2000 datum: "VN_2000", "D_Vietnam_2000", "VN-2000", "VN2000". */
export function isVn2000Name(name: string): boolean {
  // Not \b: in "D_Vietnam_2000" the underscore is a word character.
  return /(?:^|[^a-z])(?:vn|vietnam|viet\s*nam)[\s_-]*2000/i.test(name);
}

/**
 * WGS 84 geodesy needed to place geometry exactly: geodetic ↔ ECEF and local east-north-up
 * (ENU) frames. Exact formulas, not a flat-earth approximation: across a 15 km city the
 * ellipsoid falls ~4 m below a tangent plane, which would bury or float buildings.
 */

/** WGS 84 semi-major axis in metres. */
export const WGS84_A = 6378137.0;
/** WGS 84 flattening. */
export const WGS84_F = 1 / 298.257223563;
/** WGS 84 first eccentricity squared. */
export const WGS84_E2 = WGS84_F * (2 - WGS84_F);

const DEG = Math.PI / 180;

/** Earth-centred, earth-fixed coordinates in metres. */
export type Ecef = [x: number, y: number, z: number];

/** Geodetic (longitude, latitude in degrees; ellipsoidal height in metres) → ECEF metres. */
export function geodeticToEcef(lonDeg: number, latDeg: number, heightM: number, out: number[] = [0, 0, 0]) {
  const lon = lonDeg * DEG;
  const lat = latDeg * DEG;
  const sinLat = Math.sin(lat);
  const cosLat = Math.cos(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * sinLat * sinLat);
  out[0] = (n + heightM) * cosLat * Math.cos(lon);
  out[1] = (n + heightM) * cosLat * Math.sin(lon);
  out[2] = (n * (1 - WGS84_E2) + heightM) * sinLat;
  return out as Ecef;
}

/**
 * A column-major 4×4 matrix (glTF / 3D Tiles `transform` order) taking ENU metres at
 * (lonDeg, latDeg, heightM) to ECEF metres.
 */
export function enuToEcefMatrix(lonDeg: number, latDeg: number, heightM = 0): number[] {
  const lon = lonDeg * DEG;
  const lat = latDeg * DEG;
  const [ox, oy, oz] = geodeticToEcef(lonDeg, latDeg, heightM);
  const sLon = Math.sin(lon);
  const cLon = Math.cos(lon);
  const sLat = Math.sin(lat);
  const cLat = Math.cos(lat);
  // Columns: east, north, up, origin.
  return [
    -sLon,
    cLon,
    0,
    0,
    -sLat * cLon,
    -sLat * sLon,
    cLat,
    0,
    cLat * cLon,
    cLat * sLon,
    sLat,
    0,
    ox,
    oy,
    oz,
    1,
  ];
}

/**
 * A local ENU frame: converts geodetic positions into metres east/north/up of its origin.
 * Rotation only (no scale), so normals transform with the same 3×3 part.
 */
export class EnuFrame {
  readonly lonDeg: number;
  readonly latDeg: number;
  readonly heightM: number;
  /** Column-major ENU → ECEF matrix for a 3D Tiles `transform`. */
  readonly toEcef: number[];
  private readonly origin: Ecef;
  /** Rows of the ECEF → ENU rotation: east, north, up unit vectors in ECEF. */
  private readonly e: Ecef;
  private readonly n: Ecef;
  private readonly u: Ecef;

  constructor(lonDeg: number, latDeg: number, heightM = 0) {
    this.lonDeg = lonDeg;
    this.latDeg = latDeg;
    this.heightM = heightM;
    const m = enuToEcefMatrix(lonDeg, latDeg, heightM);
    this.toEcef = m;
    this.e = [m[0]!, m[1]!, m[2]!];
    this.n = [m[4]!, m[5]!, m[6]!];
    this.u = [m[8]!, m[9]!, m[10]!];
    this.origin = [m[12]!, m[13]!, m[14]!];
  }

  /** ECEF metres → ENU metres of this frame. */
  fromEcef(x: number, y: number, z: number, out: number[] = [0, 0, 0]): number[] {
    const dx = x - this.origin[0];
    const dy = y - this.origin[1];
    const dz = z - this.origin[2];
    out[0] = this.e[0] * dx + this.e[1] * dy + this.e[2] * dz;
    out[1] = this.n[0] * dx + this.n[1] * dy + this.n[2] * dz;
    out[2] = this.u[0] * dx + this.u[1] * dy + this.u[2] * dz;
    return out;
  }

  /** Geodetic → ENU metres of this frame. */
  fromGeodetic(lonDeg: number, latDeg: number, heightM: number, out: number[] = [0, 0, 0]): number[] {
    const p = geodeticToEcef(lonDeg, latDeg, heightM, out);
    return this.fromEcef(p[0], p[1], p[2], out);
  }

  /** Rotates an ECEF direction into this frame. */
  directionFromEcef(x: number, y: number, z: number, out: number[] = [0, 0, 0]): number[] {
    out[0] = this.e[0] * x + this.e[1] * y + this.e[2] * z;
    out[1] = this.n[0] * x + this.n[1] * y + this.n[2] * z;
    out[2] = this.u[0] * x + this.u[1] * y + this.u[2] * z;
    return out;
  }

  /** Rotates a direction of this frame into ECEF. */
  directionToEcef(e: number, n: number, u: number, out: number[] = [0, 0, 0]): number[] {
    out[0] = this.e[0] * e + this.n[0] * n + this.u[0] * u;
    out[1] = this.e[1] * e + this.n[1] * n + this.u[1] * u;
    out[2] = this.e[2] * e + this.n[2] * n + this.u[2] * u;
    return out;
  }
}

/**
 * Metres per degree of longitude and latitude at a latitude (ellipsoidal radii of curvature).
 * Good for projecting a single footprint (tens of metres) onto its tangent plane.
 */
export function metresPerDegree(latDeg: number): { lonM: number; latM: number } {
  const lat = latDeg * DEG;
  const s = Math.sin(lat);
  const w = Math.sqrt(1 - WGS84_E2 * s * s);
  const n = WGS84_A / w; // prime vertical radius
  const m = (WGS84_A * (1 - WGS84_E2)) / (w * w * w); // meridional radius
  return { lonM: n * Math.cos(lat) * DEG, latM: m * DEG };
}

/**
 * ECEF metres → geodetic (longitude, latitude in degrees; ellipsoidal height in metres).
 * Bowring's method with two refinements: sub-millimetre anywhere near the surface.
 */
export function ecefToGeodetic(x: number, y: number, z: number, out: number[] = [0, 0, 0]): number[] {
  const b = WGS84_A * (1 - WGS84_F);
  const ep2 = (WGS84_A * WGS84_A - b * b) / (b * b);
  const p = Math.hypot(x, y);
  const lon = Math.atan2(y, x);
  // Bowring: iterate on the parametric latitude β, tan β = (1 − f) tan φ.
  let beta = Math.atan2(z * WGS84_A, p * b);
  let lat = 0;
  for (let i = 0; i < 3; i++) {
    const sb = Math.sin(beta);
    const cb = Math.cos(beta);
    lat = Math.atan2(z + ep2 * b * sb * sb * sb, p - WGS84_E2 * WGS84_A * cb * cb * cb);
    beta = Math.atan2((1 - WGS84_F) * Math.sin(lat), Math.cos(lat));
  }
  const s = Math.sin(lat);
  const n = WGS84_A / Math.sqrt(1 - WGS84_E2 * s * s);
  const c = Math.cos(lat);
  // Near the poles p/cos(lat) is unstable; use the z form there.
  const h = Math.abs(c) > 1e-3 ? p / c - n : z / s - n * (1 - WGS84_E2);
  out[0] = lon / DEG;
  out[1] = lat / DEG;
  out[2] = h;
  return out;
}

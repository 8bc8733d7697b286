import { geodeticToEcef, WGS84_A, WGS84_F } from '../geo/ellipsoid.js';
import { meshEcef, type TileMesh } from './mesh.js';

/** The 88-byte quantized-mesh header, in the spec's order. ECEF metres. */
export interface QuantizedMeshHeader {
  center: [number, number, number];
  minHeightM: number;
  maxHeightM: number;
  sphereCenter: [number, number, number];
  sphereRadiusM: number;
  /** In the ellipsoid-scaled space Cesium's horizon culling works in (x/a, y/a, z/b). */
  horizonOcclusionPoint: [number, number, number];
}

const WGS84_B = WGS84_A * (1 - WGS84_F);

/**
 * Header fields of a mesh: `center` is the tile's centre at mid height (the viewer's origin for
 * the tile), the bounding sphere holds every vertex (the triangles lie in their convex hull),
 * and the horizon occlusion point is Cesium's (`EllipsoidalOccluder.computeHorizonCullingPoint`):
 * the lowest point along the centre's direction that is visible whenever any vertex is.
 */
export function computeHeader(mesh: TileMesh): QuantizedMeshHeader {
  const { westDeg, southDeg, eastDeg, northDeg } = mesh.box;
  const centerLon = (westDeg + eastDeg) / 2;
  const centerLat = (southDeg + northDeg) / 2;
  const center = geodeticToEcef(centerLon, centerLat, (mesh.minHeightM + mesh.maxHeightM) / 2);
  const ecef = meshEcef(mesh);
  const lo = [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY];
  const hi = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (let i = 0; i < ecef.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      const c = ecef[i + k]!;
      if (c < lo[k]!) lo[k] = c;
      if (c > hi[k]!) hi[k] = c;
    }
  }
  const sphereCenter: [number, number, number] = [
    (lo[0]! + hi[0]!) / 2,
    (lo[1]! + hi[1]!) / 2,
    (lo[2]! + hi[2]!) / 2,
  ];
  let r2 = 0;
  for (let i = 0; i < ecef.length; i += 3) {
    const d2 =
      (ecef[i]! - sphereCenter[0]) ** 2 +
      (ecef[i + 1]! - sphereCenter[1]) ** 2 +
      (ecef[i + 2]! - sphereCenter[2]) ** 2;
    if (d2 > r2) r2 = d2;
  }
  return {
    center: [center[0], center[1], center[2]],
    minHeightM: mesh.minHeightM,
    maxHeightM: mesh.maxHeightM,
    sphereCenter,
    // A hair larger, so float rounding never leaves a vertex outside.
    sphereRadiusM: Math.sqrt(r2) * (1 + 1e-9) + 1e-3,
    horizonOcclusionPoint: horizonOcclusionPoint([center[0], center[1], center[2]], ecef),
  };
}

/**
 * Cesium's horizon culling point for vertices `ecef` seen along `direction`, in scaled space.
 * A tile spanning a hemisphere (level 0) has none; it then gets a far point along its centre,
 * visible from wherever that centre is (Cesium recomputes it anyway when the tile dips below
 * the ellipsoid, as tiles with geoid heights over the sea do).
 */
export function horizonOcclusionPoint(
  direction: [number, number, number],
  ecef: Float64Array,
): [number, number, number] {
  let dx = direction[0] / WGS84_A;
  let dy = direction[1] / WGS84_A;
  let dz = direction[2] / WGS84_B;
  const dl = Math.hypot(dx, dy, dz);
  dx /= dl;
  dy /= dl;
  dz /= dl;
  let best = 0;
  let valid = true;
  for (let i = 0; i < ecef.length; i += 3) {
    const px = ecef[i]! / WGS84_A;
    const py = ecef[i + 1]! / WGS84_A;
    const pz = ecef[i + 2]! / WGS84_B;
    const mag2Raw = px * px + py * py + pz * pz;
    const magRaw = Math.sqrt(mag2Raw);
    const ux = px / magRaw;
    const uy = py / magRaw;
    const uz = pz / magRaw;
    // Points below the ellipsoid count as on it.
    const mag2 = Math.max(1, mag2Raw);
    const mag = Math.max(1, magRaw);
    const cosAlpha = ux * dx + uy * dy + uz * dz;
    const sinAlpha = Math.hypot(uy * dz - uz * dy, uz * dx - ux * dz, ux * dy - uy * dx);
    const cosBeta = 1 / mag;
    const sinBeta = Math.sqrt(mag2 - 1) * cosBeta;
    const denominator = cosAlpha * cosBeta - sinAlpha * sinBeta;
    if (!(denominator > 1e-12)) {
      valid = false;
      break;
    }
    best = Math.max(best, 1 / denominator);
  }
  const magnitude = valid && best > 0 && Number.isFinite(best) ? best : 1000;
  return [dx * magnitude, dy * magnitude, dz * magnitude];
}

import type { Footprint } from '../buildings/footprint.js';
import { signedArea } from '../buildings/footprint.js';
import { metresPerDegree } from '../geo/ellipsoid.js';

/**
 * Ring simplification for parent (coarser) tiles: Douglas–Peucker in metres on the ring's
 * tangent plane. Rectangles (most footprints) come out unchanged; intricate outlines lose
 * vertices. Returns the simplified ring and the largest distance of a removed vertex from it,
 * which counts towards the tile's geometric error.
 */

/** Simplifies a closed ring given as flat `[x0, y0, …]` metres (not repeated at the end). */
export function simplifyRing(
  ring: readonly number[],
  toleranceM: number,
): { ring: number[]; deviationM: number } {
  const n = ring.length / 2;
  if (n <= 4 || toleranceM <= 0) return { ring: [...ring], deviationM: 0 };
  // Anchor at the vertex farthest from vertex 0, so the closed ring splits into two open chains.
  let far = 0;
  let farD = -1;
  for (let i = 1; i < n; i++) {
    const d = Math.hypot(ring[i * 2]! - ring[0]!, ring[i * 2 + 1]! - ring[1]!);
    if (d > farD) {
      farD = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  let deviationM = 0;
  const stack: [number, number][] = [
    [0, far],
    [far, n],
  ];
  while (stack.length > 0) {
    const [a, b] = stack.pop()!;
    const ax = ring[a * 2]!;
    const ay = ring[a * 2 + 1]!;
    const bi = b % n;
    const bx = ring[bi * 2]!;
    const by = ring[bi * 2 + 1]!;
    let maxD = -1;
    let maxI = -1;
    for (let i = a + 1; i < b; i++) {
      const d = segmentDistance(ring[i * 2]!, ring[i * 2 + 1]!, ax, ay, bx, by);
      if (d > maxD) {
        maxD = d;
        maxI = i;
      }
    }
    if (maxI < 0) continue;
    if (maxD > toleranceM) {
      keep[maxI] = 1;
      stack.push([a, maxI], [maxI, b]);
    } else if (maxD > deviationM) {
      deviationM = maxD;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[i * 2]!, ring[i * 2 + 1]!);
  // A ring needs three vertices; if simplification went too far, keep the original.
  if (out.length < 6) return { ring: [...ring], deviationM: 0 };
  return { ring: out, deviationM };
}

function segmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Footprint area in m² (outer rings minus holes) on the footprint's tangent plane. */
export function footprintAreaM2(f: Footprint): number {
  const { lonM, latM } = metresPerDegree((f.bbox[1] + f.bbox[3]) / 2);
  let area = 0;
  for (const rings of f.polygons) {
    rings.forEach((ring, r) => {
      const a = Math.abs(signedArea(ring)) * lonM * latM;
      area += r === 0 ? a : -a;
    });
  }
  return Math.max(0, area);
}

/**
 * A coarser copy of a footprint for a parent tile: rings simplified with `toleranceM`, holes
 * smaller than `toleranceM²` filled (a courtyard that small is invisible at that distance).
 */
export function simplifyFootprint(
  f: Footprint,
  toleranceM: number,
): { footprint: Footprint; deviationM: number } {
  if (toleranceM <= 0) return { footprint: f, deviationM: 0 };
  const lon0 = (f.bbox[0] + f.bbox[2]) / 2;
  const lat0 = (f.bbox[1] + f.bbox[3]) / 2;
  const { lonM, latM } = metresPerDegree(lat0);
  let deviationM = 0;
  const polygons = f.polygons.map((rings) =>
    rings.flatMap((ring, r) => {
      const local = ring.map((v, i) => (i % 2 === 0 ? (v - lon0) * lonM : (v - lat0) * latM));
      if (r > 0 && Math.abs(signedArea(local)) < toleranceM * toleranceM) {
        // The filled hole's own size is the error it adds.
        deviationM = Math.max(deviationM, Math.sqrt(Math.abs(signedArea(local))));
        return [];
      }
      const s = simplifyRing(local, toleranceM);
      deviationM = Math.max(deviationM, s.deviationM);
      return [s.ring.map((v, i) => (i % 2 === 0 ? v / lonM + lon0 : v / latM + lat0))];
    }),
  );
  return { footprint: { ...f, polygons }, deviationM };
}

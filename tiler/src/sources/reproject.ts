import type { XY } from '../crs/index.js';
import type { SourceFeature } from './source.js';

/**
 * The two coordinate walks every reader of a `FeatureSource` needs before its own work:
 * sampling raw vertices for the CRS plausibility check, and converting a feature to WGS 84
 * degrees in place.
 *
 * GeoJSON nests positions at most 3 arrays deep (MultiPolygon); deeper arrays are not walked
 * (hostile input nests 100,000 deep to overflow the stack) and the normalisers reject them.
 */
export const MAX_COORDINATE_DEPTH = 4;

/** Up to `limit` raw vertices of the sampled features, in the file's CRS. */
export function sampleVertices(features: readonly SourceFeature[], limit = 1000): XY[] {
  const out: XY[] = [];
  const visit = (c: unknown, depth = 0) => {
    if (out.length >= limit || !Array.isArray(c) || depth > MAX_COORDINATE_DEPTH) return;
    if (typeof c[0] === 'number') {
      if (typeof c[1] === 'number') out.push({ x: c[0], y: c[1] });
      return;
    }
    for (const child of c) visit(child, depth + 1);
  };
  for (const f of features) visit(f.geometry?.coordinates);
  return out;
}

/** Converts a feature's coordinates to WGS 84 degrees in place (heights untouched). */
export function reprojectFeature(
  feature: SourceFeature,
  project: (x: number, y: number) => [number, number],
): void {
  const visit = (c: unknown, depth = 0) => {
    if (!Array.isArray(c) || depth > MAX_COORDINATE_DEPTH) return;
    if (typeof c[0] === 'number' || typeof c[1] === 'number') {
      // Non-numbers stay as they are so the normaliser can name them.
      if (typeof c[0] === 'number' && typeof c[1] === 'number') {
        const [lon, lat] = project(c[0], c[1]);
        c[0] = lon;
        c[1] = lat;
      }
      return;
    }
    for (const child of c) visit(child, depth + 1);
  };
  visit(feature.geometry?.coordinates);
}

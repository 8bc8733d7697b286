/** The small part of GeoJSON (RFC 7946) the viewer reads. */
export type Position = [number, number] | [number, number, number];

export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }
  | { type: 'GeometryCollection'; geometries: Geometry[] };

export interface Feature<P = Record<string, unknown>> {
  type: 'Feature';
  properties: P | null;
  geometry: Geometry | null;
}

export interface FeatureCollection<P = Record<string, unknown>> {
  type: 'FeatureCollection';
  features: Feature<P>[];
}

export async function fetchGeoJson<P>(url: string, signal?: AbortSignal): Promise<FeatureCollection<P>> {
  const res = await fetch(url, signal ? { signal } : {});
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${url})`);
  const json = (await res.json()) as FeatureCollection<P>;
  if (json?.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
    throw new Error(`not a GeoJSON FeatureCollection (${url})`);
  }
  return json;
}

/** Every line of a geometry: LineStrings as is, polygon rings as closed lines. */
export function linesOf(g: Geometry | null): Position[][] {
  if (!g) return [];
  switch (g.type) {
    case 'LineString':
      return [g.coordinates];
    case 'MultiLineString':
      return g.coordinates;
    case 'Polygon':
      return g.coordinates;
    case 'MultiPolygon':
      return g.coordinates.flat();
    case 'GeometryCollection':
      return g.geometries.flatMap(linesOf);
    default:
      return [];
  }
}

export function pointsOf(g: Geometry | null): Position[] {
  if (!g) return [];
  switch (g.type) {
    case 'Point':
      return [g.coordinates];
    case 'MultiPoint':
      return g.coordinates;
    case 'GeometryCollection':
      return g.geometries.flatMap(pointsOf);
    default:
      return [];
  }
}

/** Area-weighted centroid of the largest outer ring (good enough for a label anchor). */
export function labelPoint(g: Geometry | null): [number, number] | null {
  if (!g) return null;
  const rings =
    g.type === 'Polygon'
      ? [g.coordinates[0]]
      : g.type === 'MultiPolygon'
        ? g.coordinates.map((p) => p[0])
        : [];
  let best: [number, number] | null = null;
  let bestArea = 0;
  for (const ring of rings) {
    if (!ring || ring.length < 3) continue;
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [x0, y0] = ring[j]!;
      const [x1, y1] = ring[i]!;
      const f = x0 * y1 - x1 * y0;
      a += f;
      cx += (x0 + x1) * f;
      cy += (y0 + y1) * f;
    }
    if (Math.abs(a) > bestArea) {
      bestArea = Math.abs(a);
      best = [cx / (3 * a), cy / (3 * a)];
    }
  }
  return best;
}

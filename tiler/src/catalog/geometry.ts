/**
 * The small part of GeoJSON geometry the catalogue needs: polygons, lines and points out of any
 * geometry, and planar areas in metres on a local tangent plane (a ward is ~10 km across, where
 * the equirectangular scale error is far below 0.1 %; coverage is a ratio, so it cancels anyway).
 */
import { metresPerDegree } from '../geo/ellipsoid.js';

export type XY = [number, number];
export type Ring = XY[];
/** A polygon: outer ring first, then holes. */
export type Polygon = Ring[];

export interface GeometryLike {
  type: string;
  coordinates?: unknown;
  geometries?: GeometryLike[];
}

const pos = (p: unknown): XY => [Number((p as number[])[0]), Number((p as number[])[1])];

export function polygonsOf(g: GeometryLike | null | undefined): Polygon[] {
  if (!g) return [];
  switch (g.type) {
    case 'Polygon':
      return [(g.coordinates as unknown[][]).map((r) => r.map(pos))];
    case 'MultiPolygon':
      return (g.coordinates as unknown[][][]).map((poly) => poly.map((r) => r.map(pos)));
    case 'GeometryCollection':
      return (g.geometries ?? []).flatMap(polygonsOf);
    default:
      return [];
  }
}

export function linesOf(g: GeometryLike | null | undefined): Ring[] {
  if (!g) return [];
  switch (g.type) {
    case 'LineString':
      return [(g.coordinates as unknown[]).map(pos)];
    case 'MultiLineString':
      return (g.coordinates as unknown[][]).map((l) => l.map(pos));
    case 'GeometryCollection':
      return (g.geometries ?? []).flatMap(linesOf);
    default:
      return [];
  }
}

export function pointsOf(g: GeometryLike | null | undefined): XY[] {
  if (!g) return [];
  switch (g.type) {
    case 'Point':
      return [pos(g.coordinates)];
    case 'MultiPoint':
      return (g.coordinates as unknown[]).map(pos);
    case 'GeometryCollection':
      return (g.geometries ?? []).flatMap(pointsOf);
    default:
      return [];
  }
}

/** What kind of features a geometry holds, for choosing a layer kind. */
export function geometryFamily(g: GeometryLike | null | undefined): 'polygon' | 'line' | 'point' | undefined {
  if (!g) return undefined;
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') return 'polygon';
  if (g.type === 'LineString' || g.type === 'MultiLineString') return 'line';
  if (g.type === 'Point' || g.type === 'MultiPoint') return 'point';
  if (g.type === 'GeometryCollection') return geometryFamily(g.geometries?.[0]);
  return undefined;
}

/** A local plane around (lon0, lat0): x east, y north, metres. */
export interface LocalPlane {
  lon0: number;
  lat0: number;
  lonM: number;
  latM: number;
}

export function localPlane(lon0: number, lat0: number): LocalPlane {
  const { lonM, latM } = metresPerDegree(lat0);
  return { lon0, lat0, lonM, latM };
}

export function toLocal(plane: LocalPlane, p: XY): XY {
  return [(p[0] - plane.lon0) * plane.lonM, (p[1] - plane.lat0) * plane.latM];
}

/** Signed shoelace area (positive counter-clockwise), in the ring's units squared. */
export function ringArea(ring: readonly XY[]): number {
  let a = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    a += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1];
  }
  return a / 2;
}

/** Area of polygons (outer minus holes), whatever their ring orientation. */
export function polygonsArea(polygons: readonly Polygon[]): number {
  let total = 0;
  for (const poly of polygons) {
    poly.forEach((ring, k) => {
      const a = Math.abs(ringArea(ring));
      total += k === 0 ? a : -a;
    });
  }
  return total;
}

export type BBox = [west: number, south: number, east: number, north: number];

export function bboxOf(points: Iterable<XY>, into?: BBox): BBox {
  const b: BBox = into ?? [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (x < b[0]) b[0] = x;
    if (y < b[1]) b[1] = y;
    if (x > b[2]) b[2] = x;
    if (y > b[3]) b[3] = y;
  }
  return b;
}

export function bboxesOverlap(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** Every position of a geometry (any type), for extents and samples. */
export function* positionsOf(g: GeometryLike | null | undefined): Generator<XY> {
  if (!g) return;
  for (const poly of polygonsOf(g)) for (const ring of poly) yield* ring;
  for (const line of linesOf(g)) yield* line;
  yield* pointsOf(g);
}

/**
 * Sutherland–Hodgman clip of a ring to an axis-aligned box. Exact for the area inside the box
 * (whatever the ring's shape); where the ring leaves and re-enters, the result runs along the box
 * edge (zero-width slivers), which add no area. Empty when nothing is inside.
 */
export function clipRingToBox(ring: readonly XY[], box: BBox): Ring {
  let out: XY[] =
    ring[0] && ring[ring.length - 1] && ring[0] === ring[ring.length - 1] ? ring.slice(0, -1) : [...ring];
  const edges: [(p: XY) => boolean, (a: XY, b: XY) => XY][] = [
    [(p) => p[0] >= box[0], (a, b) => [box[0], a[1] + ((b[1] - a[1]) * (box[0] - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= box[2], (a, b) => [box[2], a[1] + ((b[1] - a[1]) * (box[2] - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= box[1], (a, b) => [a[0] + ((b[0] - a[0]) * (box[1] - a[1])) / (b[1] - a[1]), box[1]]],
    [(p) => p[1] <= box[3], (a, b) => [a[0] + ((b[0] - a[0]) * (box[3] - a[1])) / (b[1] - a[1]), box[3]]],
  ];
  for (const [inside, cut] of edges) {
    if (out.length === 0) break;
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      const curIn = inside(cur);
      const prevIn = inside(prev);
      if (curIn) {
        if (!prevIn) out.push(cut(prev, cur));
        out.push(cur);
      } else if (prevIn) out.push(cut(prev, cur));
    }
  }
  if (out.length < 3) return [];
  out.push(out[0]!);
  return out;
}

import { basename } from 'node:path';
import type { BuildingProperties } from '../api/buildings.js';
import { metresPerDegree } from '../geo/ellipsoid.js';
import {
  ATTRIBUTE_DEFAULTS,
  type AttributeMapping,
  type Attributes,
  readAttributes,
  stringValue,
} from './attributes.js';
import type { Footprint, Rejection } from './footprint.js';
import { HEIGHT_DEFAULTS, type HeightOptions, heightFromAttributes } from './height.js';
import { REPAIR_DEFAULTS, type RepairOptions, repairMultiPolygon } from './repair.js';
import { resolveUse } from './use.js';

/**
 * GeoJSON feature → Footprint, or the reason it cannot be one.
 * Rejects what cannot be trusted (not a polygon, NaN or out-of-range coordinates, absurd
 * heights) and repairs what is only broken (repair.ts: unclosed rings, repeated and collinear
 * points, spikes, winding, self-intersections, stray holes, slivers). A feature is rejected
 * for its geometry only when nothing valid is left of it; accepted ones list their repairs.
 */

export interface NormaliseOptions {
  height: HeightOptions;
  repair: RepairOptions;
  /** Which source attributes hold height, storeys, use… (`--attr`). */
  attributes: AttributeMapping;
}

export const NORMALISE_DEFAULTS: NormaliseOptions = {
  height: HEIGHT_DEFAULTS,
  repair: REPAIR_DEFAULTS,
  attributes: ATTRIBUTE_DEFAULTS,
};

interface GeoJsonFeatureLike {
  type?: unknown;
  id?: unknown;
  properties?: unknown;
  geometry?: unknown;
}

type Result = { ok: true; footprint: Footprint } | { ok: false; rejection: Rejection };

/** OSM exports (Overpass, ohsome) name the element `way/123` in one of these. */
const OSM_ID_KEYS = ['@id', '@osmId', 'osm_id'] as const;

function idString(v: unknown): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function idFrom(feature: GeoJsonFeatureLike, attrs: Attributes): string | undefined {
  const mapped = idString(attrs.id?.value) ?? idString(feature.id);
  if (mapped !== undefined) return mapped;
  const props = feature.properties as Record<string, unknown> | null | undefined;
  if (!props || typeof props !== 'object') return undefined;
  for (const k of OSM_ID_KEYS) {
    const id = idString(props[k]);
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * The feature's id as users know it: the mapped id attribute (`id`), else the GeoJSON `id`,
 * else OSM's element id (`@id`, `@osmId`, `osm_id`), else undefined.
 */
export function featureId(
  feature: GeoJsonFeatureLike,
  mapping: AttributeMapping = ATTRIBUTE_DEFAULTS,
): string | undefined {
  const props = feature.properties;
  const attrs =
    props && typeof props === 'object' ? readAttributes(props as Record<string, unknown>, mapping) : {};
  return idFrom(feature, attrs);
}

/** Most vertices in one footprint (all rings); real buildings have tens, rarely thousands. */
export const MAX_FOOTPRINT_VERTICES = 100_000;

export function normaliseFeature(
  feature: GeoJsonFeatureLike,
  file: string,
  index: number,
  options: NormaliseOptions = NORMALISE_DEFAULTS,
): Result {
  const isFeature = feature !== null && typeof feature === 'object' && feature.type === 'Feature';
  const props =
    isFeature && feature.properties && typeof feature.properties === 'object'
      ? (feature.properties as Record<string, unknown>)
      : {};
  const attrs = readAttributes(props, options.attributes);
  const id = isFeature ? idFrom(feature, attrs) : undefined;
  const reject = (reason: string): Result => ({ ok: false, rejection: { file, index, id, reason } });
  if (!isFeature) return reject('is not a GeoJSON Feature (expected "type": "Feature")');

  const geometry = feature.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
  if (!geometry) return reject('has no geometry');
  if (typeof geometry !== 'object' || Array.isArray(geometry))
    return reject(`geometry is ${JSON.stringify(geometry)?.slice(0, 40)}, not a GeoJSON geometry object`);
  let polygonsRaw: unknown[];
  if (geometry.type === 'Polygon') polygonsRaw = [geometry.coordinates];
  else if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates)) {
    polygonsRaw = geometry.coordinates;
  } else {
    return reject(
      `geometry is ${String(geometry.type)}; only Polygon and MultiPolygon footprints are extruded`,
    );
  }
  if (polygonsRaw.length === 0) return reject('has no polygons');
  // Counted before anything is allocated: a million-vertex "building" is a data error (a
  // digitised outline of a whole district, a bad export) and would make one tile of its own
  // tens of megabytes.
  let vertices = 0;
  for (const rings of polygonsRaw)
    if (Array.isArray(rings)) for (const ring of rings) if (Array.isArray(ring)) vertices += ring.length;
  if (vertices > MAX_FOOTPRINT_VERTICES) {
    return reject(
      `has ${vertices.toLocaleString('en')} vertices; a building footprint may have at most ` +
        `${MAX_FOOTPRINT_VERTICES.toLocaleString('en')} (simplify it, or check it is a building)`,
    );
  }

  // Coordinates go onto the tangent plane at the feature's first vertex (metres east/north),
  // where repair tolerances are lengths. The round trip back is exact in practice: the offset
  // from the origin is tiny next to the coordinate, so rounding errors stay far below an ulp.
  let lon0 = Number.NaN;
  let lat0 = Number.NaN;
  let lonM = 0;
  let latM = 0;
  const polygonsM: Float64Array[][] = [];
  for (let p = 0; p < polygonsRaw.length; p++) {
    const rings = polygonsRaw[p];
    const where = polygonsRaw.length > 1 ? `polygon ${p}, ` : '';
    if (!Array.isArray(rings) || rings.length === 0) return reject(`${where}has no rings`);
    const ringsM: Float64Array[] = [];
    for (let r = 0; r < rings.length; r++) {
      const ringRaw = rings[r];
      const ringName = `${where}${r === 0 ? 'outer ring' : `hole ${r}`}`;
      if (!Array.isArray(ringRaw)) return reject(`${ringName} is not an array of positions`);
      const ringM = new Float64Array(ringRaw.length * 2);
      for (let v = 0; v < ringRaw.length; v++) {
        const pos = ringRaw[v];
        if (!Array.isArray(pos) || pos.length < 2)
          return reject(`${ringName}, vertex ${v} is not a [lon, lat] position`);
        const lon = pos[0];
        const lat = pos[1];
        if (
          typeof lon !== 'number' ||
          typeof lat !== 'number' ||
          !Number.isFinite(lon) ||
          !Number.isFinite(lat)
        ) {
          return reject(`${ringName}, vertex ${v} has a non-numeric coordinate (${JSON.stringify(pos)})`);
        }
        if (lon < -180 || lon > 180 || lat < -90 || lat > 90) {
          return reject(
            `${ringName}, vertex ${v} (${lon}, ${lat}) is not longitude/latitude in degrees; projected data needs a CRS`,
          );
        }
        if (Number.isNaN(lon0)) {
          lon0 = lon;
          lat0 = lat;
          ({ lonM, latM } = metresPerDegree(lat0));
        }
        ringM[v * 2] = (lon - lon0) * lonM;
        ringM[v * 2 + 1] = (lat - lat0) * latM;
      }
      ringsM.push(ringM);
    }
    polygonsM.push(ringsM);
  }

  const repaired = repairMultiPolygon(polygonsM, options.repair);
  if (!repaired.ok) return reject(repaired.reason);

  const polygons: number[][][] = [];
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  let sumLon = 0;
  let sumLat = 0;
  let count = 0;
  for (const ringsM of repaired.polygons) {
    const rings: number[][] = [];
    for (let r = 0; r < ringsM.length; r++) {
      const ringM = ringsM[r]!;
      const ring = new Array<number>(ringM.length);
      for (let i = 0; i < ringM.length; i += 2) {
        const lon = lon0 + ringM[i]! / lonM;
        const lat = lat0 + ringM[i + 1]! / latM;
        ring[i] = lon;
        ring[i + 1] = lat;
        if (r > 0) continue;
        if (lon < west) west = lon;
        if (lon > east) east = lon;
        if (lat < south) south = lat;
        if (lat > north) north = lat;
        sumLon += lon;
        sumLat += lat;
        count++;
      }
      rings.push(ring);
    }
    polygons.push(rings);
  }

  const use = resolveUse(stringValue(attrs.use), stringValue(attrs.building));
  const height = heightFromAttributes(attrs, use, options.height);
  if (!height.ok) return reject(height.reason);
  const properties: BuildingProperties = {
    id: id ?? `${file}#${index}`,
    name: stringValue(attrs.name),
    height: height.heightM,
    storeys: height.storeys,
    use,
    ward: stringValue(attrs.ward),
    // The file name, not its path: provenance without leaking the tiling machine's folders.
    source: basename(file),
  };
  const footprint: Footprint = {
    source: { file, index },
    properties,
    polygons,
    baseM: 0,
    heightM: height.heightM,
    minHeightM: height.minHeightM,
    heightSource: height.source,
    centroid: [sumLon / count, sumLat / count],
    bbox: [west, south, east, north],
  };
  if (repaired.repairs.length > 0) footprint.repairs = repaired.repairs;
  return { ok: true, footprint };
}

import type { BuildingProperties } from '../api/buildings.js';
import type { Footprint, Rejection } from './footprint.js';
import { reverseRing, signedArea } from './footprint.js';
import { HEIGHT_DEFAULTS, type HeightOptions, resolveHeight } from './height.js';

/**
 * GeoJSON feature → Footprint, or the reason it cannot be one.
 * Checks what would otherwise corrupt a tile (NaN, out-of-range coordinates, rings with too
 * few points or no area) and normalises what is only untidy (closing point, repeated points,
 * winding).
 */

export interface NormaliseOptions {
  height: HeightOptions;
  /** Rings with an area below this (m²) are slivers: dropped, or the feature rejected if outer. */
  minRingAreaM2: number;
}

export const NORMALISE_DEFAULTS: NormaliseOptions = { height: HEIGHT_DEFAULTS, minRingAreaM2: 0.5 };

/** Keys read for the building's land use, in order of preference. */
const USE_KEYS = ['use', 'landuse_code', 'ma_loai_dat', 'mdsd'] as const;
const NAME_KEYS = ['name', 'ten', 'name:vi'] as const;
const WARD_KEYS = ['ward', 'phuong', 'ward_name'] as const;

interface GeoJsonFeatureLike {
  type?: unknown;
  id?: unknown;
  properties?: unknown;
  geometry?: unknown;
}

type Result = { ok: true; footprint: Footprint } | { ok: false; rejection: Rejection };

function stringProp(props: Record<string, unknown>, keys: readonly string[]): string {
  for (const k of keys) {
    const v = props[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return '';
}

/** The feature's id as users know it: `properties.id`, else the GeoJSON `id`, else undefined. */
export function featureId(feature: GeoJsonFeatureLike): string | undefined {
  const props = (feature.properties ?? {}) as Record<string, unknown>;
  // '@id' and '@osmId' are what OSM exports (Overpass, ohsome) call the element, e.g. "way/123".
  const candidates = [props.id, feature.id, props['@id'], props['@osmId'], props.osm_id];
  for (const c of candidates) {
    if (typeof c === 'string' && c !== '') return c;
    if (typeof c === 'number' && Number.isFinite(c)) return String(c);
  }
  return undefined;
}

export function normaliseFeature(
  feature: GeoJsonFeatureLike,
  file: string,
  index: number,
  options: NormaliseOptions = NORMALISE_DEFAULTS,
): Result {
  const id = featureId(feature);
  const reject = (reason: string): Result => ({ ok: false, rejection: { file, index, id, reason } });

  if (feature === null || typeof feature !== 'object' || feature.type !== 'Feature') {
    return reject('is not a GeoJSON Feature (expected "type": "Feature")');
  }
  const props =
    feature.properties && typeof feature.properties === 'object'
      ? (feature.properties as Record<string, unknown>)
      : {};
  const geometry = feature.geometry as { type?: unknown; coordinates?: unknown } | null | undefined;
  if (!geometry) return reject('has no geometry');
  let polygonsRaw: unknown[];
  if (geometry.type === 'Polygon') polygonsRaw = [geometry.coordinates];
  else if (geometry.type === 'MultiPolygon' && Array.isArray(geometry.coordinates)) {
    polygonsRaw = geometry.coordinates;
  } else {
    return reject(
      `geometry is ${String(geometry.type)}; only Polygon and MultiPolygon footprints are extruded`,
    );
  }

  const polygons: number[][][] = [];
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  let sumLon = 0;
  let sumLat = 0;
  let count = 0;
  for (let p = 0; p < polygonsRaw.length; p++) {
    const rings = polygonsRaw[p];
    const where = polygonsRaw.length > 1 ? `polygon ${p}, ` : '';
    if (!Array.isArray(rings) || rings.length === 0) return reject(`${where}has no rings`);
    const outRings: number[][] = [];
    for (let r = 0; r < rings.length; r++) {
      const ringRaw = rings[r];
      const ringName = `${where}${r === 0 ? 'outer ring' : `hole ${r}`}`;
      if (!Array.isArray(ringRaw)) return reject(`${ringName} is not an array of positions`);
      const flat: number[] = [];
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
        const n = flat.length;
        // Drop repeated points: they make zero-length walls.
        if (n >= 2 && flat[n - 2] === lon && flat[n - 1] === lat) continue;
        flat.push(lon, lat);
      }
      // GeoJSON rings repeat the first point at the end; ours do not.
      if (flat.length >= 4 && flat[0] === flat[flat.length - 2] && flat[1] === flat[flat.length - 1]) {
        flat.length -= 2;
      }
      if (flat.length < 6) {
        if (r === 0) return reject(`${ringName} has fewer than 3 distinct points`);
        continue; // a degenerate hole is dropped, not fatal
      }
      const areaM2 = ringAreaM2(flat);
      if (Math.abs(areaM2) < options.minRingAreaM2) {
        if (r === 0) return reject(`${ringName} has no area (${Math.abs(areaM2).toFixed(2)} m²)`);
        continue;
      }
      // Outer rings counter-clockwise, holes clockwise (RFC 7946), so wall normals point out.
      if ((r === 0 && areaM2 < 0) || (r > 0 && areaM2 > 0)) reverseRing(flat);
      if (r === 0) {
        for (let i = 0; i < flat.length; i += 2) {
          const lon = flat[i]!;
          const lat = flat[i + 1]!;
          if (lon < west) west = lon;
          if (lon > east) east = lon;
          if (lat < south) south = lat;
          if (lat > north) north = lat;
          sumLon += lon;
          sumLat += lat;
          count++;
        }
      }
      outRings.push(flat);
    }
    polygons.push(outRings);
  }
  if (polygons.length === 0) return reject('has no polygons');

  const use = stringProp(props, USE_KEYS);
  const height = resolveHeight(props, use, options.height);
  if (!height.ok) return reject(height.reason);
  const properties: BuildingProperties = {
    id: id ?? `${file}#${index}`,
    name: stringProp(props, NAME_KEYS),
    height: height.heightM,
    storeys: height.storeys,
    use,
    ward: stringProp(props, WARD_KEYS),
  };
  return {
    ok: true,
    footprint: {
      source: { file, index },
      properties,
      polygons,
      baseM: 0,
      heightM: height.heightM,
      heightSource: height.source,
      centroid: [sumLon / count, sumLat / count],
      bbox: [west, south, east, north],
    },
  };
}

/** Signed area in m² of a lon/lat ring, on its local tangent plane (exact enough for buildings). */
function ringAreaM2(flat: number[]): number {
  const lat0 = flat[1]!;
  const k = Math.cos((lat0 * Math.PI) / 180);
  // 111,320 m per degree is adequate for a sliver test; meshing uses exact radii.
  return signedArea(flat) * k * 111_320 * 110_574;
}

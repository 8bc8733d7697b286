/**
 * The real inputs, read from data/. Kept apart from the generator so that generateCity stays a
 * pure function of its inputs and seed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Minimal GeoJSON shapes used here (RFC 7946); positions are [lon, lat] degrees. */
export type Position = [number, number];
export interface GeoJsonFeature<G, P> {
  type: 'Feature';
  properties: P;
  geometry: G;
}
export interface GeoJsonFeatureCollection<G, P> {
  type: 'FeatureCollection';
  features: GeoJsonFeature<G, P>[];
}
export type PolygonGeometry = { type: 'Polygon'; coordinates: Position[][] };
export type MultiPolygonGeometry = { type: 'MultiPolygon'; coordinates: Position[][][] };
export type LineStringGeometry = { type: 'LineString'; coordinates: Position[] };
export type MultiLineStringGeometry = { type: 'MultiLineString'; coordinates: Position[][] };
export type PointGeometry = { type: 'Point'; coordinates: Position };

export interface WardProperties {
  id: string;
  name: string;
  area_km2: number;
  population: number;
}

export interface NationalRoadProperties {
  gid: number;
  ten: string;
  loai_duong: string;
}

export interface BusStopProperties {
  name?: string | null;
}

export interface CityInputs {
  wards: GeoJsonFeatureCollection<PolygonGeometry | MultiPolygonGeometry, WardProperties>;
  nationalRoads: GeoJsonFeatureCollection<
    LineStringGeometry | MultiLineStringGeometry,
    NationalRoadProperties
  >;
  busStops: GeoJsonFeatureCollection<PointGeometry, BusStopProperties>;
  /** Codes of the cadastral land-use table (ODT, TMD, …). */
  landUseCodes: string[];
}

export const INPUT_FILES = {
  wards: 'admin/thu_dau_mot_2025_wards.geojson',
  nationalRoads: 'transport/vn_national_roads_rail_clipped_binhduong_bbox.geojson',
  busStops: 'transport/kaze_bus_stops_osm.geojson',
  landUseCodes: 'landuse/vn_cadastral_landuse_codes.csv',
} as const;

/** Codes from the `code` column of the cadastral CSV (order,code,name_vi). */
export function parseLandUseCodes(csv: string): string[] {
  const lines = csv.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const col = header.indexOf('code');
  if (col < 0) throw new Error('land-use CSV has no "code" column');
  return lines.slice(1).map((l) => (l.split(',')[col] ?? '').trim());
}

export function loadCityInputs(dataDir: string): CityInputs {
  const json = (rel: string) => JSON.parse(readFileSync(path.join(dataDir, rel), 'utf8'));
  return {
    wards: json(INPUT_FILES.wards),
    nationalRoads: json(INPUT_FILES.nationalRoads),
    busStops: json(INPUT_FILES.busStops),
    landUseCodes: parseLandUseCodes(readFileSync(path.join(dataDir, INPUT_FILES.landUseCodes), 'utf8')),
  };
}

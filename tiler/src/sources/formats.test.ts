import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { vn2000Tm3 } from '../crs/index.js';
import { openSource, type SourceFeature } from './index.js';

/**
 * Every format reads the same 100 OSM buildings (tiler/test/data, made by ogr2ogr from the OSM
 * sample: see its README) with the same attributes and coordinates as the original GeoJSON,
 * which is parsed here with JSON.parse as an independent reference.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../test/data');
const fixture = (name: string) => path.join(DATA, name);
const ORIGINAL = path.resolve(here, '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson');

interface Original {
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: number[][][] };
}
const original = (JSON.parse(readFileSync(ORIGINAL, 'utf8')) as { features: Original[] }).features.slice(
  0,
  100,
);
const byOsmId = new Map(original.map((f) => [f.properties['@osmId'] as string, f]));

/** The OSM tags the fixtures kept (ogr2ogr -select), and their Shapefile (10-byte) names. */
const FIELDS: Record<string, string> = {
  '@osmId': '@osmId',
  '@version': '@version',
  '@lastEdit': '@lastEdit',
  building: 'building',
  name: 'name',
  'name:en': 'name_en',
  'addr:housenumber': 'addr_house',
  'addr:street': 'addr_stree',
  amenity: 'amenity',
  'building:levels': 'building_l',
};

async function readAll(file: string, options = {}) {
  const source = await openSource(file, options);
  const features: SourceFeature[] = [];
  for await (const f of source.features()) features.push(f);
  await source.close();
  return { info: source.info, features };
}

/**
 * Same ring within `tol`: writers may start a ring at another vertex or reverse it (Shapefile
 * outer rings are clockwise, RFC 7946 ones counter-clockwise), so compare cyclically both ways.
 */
function sameRing(a: number[][], b: number[][], tol: number): boolean {
  const open = (r: number[][]) => r.slice(0, -1);
  const ra = open(a);
  const rb = open(b);
  if (ra.length !== rb.length) return false;
  const n = ra.length;
  const near = (p: number[], q: number[]) => Math.abs(p[0]! - q[0]!) <= tol && Math.abs(p[1]! - q[1]!) <= tol;
  for (const candidate of [rb, [...rb].reverse()]) {
    for (let shift = 0; shift < n; shift++) {
      if (ra.every((p, i) => near(p, candidate[(i + shift) % n]!))) return true;
    }
  }
  return false;
}

function expectSamePolygon(actual: SourceFeature['geometry'], expected: Original['geometry'], tol: number) {
  expect(actual?.type).toBe('Polygon');
  const rings = actual!.coordinates as number[][][];
  expect(rings).toHaveLength(expected.coordinates.length);
  rings.forEach((ring, i) => {
    expect(sameRing(ring, expected.coordinates[i]!, tol), `ring ${i}`).toBe(true);
  });
}

/** Compares the kept tags; `date` maps the original timestamp to what the format stores. */
function expectSameProperties(
  actual: Record<string, unknown> | null,
  expected: Record<string, unknown>,
  options: { shapefileNames?: boolean; date?: (iso: string) => unknown; absentIsNull?: boolean } = {},
) {
  for (const [key, shpKey] of Object.entries(FIELDS)) {
    const name = options.shapefileNames ? shpKey : key;
    let want: unknown = expected[key] ?? null;
    if (key === '@lastEdit' && options.date) want = options.date(want as string);
    const got = options.absentIsNull ? (actual?.[name] ?? null) : actual?.[name];
    expect(got, `${name} of ${String(expected['@osmId'])}`).toEqual(want);
  }
}

const TOL_DEG = 1e-7;

describe('the 100 OSM buildings in every format', () => {
  it('Shapefile (UTF-8 .cpg, .prj): same order, tags, coordinates and holes', async () => {
    const { info, features } = await readAll(fixture('osm-100.shp'));
    expect(info).toMatchObject({
      format: 'shapefile',
      featureCount: 100,
      encoding: 'utf-8',
      geometryType: 'Polygon',
    });
    expect(info.crs?.wkt).toMatch(/^GEOGCS\["GCS_WGS_1984"/);
    expect(features).toHaveLength(100);
    features.forEach((f, i) => {
      expectSameProperties(f.properties, original[i]!.properties, {
        shapefileNames: true,
        date: (iso) => iso.slice(0, 10), // a dBASE D field holds the date only
      });
      expectSamePolygon(f.geometry, original[i]!.geometry, TOL_DEG);
    });
    // The two OSM multipolygon relations with a courtyard keep it as a hole.
    expect((features[0]!.geometry!.coordinates as unknown[]).length).toBe(2);
    expect((features[1]!.geometry!.coordinates as unknown[]).length).toBe(2);
  });

  it('GeoPackage: same order, tags and coordinates; id is the primary key; EPSG:4326 reported', async () => {
    const { info, features } = await readAll(fixture('osm-100.gpkg'));
    expect(info).toMatchObject({
      format: 'geopackage',
      layer: 'osm_100',
      featureCount: 100,
      geometryType: 'Polygon',
    });
    expect(info.crs).toMatchObject({ epsg: 4326, name: 'WGS 84 geodetic' });
    expect(info.crs?.wkt).toMatch(/^GEOGCS\["WGS 84"/);
    expect(features.map((f) => f.id)).toEqual(original.map((_, i) => i + 1));
    features.forEach((f, i) => {
      expectSameProperties(f.properties, original[i]!.properties, {
        date: (iso) => new Date(iso).toISOString(), // GDAL stores DATETIME with milliseconds
      });
      expectSamePolygon(f.geometry, original[i]!.geometry, TOL_DEG);
    });
  });

  it('FlatGeobuf: all buildings (in the spatial index order GDAL writes), tags and coordinates', async () => {
    const { info, features } = await readAll(fixture('osm-100.fgb'));
    expect(info).toMatchObject({ format: 'flatgeobuf', featureCount: 100, geometryType: 'Polygon' });
    expect(info.crs).toMatchObject({ epsg: 4326 });
    expect(features).toHaveLength(100);
    const seen = new Set<string>();
    for (const f of features) {
      const osmId = f.properties?.['@osmId'] as string;
      const want = byOsmId.get(osmId)!;
      expect(want, osmId).toBeDefined();
      seen.add(osmId);
      expectSameProperties(f.properties, want.properties);
      expectSamePolygon(f.geometry, want.geometry, TOL_DEG);
    }
    expect(seen.size).toBe(100);
  });

  it('GeoJSONSeq, newline-delimited and RFC 8142 (record separators)', async () => {
    const lines = await readAll(fixture('osm-100.geojsonl'));
    expect(lines.info.format).toBe('geojsonseq');
    expect(lines.features).toHaveLength(100);
    lines.features.forEach((f, i) => {
      // GDAL's GeoJSON writers leave out null members, as the original does.
      expectSameProperties(f.properties, original[i]!.properties, { absentIsNull: true });
      expectSamePolygon(f.geometry, original[i]!.geometry, TOL_DEG);
    });
    const rs = await readAll(fixture('osm-10.geojsons'));
    expect(rs.features.map((f) => f.properties?.['@osmId'])).toEqual(
      original.slice(0, 10).map((f) => f.properties['@osmId']),
    );
  });
});

describe('VN-2000 / TM-3 105°45′ fixtures', () => {
  // The projection ogr2ogr was given (see test/data/make-fixtures.sh), inverted with the CRS
  // module's definition: the metres are the same buildings.
  const toLonLat = proj4(vn2000Tm3(105.75).proj4, 'WGS84');

  it.each([
    ['osm-100-vn2000.shp', /^PROJCS\["VN-2000_TM-3_105-45",GEOGCS\["GCS_VN_2000",DATUM\["D_Vietnam_2000"/],
    ['osm-100-vn2000.gpkg', /^PROJCS\["unknown".*TOWGS84\[-191\.90441429,.*"central_meridian",105\.75/],
    ['osm-100-vn2000.fgb', /^BOUNDCRS\[.*"Longitude of natural origin",105\.75/s],
  ])('%s keeps metres and reports the VN-2000 definition', async (name, wkt) => {
    const { info, features } = await readAll(fixture(name));
    expect(info.crs?.wkt).toMatch(wkt);
    expect(info.crs?.epsg).toBeUndefined();
    expect(features).toHaveLength(100);
    for (const f of features) {
      const want = byOsmId.get(f.properties?.['@osmId'] as string)!;
      const ring = (f.geometry!.coordinates as number[][][])[0]!;
      // Easting/northing of Hồ Chí Minh City in this zone, not degrees.
      expect(ring[0]![0]).toBeGreaterThan(500_000);
      expect(ring[0]![1]).toBeGreaterThan(1_100_000);
      const back = ring.map((p) => toLonLat.forward([p[0]!, p[1]!]));
      expect(sameRing(back, want.geometry.coordinates[0]!, 1e-6)).toBe(true);
    }
  });
});

describe('Vietnamese text and holes (vn-names)', () => {
  it('a CP1258 Shapefile reads the same names as the UTF-8 GeoJSON it was made from', async () => {
    const geojson = await readAll(fixture('vn-names.geojson'));
    const shp = await readAll(fixture('vn-names-cp1258.shp'));
    expect(shp.info.encoding).toBe('windows-1258');
    expect(shp.features).toHaveLength(5);
    shp.features.forEach((f, i) => {
      expect(f.properties).toEqual(geojson.features[i]!.properties);
    });
    expect(shp.features.map((f) => f.properties?.ten)).toEqual([
      'Chợ Bến Thành',
      'Nhà thờ Đức Bà',
      'Bưu điện Trung tâm Sài Gòn',
      'Chợ Thủ Dầu Một',
      'Nhà thờ Chánh Tòa Phú Cường',
    ]);
  });

  it('groups Shapefile rings into polygons and holes, a MultiPolygon with a hole included', async () => {
    const geojson = await readAll(fixture('vn-names.geojson'));
    const shp = await readAll(fixture('vn-names-cp1258.shp'));
    const post = shp.features[2]!.geometry!;
    expect(post.type).toBe('Polygon');
    expect(post.coordinates as unknown[]).toHaveLength(2);
    const market = shp.features[3]!.geometry!;
    expect(market.type).toBe('MultiPolygon');
    const parts = market.coordinates as number[][][][];
    const want = geojson.features[3]!.geometry!.coordinates as number[][][][];
    expect(parts.map((p) => p.length)).toEqual([1, 2]);
    parts.forEach((rings, p) => {
      rings.forEach((ring, r) => {
        expect(sameRing(ring, want[p]![r]!, 1e-12)).toBe(true);
      });
    });
  });
});

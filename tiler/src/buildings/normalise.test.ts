import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { metresPerDegree } from '../geo/ellipsoid.js';
import { parseAttributeMapping } from './attributes.js';
import type { Footprint } from './footprint.js';
import { signedArea } from './footprint.js';
import { HEIGHT_DEFAULTS, resolveHeight } from './height.js';
import { NORMALISE_DEFAULTS, normaliseFeature } from './normalise.js';

const square = (lon = 106.65, lat = 10.98, d = 0.0001) => [
  [lon, lat],
  [lon + d, lat],
  [lon + d, lat + d],
  [lon, lat + d],
  [lon, lat],
];
const feature = (geometry: unknown, properties: Record<string, unknown> = {}) => ({
  type: 'Feature',
  properties,
  geometry,
});

describe('normaliseFeature', () => {
  it('drops the closing point and repeated points, and orients outer rings counter-clockwise', () => {
    const ring = square().reverse();
    ring.splice(2, 0, ring[1]!); // a repeated vertex
    const r = normaliseFeature(
      feature({ type: 'Polygon', coordinates: [ring] }, { id: 'a' }),
      'f.geojson',
      0,
    );
    if (!r.ok) throw new Error(r.rejection.reason);
    const outer = r.footprint.polygons[0]![0]!;
    expect(outer.length).toBe(8);
    expect(signedArea(outer)).toBeGreaterThan(0);
    expect(r.footprint.properties.id).toBe('a');
  });

  it('keeps every part of a MultiPolygon', () => {
    const r = normaliseFeature(
      feature({ type: 'MultiPolygon', coordinates: [[square()], [square(106.66)]] }),
      'f.geojson',
      3,
    );
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.footprint.polygons).toHaveLength(2);
    expect(r.footprint.properties.id).toBe('f.geojson#3');
  });

  it.each([
    [
      'a NaN coordinate',
      { type: 'Polygon', coordinates: [[[106.65, Number.NaN], ...square().slice(1)]] },
      /non-numeric coordinate/,
    ],
    [
      'a string coordinate',
      { type: 'Polygon', coordinates: [[['106.65', 10.98], ...square().slice(1)]] },
      /non-numeric/,
    ],
    [
      'projected metres',
      {
        type: 'Polygon',
        coordinates: [
          [
            [580000, 1213000],
            [580010, 1213000],
            [580010, 1213010],
            [580000, 1213000],
          ],
        ],
      },
      /not longitude\/latitude/,
    ],
    ['a point', { type: 'Point', coordinates: [106.65, 10.98] }, /geometry is Point/],
    [
      'two distinct points',
      {
        type: 'Polygon',
        coordinates: [
          [
            [106.65, 10.98],
            [106.651, 10.98],
            [106.65, 10.98],
          ],
        ],
      },
      /fewer than 3 distinct points/,
    ],
    [
      'a sliver',
      {
        type: 'Polygon',
        coordinates: [
          [
            [106.65, 10.98],
            [106.651, 10.98],
            [106.652, 10.98],
            [106.65, 10.98],
          ],
        ],
      },
      /outer ring is a zero-area sliver \(0\.00 m²\): its points lie on a line/,
    ],
    ['no geometry', null, /has no geometry/],
  ])('rejects a feature with %s, saying why', (_name, geometry, reason) => {
    const r = normaliseFeature(feature(geometry, { id: 'bad-1' }), 'city.geojson', 7);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejection).toMatchObject({ file: 'city.geojson', index: 7, id: 'bad-1' });
    expect(r.rejection.reason).toMatch(reason);
  });
});

describe('resolveHeight', () => {
  it('prefers height, then storeys × storey height, then a default by land use', () => {
    expect(resolveHeight({ height: '12,5 m', storeys: 3 }, 'ODT')).toEqual({
      ok: true,
      heightM: 12.5,
      minHeightM: 0,
      storeys: 3,
      source: 'height',
    });
    expect(resolveHeight({ 'building:levels': '4' }, 'ODT')).toEqual({
      ok: true,
      heightM: 14,
      minHeightM: 0,
      storeys: 4,
      source: 'storeys',
    });
    expect(resolveHeight({ so_tang: 2 }, '')).toMatchObject({ heightM: 7, source: 'storeys' });
    expect(resolveHeight({}, 'SKK')).toMatchObject({ heightM: 10, source: 'default' });
    expect(resolveHeight({}, 'XYZ')).toMatchObject({ heightM: 7, source: 'default' });
  });

  it('refuses absurd or unreadable values', () => {
    expect(resolveHeight({ height: 5000 }, '')).toMatchObject({
      ok: false,
      reason: /not a plausible building height/,
    });
    expect(resolveHeight({ height: -3 }, '')).toMatchObject({ ok: false });
    expect(resolveHeight({ height: 'tall' }, '')).toMatchObject({
      ok: false,
      reason: /not a height in metres/,
    });
    expect(resolveHeight({ storeys: 'many' }, '')).toMatchObject({ ok: false, reason: /not a storey count/ });
    expect(resolveHeight({ height: 0 }, '')).toMatchObject({
      ok: false,
      reason: 'height 0 m is not a plausible building height (0–1000 m)',
    });
    expect(resolveHeight({ height: Number.NaN }, '')).toMatchObject({
      ok: false,
      reason: /not a height in metres/,
    });
    expect(resolveHeight({ 'building:levels': 250 }, '')).toMatchObject({
      ok: false,
      reason: 'building:levels 250 is not a plausible storey count (0–200)',
    });
    // 180 storeys of 6 m (a user's --storey-height) would be 1,080 m
    expect(resolveHeight({ storeys: 180 }, '', { ...HEIGHT_DEFAULTS, storeyHeightM: 6 })).toMatchObject({
      ok: false,
      reason: 'storeys 180 × 6 m = 1080 m is not a plausible building height (0–1000 m)',
    });
  });

  it('starts building parts at min_height, or building:min_level × storey height', () => {
    expect(resolveHeight({ height: 40, min_height: '12 m' }, '')).toMatchObject({
      heightM: 40,
      minHeightM: 12,
    });
    expect(resolveHeight({ 'building:levels': 10, 'building:min_level': 2 }, '')).toMatchObject({
      heightM: 35,
      minHeightM: 7,
      source: 'storeys',
    });
    // A guessed height is the part's own thickness: a bridge at 6 m with no height is 6 + 7 m.
    expect(resolveHeight({ min_height: 6 }, 'ODT')).toMatchObject({
      heightM: 13,
      minHeightM: 6,
      source: 'default',
    });
  });

  it('rejects a part whose bottom is not below its top, or below the ground', () => {
    expect(resolveHeight({ height: 20, min_height: 20 }, '')).toMatchObject({
      ok: false,
      reason:
        'min_height puts the bottom at 20 m, not below the height 20 m: a building part must have some height',
    });
    expect(resolveHeight({ 'building:levels': 3, 'building:min_level': 3 }, '')).toMatchObject({
      ok: false,
      reason: /building:min_level puts the bottom at 10\.5 m, not below the height from building:levels/,
    });
    expect(resolveHeight({ height: 20, min_height: -2 }, '')).toMatchObject({
      ok: false,
      reason: /min_height -2 m/,
    });
    expect(resolveHeight({ height: 20, min_height: 'low' }, '')).toMatchObject({
      ok: false,
      reason: 'min_height is "low", not a height in metres',
    });
  });
});

/** Footprint area in m² (outer rings minus holes) on its own tangent plane. */
function areaM2(f: Footprint): number {
  const { lonM, latM } = metresPerDegree((f.bbox[1] + f.bbox[3]) / 2);
  let a = 0;
  for (const rings of f.polygons) for (const ring of rings) a += signedArea(ring) * lonM * latM;
  return a;
}

describe('normaliseFeature on the broken-footprint fixtures', () => {
  const file = path.join(import.meta.dirname, 'fixtures/broken-footprints.geojson');
  const fixtures = JSON.parse(readFileSync(file, 'utf8')) as {
    features: {
      properties: {
        id: string;
        expect:
          | { ok: false; reason: string }
          | {
              ok: true;
              repairs: string[];
              areaM2: number;
              parts: number;
              rings: number[];
              vertices: number;
              minHeightM?: number;
              heightM?: number;
            };
      };
    }[];
  };

  it.each(fixtures.features.map((f, i) => [f.properties.id, f, i] as const))('%s', (_id, feature, index) => {
    const expected = feature.properties.expect;
    const r = normaliseFeature(feature, 'broken.geojson', index);
    if (!expected.ok) {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.rejection.reason).toContain(expected.reason);
      return;
    }
    if (!r.ok) throw new Error(r.rejection.reason);
    const f = r.footprint;
    expect(f.repairs ?? []).toEqual(expected.repairs);
    expect(areaM2(f)).toBeCloseTo(expected.areaM2, 1);
    expect(f.polygons).toHaveLength(expected.parts);
    expect(f.polygons.map((rings) => rings.length)).toEqual(expected.rings);
    expect(f.polygons.flat().reduce((n, ring) => n + ring.length / 2, 0)).toBe(expected.vertices);
    for (const rings of f.polygons) {
      rings.forEach((ring, i) => {
        expect(Math.sign(signedArea(ring))).toBe(i === 0 ? 1 : -1);
      });
    }
    if (expected.minHeightM !== undefined) expect(f.minHeightM).toBe(expected.minHeightM);
    if (expected.heightM !== undefined) expect(f.heightM).toBe(expected.heightM);
    // bbox and centroid describe the repaired outline
    const [w, s, e, n] = f.bbox;
    expect(w < e && s < n).toBe(true);
    expect(f.centroid[0]).toBeGreaterThan(w);
    expect(f.centroid[0]).toBeLessThan(e);
  });
});

describe('normaliseFeature: repairs keep coordinates exact', () => {
  it('re-orients a clockwise OSM way without moving any vertex by even one ulp', () => {
    const ring = [
      [106.7031455, 10.7848764],
      [106.7034231, 10.7846439],
      [106.7029564, 10.7845895],
      [106.7031455, 10.7848764],
    ];
    const r = normaliseFeature(feature({ type: 'Polygon', coordinates: [ring] }), 'osm.geojson', 0);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.footprint.repairs).toEqual(['winding']);
    expect(r.footprint.polygons[0]![0]).toEqual([
      106.7029564, 10.7845895, 106.7034231, 10.7846439, 106.7031455, 10.7848764,
    ]);
  });

  it('leaves valid footprints exactly as given, with no repairs listed', () => {
    const r = normaliseFeature(feature({ type: 'Polygon', coordinates: [square()] }), 'f.geojson', 0);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.footprint.repairs).toBeUndefined();
    expect(r.footprint.polygons[0]![0]).toEqual(square().slice(0, 4).flat());
    expect(r.footprint.minHeightM).toBe(0);
  });

  it('turns a bow-tie feature into a two-part footprint', () => {
    const d = 0.0002;
    const bowTie = [
      [106.65, 10.98],
      [106.65 + d, 10.98 + d],
      [106.65 + d, 10.98],
      [106.65, 10.98 + d],
      [106.65, 10.98],
    ];
    const r = normaliseFeature(feature({ type: 'Polygon', coordinates: [bowTie] }), 'f.geojson', 0);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.footprint.repairs).toEqual(['self-intersection']);
    expect(r.footprint.polygons).toHaveLength(2);
    expect(r.footprint.bbox[0]).toBeCloseTo(106.65, 12);
    expect(r.footprint.bbox[2]).toBeCloseTo(106.65 + d, 12);
  });
});

describe('normaliseFeature: attributes', () => {
  const shape = { type: 'Polygon', coordinates: [square()] };
  const normalise = (props: Record<string, unknown>, options = NORMALISE_DEFAULTS) => {
    const r = normaliseFeature(feature(shape, props), 'f.geojson', 0, options);
    if (!r.ok) throw new Error(r.rejection.reason);
    return r.footprint;
  };

  it('reads Shapefile .dbf columns: upper-case and cut to 10 characters', () => {
    const f = normalise({
      MA_CAN: 'x',
      ID: 'TDM-9',
      TEN: 'Chợ Thủ Dầu Một',
      CHIEU_CAO: '15,5',
      PHUONG: 'Phú Cường',
      MA_LOAI_DA: 'tmd',
    });
    expect(f.properties).toEqual({
      id: 'TDM-9',
      name: 'Chợ Thủ Dầu Một',
      height: 15.5,
      storeys: 0,
      use: 'TMD',
      ward: 'Phú Cường',
      source: 'f.geojson',
    });
    expect(normalise({ BUILDING_L: 4 })).toMatchObject({ heightM: 14, heightSource: 'storeys' });
    expect(normalise({ SO_TANG: '3' })).toMatchObject({ heightM: 10.5, heightSource: 'storeys' });
    expect(normalise({ 'Building:Height': 30, tang_cao: 8 }).properties).toMatchObject({
      height: 30,
      storeys: 8,
    });
  });

  it('follows a user mapping (--attr height=H_M,storeys=TANG) and nothing else for those fields', () => {
    const options = { ...NORMALISE_DEFAULTS, attributes: parseAttributeMapping('height=H_M,storeys=TANG') };
    expect(normalise({ h_m: 21, height: 99 }, options)).toMatchObject({
      heightM: 21,
      heightSource: 'height',
    });
    expect(normalise({ TANG: 2, height: 99 }, options)).toMatchObject({
      heightM: 7,
      heightSource: 'storeys',
    });
  });

  it('takes the id from the mapped attribute, else the GeoJSON id, else the OSM element id', () => {
    expect(normalise({ id: 'a', '@osmId': 'way/1' }).properties.id).toBe('a');
    expect(normalise({ '@osmId': 'way/1' }).properties.id).toBe('way/1');
    const withGeoJsonId = normaliseFeature({ ...feature(shape, { '@id': 'way/2' }), id: 7 }, 'f.geojson', 0);
    expect(withGeoJsonId.ok && withGeoJsonId.footprint.properties.id).toBe('7');
  });

  it.each([
    [{ building: 'apartments' }, 'ODT', 7],
    [{ building: 'Industrial' }, 'SKC', 9],
    [{ building: 'hotel' }, 'TMD', 10],
    [{ building: 'school' }, 'DGD', 12],
    [{ building: 'hospital' }, 'DYT', 14],
    [{ building: 'pagoda' }, 'TON', 10],
    [{ building: 'government' }, 'TSC', 12],
    [{ building: 'yes' }, '', 7],
    [{ building: 'constructor' }, '', 7],
    [{ building: 'industrial', use: 'ODT' }, 'ODT', 7],
    [{ building: 'yes', landuse: 'retail' }, 'TMD', 10],
    [{ use: 'Đất ở' }, 'Đất ở', 7],
  ])('maps %o to use %s (default height %d m)', (props, use, heightM) => {
    const f = normalise(props);
    expect(f.properties.use).toBe(use);
    expect(f.heightM).toBe(heightM);
  });
});

import { describe, expect, it } from 'vitest';
import { signedArea } from './footprint.js';
import { resolveHeight } from './height.js';
import { normaliseFeature } from './normalise.js';

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
      /no area/,
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
      storeys: 3,
      source: 'height',
    });
    expect(resolveHeight({ 'building:levels': '4' }, 'ODT')).toEqual({
      ok: true,
      heightM: 14,
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
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { type Crs, VN2000_GEOGRAPHIC, vn2000Tm3, vn2000Utm, WEB_MERCATOR, WGS84, wgs84Utm } from './crs.js';
import { parseCrs } from './parse.js';
import { checkPlausible, guessCrs, type XY } from './plausible.js';
import { fromWgs84 } from './transform.js';

/** The real OSM buildings of central Hồ Chí Minh City, every vertex, WGS 84 degrees. */
function osmLonLat(): XY[] {
  const url = new URL('../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson', import.meta.url);
  const fc = JSON.parse(readFileSync(url, 'utf8')) as { features: { geometry: { coordinates: unknown } }[] };
  const out: XY[] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') out.push({ x: c[0], y: c[1] as number });
    else if (Array.isArray(c)) for (const d of c) walk(d);
  };
  for (const f of fc.features) walk(f.geometry.coordinates);
  return out;
}

const LONLAT = osmLonLat();
/** The same buildings as a city GIS department would hand them over in each CRS. */
const inCrs = (crs: Crs): XY[] => {
  const f = fromWgs84(crs);
  return LONLAT.map((p) => {
    const [x, y] = f(p.x, p.y);
    return { x, y };
  });
};
const TM3 = inCrs(vn2000Tm3(105.75));
const UTM48 = inCrs(wgs84Utm(48));

/** Buildings around Đà Nẵng (108.2°E, 16.05°N) in VN-2000 / UTM 49N. */
const DA_NANG_UTM49 = LONLAT.map((p) => ({ x: p.x + 1.52, y: p.y + 5.25 })).map((p) => {
  const [x, y] = fromWgs84(vn2000Utm(49))(p.x, p.y);
  return { x, y };
});

const fail = (sample: XY[], crs: Crs, file = 'nha.geojson') => {
  try {
    checkPlausible(sample, crs, file);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error(`expected ${crs.id} to be refused`);
};

describe('checkPlausible accepts data in their own CRS', () => {
  it.each([
    ['WGS 84 degrees', LONLAT, WGS84],
    ['VN-2000 TM-3 105°45′', TM3, vn2000Tm3(105.75)],
    ['WGS 84 / UTM 48N', UTM48, wgs84Utm(48)],
    ['VN-2000 / UTM 49N at Đà Nẵng', DA_NANG_UTM49, vn2000Utm(49)],
    ['Web Mercator', inCrs(WEB_MERCATOR), WEB_MERCATOR],
    ['VN-2000 degrees', inCrs(VN2000_GEOGRAPHIC), VN2000_GEOGRAPHIC],
  ] as [string, XY[], Crs][])('%s', (_, sample, crs) => {
    expect(() => checkPlausible(sample, crs, 'nha.geojson')).not.toThrow();
  });

  it('is not swayed by one stray vertex', () => {
    expect(() =>
      checkPlausible([{ x: 598_000, y: 1_214_000 }, ...LONLAT], WGS84, 'nha.geojson'),
    ).not.toThrow();
  });

  it('says nothing about an empty sample', () => {
    expect(() => checkPlausible([], WGS84, 'empty.geojson')).not.toThrow();
  });
});

describe('checkPlausible explains data in the wrong CRS', () => {
  it('VN-2000 TM-3 metres read as degrees: suggests the Bình Dương zone', () => {
    const message = fail(TM3, WGS84, 'toa_nha.geojson');
    expect(message).toMatch(
      /^toa_nha\.geojson: coordinates don't fit WGS 84 longitude\/latitude \(EPSG:4326\): x ~\d{3},000, y ~1,1\d{2},000 are not longitude\/latitude degrees\. They look like VN-2000 TM-3 metres \(easting ~\d{3},000, northing ~1,1\d{2},000\); try --crs vn2000:105\.75 or /,
    );
    expect(message).toContain("vn2000:105.75 is the Bình Dương / Hồ Chí Minh City zone (105°45')");
    expect(message).toContain('other provinces use other central meridians');
  });

  it('UTM metres read as degrees: suggests EPSG:32648 or VN-2000 / UTM 48N', () => {
    const message = fail(UTM48, WGS84);
    expect(message).toContain('They look like UTM zone 48N metres (easting ~679,000, northing ~1,');
    expect(message).toContain('try --crs EPSG:32648 or --crs EPSG:3405');
    expect(message).toContain('they differ by ~225 m');
  });

  it('latitude and longitude swapped: says so', () => {
    const swapped = LONLAT.map((p) => ({ x: p.y, y: p.x }));
    const message = fail(swapped, WGS84);
    expect(message).toContain('look like latitude, longitude — in swapped order');
    expect(message).toContain('Swap them: GeoJSON, Shapefile and GeoPackage store longitude (x) first');
    expect(message).not.toContain('try --crs');
  });

  it('degrees declared as metres: suggests EPSG:4326', () => {
    const message = fail(LONLAT, vn2000Tm3(105.75));
    expect(message).toMatch(
      /: x ~106\.\d\d, y ~10\.\d\d look like longitude\/latitude degrees, not metres\./,
    );
    expect(message).toContain('try --crs EPSG:4326');
  });

  it.each([103, 108.5])('a wrong central meridian (vn2000:%s) puts the city outside Vietnam', (lon) => {
    const message = fail(TM3, vn2000Tm3(lon));
    expect(message).toContain('outside Vietnam (in the sea or a neighbouring country)');
    expect(message).toContain('try --crs vn2000:105.75');
  });

  it('a wrong UTM zone: Đà Nẵng in zone 49 read as zone 48 lands in Laos', () => {
    const message = fail(DA_NANG_UTM49, vn2000Utm(48));
    expect(message).toMatch(/land around lon ~102\.\d\d, lat ~16\.\d\d, outside Vietnam/);
    expect(message).toContain('try --crs EPSG:32649 or --crs EPSG:3406');
  });

  it('points the projection cannot convert', () => {
    const message = fail([{ x: 5e7, y: 1e8 }], wgs84Utm(48));
    expect(message).toContain("are outside the projection's range");
  });

  it('VN-2000 degrees outside Vietnam', () => {
    const bangkok = LONLAT.map((p) => ({ x: p.x - 6.2, y: p.y + 3 }));
    expect(fail(bangkok, VN2000_GEOGRAPHIC)).toContain('outside Vietnam');
    // WGS 84 is used outside Vietnam too, so it is not refused there.
    expect(() => checkPlausible(bangkok, WGS84, 'x.geojson')).not.toThrow();
  });

  it('accepts a proj4 string whose datum is VN-2000 only where VN-2000 is', () => {
    const crs = parseCrs(
      '+proj=tmerc +lat_0=0 +lon_0=103 +k=0.9999 +x_0=500000 +ellps=WGS84 +towgs84=-191.9,-39.3,-111.45',
    );
    expect(fail(TM3, crs)).toContain('outside Vietnam');
  });
});

describe('guessCrs', () => {
  it('recognises each common case', () => {
    expect(guessCrs(LONLAT)?.specs).toEqual(['EPSG:4326']);
    expect(guessCrs(TM3)?.specs[0]).toBe('vn2000:105.75');
    expect(guessCrs(UTM48)?.specs.slice(0, 2)).toEqual(['EPSG:32648', 'EPSG:3405']);
    expect(guessCrs(DA_NANG_UTM49)?.specs.slice(0, 2)).toEqual(['EPSG:32649', 'EPSG:3406']);
    expect(guessCrs(inCrs(WEB_MERCATOR))?.specs).toEqual(['EPSG:3857']);
  });

  it('spots latitude and longitude swapped', () => {
    const guess = guessCrs(LONLAT.map((p) => ({ x: p.y, y: p.x })));
    expect(guess?.looksLike).toMatch(
      /^latitude, longitude in swapped order \(first ~10\.\d\d, second ~106\.\d\d\)$/,
    );
    expect(guess?.specs).toEqual([]);
  });

  it('spots northing and easting swapped, as Vietnamese survey tables order them', () => {
    const guess = guessCrs(TM3.map((p) => ({ x: p.y, y: p.x })));
    expect(guess?.looksLike).toMatch(/^northing, easting in swapped order/);
    expect(guess?.specs).toEqual([]);
  });

  it('gives up on numbers that fit nothing', () => {
    expect(guessCrs([{ x: 5, y: 1e9 }])).toBeUndefined();
    expect(guessCrs([{ x: Number.NaN, y: 1 }])).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseCentralMeridian, parseCrs } from './parse.js';
import { toWgs84 } from './transform.js';
import { VN2000_TOWGS84 } from './vn2000.js';

const fail = (spec: string) => {
  try {
    parseCrs(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error(`expected --crs ${spec} to be refused`);
};

const TOWGS84 = `+towgs84=${VN2000_TOWGS84.join(',')}`;

describe('parseCrs: EPSG codes', () => {
  it.each([
    'EPSG:4326',
    'epsg:4326',
    'urn:ogc:def:crs:EPSG::4326',
    'http://www.opengis.net/def/crs/EPSG/0/4326',
  ])('reads %s as WGS 84 longitude/latitude', (spec) => {
    const crs = parseCrs(spec);
    expect(crs).toMatchObject({ id: 'EPSG:4326', geographic: true, datum: 'WGS84' });
  });

  it('reads CRS84 as longitude/latitude too', () => {
    for (const spec of ['OGC:CRS84', 'urn:ogc:def:crs:OGC:1.3:CRS84', 'urn:ogc:def:crs:OGC::CRS84']) {
      expect(parseCrs(spec)).toMatchObject({ id: 'OGC:CRS84', geographic: true });
    }
  });

  it('gives WGS 84 UTM zones no datum shift and VN-2000 ones the national shift', () => {
    expect(parseCrs('EPSG:32648').proj4).toBe('+proj=utm +zone=48 +datum=WGS84 +units=m +no_defs');
    expect(parseCrs('EPSG:32649').name).toBe('WGS 84 / UTM zone 49N (EPSG:32649)');
    const vn48 = parseCrs('EPSG:3405');
    expect(vn48).toMatchObject({
      id: 'EPSG:3405',
      name: 'VN-2000 / UTM zone 48N (EPSG:3405)',
      datum: 'VN2000',
    });
    expect(vn48.proj4).toContain('+zone=48');
    expect(vn48.proj4).toContain(TOWGS84);
    expect(parseCrs('vn2000utm:48')).toEqual(vn48);
    expect(parseCrs('VN2000UTM:49').id).toBe('EPSG:3406');
    expect(parseCrs('EPSG:4756')).toMatchObject({ geographic: true, datum: 'VN2000' });
  });

  it('knows the EPSG codes of TM-3 zones', () => {
    expect(parseCrs('EPSG:9210').proj4).toBe(parseCrs('vn2000:105.75').proj4);
    expect(parseCrs('EPSG:9205').proj4).toContain('+lon_0=103 ');
    expect(parseCrs('EPSG:5899').proj4).toContain('+lon_0=107.75 ');
  });

  it('refuses an unknown code and lists what is supported', () => {
    const message = fail('EPSG:2154');
    expect(message).toMatch(/^--crs: EPSG:2154 is not supported; use EPSG:4326/);
    expect(message).toContain('vn2000:<central meridian>');
    expect(message).toContain('EPSG:3405');
    expect(message).toContain('+proj=');
  });
});

describe('parseCrs: VN-2000 TM-3 zones', () => {
  it.each([
    'vn2000:105.75',
    'vn2000:105d45',
    "vn2000:105°45'",
    'vn2000:105°45′',
    'VN-2000:105-45',
    'vn2000: 105 45',
  ])('reads %s as the Bình Dương zone', (spec) => {
    const crs = parseCrs(spec);
    expect(crs.id).toBe('vn2000:105.75');
    expect(crs.name).toBe("VN-2000 / TM-3 105°45' (EPSG:9210; Bình Dương / Hồ Chí Minh City zone)");
    expect(crs.proj4).toBe(
      `+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 ${TOWGS84} +units=m +no_defs`,
    );
    expect(crs).toMatchObject({ geographic: false, datum: 'VN2000' });
  });

  it('accepts every central meridian from 102° to 108°30′ on the 15′ grid', () => {
    let count = 0;
    for (let lon = 102; lon <= 108.5; lon += 0.25) {
      expect(parseCrs(`vn2000:${lon}`).proj4).toContain(`+lon_0=${lon} `);
      count++;
    }
    expect(count).toBe(27);
    expect(parseCrs('vn2000:104d30').name).toBe("VN-2000 / TM-3 104°30' (EPSG:9207)");
    expect(parseCrs('vn2000:102').name).toBe("VN-2000 / TM-3 102°00'");
  });

  it('refuses meridians off the grid or outside Vietnam, saying what the grid is', () => {
    expect(fail('vn2000:105.7')).toMatch(
      /^--crs: "vn2000:105\.7": VN-2000 TM-3 central meridians run from 102°00' to 108°30' in steps of 15' .*105\.7° is not one of them/,
    );
    expect(fail('vn2000:110')).toContain('110° is not one of them');
    expect(fail('vn2000:105d70')).toContain('"105d70" is not a longitude');
  });

  it('asks for the central meridian when it is missing', () => {
    const message = fail('vn2000');
    expect(message).toContain('needs the zone');
    expect(message).toContain('vn2000:105.75');
    expect(message).toContain('EPSG:4756');
  });

  it('refuses VN-2000 UTM zones other than 48 and 49', () => {
    expect(fail('vn2000utm:50')).toContain('VN-2000 UTM zones are 48 (west of 108°E, EPSG:3405) and 49');
  });

  it('reads central meridians in the ways people write them', () => {
    expect(parseCentralMeridian('105.75')).toBe(105.75);
    expect(parseCentralMeridian('107d45')).toBe(107.75);
    expect(parseCentralMeridian("104°30'")).toBe(104.5);
    expect(parseCentralMeridian('106-15')).toBe(106.25);
    expect(parseCentralMeridian('east')).toBeUndefined();
  });
});

describe('parseCrs: proj4 strings and WKT', () => {
  it('takes a proj4 string as it is, and converts with it', () => {
    const crs = parseCrs(
      '+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m',
    );
    expect(crs).toMatchObject({ geographic: false, datum: 'WGS84' });
    const [lon, lat] = toWgs84(crs)(500_000, 1_214_000);
    expect(lon).toBeCloseTo(105.75, 9);
    expect(lat).toBeGreaterThan(10.9);
    expect(lat).toBeLessThan(11.1);
  });

  it('recognises the VN-2000 shift in a proj4 string, in either rotation sign convention', () => {
    expect(parseCrs(`+proj=utm +zone=48 +ellps=WGS84 ${TOWGS84}`).datum).toBe('VN2000');
    expect(
      parseCrs(
        '+proj=longlat +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278',
      ),
    ).toMatchObject({ geographic: true, datum: 'VN2000' });
    expect(parseCrs('+proj=longlat +ellps=krass +towgs84=-17.51,-108.32,-62.39').datum).toBe('other');
  });

  it('explains a proj4 string proj4 cannot read', () => {
    expect(fail('+proj=nosuchprojection +lon_0=105')).toMatch(
      /^--crs: proj4 could not read "\+proj=nosuchprojection/,
    );
  });

  it('reads a WKT definition given on the command line', () => {
    const wkt =
      'PROJCS["VN_2000_UTM_Zone_48N",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
      'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' +
      'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],' +
      'PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';
    expect(parseCrs(wkt).id).toBe('EPSG:3405');
  });

  it('refuses empty and unknown values', () => {
    expect(fail('  ')).toMatch(/^--crs: is empty; give one of EPSG:4326/);
    expect(fail('binhduong')).toMatch(
      /^--crs: "binhduong" is not a coordinate system this tiler knows; use EPSG:4326/,
    );
  });
});

import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { parseCrs } from './parse.js';
import { toWgs84 } from './transform.js';
import { crsFromWkt, looksLikeWkt, parseWkt } from './wkt.js';

const BINH_DUONG = parseCrs('vn2000:105.75');

const fail = (wkt: string, file = 'nha.prj') => {
  try {
    crsFromWkt(wkt, file);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the WKT to be refused');
};

/** ESRI WKT1 of a VN-2000 TM-3 zone, as ArcGIS users in Vietnam export it: no TOWGS84. */
const ESRI_TM3 =
  'PROJCS["VN_2000_Binh_Duong_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' +
  'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],' +
  'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

/** OGC WKT1 as GDAL writes it, with TOWGS84 (rotations as epsg.io prints them) and AXIS/AUTHORITY. */
const OGC_TM3 = `PROJCS["VN-2000 / TM-3 105-45",
    GEOGCS["VN-2000",
        DATUM["Vietnam_2000",
            SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],
            TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278],
            AUTHORITY["EPSG","6756"]],
        PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],
        UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],
        AUTHORITY["EPSG","4756"]],
    PROJECTION["Transverse_Mercator"],
    PARAMETER["latitude_of_origin",0],
    PARAMETER["central_meridian",105.75],
    PARAMETER["scale_factor",0.9999],
    PARAMETER["false_easting",500000],
    PARAMETER["false_northing",0],
    UNIT["metre",1,AUTHORITY["EPSG","9001"]],
    AXIS["Easting",EAST],
    AXIS["Northing",NORTH],
    AUTHORITY["EPSG","9210"]]`;

/** A QGIS custom CRS: datum "unknown", recognisable only by its TOWGS84 values. */
const QGIS_CUSTOM_TM3 =
  'PROJCS["unnamed",GEOGCS["WGS 84",DATUM["unknown",SPHEROID["WGS84",6378137,298.257223563],' +
  'TOWGS84[-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278]],' +
  'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' +
  'PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105.75],PARAMETER["scale_factor",0.9999],' +
  'PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["Meter",1]]';

/** A zero TOWGS84 on a VN-2000 datum: the shift "declared" away — the mistake this module corrects. */
const ZERO_TOWGS84_TM3 = ESRI_TM3.replace(
  'SPHEROID["WGS_1984",6378137.0,298.257223563]]',
  'SPHEROID["WGS_1984",6378137.0,298.257223563],TOWGS84[0,0,0,0,0,0,0]]',
);

/** WKT2 as a GeoPackage's gpkg_spatial_ref_sys.definition holds it. */
const WKT2_TM3 = `PROJCRS["VN-2000 / TM-3 105-45",
  BASEGEOGCRS["VN-2000",
    DATUM["Vietnam 2000",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]],
    PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],
    ID["EPSG",4756]],
  CONVERSION["Vietnam TM-3 105-45",
    METHOD["Transverse Mercator",ID["EPSG",9807]],
    PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8801]],
    PARAMETER["Longitude of natural origin",105.75,ANGLEUNIT["degree",0.0174532925199433],ID["EPSG",8802]],
    PARAMETER["Scale factor at natural origin",0.9999,SCALEUNIT["unity",1],ID["EPSG",8805]],
    PARAMETER["False easting",500000,LENGTHUNIT["metre",1],ID["EPSG",8806]],
    PARAMETER["False northing",0,LENGTHUNIT["metre",1],ID["EPSG",8807]]],
  CS[Cartesian,2],
    AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],
    AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]],
  ID["EPSG",9210]]`;

/** WKT2 BOUNDCRS carrying EPSG transformation 6960 in its own (Coordinate Frame) form. */
const WKT2_BOUND = `BOUNDCRS[SOURCECRS[${WKT2_TM3.replace('VN-2000 / TM-3 105-45', 'Ban do dia chinh')
  .replace(/"VN-2000"/, '"unnamed"')
  .replace('"Vietnam 2000"', '"unknown"')}],
  TARGETCRS[GEOGCRS["WGS 84",DATUM["World Geodetic System 1984",ELLIPSOID["WGS 84",6378137,298.257223563]],
    CS[ellipsoidal,2],AXIS["latitude",north],AXIS["longitude",east],ANGLEUNIT["degree",0.0174532925199433]]],
  ABRIDGEDTRANSFORMATION["VN-2000 to WGS 84 (2)",METHOD["Coordinate Frame rotation (geog2D domain)",ID["EPSG",9607]],
    PARAMETER["X-axis translation",-191.90441429,LENGTHUNIT["metre",1]],
    PARAMETER["Y-axis translation",-39.30318279,LENGTHUNIT["metre",1]],
    PARAMETER["Z-axis translation",-111.45032835,LENGTHUNIT["metre",1]],
    PARAMETER["X-axis rotation",-0.00928836,ANGLEUNIT["arc-second",4.84813681109536E-06]],
    PARAMETER["Y-axis rotation",0.01975479,ANGLEUNIT["arc-second",4.84813681109536E-06]],
    PARAMETER["Z-axis rotation",-0.00427372,ANGLEUNIT["arc-second",4.84813681109536E-06]],
    PARAMETER["Scale difference",0.252906278,SCALEUNIT["parts per million",1E-06]]]]`;

const ESRI_WGS84_UTM48 =
  'PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' +
  'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],' +
  'PARAMETER["Scale_Factor",0.9996],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

describe('crsFromWkt: VN-2000 TM-3 as real files declare it', () => {
  it.each([
    ['ESRI .prj without TOWGS84', ESRI_TM3],
    ['OGC WKT1 with TOWGS84 and AUTHORITY', OGC_TM3],
    ['QGIS custom CRS recognised by its TOWGS84', QGIS_CUSTOM_TM3],
    ['VN-2000 datum with a zero TOWGS84', ZERO_TOWGS84_TM3],
    ['WKT2 from a GeoPackage', WKT2_TM3],
    ['WKT2 BOUNDCRS with a Coordinate Frame transformation', WKT2_BOUND],
  ])('%s → vn2000:105.75 with the national datum shift', (_, wkt) => {
    const crs = crsFromWkt(wkt, 'nha.prj');
    expect(crs.id).toBe('vn2000:105.75');
    expect(crs.proj4).toBe(BINH_DUONG.proj4);
    expect(crs.datum).toBe('VN2000');
    expect(crs.warning).toBeUndefined();
  });

  it('places a Thủ Dầu Một point the same way whichever variant declared it', () => {
    const expected = toWgs84(BINH_DUONG)(598_470, 1_214_437);
    expect(expected[0]).toBeCloseTo(106.6528, 4);
    expect(expected[1]).toBeCloseTo(10.9804, 4);
    for (const wkt of [ESRI_TM3, OGC_TM3, WKT2_TM3]) {
      expect(toWgs84(crsFromWkt(wkt, 'x.prj'))(598_470, 1_214_437)).toEqual(expected);
    }
  });

  it('reads other central meridians, including ones without an EPSG code', () => {
    const hanoi = ESRI_TM3.replace('105.75', '105.0').replace('Binh_Duong', 'Ha_Noi');
    expect(crsFromWkt(hanoi, 'x.prj').id).toBe('vn2000:105');
    expect(crsFromWkt(ESRI_TM3.replace('105.75', '102.0'), 'x.prj').name).toBe("VN-2000 / TM-3 102°00'");
  });

  it('keeps an unusual VN-2000 Transverse Mercator as declared, still with the national shift', () => {
    // The deprecated EPSG:6959 "Da Nang zone" swapped false easting and northing.
    const danang = OGC_TM3.replace('105.75', '107.75')
      .replace('PARAMETER["false_easting",500000]', 'PARAMETER["false_easting",0]')
      .replace('PARAMETER["false_northing",0]', 'PARAMETER["false_northing",500000]');
    const crs = crsFromWkt(danang, 'x.prj');
    expect(crs.datum).toBe('VN2000');
    expect(crs.proj4).toContain('+lon_0=107.75 +k=0.9999 +x_0=0 +y_0=500000');
    expect(crs.proj4).toContain(BINH_DUONG.proj4.match(/\+towgs84=\S+/)![0]);
  });
});

describe('crsFromWkt: UTM and geographic', () => {
  it('reads VN-2000 / UTM 48N and 49N, always with the national shift', () => {
    const esri = ESRI_WGS84_UTM48.replace('WGS_1984_UTM', 'VN_2000_UTM')
      .replace('GCS_WGS_1984', 'GCS_VN_2000')
      .replace('D_WGS_1984', 'D_Vietnam_2000');
    expect(crsFromWkt(esri, 'x.prj').id).toBe('EPSG:3405');
    // EPSG:3406 as epsg.io shows it with the Mekong-delta "Total" parameters: national ones are used.
    const total = OGC_TM3.replace(
      'TOWGS84[-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278]',
      'TOWGS84[-192.873,-39.382,-111.202,0.00205,0.0005,-0.00335,0.0188]',
    )
      .replace('105.75', '111')
      .replace('["scale_factor",0.9999]', '["scale_factor",0.9996]');
    const crs = crsFromWkt(total, 'x.prj');
    expect(crs.id).toBe('EPSG:3406');
    expect(crs.proj4).toBe(parseCrs('EPSG:3406').proj4);
  });

  it('reads WGS 84 / UTM 48N (ESRI) and 49N (OGC, WKT2 with a datum ensemble)', () => {
    expect(crsFromWkt(ESRI_WGS84_UTM48, 'x.prj').id).toBe('EPSG:32648');
    const ogc49 =
      'PROJCS["WGS 84 / UTM zone 49N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563],' +
      'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],' +
      'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",111],' +
      'PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],' +
      'UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","32649"]]';
    expect(crsFromWkt(ogc49, 'x.prj').id).toBe('EPSG:32649');
    const wkt2 = WKT2_TM3.replace('VN-2000 / TM-3 105-45', 'WGS 84 / UTM zone 48N')
      .replace(
        'DATUM["Vietnam 2000",ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]]]',
        'ENSEMBLE["World Geodetic System 1984 ensemble",MEMBER["World Geodetic System 1984 (G2139)"],' +
          'ELLIPSOID["WGS 84",6378137,298.257223563],ENSEMBLEACCURACY[2.0]]',
      )
      .replace('"VN-2000"', '"WGS 84"')
      .replace(',105.75,', ',105,')
      .replace(',0.9999,', ',0.9996,');
    expect(crsFromWkt(wkt2, 'city.gpkg').id).toBe('EPSG:32648');
  });

  it('reads geographic WGS 84 and VN-2000', () => {
    const gcsWgs84 =
      'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
      'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]';
    expect(crsFromWkt(gcsWgs84, 'x.prj').id).toBe('EPSG:4326');
    expect(
      crsFromWkt(gcsWgs84.replace(/WGS_1984"/g, 'VN_2000"').replace('D_WGS', 'D_Vietnam'), 'x.prj'),
    ).toMatchObject({ id: 'EPSG:4756', geographic: true, datum: 'VN2000' });
  });

  it('reads ESRI Web Mercator', () => {
    const web =
      'PROJCS["WGS_1984_Web_Mercator_Auxiliary_Sphere",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",' +
      'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],' +
      'PROJECTION["Mercator_Auxiliary_Sphere"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],' +
      'PARAMETER["Central_Meridian",0.0],PARAMETER["Standard_Parallel_1",0.0],PARAMETER["Auxiliary_Sphere_Type",0.0],' +
      'UNIT["Meter",1.0]]';
    expect(crsFromWkt(web, 'x.prj').id).toBe('EPSG:3857');
  });

  it('warns when a VN-2000 TM-3 zone is declared on WGS 84', () => {
    const mislabelled = ESRI_WGS84_UTM48.replace('105.0', '105.75').replace('0.9996', '0.9999');
    const crs = crsFromWkt(mislabelled, 'x.prj');
    expect(crs.datum).toBe('WGS84');
    expect(crs.warning).toContain('--crs vn2000:105.75');
  });

  it('converts with a datum of its own when the WKT gives TOWGS84', () => {
    const hn72 =
      'PROJCS["Hanoi 1972 / GK 106 NE",GEOGCS["Hanoi 1972",DATUM["Hanoi_1972",SPHEROID["Krassowsky 1940",6378245,298.3],' +
      'TOWGS84[-17.51,-108.32,-62.39,0,0,0,0]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],' +
      'PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",106],' +
      'PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]';
    const crs = crsFromWkt(hn72, 'x.prj');
    expect(crs).toMatchObject({ datum: 'other', geographic: false });
    expect(crs.proj4).toContain('+a=6378245 +rf=298.3 +towgs84=-17.51,-108.32,-62.39');
    const [lon, lat] = toWgs84(crs)(570_000, 1_215_000);
    expect(lon).toBeGreaterThan(106.5);
    expect(lon).toBeLessThan(106.8);
    expect(lat).toBeGreaterThan(10.9);
    expect(lat).toBeLessThan(11.1);
  });
});

describe('crsFromWkt: what it refuses, and why', () => {
  it('refuses other projections, naming the file and what to do', () => {
    const lcc = ESRI_WGS84_UTM48.replace('Transverse_Mercator', 'Lambert_Conformal_Conic');
    expect(fail(lcc, 'ranh_gioi.prj')).toMatch(
      /^ranh_gioi\.prj: declares a coordinate system this tiler cannot convert \(projection Lambert_Conformal_Conic\); reproject the data to EPSG:4326 or pass --crs with one of EPSG:4326/,
    );
  });

  it('refuses a datum whose offset from WGS 84 is unknown', () => {
    const hn72 = ESRI_WGS84_UTM48.replace('D_WGS_1984', 'D_Hanoi_1972').replace(
      'SPHEROID["WGS_1984",6378137.0,298.257223563]',
      'SPHEROID["Krasovsky_1940",6378245.0,298.3]',
    );
    expect(fail(hn72)).toContain(
      'datum "D_Hanoi_1972" without TOWGS84, so its offset from WGS 84 is unknown',
    );
  });

  it('refuses lengths in feet', () => {
    expect(
      fail(ESRI_WGS84_UTM48.replace('UNIT["Meter",1.0]', 'UNIT["Foot_US",0.3048006096012192]')),
    ).toContain('lengths in Foot_US, not metres');
  });

  it('says where broken WKT stops making sense', () => {
    expect(fail(ESRI_TM3.slice(0, 60))).toMatch(
      /^nha\.prj: is not a valid WKT coordinate system definition \(unexpected end of text at character 61\)$/,
    );
    expect(fail('PROJCS["VN_2000')).toContain('(unterminated string at character 16)');
    expect(fail('PROJCS["x" GEOGCS]')).toContain('expected "," or "]" in PROJCS[…]');
    expect(fail('LOCAL_CS["site grid"]')).toContain('LOCAL_CS, not a map CRS');
  });

  it('parses the WKT tree with strings, numbers and bare words', () => {
    expect(parseWkt('AXIS["Easting",EAST,ORDER[1]]')).toEqual({
      keyword: 'AXIS',
      args: ['Easting', { keyword: 'EAST', args: [] }, { keyword: 'ORDER', args: [1] }],
    });
    expect(parseWkt('UNIT["say ""metre""",1E0]').args).toEqual(['say "metre"', 1]);
    expect(looksLikeWkt(ESRI_TM3)).toBe(true);
    expect(looksLikeWkt(`\uFEFF${WKT2_TM3}`)).toBe(true);
    expect(looksLikeWkt('+proj=utm +zone=48')).toBe(false);
  });
});

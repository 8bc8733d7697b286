import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { resolveCrs } from './resolve.js';

const ESRI_TM3 =
  'PROJCS["VN_2000_Binh_Duong_3deg",GEOGCS["GCS_VN_2000",DATUM["D_Vietnam_2000",SPHEROID["WGS_1984",6378137.0,298.257223563]],' +
  'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],' +
  'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.75],' +
  'PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]';

describe('resolveCrs: flag > file > default', () => {
  it('uses the file’s declaration when there is no flag', () => {
    expect(resolveCrs(undefined, { wkt: ESRI_TM3 }, 'nha.shp')).toEqual({
      crs: expect.objectContaining({ id: 'vn2000:105.75' }),
      from: 'file',
      warnings: [],
    });
    expect(resolveCrs(undefined, { epsg: 3405, wkt: 'ignored' }, 'nha.gpkg').crs.id).toBe('EPSG:3405');
    expect(resolveCrs(undefined, { name: 'urn:ogc:def:crs:EPSG::32648' }, 'nha.geojson').crs.id).toBe(
      'EPSG:32648',
    );
  });

  it('reads WKT when the EPSG code is one it does not know', () => {
    expect(resolveCrs(undefined, { epsg: 999_001, wkt: ESRI_TM3 }, 'nha.gpkg').crs.id).toBe('vn2000:105.75');
  });

  it('lets the flag override the file, and says so', () => {
    const r = resolveCrs('vn2000:106', { wkt: ESRI_TM3 }, 'nha.shp');
    expect(r.crs.id).toBe('vn2000:106');
    expect(r.from).toBe('flag');
    expect(r.warnings).toEqual([
      "nha.shp: declares VN-2000 / TM-3 105°45' (EPSG:9210; Bình Dương / Hồ Chí Minh City zone); using --crs vn2000:106 (VN-2000 / TM-3 106°00' (EPSG:9211)) as asked",
    ]);
    expect(resolveCrs('EPSG:9210', { wkt: ESRI_TM3 }, 'nha.shp').warnings).toEqual([]);
    // A declaration the tiler cannot read is what the flag is for.
    expect(resolveCrs('EPSG:4326', { epsg: 2154 }, 'nha.gpkg').crs.id).toBe('EPSG:4326');
  });

  it('defaults to WGS 84 degrees when nothing is declared', () => {
    expect(resolveCrs(undefined, undefined, 'nha.geojson')).toMatchObject({
      crs: { id: 'EPSG:4326' },
      from: 'default',
    });
    expect(resolveCrs(undefined, {}, 'nha.shp').from).toBe('default');
  });

  it('passes on the warning of a probably mislabelled declaration', () => {
    const wgs84Tm3 = ESRI_TM3.replace('GCS_VN_2000', 'GCS_WGS_1984')
      .replace('D_Vietnam_2000', 'D_WGS_1984')
      .replace('VN_2000_Binh_Duong_3deg', 'TM3_105_45');
    expect(resolveCrs(undefined, { wkt: wgs84Tm3 }, 'nha.shp').warnings[0]).toMatch(
      /^nha\.shp: declares WGS 84 but its projection is the VN-2000 TM-3 zone 105°45'; .*--crs vn2000:105\.75$/,
    );
  });

  it('refuses declarations it cannot use, naming the file', () => {
    expect(() => resolveCrs(undefined, { epsg: 2154 }, 'nha.gpkg')).toThrow(InputError);
    expect(() => resolveCrs(undefined, { epsg: 2154 }, 'nha.gpkg')).toThrow(
      /^nha\.gpkg: declares coordinate system EPSG:2154, which this tiler cannot convert/,
    );
    expect(() => resolveCrs(undefined, { name: 'Lambert 93' }, 'nha.geojson')).toThrow(
      /^nha\.geojson: declares coordinate system "Lambert 93", which this tiler does not know/,
    );
  });
});

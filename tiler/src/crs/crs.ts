import {
  BINH_DUONG_TM3_LON_DEG,
  formatDegMin,
  isTm3CentralMeridian,
  VN2000_GEOGRAPHIC_PROJ4,
  vn2000Tm3Proj4,
  vn2000UtmProj4,
} from './vn2000.js';

/**
 * A coordinate reference system the tiler can convert from: a proj4 definition that already
 * includes the datum shift to WGS 84, so converting to EPSG:4326 needs nothing else.
 */
export interface Crs {
  /** What to pass to `--crs` to get this CRS again: "EPSG:3405", "vn2000:105.75", or a proj4 string. */
  id: string;
  /** For people: "VN-2000 / TM-3 105°45' (EPSG:9210, …)". */
  name: string;
  /** proj4 definition, datum shift (+towgs84) included. */
  proj4: string;
  /** True when coordinates are longitude/latitude degrees; false for projected metres. */
  geographic: boolean;
  /** The datum; VN-2000 data must land in Vietnam (see `checkPlausible`). */
  datum: 'WGS84' | 'VN2000' | 'other';
  /** Why this CRS may be wrong although the file declared it; the reader should print it. */
  warning?: string;
}

export const WGS84: Crs = {
  id: 'EPSG:4326',
  name: 'WGS 84 longitude/latitude (EPSG:4326)',
  proj4: '+proj=longlat +datum=WGS84 +no_defs',
  geographic: true,
  datum: 'WGS84',
};

/** Same numbers as EPSG:4326 in longitude, latitude order (GeoJSON's RFC 7946 default). */
export const CRS84: Crs = { ...WGS84, id: 'OGC:CRS84', name: 'WGS 84 longitude/latitude (OGC:CRS84)' };

export const WEB_MERCATOR: Crs = {
  id: 'EPSG:3857',
  name: 'WGS 84 / Pseudo-Mercator (EPSG:3857)',
  proj4:
    '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs',
  geographic: false,
  datum: 'WGS84',
};

export const VN2000_GEOGRAPHIC: Crs = {
  id: 'EPSG:4756',
  name: 'VN-2000 longitude/latitude (EPSG:4756)',
  proj4: VN2000_GEOGRAPHIC_PROJ4,
  geographic: true,
  datum: 'VN2000',
};

/** WGS 84 / UTM zone 48N (EPSG:32648) or 49N (EPSG:32649). */
export function wgs84Utm(zone: 48 | 49): Crs {
  return {
    id: `EPSG:326${zone}`,
    name: `WGS 84 / UTM zone ${zone}N (EPSG:326${zone})`,
    proj4: `+proj=utm +zone=${zone} +datum=WGS84 +units=m +no_defs`,
    geographic: false,
    datum: 'WGS84',
  };
}

/** VN-2000 / UTM zone 48N (EPSG:3405) or 49N (EPSG:3406), with the national datum shift. */
export function vn2000Utm(zone: 48 | 49): Crs {
  const epsg = zone === 48 ? 3405 : 3406;
  return {
    id: `EPSG:${epsg}`,
    name: `VN-2000 / UTM zone ${zone}N (EPSG:${epsg})`,
    proj4: vn2000UtmProj4(zone),
    geographic: false,
    datum: 'VN2000',
  };
}

/**
 * EPSG codes of VN-2000 / TM-3 zones → central meridian in degrees. EPSG has codes for only some
 * of the provincial meridians; `vn2000:<lon>` covers all of them.
 */
const TM3_EPSG: ReadonlyMap<number, number> = new Map([
  [5897, 105],
  [5899, 107.75],
  [9205, 103],
  [9206, 104],
  [9207, 104.5],
  [9208, 104.75],
  [9209, 105.5],
  [9210, 105.75],
  [9211, 106],
  [9212, 106.25],
  [9213, 106.5],
  [9214, 107],
  [9215, 107.25],
  [9216, 107.5],
  [9217, 108.25],
  [9218, 108.5],
]);

function tm3EpsgCode(lonDeg: number): number | undefined {
  for (const [code, lon] of TM3_EPSG) if (lon === lonDeg && code >= 9000) return code;
  for (const [code, lon] of TM3_EPSG) if (lon === lonDeg) return code;
  return undefined;
}

/**
 * VN-2000 / TM-3 with the given central meridian (degrees, 102–108.5 on a 0.25° grid), with the
 * national datum shift. Throws a plain Error for other meridians; `parseCrs` explains them.
 */
export function vn2000Tm3(lonDeg: number): Crs {
  if (!isTm3CentralMeridian(lonDeg)) throw new Error(`${lonDeg} is not a TM-3 central meridian`);
  const epsg = tm3EpsgCode(lonDeg);
  const where = lonDeg === BINH_DUONG_TM3_LON_DEG ? 'Bình Dương / Hồ Chí Minh City zone' : undefined;
  const extra = [epsg === undefined ? undefined : `EPSG:${epsg}`, where].filter(Boolean).join('; ');
  return {
    id: `vn2000:${lonDeg}`,
    name: `VN-2000 / TM-3 ${formatDegMin(lonDeg)}${extra ? ` (${extra})` : ''}`,
    proj4: vn2000Tm3Proj4(lonDeg),
    geographic: false,
    datum: 'VN2000',
  };
}

/** The CRS for an EPSG code this tiler knows, or undefined. */
export function crsFromEpsg(code: number): Crs | undefined {
  switch (code) {
    case 4326:
      return WGS84;
    case 4756:
      return VN2000_GEOGRAPHIC;
    case 3857:
      return WEB_MERCATOR;
    case 32648:
      return wgs84Utm(48);
    case 32649:
      return wgs84Utm(49);
    case 3405:
      return vn2000Utm(48);
    case 3406:
      return vn2000Utm(49);
  }
  const lon = TM3_EPSG.get(code);
  return lon === undefined ? undefined : { ...vn2000Tm3(lon), id: `EPSG:${code}` };
}

/** What `--crs` accepts, for error messages. */
export const SUPPORTED_CRS_TEXT =
  'EPSG:4326 (WGS 84 lon/lat; also OGC:CRS84), EPSG:32648 / EPSG:32649 (WGS 84 / UTM 48N / 49N), ' +
  'EPSG:3857 (Web Mercator), EPSG:4756 (VN-2000 lon/lat), EPSG:3405 / EPSG:3406 (VN-2000 / UTM 48N / 49N; ' +
  'also vn2000utm:48 / vn2000utm:49), vn2000:<central meridian> for any VN-2000 TM-3 zone ' +
  `(e.g. vn2000:105.75 or vn2000:105d45 for Bình Dương; EPSG:5897, EPSG:5899 and EPSG:9205–9218 ` +
  'name some of them), or a proj4 string (+proj=… with +towgs84 for a datum other than WGS 84)';

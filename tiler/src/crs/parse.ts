import proj4 from 'proj4';
import { InputError } from '../errors.js';
import { CRS84, type Crs, crsFromEpsg, SUPPORTED_CRS_TEXT, vn2000Tm3, vn2000Utm } from './crs.js';
import {
  formatDegMin,
  isTm3CentralMeridian,
  looksLikeVn2000Shift,
  TM3_MAX_LON_DEG,
  TM3_MIN_LON_DEG,
} from './vn2000.js';
import { crsFromWkt, looksLikeWkt } from './wkt.js';

/** The flag that `parseCrs` errors name, in place of a file. */
export const CRS_FLAG = '--crs';

const URN_EPSG =
  /^(?:urn:ogc:def:crs:EPSG:[\d.]*:|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/\d+\/|EPSG:+)(\d+)$/i;
const CRS84_NAMES =
  /^(?:OGC:CRS84|CRS84|urn:ogc:def:crs:OGC:(?:1\.3)?:CRS84|https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/1\.3\/CRS84)$/i;

/**
 * A `--crs` value → CRS. Accepts `EPSG:nnnn` (and URN/URL forms of it), `OGC:CRS84`,
 * `vn2000:<central meridian>` (`105.75`, `105d45`, `105°45'`, `105-45`), `vn2000utm:48|49`,
 * a proj4 string, or a WKT definition. Throws an InputError naming `--crs` that lists what is
 * supported.
 */
export function parseCrs(spec: string): Crs {
  const text = spec.trim();
  if (text === '') throw new InputError(CRS_FLAG, `is empty; give one of ${SUPPORTED_CRS_TEXT}`);
  if (CRS84_NAMES.test(text)) return CRS84;
  const epsg = URN_EPSG.exec(text);
  if (epsg) {
    const code = Number(epsg[1]);
    const crs = crsFromEpsg(code);
    if (!crs) throw new InputError(CRS_FLAG, `EPSG:${code} is not supported; use ${SUPPORTED_CRS_TEXT}`);
    return crs;
  }
  const vn = /^vn-?2000(utm)?(?::\s*(.*))?$/i.exec(text);
  if (vn) return vn[1] ? parseVn2000Utm(text, vn[2]) : parseVn2000Tm3(text, vn[2]);
  if (text.startsWith('+') || /(?:^|\s)\+?proj=/.test(text)) return parseProj4(text);
  if (looksLikeWkt(text)) return crsFromWkt(text, CRS_FLAG);
  throw new InputError(
    CRS_FLAG,
    `"${text}" is not a coordinate system this tiler knows; use ${SUPPORTED_CRS_TEXT}`,
  );
}

function parseVn2000Utm(text: string, zoneText: string | undefined): Crs {
  const zone = Number(zoneText?.replace(/n$/i, ''));
  if (zone === 48 || zone === 49) return vn2000Utm(zone);
  throw new InputError(
    CRS_FLAG,
    `"${text}": VN-2000 UTM zones are 48 (west of 108°E, EPSG:3405) and 49 (east of 108°E, EPSG:3406), e.g. vn2000utm:48`,
  );
}

/** "105.75", "105d45", "105°45'", "105-45", "105 45" → degrees; undefined when unreadable. */
export function parseCentralMeridian(text: string): number | undefined {
  const t = text.trim();
  if (/^\d{3}(?:\.\d+)?$/.test(t)) return Number(t);
  const dm = /^(\d{3})\s*(?:d|°|º|-|:|\s)\s*(\d{1,2}(?:\.\d+)?)\s*(?:'|′|m|min)?$/i.exec(t);
  if (dm) {
    const minutes = Number(dm[2]);
    return minutes < 60 ? Number(dm[1]) + minutes / 60 : undefined;
  }
  return undefined;
}

function parseVn2000Tm3(text: string, lonText: string | undefined): Crs {
  if (lonText === undefined || lonText.trim() === '') {
    throw new InputError(
      CRS_FLAG,
      `"${text}" needs the zone's central meridian, e.g. vn2000:105.75 (VN-2000 TM-3 metres, Bình Dương / ` +
        'Hồ Chí Minh City); use EPSG:4756 for VN-2000 longitude/latitude or vn2000utm:48 for VN-2000 / UTM',
    );
  }
  const lon = parseCentralMeridian(lonText);
  if (lon === undefined || !isTm3CentralMeridian(lon)) {
    const what = lon === undefined ? `"${lonText.trim()}" is not a longitude` : `${lon}° is not one of them`;
    throw new InputError(
      CRS_FLAG,
      `"${text}": VN-2000 TM-3 central meridians run from ${formatDegMin(TM3_MIN_LON_DEG)} to ` +
        `${formatDegMin(TM3_MAX_LON_DEG)} in steps of 15' (Circular 973/2001/TT-TCĐC) and ${what}; ` +
        `e.g. vn2000:105.75 or vn2000:105d45 for Bình Dương`,
    );
  }
  return vn2000Tm3(lon);
}

function parseProj4(text: string): Crs {
  let projection: { projName?: string; datum_params?: unknown };
  try {
    // proj4 validates the definition (unknown +proj, bad numbers) when it builds a projection.
    projection = proj4.Proj(text) as unknown as typeof projection;
  } catch (error) {
    throw new InputError(CRS_FLAG, `proj4 could not read "${text}": ${(error as Error).message}`);
  }
  if (!projection.projName) throw new InputError(CRS_FLAG, `"${text}" has no +proj=…`);
  const towgs84 = /\+towgs84=([^\s]+)/.exec(text)?.[1]?.split(',').map(Number);
  const ellpsWgs84 = /\+(?:ellps|datum)=WGS84\b/i.test(text);
  const datum: Crs['datum'] =
    towgs84 && looksLikeVn2000Shift(towgs84)
      ? 'VN2000'
      : ellpsWgs84 && (!towgs84 || towgs84.every((v) => v === 0))
        ? 'WGS84'
        : 'other';
  return {
    id: text,
    name: `proj4 definition "${text}"`,
    proj4: text,
    geographic: ['longlat', 'lonlat', 'latlong', 'latlon', 'identity'].includes(projection.projName),
    datum,
  };
}

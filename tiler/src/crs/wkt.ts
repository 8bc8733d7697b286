import { InputError } from '../errors.js';
import {
  type Crs,
  SUPPORTED_CRS_TEXT,
  VN2000_GEOGRAPHIC,
  vn2000Tm3,
  vn2000Utm,
  WEB_MERCATOR,
  WGS84,
  wgs84Utm,
} from './crs.js';
import {
  formatDegMin,
  isTm3CentralMeridian,
  isVn2000Name,
  looksLikeVn2000Shift,
  TM3_K0,
  TM3_STEP_DEG,
  VN2000_TOWGS84,
} from './vn2000.js';

/**
 * WKT coordinate system definitions (ESRI and OGC WKT1 as in `.prj` files, WKT2 as in GeoPackage
 * `gpkg_spatial_ref_sys.definition`) → a CRS of this tiler.
 *
 * Read with our own small parser and mapped onto our own proj4 definitions rather than handed to
 * proj4's WKT reader, because the datum is where real files go wrong: VN-2000 files usually omit
 * TOWGS84 (ArcGIS and QGIS exports do), and then any literal reading places the data ~225 m off.
 * A datum recognised as VN-2000 — by name or by its TOWGS84 values — always gets the national
 * shift of Decision 05/2007/QĐ-BTNMT.
 */

/** `KEYWORD[args…]`; bare words such as `EAST` are nodes without arguments. */
export interface WktNode {
  keyword: string;
  args: WktValue[];
}
export type WktValue = string | number | WktNode;

const GEOGRAPHIC = new Set(['GEOGCS', 'GEOGCRS', 'GEOGRAPHICCRS', 'GEODCRS', 'GEODETICCRS']);
const PROJECTED = new Set(['PROJCS', 'PROJCRS', 'PROJECTEDCRS']);
const ROOTS = new Set([...GEOGRAPHIC, ...PROJECTED, 'COMPD_CS', 'COMPOUNDCRS', 'BOUNDCRS', 'GEOCCS']);

/** True when the text starts like a WKT CRS definition. */
export function looksLikeWkt(text: string): boolean {
  const m = /^\s*([A-Za-z_]+)\s*[[(]/.exec(text.replace(/^\uFEFF/, ''));
  return m !== null && ROOTS.has(m[1]!.toUpperCase());
}

/** Parses WKT into a tree; throws an Error saying where it stopped making sense. */
export function parseWkt(text: string): WktNode {
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i + 1}`);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): WktValue => {
    skip();
    const c = text[i];
    if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        const ch = text[i++]!;
        if (ch !== '"') s += ch;
        else if (text[i] === '"') {
          s += '"';
          i++;
        } else return s;
      }
    }
    const num = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 256));
    if (!word) return fail(c === undefined ? 'unexpected end of text' : `unexpected ${JSON.stringify(c)}`);
    i += word[0].length;
    const keyword = word[0].toUpperCase();
    skip();
    const open = text[i];
    if (open !== '[' && open !== '(') return { keyword, args: [] };
    const closing = open === '[' ? ']' : ')';
    i++;
    const args: WktValue[] = [];
    skip();
    if (text[i] === closing) {
      i++;
      return { keyword, args };
    }
    for (;;) {
      args.push(value());
      skip();
      if (text[i] === ',') i++;
      else if (text[i] === closing) {
        i++;
        return { keyword, args };
      } else fail(`expected "," or "${closing}" in ${keyword}[…]`);
    }
  };
  const root = value();
  skip();
  if (i < text.length) fail('unexpected text after the definition');
  if (typeof root !== 'object') throw new Error('not a WKT definition');
  return root;
}

function child(node: WktNode | undefined, ...keywords: string[]): WktNode | undefined {
  for (const a of node?.args ?? []) if (typeof a === 'object' && keywords.includes(a.keyword)) return a;
  return undefined;
}

function children(node: WktNode | undefined, keyword: string): WktNode[] {
  return (node?.args ?? []).filter((a): a is WktNode => typeof a === 'object' && a.keyword === keyword);
}

function nameOf(node: WktNode | undefined): string {
  const first = node?.args[0];
  return typeof first === 'string' ? first : '';
}

function numberArg(node: WktNode | undefined, index: number): number | undefined {
  const v = node?.args[index];
  return typeof v === 'number' ? v : undefined;
}

/** Lower case letters and digits only: "Central_Meridian" and "central meridian" compare equal. */
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const RAD_PER_DEG = Math.PI / 180;

/** Equal within `tol` relative to b (absolute below 1). */
const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** A parameter value converted by its WKT2 unit: angles to degrees, lengths to metres, scales to unity. */
function parameterValue(p: WktNode): number | undefined {
  const v = numberArg(p, 1);
  if (v === undefined) return undefined;
  const angle = numberArg(child(p, 'ANGLEUNIT'), 1);
  // Degrees stay exact: 105.75 × 0.0174532925199433 / (π/180) is 105.75000000000003.
  if (angle !== undefined) return close(angle, RAD_PER_DEG, 1e-12) ? v : (v * angle) / RAD_PER_DEG;
  const factor = numberArg(child(p, 'LENGTHUNIT', 'SCALEUNIT', 'UNIT'), 1);
  return factor === undefined ? v : v * factor;
}

interface TmParams {
  lon0Deg: number;
  lat0Deg: number;
  k0: number;
  falseEastingM: number;
  falseNorthingM: number;
}

const PARAM_NAMES: Record<string, keyof TmParams> = {
  centralmeridian: 'lon0Deg',
  longitudeofnaturalorigin: 'lon0Deg',
  longitudeoforigin: 'lon0Deg',
  latitudeoforigin: 'lat0Deg',
  latitudeofnaturalorigin: 'lat0Deg',
  scalefactor: 'k0',
  scalefactoratnaturalorigin: 'k0',
  falseeasting: 'falseEastingM',
  falsenorthing: 'falseNorthingM',
};

/**
 * The seven TOWGS84 parameters (Position Vector, as WKT1 and proj4 define them) of a WKT1
 * DATUM or a WKT2 BOUNDCRS, or undefined when the WKT gives none.
 */
function readTowgs84(datum: WktNode | undefined, bound: WktNode | undefined): number[] | undefined {
  const t = child(datum, 'TOWGS84');
  if (t) return t.args.filter((a): a is number => typeof a === 'number');
  const tr = child(bound, 'ABRIDGEDTRANSFORMATION');
  if (!tr) return undefined;
  const values: number[] = [0, 0, 0, 0, 0, 0, 0];
  const slot: Record<string, number> = {
    xaxistranslation: 0,
    yaxistranslation: 1,
    zaxistranslation: 2,
    xaxisrotation: 3,
    yaxisrotation: 4,
    zaxisrotation: 5,
    scaledifference: 6,
  };
  for (const p of children(tr, 'PARAMETER')) {
    const k = slot[norm(nameOf(p))];
    const v = numberArg(p, 1);
    if (k === undefined || v === undefined) continue;
    // Rotations → arc-seconds, scale → ppm, whatever unit the WKT2 gives them in.
    const angle = numberArg(child(p, 'ANGLEUNIT'), 1);
    const scale = numberArg(child(p, 'SCALEUNIT'), 1);
    values[k] =
      angle !== undefined ? (v * angle) / (RAD_PER_DEG / 3600) : scale !== undefined ? (v * scale) / 1e-6 : v;
  }
  // Coordinate Frame rotations have the opposite sign to Position Vector (+towgs84).
  if (/coordinate\s*frame/i.test(nameOf(child(tr, 'METHOD')))) {
    for (const k of [3, 4, 5]) values[k] = -values[k]!;
  }
  return values;
}

/**
 * A WKT definition → CRS. `file` names where it came from (a `.prj`, or a GeoPackage and its
 * srs_id) for errors, which are InputErrors saying what could not be used and what to do.
 */
export function crsFromWkt(wkt: string, file: string): Crs {
  let root: WktNode;
  try {
    root = parseWkt(wkt.replace(/^\uFEFF/, '').trim());
  } catch (error) {
    throw new InputError(
      file,
      `is not a valid WKT coordinate system definition (${(error as Error).message})`,
    );
  }
  const unsupported = (what: string): never => {
    throw new InputError(
      file,
      `declares a coordinate system this tiler cannot convert (${what}); reproject the data to EPSG:4326 ` +
        `or pass --crs with one of ${SUPPORTED_CRS_TEXT}`,
    );
  };

  let bound: WktNode | undefined;
  if (root.keyword === 'BOUNDCRS') {
    bound = root;
    const source = child(child(root, 'SOURCECRS'), ...GEOGRAPHIC, ...PROJECTED, 'COMPOUNDCRS');
    if (!source) return unsupported('a BOUNDCRS without a usable SOURCECRS');
    root = source;
  }
  if (root.keyword === 'COMPD_CS' || root.keyword === 'COMPOUNDCRS') {
    // The horizontal part; heights stay as they are.
    const horizontal = child(root, ...GEOGRAPHIC, ...PROJECTED);
    if (!horizontal) return unsupported('a compound CRS without a horizontal part');
    root = horizontal;
  }
  const projected = PROJECTED.has(root.keyword);
  if (!projected && !GEOGRAPHIC.has(root.keyword)) return unsupported(`${root.keyword}, not a map CRS`);
  if (!projected && child(child(root, 'CS'), 'CARTESIAN')) return unsupported('geocentric X/Y/Z');

  const geog = projected ? child(root, 'GEOGCS', 'BASEGEOGCRS', 'BASEGEODCRS') : root;
  const datum = child(geog, 'DATUM', 'GEODETICDATUM', 'TRF', 'ENSEMBLE');
  const ellipsoid = child(datum, 'SPHEROID', 'ELLIPSOID') ?? child(geog, 'SPHEROID', 'ELLIPSOID');
  const towgs84 = readTowgs84(datum, bound);
  const primeMeridianDeg = numberArg(child(geog, 'PRIMEM'), 1) ?? 0;
  if (primeMeridianDeg !== 0) return unsupported(`prime meridian ${primeMeridianDeg}°, not Greenwich`);
  const angularUnit = numberArg(child(geog, 'UNIT', 'ANGLEUNIT'), 1);
  if (!projected && angularUnit !== undefined && !close(angularUnit, RAD_PER_DEG, 1e-6)) {
    return unsupported(`angles in ${nameOf(child(geog, 'UNIT', 'ANGLEUNIT'))}, not degrees`);
  }

  const crsName = nameOf(root);
  const datumName = nameOf(datum);
  const names = [crsName, nameOf(geog), datumName];
  const vn2000 = names.some(isVn2000Name) || (towgs84 !== undefined && looksLikeVn2000Shift(towgs84));
  const noShift = towgs84 === undefined || towgs84.every((v) => v === 0);
  const wgs84 =
    !vn2000 && /wgs\s*_?\s*(?:19)?84|world\s*geodetic\s*system\s*1984/i.test(datumName) && noShift;

  // The ellipsoid and shift to use for a datum that is neither WGS 84 nor VN-2000.
  let otherDatum = '';
  if (!vn2000 && !wgs84) {
    const a = numberArg(ellipsoid, 1);
    const rf = numberArg(ellipsoid, 2);
    if (a === undefined || rf === undefined) return unsupported(`datum "${datumName}" without an ellipsoid`);
    if (noShift) {
      return unsupported(
        `datum "${datumName}" without TOWGS84, so its offset from WGS 84 is unknown — ` +
          'give it as a proj4 string with +towgs84=…',
      );
    }
    otherDatum = `+a=${a} ${rf === 0 ? `+b=${a}` : `+rf=${rf}`} +towgs84=${towgs84!.join(',')}`;
  }

  if (!projected) {
    if (vn2000) return VN2000_GEOGRAPHIC;
    if (wgs84) return WGS84;
    return {
      id: crsName || 'WKT',
      name: `${crsName || 'WKT geographic CRS'} (datum ${datumName})`,
      proj4: `+proj=longlat ${otherDatum} +no_defs`,
      geographic: true,
      datum: 'other',
    };
  }

  const unit = child(root, 'UNIT', 'LENGTHUNIT') ?? child(child(root, 'AXIS'), 'LENGTHUNIT', 'UNIT');
  const metres = numberArg(unit, 1);
  if (metres !== undefined && !close(metres, 1, 1e-9))
    return unsupported(`lengths in ${nameOf(unit)}, not metres`);

  const conversion = child(root, 'CONVERSION', 'DERIVINGCONVERSION');
  const methodNode = child(root, 'PROJECTION') ?? child(conversion, 'METHOD', 'PROJECTION');
  const method = norm(nameOf(methodNode));
  if (method === 'mercatorauxiliarysphere' || method === 'popularvisualisationpseudomercator') {
    if (!wgs84) return unsupported(`Web Mercator on datum "${datumName}"`);
    return WEB_MERCATOR;
  }
  if (method !== 'transversemercator' && method !== 'gausskruger') {
    return unsupported(`projection ${nameOf(methodNode) || 'not given'}`);
  }

  const tm: TmParams = { lon0Deg: 0, lat0Deg: 0, k0: 1, falseEastingM: 0, falseNorthingM: 0 };
  for (const p of children(conversion ?? root, 'PARAMETER')) {
    const key = PARAM_NAMES[norm(nameOf(p))];
    const v = parameterValue(p);
    if (key && v !== undefined) tm[key] = v;
  }
  const standard = tm.lat0Deg === 0 && tm.falseEastingM === 500000 && tm.falseNorthingM === 0;
  const utmZone = standard && close(tm.k0, 0.9996) ? (tm.lon0Deg + 183) / 6 : undefined;
  const tm3 = standard && close(tm.k0, TM3_K0) && isTm3CentralMeridian(tm.lon0Deg);
  const tmerc =
    `+proj=tmerc +lat_0=${tm.lat0Deg} +lon_0=${tm.lon0Deg} +k=${tm.k0} ` +
    `+x_0=${tm.falseEastingM} +y_0=${tm.falseNorthingM}`;

  if (vn2000) {
    if (utmZone === 48 || utmZone === 49) return vn2000Utm(utmZone);
    if (tm3) return vn2000Tm3(Math.round(tm.lon0Deg / TM3_STEP_DEG) * TM3_STEP_DEG);
    return {
      id: crsName || 'WKT',
      name: `${crsName || 'VN-2000 Transverse Mercator'} (VN-2000, central meridian ${tm.lon0Deg}°)`,
      proj4: `${tmerc} +ellps=WGS84 +towgs84=${VN2000_TOWGS84.join(',')} +units=m +no_defs`,
      geographic: false,
      datum: 'VN2000',
    };
  }
  if (wgs84) {
    if (utmZone === 48 || utmZone === 49) return wgs84Utm(utmZone);
    const crs: Crs = {
      id: crsName || 'WKT',
      name: `${crsName || 'Transverse Mercator'} (WGS 84, central meridian ${tm.lon0Deg}°)`,
      proj4: `${tmerc} +datum=WGS84 +units=m +no_defs`,
      geographic: false,
      datum: 'WGS84',
    };
    if (tm3) {
      // A VN-2000 TM-3 zone defined on "WGS 84" is how VN-2000 data often get mislabelled.
      crs.warning =
        `declares WGS 84 but its projection is the VN-2000 TM-3 zone ${formatDegMin(tm.lon0Deg)}; if the ` +
        `buildings land ~225 m off, the data are really VN-2000: pass --crs vn2000:${tm.lon0Deg}`;
    }
    return crs;
  }
  return {
    id: crsName || 'WKT',
    name: `${crsName || 'Transverse Mercator'} (datum ${datumName})`,
    proj4: `${tmerc} ${otherDatum} +units=m +no_defs`,
    geographic: false,
    datum: 'other',
  };
}

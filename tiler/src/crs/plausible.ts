import { InputError } from '../errors.js';
import { type Crs, vn2000Tm3, WEB_MERCATOR, wgs84Utm } from './crs.js';
import { toWgs84 } from './transform.js';
import { inVietnam, inVietnamBbox } from './vietnam.js';
import { BINH_DUONG_TM3_LON_DEG, formatDegMin, tm3CentralMeridians } from './vn2000.js';

/**
 * Does the data fit its CRS? Wrong CRSs are the commonest way to misplace a whole city: metres
 * read as degrees, a VN-2000 file taken as WGS 84, a TM-3 zone with the wrong central meridian.
 * These checks look at a sample of raw coordinates and, when they don't fit, say what the numbers
 * look like and which `--crs` to try.
 */

export interface XY {
  x: number;
  y: number;
}

/** What a sample of coordinates looks like, and what to do about it. */
export interface CrsGuess {
  /** "VN-2000 TM-3 metres (easting ~598,000, northing ~1,214,000)". */
  looksLike: string;
  /** `--crs` values to try, most likely first; empty when the fix is in the data (swapped axes). */
  specs: string[];
  /** A sentence for people: which zone that is, what else to check; may be empty. */
  advice: string;
}

/** At most this many points are examined: enough for a median, cheap for 27 candidate zones. */
const MAX_SAMPLE = 400;

function finiteSample(sample: readonly XY[]): XY[] {
  const finite = sample.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  if (finite.length <= MAX_SAMPLE) return finite;
  const step = finite.length / MAX_SAMPLE;
  return Array.from({ length: MAX_SAMPLE }, (_, i) => finite[Math.floor(i * step)]!);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** 1213456.7 → "1,213,000"; 106.6512 → "106.65": rounded so the message reads at a glance. */
function approx(v: number): string {
  if (Math.abs(v) < 1000) return v.toFixed(2);
  return String(Math.round(v / 1000) * 1000).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const isDegrees = (p: XY) => Math.abs(p.x) <= 180 && Math.abs(p.y) <= 90;
/** Degrees in either order: swapped latitude/longitude put the longitude in y. */
const isDegreesEitherWay = (p: XY) => Math.abs(p.x) <= 180 && Math.abs(p.y) <= 180;

/** True for at least half the points: one stray vertex must not decide what a file's numbers are. */
const mostly = (points: readonly XY[], test: (p: XY) => boolean) =>
  points.filter(test).length * 2 >= points.length;

const SWAP_LONLAT_ADVICE =
  'Swap them: GeoJSON, Shapefile and GeoPackage store longitude (x) first, then latitude (y)';

/** True when at least half the points, converted with `crs`, land in Vietnam. */
function landsInVietnam(points: readonly XY[], crs: Crs): boolean {
  const convert = toWgs84(crs);
  let inside = 0;
  for (const p of points) {
    const [lon, lat] = convert(p.x, p.y);
    if (inVietnam(lon, lat)) inside++;
  }
  return inside * 2 >= points.length;
}

const TM3_ADVICE =
  `vn2000:${BINH_DUONG_TM3_LON_DEG} is the Bình Dương / Hồ Chí Minh City zone (${formatDegMin(BINH_DUONG_TM3_LON_DEG)}); ` +
  "other provinces use other central meridians (102°00'–108°30' in 15' steps), which metres alone can't reveal";

/**
 * What a sample of raw coordinates (x first, as stored in the file) looks like: WGS 84 degrees,
 * swapped latitude/longitude, VN-2000 TM-3 or UTM metres, Web Mercator… Undefined when nothing
 * known fits. For TM-3 the zone cannot be told from metres alone: when eastings are within
 * 150 km of 500,000 and that zone lands in Vietnam, the Bình Dương zone (vn2000:105.75) is
 * suggested first; UTM first when they are farther out (HCMC is ~680,000 in UTM 48N).
 */
export function guessCrs(sample: readonly XY[]): CrsGuess | undefined {
  const points = finiteSample(sample);
  if (points.length === 0) return undefined;
  const x = median(points.map((p) => p.x));
  const y = median(points.map((p) => p.y));

  if (mostly(points, isDegreesEitherWay)) {
    const at = `(lon ~${approx(x)}, lat ~${approx(y)})`;
    if (inVietnamBbox(x, y))
      return { looksLike: `WGS 84 longitude/latitude ${at}`, specs: ['EPSG:4326'], advice: '' };
    if (inVietnamBbox(y, x) || !mostly(points, isDegrees)) {
      return {
        looksLike: `latitude, longitude in swapped order (first ~${approx(x)}, second ~${approx(y)})`,
        specs: [],
        advice: SWAP_LONLAT_ADVICE,
      };
    }
    return {
      looksLike: `longitude/latitude degrees outside Vietnam ${at}`,
      specs: ['EPSG:4326'],
      advice: '',
    };
  }

  const at = `(easting ~${approx(x)}, northing ~${approx(y)})`;
  const utm: { zone: 48 | 49; specs: string[] }[] = [];
  for (const zone of [48, 49] as const) {
    if (landsInVietnam(points, wgs84Utm(zone)))
      utm.push({ zone, specs: [`EPSG:326${zone}`, `EPSG:${zone === 48 ? 3405 : 3406}`] });
  }
  const utmSpecs = utm.flatMap((u) => u.specs);
  const utmAdvice =
    'Use the WGS 84 code (EPSG:32648/32649) for GPS or OpenStreetMap data and the VN-2000 one ' +
    '(EPSG:3405/3406) for government survey data; they differ by ~225 m';
  // TM-3 eastings stay within ~165 km of 500,000 (±1.5° of the central meridian).
  const tm3 =
    Math.abs(x - 500_000) <= 200_000
      ? tm3CentralMeridians().filter((lon) => landsInVietnam(points, vn2000Tm3(lon)))
      : [];

  // 105°45' lies west of Bình Dương and Hồ Chí Minh City, whose eastings run ~560,000–640,000 in it.
  if (Math.abs(x - 500_000) <= 150_000 && tm3.includes(BINH_DUONG_TM3_LON_DEG)) {
    return {
      looksLike: `VN-2000 TM-3 metres ${at}`,
      specs: [`vn2000:${BINH_DUONG_TM3_LON_DEG}`, ...utmSpecs],
      advice: `${TM3_ADVICE}${utm.length ? '; the EPSG codes are for UTM data' : ''}`,
    };
  }
  const first = utm[0];
  if (first) {
    return {
      looksLike: `UTM zone ${first.zone}N metres ${at}`,
      specs: [...utmSpecs, ...(tm3.length ? [`vn2000:${nearest(tm3, BINH_DUONG_TM3_LON_DEG)}`] : [])],
      advice: utmAdvice,
    };
  }
  if (tm3.length) {
    return {
      looksLike: `VN-2000 TM-3 metres ${at}`,
      specs: [`vn2000:${nearest(tm3, BINH_DUONG_TM3_LON_DEG)}`],
      advice: TM3_ADVICE,
    };
  }
  if (landsInVietnam(points, WEB_MERCATOR)) {
    return { looksLike: `Web Mercator metres ${at}`, specs: ['EPSG:3857'], advice: '' };
  }
  // Vietnamese survey tables write X = northing first; a careless conversion keeps that order.
  const swapped = points.map((p) => ({ x: p.y, y: p.x }));
  for (const crs of [vn2000Tm3(BINH_DUONG_TM3_LON_DEG), wgs84Utm(48), wgs84Utm(49)]) {
    if (landsInVietnam(swapped, crs)) {
      return {
        looksLike: `northing, easting in swapped order (first ~${approx(x)}, second ~${approx(y)})`,
        specs: [],
        advice:
          'Swap them: files store easting (x) first; Vietnamese survey tables write X for the northing, ' +
          'which is easy to carry over by mistake',
      };
    }
  }
  return undefined;
}

function nearest(values: number[], target: number): number {
  return values.reduce((best, v) => (Math.abs(v - target) < Math.abs(best - target) ? v : best));
}

function suggestion(guess: CrsGuess | undefined, currentId: string): string {
  if (!guess) return '';
  const specs = guess.specs.filter((s) => s !== currentId);
  const tries = specs.length ? `; try ${specs.map((s) => `--crs ${s}`).join(' or ')}` : '';
  return ` They look like ${guess.looksLike}${tries}.${guess.advice ? ` ${guess.advice}.` : ''}`;
}

/**
 * Throws an InputError naming `file` when a sample of its raw coordinates cannot be in `crs`:
 * metres declared as degrees, degrees declared as metres, latitude/longitude swapped, points the
 * projection cannot convert, or — for VN-2000 CRSs — points that convert to somewhere outside
 * Vietnam (a wrong central meridian or zone). Each test asks "most of the sample": a single stray
 * vertex is the normaliser's business, not a wrong CRS. The message says what the numbers look like and
 * which `--crs` to try (`guessCrs`). Returns nothing when the sample is plausible or empty.
 */
export function checkPlausible(sample: readonly XY[], crs: Crs, file: string): void {
  const points = finiteSample(sample);
  if (points.length === 0) return;
  const x = median(points.map((p) => p.x));
  const y = median(points.map((p) => p.y));
  const at = `x ~${approx(x)}, y ~${approx(y)}`;
  const fail = (why: string): never => {
    throw new InputError(
      file,
      `coordinates don't fit ${crs.name}: ${why}.${suggestion(guessCrs(points), crs.id)}`,
    );
  };

  if (crs.geographic && !inVietnamBbox(x, y) && inVietnamBbox(y, x)) {
    throw new InputError(
      file,
      `coordinates don't fit ${crs.name}: ${at} look like latitude, longitude — in swapped order. ${SWAP_LONLAT_ADVICE}.`,
    );
  }
  const degrees = mostly(points, isDegrees);
  if (crs.geographic && !degrees) fail(`${at} are not longitude/latitude degrees`);
  if (!crs.geographic && degrees) fail(`${at} look like longitude/latitude degrees, not metres`);

  const convert = toWgs84(crs);
  let lost = 0;
  let inside = 0;
  const lons: number[] = [];
  const lats: number[] = [];
  for (const p of points) {
    const [lon, lat] = convert(p.x, p.y);
    if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lat) > 90) {
      lost++;
      continue;
    }
    lons.push(lon);
    lats.push(lat);
    if (inVietnam(lon, lat)) inside++;
  }
  if (lost * 2 > points.length)
    fail(`${lost} of ${points.length} sampled points (${at}) are outside the projection's range`);
  if (crs.datum === 'VN2000' && inside * 2 < points.length) {
    fail(
      `converted, they land around lon ~${approx(median(lons))}, lat ~${approx(median(lats))}, outside ` +
        'Vietnam (in the sea or a neighbouring country) — a wrong central meridian or UTM zone does that',
    );
  }
}

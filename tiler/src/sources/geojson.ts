import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';

/**
 * GeoJSON (RFC 7946) FeatureCollection or single Feature → features, with errors that name
 * the file and say what is wrong. Coordinates must be longitude/latitude in degrees; a legacy
 * `crs` member naming anything else is refused rather than silently misplaced.
 */

export interface GeoJsonFeature {
  type: 'Feature';
  id?: string | number;
  properties?: Record<string, unknown> | null;
  geometry?: { type: string; coordinates?: unknown } | null;
}

const LONLAT_CRS = new Set([
  'urn:ogc:def:crs:OGC:1.3:CRS84',
  'urn:ogc:def:crs:OGC::CRS84',
  'urn:ogc:def:crs:EPSG::4326',
  'EPSG:4326',
]);

/**
 * Adds a line and column to JSON.parse's message. V8 reports either "at position N" or only a
 * short excerpt around the bad character; the excerpt is found again in the text.
 */
function describeJsonError(text: string, error: Error): string {
  let pos: number | undefined;
  const at = /position (\d+)/.exec(error.message);
  if (at) pos = Number(at[1]);
  else {
    const excerpt = /, (?:\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON$/s.exec(error.message)?.[1];
    const found = excerpt ? text.indexOf(excerpt) : -1;
    if (found >= 0) pos = found + Math.floor(excerpt!.length / 2);
  }
  const base = error.message
    .replace(/\s*in JSON at position \d+.*$/s, '')
    .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  if (pos === undefined) return base;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${base} near line ${line}, column ${column}`;
}

export function parseGeoJson(text: string, file: string): GeoJsonFeature[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `is not valid JSON (${describeJsonError(text, error as Error)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    const found = Array.isArray(json) ? 'an array' : `a ${json === null ? 'null' : typeof json}`;
    throw new InputError(
      file,
      `is JSON but not GeoJSON: expected a FeatureCollection object, found ${found}`,
    );
  }
  const obj = json as { type?: unknown; features?: unknown; crs?: { properties?: { name?: unknown } } };
  const crsName = obj.crs?.properties?.name;
  if (typeof crsName === 'string' && !LONLAT_CRS.has(crsName)) {
    throw new InputError(
      file,
      `declares coordinate system ${crsName}; this tiler reads longitude/latitude (EPSG:4326) only — reproject the file first`,
    );
  }
  if (obj.type === 'Feature') return [json as GeoJsonFeature];
  if (obj.type !== 'FeatureCollection') {
    const found = obj.type === undefined ? 'no "type" member' : `"type": ${JSON.stringify(obj.type)}`;
    throw new InputError(
      file,
      `is JSON but not GeoJSON: expected "type": "FeatureCollection" or "Feature", found ${found}`,
    );
  }
  if (!Array.isArray(obj.features)) {
    throw new InputError(file, 'is not valid GeoJSON: the FeatureCollection has no "features" array');
  }
  if (obj.features.length === 0)
    throw new InputError(file, 'contains no features (the FeatureCollection is empty)');
  return obj.features as GeoJsonFeature[];
}

export async function readGeoJsonFile(file: string): Promise<GeoJsonFeature[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EISDIR'
          ? 'is a folder, not a file'
          : `cannot be read (${code})`;
    throw new InputError(file, why);
  }
  return parseGeoJson(text, file);
}

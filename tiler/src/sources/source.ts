import { InputError } from '../errors.js';
import type { UnzipOptions } from './zip/limits.js';

/**
 * The one streaming API every footprint reader offers (GeoJSON, GeoJSONSeq, Shapefile,
 * GeoPackage, FlatGeobuf). Coordinates are passed on exactly as stored in the file, in the
 * file's own CRS (`info.crs`): reprojection is the CRS module's job, not the readers'.
 */

/** A GeoJSON-shaped feature, as `normaliseFeature` consumes it. */
export interface SourceFeature {
  type: 'Feature';
  /** The file's own feature id where the format has one (GeoPackage primary key, GeoJSON `id`). */
  id?: string | number;
  properties: Record<string, unknown> | null;
  /**
   * GeoJSON geometry: positions are `[x, y]` or `[x, y, z]` in the file's CRS (M is dropped).
   * A geometry the reader cannot decode into coordinates (e.g. a GeoPackage CurvePolygon) has
   * `coordinates: null`, so the normaliser rejects that one feature with its type in the reason.
   */
  geometry: { type: string; coordinates: unknown } | null;
}

export type SourceFormat = 'geojson' | 'geojsonseq' | 'shapefile' | 'geopackage' | 'flatgeobuf';

/** The coordinate reference system a file declares; absent = the file declares none. */
export interface SourceCrs {
  /** Definition as stored: .prj WKT (ESRI WKT1), GeoPackage `definition`, FlatGeobuf WKT. */
  wkt?: string;
  /** EPSG code where the file states one (GeoPackage organization EPSG, FlatGeobuf, GeoJSON URN). */
  epsg?: number;
  /** A name: GeoJSON's legacy `crs.properties.name`, GeoPackage `srs_name`, FlatGeobuf `name`. */
  name?: string;
}

export interface SourceInfo {
  file: string;
  format: SourceFormat;
  /** GeoPackage table name or FlatGeobuf title, where the format has layers/names. */
  layer?: string;
  crs?: SourceCrs;
  /** From the file's header where it has one (Shapefile .dbf, GeoPackage, FlatGeobuf). */
  featureCount?: number;
  /** Declared geometry type (e.g. `Polygon`, `MultiPolygon`, `PolygonZ`), where the header says. */
  geometryType?: string;
  /** Text encoding used for attributes (Shapefile .dbf: a WHATWG TextDecoder label). */
  encoding?: string;
  /** Things the user should know that are not errors: guesses made, files missing, layers skipped. */
  notes: string[];
}

export interface FeatureSource {
  info: SourceInfo;
  /**
   * The features in file order; a feature's index is its position (0-based), as in error
   * messages. Each call starts a fresh pass from the start of the file, so a pipeline may read
   * twice (e.g. extent first, then meshes); passes should not run concurrently. Memory use is
   * bounded by one feature (plus a read buffer), not by the file size. Problems in the file
   * throw `InputError` naming the file and, where known, the feature and line.
   */
  features(): AsyncIterable<SourceFeature>;
  /** Releases anything held open between passes (nothing, for the readers here). */
  close(): Promise<void>;
}

export interface OpenOptions {
  /** GeoPackage: which feature table to read (default: the first, with a note if there are more). */
  layer?: string;
  /**
   * Shapefile: the .dbf text encoding, overriding .cpg and the dBASE language driver byte.
   * A code page (`1258`, `CP1258`, `UTF-8`) or any WHATWG encoding label (`windows-1258`).
   */
  encoding?: string;
  /** Skip detection and read the file as this format. */
  format?: SourceFormat;
  /** ZIP archives: limits on unpacking (default UNZIP_LIMITS) and where to unpack (zip/limits.ts). */
  unzip?: UnzipOptions;
}

/** Says what a failed fs call means for the user's input file. */
export function fsProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read (permission denied)';
    default:
      return `cannot be read (${code ?? (error as Error).message})`;
  }
}

/**
 * Re-throws an error met while reading a file as an InputError, so the user never sees a bare
 * stack trace; InputErrors (already worded for the user) pass through unchanged.
 */
export function asInputError(
  error: unknown,
  file: string,
  what: string,
  feature?: { index: number; id?: string | undefined },
): InputError {
  if (error instanceof InputError) return error;
  if ((error as NodeJS.ErrnoException)?.code && (error as NodeJS.ErrnoException).syscall) {
    return new InputError(file, fsProblem(error)); // about the file, not a feature
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InputError(file, `${what} (${message})`, feature);
}

/** `an array`, `a string`, `null`…: how a parsed JSON value is named in messages. */
export function describeJsonValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'a null';
  return `a ${typeof value}`;
}

import { InputError } from '../errors.js';
import { type Crs, crsFromEpsg, SUPPORTED_CRS_TEXT, WGS84 } from './crs.js';
import { parseCrs } from './parse.js';
import { crsFromWkt } from './wkt.js';

/**
 * Which CRS a file's coordinates are in: the `--crs` flag if given, else what the file declares,
 * else WGS 84 degrees — which `checkPlausible` then verifies on a sample, so undeclared metres are
 * refused with a suggestion rather than guessed: a guessed TM-3 zone could be 100 km off and a
 * guessed datum 225 m.
 */

/** What a file declares (the readers' `SourceInfo.crs` has this shape). */
export interface DeclaredCrs {
  /** WKT: a .prj, a GeoPackage `definition`, a FlatGeobuf header. */
  wkt?: string;
  /** An EPSG code the file states. */
  epsg?: number;
  /** A name, e.g. GeoJSON's legacy `crs.properties.name`. */
  name?: string;
}

export interface ResolvedCrs {
  crs: Crs;
  /** Where the CRS came from. */
  from: 'flag' | 'file' | 'default';
  /** Things the user should be told (printed, not fatal). */
  warnings: string[];
}

/** The CRS a file declares, or undefined when it declares none. Throws an InputError naming `file`. */
export function declaredCrs(declared: DeclaredCrs | undefined, file: string): Crs | undefined {
  if (!declared) return undefined;
  // A known EPSG code wins over WKT: it is unambiguous, while WKT text varies between programs.
  const byCode = declared.epsg === undefined ? undefined : crsFromEpsg(declared.epsg);
  if (byCode) return byCode;
  if (declared.wkt) return crsFromWkt(declared.wkt, file);
  if (declared.epsg !== undefined) {
    throw new InputError(
      file,
      `declares coordinate system EPSG:${declared.epsg}, which this tiler cannot convert; reproject the data ` +
        `to EPSG:4326 or pass --crs with one of ${SUPPORTED_CRS_TEXT}`,
    );
  }
  if (declared.name) {
    try {
      return parseCrs(declared.name);
    } catch {
      throw new InputError(
        file,
        `declares coordinate system "${declared.name}", which this tiler does not know; pass --crs with one of ${SUPPORTED_CRS_TEXT}`,
      );
    }
  }
  return undefined;
}

/**
 * `--crs` (when given) > the file's declaration > WGS 84 degrees. When the flag overrides a
 * declaration that converts differently, a warning says so; so does a declaration that is
 * probably mislabelled (`Crs.warning`).
 */
export function resolveCrs(
  flag: string | undefined,
  declared: DeclaredCrs | undefined,
  file: string,
): ResolvedCrs {
  if (flag !== undefined) {
    const crs = parseCrs(flag);
    const warnings: string[] = [];
    let fromFile: Crs | undefined;
    try {
      fromFile = declaredCrs(declared, file);
    } catch {
      // The flag is there precisely for files whose declaration cannot be used.
    }
    if (fromFile && fromFile.proj4 !== crs.proj4) {
      warnings.push(`${file}: declares ${fromFile.name}; using --crs ${flag} (${crs.name}) as asked`);
    }
    return { crs, from: 'flag', warnings };
  }
  const crs = declaredCrs(declared, file);
  if (crs) return { crs, from: 'file', warnings: crs.warning ? [`${file}: ${crs.warning}`] : [] };
  return { crs: WGS84, from: 'default', warnings: [] };
}

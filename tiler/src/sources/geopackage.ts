import Database from 'better-sqlite3';
import { InputError } from '../errors.js';
import {
  asInputError,
  type FeatureSource,
  type SourceCrs,
  type SourceFeature,
  type SourceInfo,
} from './source.js';
import { decodeGpkgGeometry } from './wkb.js';

/**
 * OGC GeoPackage (SQLite): one feature table (a "layer"), opened read-only. Rows are streamed
 * with a statement iterator in primary-key order (the file order), geometry decoded from GPKG
 * blobs (wkb.ts), `id` = the primary key, properties = the other columns.
 */

type Db = Database.Database;

interface Layer {
  table: string;
  geometryColumn: string;
  geometryType: string;
  srsId: number;
  /** The INTEGER PRIMARY KEY column, or undefined to use SQLite's rowid. */
  pk: string | undefined;
  columns: { name: string; boolean: boolean }[];
}

/** GeoPackage geometry type names (upper case) → the GeoJSON-style names the other readers report. */
const TYPE_NAMES: Record<string, string> = {
  GEOMETRY: 'Geometry',
  POINT: 'Point',
  LINESTRING: 'LineString',
  POLYGON: 'Polygon',
  MULTIPOINT: 'MultiPoint',
  MULTILINESTRING: 'MultiLineString',
  MULTIPOLYGON: 'MultiPolygon',
  GEOMETRYCOLLECTION: 'GeometryCollection',
  CURVEPOLYGON: 'CurvePolygon',
  MULTISURFACE: 'MultiSurface',
};

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite's complaint as a user-facing InputError; a damaged file is said to be so. */
function sqliteProblem(
  error: unknown,
  file: string,
  what: string,
  feature?: { index: number; id?: string | undefined },
): InputError {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return new InputError(
      file,
      `is damaged or truncated (SQLite: ${(error as Error).message}); copy it again or repair it (e.g. with ogr2ogr)`,
      feature,
    );
  }
  return asInputError(error, file, what, feature);
}

function openDb(file: string): Db {
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw sqliteProblem(error, file, 'cannot be opened as a GeoPackage');
  }
}

function hasTable(db: Db, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(name) !==
    undefined
  );
}

/** Reads what the GeoPackage says about the chosen layer; throws InputErrors for the user. */
function describe(
  db: Db,
  file: string,
  wanted: string | undefined,
  notes: string[],
): { layer: Layer; info: SourceInfo } {
  if (!hasTable(db, 'gpkg_contents')) {
    throw new InputError(file, 'is an SQLite database but not a GeoPackage (it has no gpkg_contents table)');
  }
  const contents = db
    .prepare('SELECT table_name AS name, data_type AS type FROM gpkg_contents ORDER BY rowid')
    .all() as { name: string; type: string }[];
  const featureTables = contents.filter((c) => c.type === 'features').map((c) => c.name);
  if (featureTables.length === 0) {
    const others = contents.map((c) => `${c.type} "${c.name}"`);
    throw new InputError(
      file,
      `is a GeoPackage without feature tables${others.length > 0 ? ` (it holds ${others.join(', ')})` : ' (it is empty)'}`,
    );
  }
  let table: string;
  if (wanted !== undefined) {
    const found =
      featureTables.find((t) => t === wanted) ??
      featureTables.find((t) => t.toLowerCase() === wanted.toLowerCase());
    if (!found) {
      throw new InputError(
        file,
        `has no feature table "${wanted}"; its feature tables are: ${featureTables.map((t) => `"${t}"`).join(', ')}`,
      );
    }
    table = found;
  } else {
    table = featureTables[0]!;
    if (featureTables.length > 1) {
      notes.push(
        `${featureTables.length} feature tables (${featureTables.map((t) => `"${t}"`).join(', ')}): reading "${table}"; choose another with the layer option`,
      );
    }
  }

  const geom = db
    .prepare(
      'SELECT column_name AS column, geometry_type_name AS type, srs_id AS srsId, z, m FROM gpkg_geometry_columns WHERE table_name = ?',
    )
    .get(table) as { column: string; type: string; srsId: number; z: number; m: number } | undefined;
  if (!geom) throw new InputError(file, `feature table "${table}" has no entry in gpkg_geometry_columns`);
  if (!hasTable(db, table))
    throw new InputError(file, `feature table "${table}" is listed but does not exist`);

  const columnInfo = db.prepare(`PRAGMA table_info(${quote(table)})`).all() as {
    name: string;
    type: string;
    pk: number;
  }[];
  const pkColumns = columnInfo.filter((c) => c.pk > 0);
  // GeoPackage requires one INTEGER PRIMARY KEY; without it (a view), fall back to rowid.
  const pk = pkColumns.length === 1 && /^INT/i.test(pkColumns[0]!.type) ? pkColumns[0]!.name : undefined;
  const columns = columnInfo
    .filter((c) => c.name !== pk && c.name !== geom.column)
    .map((c) => ({ name: c.name, boolean: /^BOOL/i.test(c.type) }));

  const info: SourceInfo = {
    file,
    format: 'geopackage',
    layer: table,
    geometryType: `${TYPE_NAMES[geom.type.toUpperCase()] ?? geom.type}${geom.z === 1 ? 'Z' : ''}${geom.m === 1 ? 'M' : ''}`,
    notes,
  };
  const crs = readCrs(db, geom.srsId);
  if (crs) info.crs = crs;
  const count = featureCount(db, table);
  if (count === 0) throw new InputError(file, `contains no features (feature table "${table}" is empty)`);
  info.featureCount = count;
  return {
    layer: { table, geometryColumn: geom.column, geometryType: geom.type, srsId: geom.srsId, pk, columns },
    info,
  };
}

function readCrs(db: Db, srsId: number): SourceCrs | undefined {
  const row = db
    .prepare(
      'SELECT srs_name AS name, organization AS org, organization_coordsys_id AS code, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?',
    )
    .get(srsId) as
    | { name: string | null; org: string | null; code: number | null; definition: string | null }
    | undefined;
  if (!row) return undefined;
  const crs: SourceCrs = {};
  if (row.name) crs.name = row.name;
  // srs_id 0 and -1 are the spec's "undefined geographic/Cartesian" entries: definition "undefined".
  if (row.definition && row.definition.trim().toLowerCase() !== 'undefined') crs.wkt = row.definition.trim();
  if (row.org?.toUpperCase() === 'EPSG' && typeof row.code === 'number' && row.code > 0) crs.epsg = row.code;
  return crs.wkt || crs.epsg ? crs : undefined;
}

function featureCount(db: Db, table: string): number {
  // GDAL keeps a count in gpkg_ogr_contents, saving a scan of a million-row table.
  if (hasTable(db, 'gpkg_ogr_contents')) {
    const row = db
      .prepare('SELECT feature_count AS n FROM gpkg_ogr_contents WHERE table_name = ?')
      .get(table) as { n: number | null } | undefined;
    if (typeof row?.n === 'number' && row.n >= 0) return row.n;
  }
  const row = db.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number };
  return row.n;
}

export async function openGeoPackage(
  file: string,
  options: { layer?: string } = {},
  notes: string[] = [],
): Promise<FeatureSource> {
  const db = openDb(file);
  let described: { layer: Layer; info: SourceInfo };
  try {
    described = describe(db, file, options.layer, notes);
  } catch (error) {
    throw sqliteProblem(error, file, 'is not a readable GeoPackage');
  } finally {
    db.close();
  }
  const { layer, info } = described;
  return { info, features: () => readGeoPackageFeatures(file, layer), close: async () => {} };
}

async function* readGeoPackageFeatures(file: string, layer: Layer): AsyncGenerator<SourceFeature> {
  // A connection per pass: a statement iterator keeps its connection busy until it finishes.
  const db = openDb(file);
  let index = 0;
  let id: number | undefined;
  try {
    const key = layer.pk === undefined ? 'rowid' : quote(layer.pk);
    const select = [`${key} AS "__id"`, `${quote(layer.geometryColumn)} AS "__geom"`]
      .concat(layer.columns.map((c) => quote(c.name)))
      .join(', ');
    const rows = db
      .prepare(`SELECT ${select} FROM ${quote(layer.table)} ORDER BY ${key}`)
      .iterate() as IterableIterator<Record<string, unknown>>;
    for (const row of rows) {
      id = row.__id as number;
      const blob = row.__geom;
      let geometry: SourceFeature['geometry'] = null;
      if (blob instanceof Uint8Array) {
        try {
          geometry = decodeGpkgGeometry(blob) as SourceFeature['geometry'];
        } catch (error) {
          throw new InputError(file, `has a damaged geometry: ${(error as Error).message}`, {
            index,
            id: String(id),
          });
        }
      } else if (blob !== null && blob !== undefined) {
        throw new InputError(
          file,
          `geometry column "${layer.geometryColumn}" holds ${typeof blob}, not a blob`,
          {
            index,
            id: String(id),
          },
        );
      }
      const properties: Record<string, unknown> = {};
      for (const c of layer.columns) {
        const v = row[c.name];
        // SQLite has no boolean: GeoPackage BOOLEAN columns store 0/1.
        properties[c.name] = c.boolean && typeof v === 'number' ? v !== 0 : v;
      }
      yield { type: 'Feature', id, properties, geometry };
      index++;
    }
  } catch (error) {
    throw sqliteProblem(error, file, 'cannot be read as a GeoPackage', {
      index,
      ...(id !== undefined ? { id: String(id) } : {}),
    });
  } finally {
    db.close();
  }
}

import { copyFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { openSource, type SourceFeature } from './index.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/data');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-gpkg-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A copy of osm-100.gpkg, changed by `edit` (SQL on a writable connection). */
async function variant(edit?: (db: Database.Database) => void): Promise<string> {
  const file = path.join(dir, `v${n++}.gpkg`);
  await copyFile(path.join(DATA, 'osm-100.gpkg'), file);
  if (edit) {
    const db = new Database(file);
    // GDAL's R-tree triggers call its own SQL functions (ST_IsEmpty…), unknown here.
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as {
      name: string;
    }[];
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    edit(db);
    db.close();
  }
  return file;
}

async function readAll(file: string, options = {}) {
  const source = await openSource(file, options);
  const features: SourceFeature[] = [];
  for await (const f of source.features()) features.push(f);
  return { info: source.info, features };
}

async function failure(file: string, options = {}): Promise<InputError> {
  try {
    await readAll(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

/** Adds a second feature table, "landmarks": the named buildings, with a BOOLEAN column. */
function addLandmarks(db: Database.Database) {
  db.exec(`
    CREATE TABLE landmarks (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom POLYGON, name TEXT, listed BOOLEAN);
    INSERT INTO landmarks (geom, name, listed)
      SELECT geom, name, name LIKE 'Chợ%' FROM osm_100 WHERE name IS NOT NULL ORDER BY fid;
    INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('landmarks', 'features', 'landmarks', 4326);
    INSERT INTO gpkg_geometry_columns VALUES ('landmarks', 'geom', 'POLYGON', 4326, 0, 0);
  `);
}

describe('GeoPackage layers', () => {
  it('reads the first feature table and notes the others', async () => {
    const { info, features } = await readAll(await variant(addLandmarks));
    expect(info.layer).toBe('osm_100');
    expect(features).toHaveLength(100);
    expect(info.notes).toEqual([
      '2 feature tables ("osm_100", "landmarks"): reading "osm_100"; choose another with the layer option',
    ]);
  });

  it('reads the chosen layer: primary key as id, other columns as properties, BOOLEAN as true/false', async () => {
    const { info, features } = await readAll(await variant(addLandmarks), { layer: 'LANDMARKS' });
    expect(info).toMatchObject({ layer: 'landmarks', featureCount: 30, notes: [] });
    expect(features[0]).toMatchObject({ id: 1, properties: { name: 'Chợ Bình Tây', listed: true } });
    expect(features[1]).toMatchObject({ id: 2, properties: { name: 'Công Ty Phong Phú', listed: false } });
    expect(Object.keys(features[0]!.properties!)).toEqual(['name', 'listed']);
    expect(features[0]!.geometry?.type).toBe('Polygon');
  });

  it('lists the feature tables when the chosen one does not exist', async () => {
    expect((await failure(await variant(addLandmarks), { layer: 'nha' })).reason).toBe(
      'has no feature table "nha"; its feature tables are: "osm_100", "landmarks"',
    );
  });

  it('refuses a GeoPackage without feature tables, saying what it holds', async () => {
    const file = await variant((db) =>
      db.exec(`
        CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);
        DELETE FROM gpkg_geometry_columns;
        DELETE FROM gpkg_contents;
        INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES ('notes', 'attributes', 'notes');
      `),
    );
    expect((await failure(file)).message).toBe(
      `${file}: is a GeoPackage without feature tables (it holds attributes "notes")`,
    );
  });

  it('refuses an empty feature table when it is opened', async () => {
    const file = await variant((db) => db.exec('DELETE FROM osm_100; DELETE FROM gpkg_ogr_contents;'));
    expect((await failure(file)).reason).toBe('contains no features (feature table "osm_100" is empty)');
  });
});

describe('GeoPackage geometries', () => {
  it('passes an absent geometry as null, for the normaliser to reject that one feature', async () => {
    const { features } = await readAll(
      await variant((db) => db.exec('UPDATE osm_100 SET geom = NULL WHERE fid = 3')),
    );
    expect(features[2]).toMatchObject({ id: 3, geometry: null });
    expect(features[3]!.geometry?.type).toBe('Polygon');
  });

  it('names the feature whose geometry blob is damaged', async () => {
    // A GPKG header (little-endian, no envelope, srs 4326), then a Polygon's WKB cut after its type.
    const file = await variant((db) =>
      db.exec("UPDATE osm_100 SET geom = X'47500001E61000000103000000' WHERE fid = 7"),
    );
    const error = await failure(file);
    expect(error.message).toBe(
      `${file} feature #6 (id "7"): has a damaged geometry: geometry ends early: needs 17 bytes, has 13 (truncated WKB)`,
    );
    expect(error.featureIndex).toBe(6);
  });
});

describe('files that are not GeoPackages', () => {
  it('refuses an SQLite database without GeoPackage tables', async () => {
    const file = path.join(dir, 'plain.gpkg');
    const db = new Database(file);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect((await failure(file)).reason).toBe(
      'is an SQLite database but not a GeoPackage (it has no gpkg_contents table)',
    );
  });

  it('refuses a .gpkg that is not SQLite, saying what it looks like', async () => {
    const file = path.join(dir, 'json.gpkg');
    await writeFile(file, '{"type": "FeatureCollection", "features": []}');
    expect((await failure(file)).reason).toBe(
      'is not a GeoPackage (wrong magic bytes: not an SQLite database; it looks like JSON text)',
    );
  });

  it('reports a truncated GeoPackage as an InputError, not a crash or a hang', async () => {
    const file = await variant();
    await truncate(file, 40_000);
    const error = await failure(file);
    expect(error.message).toBe(
      `${file}: is damaged or truncated (SQLite: database disk image is malformed); copy it again or repair it (e.g. with ogr2ogr)`,
    );
  });
});

it('can stop early and read again (each pass has its own statement)', async () => {
  const source = await openSource(path.join(DATA, 'osm-100.gpkg'));
  for await (const f of source.features()) {
    expect(f.id).toBe(1);
    break;
  }
  let count = 0;
  for await (const _ of source.features()) count++;
  expect(count).toBe(100);
});

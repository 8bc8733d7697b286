import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { openSource, type SourceFeature } from './index.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/data');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-shp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** Copies a fixture Shapefile (the given parts) into a fresh folder; returns the new base path. */
async function copy(name: string, parts = ['shp', 'shx', 'dbf', 'prj', 'cpg'], as = name): Promise<string> {
  const folder = path.join(dir, String(n++));
  await mkdir(folder);
  for (const ext of parts)
    await copyFile(path.join(DATA, `${name}.${ext}`), path.join(folder, `${as}.${ext}`));
  return path.join(folder, as);
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

describe('Shapefile reader: sibling files', () => {
  it('refuses a .shp without its .dbf, saying where the attributes are', async () => {
    const base = await copy('osm-100', ['shp', 'shx', 'prj', 'cpg']);
    expect((await failure(`${base}.shp`)).message).toBe(
      `${base}.shp: has no .dbf beside it (expected osm-100.dbf): a Shapefile's attributes, such as heights and names, are in the .dbf — copy it next to the .shp`,
    );
  });

  it('names a missing .shp and the parts that are there', async () => {
    const base = await copy('osm-100', ['shx', 'dbf', 'prj']);
    expect((await failure(`${base}.shp`)).message).toBe(
      `${base}.shp: does not exist (found osm-100.dbf, osm-100.shx, osm-100.prj, but a Shapefile's shapes are in the .shp)`,
    );
  });

  it('reads without .shx or .prj, with notes; a .dbf path opens its Shapefile', async () => {
    const base = await copy('osm-100', ['shp', 'dbf', 'cpg']);
    const { info, features } = await readAll(`${base}.dbf`);
    expect(features).toHaveLength(100);
    expect(info.crs).toBeUndefined();
    expect(info.notes).toEqual([
      'osm-100.shx is missing; not needed to read the shapes in order',
      'osm-100.prj is missing: the file does not say its coordinate system',
    ]);
  });

  it('finds upper-case siblings (X.SHP, X.DBF)', async () => {
    const folder = path.join(dir, `upper${n++}`);
    await mkdir(folder);
    for (const ext of ['shp', 'shx', 'dbf', 'cpg']) {
      await copyFile(path.join(DATA, `vn-names-cp1258.${ext}`), path.join(folder, `VN.${ext.toUpperCase()}`));
    }
    const { info, features } = await readAll(path.join(folder, 'VN.SHP'));
    expect(info.encoding).toBe('windows-1258');
    expect(features[1]!.properties?.ten).toBe('Nhà thờ Đức Bà');
  });

  it('refuses a .shx and .dbf that disagree on the number of records', async () => {
    const base = await copy('osm-100');
    await copyFile(path.join(DATA, 'vn-names-cp1258.shx'), `${base}.shx`);
    expect((await failure(`${base}.shp`)).message).toBe(
      `${base}.shp: has 5 shapes (per its .shx) but osm-100.dbf has 100 records: the files do not belong together, or one is damaged`,
    );
  });
});

describe('Shapefile reader: damaged files', () => {
  it('says a .shp is truncated, from its header', async () => {
    const base = await copy('osm-100');
    await truncate(`${base}.shp`, 9000);
    expect((await failure(`${base}.shp`)).message).toBe(
      `${base}.shp: is truncated: its header says 16636 bytes but the file has 9000 (was the copy cut short?)`,
    );
  });

  it('says a .dbf is truncated, from its header', async () => {
    const base = await copy('osm-100');
    await truncate(`${base}.dbf`, 5000);
    expect((await failure(`${base}.shp`)).message).toMatch(
      new RegExp(
        `^${base}\\.dbf: is truncated: its header says 100 records \\(\\d+ bytes\\) but the file has 5000 bytes$`,
      ),
    );
  });

  it('refuses a .shp with the wrong magic bytes', async () => {
    const base = await copy('osm-100');
    await copyFile(`${base}.dbf`, `${base}.shp`);
    expect((await failure(`${base}.shp`)).message).toMatch(
      /\.shp: is not a Shapefile \.shp \(wrong magic bytes: file code \d+, expected 9994\)$/,
    );
  });

  it('notices shapes missing at the end when there is no .shx to count them', async () => {
    const base = await copy('vn-names-cp1258', ['shp', 'dbf', 'cpg']);
    // Cut the last record and fix the header's length, as a careless tool would.
    const shp = await readFile(`${base}.shp`);
    const lastRecordBytes = 8 + 4 + 32 + 8 + 4 + 5 * 16; // header, type, box, counts, 1 part, 5 points
    const cut = shp.subarray(0, shp.length - lastRecordBytes);
    new DataView(cut.buffer, cut.byteOffset).setInt32(24, cut.length / 2, false);
    await writeFile(`${base}.shp`, cut);
    expect((await failure(`${base}.shp`)).message).toBe(
      `${base}.shp: ends after 4 shapes, but vn-names-cp1258.dbf has 5 records`,
    );
  });

  it('names the feature whose shape record is damaged', async () => {
    const base = await copy('vn-names-cp1258');
    const shp = await readFile(`${base}.shp`);
    // Record 0's number of parts (after its 8-byte header, shape type and bounding box).
    new DataView(shp.buffer, shp.byteOffset).setInt32(100 + 8 + 4 + 32, 1_000_000, true);
    await writeFile(`${base}.shp`, shp);
    const error = await failure(`${base}.shp`);
    expect(error.message).toMatch(/\.shp feature #0: is damaged: a shape record cannot be read \(.+\)$/);
    expect(error.featureIndex).toBe(0);
  });
});

describe('Shapefile reader: text encodings', () => {
  it('without a .cpg, refuses text that is not UTF-8 instead of garbling it', async () => {
    const base = await copy('vn-names-cp1258', ['shp', 'shx', 'dbf', 'prj']);
    const error = await failure(`${base}.shp`);
    expect(error.message).toBe(
      `${base}.dbf feature #0: text in field "ten" is not UTF-8, and the .dbf does not say which code page it uses (no .cpg); pass the encoding (Vietnamese Windows files: windows-1258) or add a .cpg file`,
    );
  });

  it('reads it with the encoding option', async () => {
    const base = await copy('vn-names-cp1258', ['shp', 'shx', 'dbf', 'prj']);
    const { info, features } = await readAll(`${base}.shp`, { encoding: '1258' });
    expect(info.encoding).toBe('windows-1258');
    expect(features.map((f) => f.properties?.ten)).toContain('Chợ Thủ Dầu Một');
  });

  it('without a .cpg, reads UTF-8 text and notes the guess', async () => {
    const base = await copy('osm-100', ['shp', 'shx', 'dbf', 'prj']);
    const { info, features } = await readAll(`${base}.shp`);
    expect(info.notes).toContain(
      'the .dbf declares no encoding (no .cpg, no language driver): text read as UTF-8',
    );
    expect(features.map((f) => f.properties?.name)).toContain('Công Ty Cellutane Việt Nam');
  });

  it('refuses a .cpg code page it cannot decode, naming the .cpg', async () => {
    const base = await copy('vn-names-cp1258');
    await writeFile(`${base}.cpg`, 'TCVN3');
    expect((await failure(`${base}.shp`)).message).toMatch(
      new RegExp(`^${base}\\.cpg: TCVN3 \\(TCVN 5712.*\\) text cannot be decoded here`),
    );
  });
});

it('reads PolygonZ files in 2D and says so', async () => {
  const { info, features } = await readAll(path.join(DATA, 'vn-names-z.shp'));
  expect(info.geometryType).toBe('PolygonZ');
  expect(info.notes).toContain('PolygonZ shapes: Z and M values are not read');
  expect(features[0]!.geometry?.coordinates).toEqual([
    [
      [106.6976, 10.7718],
      [106.6976, 10.7728],
      [106.6986, 10.7728],
      [106.6986, 10.7718],
      [106.6976, 10.7718],
    ],
  ]);
});

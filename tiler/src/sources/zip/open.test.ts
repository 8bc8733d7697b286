import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Zippable, zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CatalogFile } from '../../api/catalog.js';
import { main } from '../../cli/main.js';
import { InputError } from '../../errors.js';
import { TILE_DEFAULTS, tileBuildings } from '../../tile.js';
import { openSource, type SourceFeature } from '../index.js';
import { unpackedFolders } from './open.js';
import { makeZip } from './testing.js';

/**
 * Datasets read straight from ZIP archives, end to end through `openSource`, `tileBuildings` and
 * `bdtwin add`. The archives are made here with fflate's `zipSync` from the reader fixtures
 * (tiler/test/data, see its README), so a zipped set must read exactly as the unzipped one.
 * After every test the folder archives are unpacked into must be empty again.
 */

const DATA = path.resolve(import.meta.dirname, '../../../test/data');
const fixture = (name: string) => new Uint8Array(readFileSync(path.join(DATA, name)));
const SHAPEFILE_PARTS = ['.shp', '.shx', '.dbf', '.prj', '.cpg'];
/** The five files of fixture Shapefile `base`, named `folder` + `as` + extension in the zip. */
const shapefileSet = (base: string, folder = '', as = base): Zippable =>
  Object.fromEntries(SHAPEFILE_PARTS.map((ext) => [`${folder}${as}${ext}`, fixture(base + ext)]));

let dir: string;
let unpackRoot: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-zipopen-'));
  unpackRoot = path.join(dir, 'unpack');
  await mkdir(unpackRoot);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  vi.restoreAllMocks();
  // Whatever happened, nothing unpacked is left behind.
  expect(await readdir(unpackRoot)).toEqual([]);
  expect(unpackedFolders()).toEqual([]);
});

let n = 0;
async function zipFile(files: Zippable | Uint8Array, name = `archive${n++}.zip`): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, files instanceof Uint8Array ? files : zipSync(files));
  return file;
}
const options = () => ({ unzip: { tempDir: unpackRoot } });

async function readAll(file: string) {
  const source = await openSource(file, options());
  try {
    const features: SourceFeature[] = [];
    for await (const f of source.features()) features.push(f);
    return { info: source.info, features };
  } finally {
    await source.close();
  }
}
async function failure(file: string): Promise<string> {
  try {
    await readAll(file);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).not.toContain(unpackRoot);
    return (error as Error).message;
  }
  return 'no error';
}

describe('reading a dataset from a ZIP archive', () => {
  it.each(['osm-100', 'vn-names-cp1258', 'osm-100-vn2000'])(
    'a zipped Shapefile set (%s) reads exactly as the unzipped one: features, CRS, encoding',
    async (base) => {
      const zip = await zipFile(shapefileSet(base));
      const plain = await readAll(path.join(DATA, `${base}.shp`));
      const zipped = await readAll(zip);
      expect(zipped.features).toEqual(plain.features);
      expect(zipped.features.length).toBeGreaterThan(0);
      expect({ ...zipped.info, notes: [] }).toEqual({ ...plain.info, file: `${zip}!${base}.shp`, notes: [] });
      expect(zipped.info.notes).toEqual([
        expect.stringMatching(
          new RegExp(
            `^read from inside the ZIP archive: ${base}\\.shp with its \\.dbf, \\.shx, \\.prj, \\.cpg, [\\d.]+ KiB unpacked to a temporary folder$`,
          ),
        ),
        ...plain.info.notes,
      ]);
    },
  );

  it('finds a Shapefile in a Vietnamese-named sub-folder, past macOS clutter, and names it correctly', async () => {
    const folder = 'Dữ liệu bàn giao 2024/';
    const zip = await zipFile({
      ...shapefileSet('vn-names-cp1258', folder, 'Nhà ở Phú Cường'),
      [`__MACOSX/${folder}._Nhà ở Phú Cường.shp`]: new Uint8Array([0, 5, 22, 7]),
      [`${folder}.DS_Store`]: new Uint8Array(8),
      [`${folder}Đọc tôi.txt`]: new TextEncoder().encode('Ranh giới nhà ở'),
    });
    const plain = await readAll(path.join(DATA, 'vn-names-cp1258.shp'));
    const zipped = await readAll(zip);
    expect(zipped.info.file).toBe(`${zip}!Dữ liệu bàn giao 2024/Nhà ở Phú Cường.shp`);
    expect(zipped.features).toEqual(plain.features);
    expect(zipped.features.map((f) => f.properties?.ten)).toContain('Chợ Bến Thành');
  });

  it.each([
    ['osm-100.gpkg', 'geopackage'],
    ['osm-100.fgb', 'flatgeobuf'],
    ['osm-100.geojsonl', 'geojsonseq'],
    ['vn-names.geojson', 'geojson'],
  ])('a zipped %s reads as the file itself (%s)', async (name, format) => {
    const zip = await zipFile({ [`data/${name}`]: fixture(name) });
    const plain = await readAll(path.join(DATA, name));
    const zipped = await readAll(zip);
    expect(zipped.info.format).toBe(format);
    expect(zipped.info.file).toBe(`${zip}!data/${name}`);
    expect(zipped.features).toEqual(plain.features);
  });

  it('lists the datasets of an archive holding several, and reads the one named with archive.zip!path', async () => {
    const zip = await zipFile(
      {
        ...shapefileSet('osm-100', 'duong/'),
        'nha/osm-100.gpkg': fixture('osm-100.gpkg'),
      },
      'ban-giao.zip',
    );
    expect(await failure(zip)).toBe(
      `${zip}: holds 2 datasets: duong/osm-100.shp (Shapefile), nha/osm-100.gpkg (GeoPackage); read one at a time: name one after the archive, e.g. "${zip}!duong/osm-100.shp"`,
    );
    expect((await readAll(`${zip}!nha/osm-100.gpkg`)).info.format).toBe('geopackage');
    // A Shapefile's part, or the folder holding it, names the set.
    for (const selector of [
      'duong/osm-100.shp',
      'duong/osm-100.dbf',
      'DUONG/OSM-100.SHP',
      'duong',
      'duong/',
    ]) {
      const { info, features } = await readAll(`${zip}!${selector}`);
      expect(info.file).toBe(`${zip}!duong/osm-100.shp`);
      expect(features).toHaveLength(100);
    }
    expect(await failure(`${zip}!nha/osm-100.shp`)).toBe(
      `${zip}: has no dataset named "nha/osm-100.shp"; it holds duong/osm-100.shp (Shapefile), nha/osm-100.gpkg (GeoPackage)`,
    );
  });

  it("names the archive and the entry in the readers' messages, never the temporary folder", async () => {
    const noDbf = shapefileSet('osm-100', 'duong/');
    delete noDbf['duong/osm-100.dbf'];
    const zip = await zipFile(noDbf);
    expect(await failure(zip)).toBe(
      `${zip}!duong/osm-100.shp: has no .dbf beside it (expected osm-100.dbf): a Shapefile's attributes, such as heights and names, are in the .dbf — copy it next to the .shp`,
    );
    // A problem found while iterating (after open) is relabelled too.
    const bad = await zipFile({
      'bad.geojson': new TextEncoder().encode('{"type":"FeatureCollection","features":[{"type":"Feature",'),
    });
    expect(await failure(bad)).toMatch(new RegExp(`^${bad.replaceAll('.', '\\.')}!bad\\.geojson`));
  });

  it('refuses a zip-slip entry before unpacking anything, and writes nothing outside', async () => {
    const zip = await zipFile(
      makeZip([
        { name: 'roads.geojson', data: fixture('vn-names.geojson') },
        { name: '../../evil.geojson', data: 'pwned' },
      ]),
    );
    expect(await failure(zip)).toBe(
      `${zip}: entry "../../evil.geojson" has a ".." step that leads out of the folder it is unpacked into (zip slip): refused`,
    );
    for (const d of [dir, path.dirname(dir), unpackRoot]) {
      expect(await readdir(d)).not.toContain('evil.geojson');
    }
  });

  it('refuses encrypted datasets and archives inside archives', async () => {
    const encrypted = await zipFile(makeZip([{ name: 'a.geojson', data: '{}', flags: 0x0001 }]));
    expect(await failure(encrypted)).toBe(
      `${encrypted}: entry "a.geojson" is encrypted (password-protected): decrypt the archive and pass it again`,
    );
    const inner = zipSync({ 'a.geojson': fixture('vn-names.geojson') });
    const nested = await zipFile({ 'du-lieu/ban-giao.zip': inner, 'readme.txt': new Uint8Array(1) });
    expect(await failure(nested)).toBe(
      `${nested}: entry "du-lieu/ban-giao.zip" is an archive inside the archive: nested archives are not opened (refused, not unpacked); unzip the outer archive yourself and pass the inner one`,
    );
    // An archive disguised as a dataset is caught by its first bytes once unpacked.
    const disguised = await zipFile({ 'nha.geojson': inner });
    expect(await failure(disguised)).toBe(
      `${disguised}!nha.geojson: is itself a ZIP archive: archives inside archives are not opened (refused, not unpacked); unzip the outer archive yourself and pass the inner one`,
    );
  });

  it('reads a ZIP by its first bytes whatever its name, and says what a .zip that is no ZIP is', async () => {
    const misnamed = path.join(dir, 'nha.geojson');
    await writeFile(misnamed, zipSync({ 'nha.geojson': fixture('vn-names.geojson') }));
    const { info } = await readAll(misnamed);
    expect(info.file).toBe(`${misnamed}!nha.geojson`);
    expect(info.notes[0]).toBe('named .geojson but is a ZIP archive: read as such');
    const page = path.join(dir, 'download.zip');
    await writeFile(page, '<!DOCTYPE html><html>404</html>');
    expect(await failure(page)).toBe(
      `${page}: is named .zip but is not a ZIP archive (it does not start with a ZIP signature): the download may be incomplete, or an error page saved under that name`,
    );
    const empty = await zipFile({});
    expect(await failure(empty)).toBe(`${empty}: holds no files`);
    const noData = await zipFile({ 'a.dbf': fixture('osm-100.dbf'), 'readme.pdf': new Uint8Array(3) });
    expect(await failure(noData)).toBe(
      `${noData}: holds no dataset this tiler reads (a .shp with its .dbf, .gpkg, .fgb, .geojson or .geojsonl); it holds a.dbf, readme.pdf`,
    );
  });

  it('says when the temporary folder cannot be used', async () => {
    const zip = await zipFile(shapefileSet('osm-100'));
    const missing = path.join(dir, 'no-such-folder');
    await expect(openSource(zip, { unzip: { tempDir: missing } })).rejects.toThrow(
      `${zip}: cannot be unpacked: the temporary folder ${missing} does not exist (set TMPDIR to a folder with room)`,
    );
  });

  it('keeps the unpacked files only while the source is open', async () => {
    const zip = await zipFile(shapefileSet('osm-100'));
    const source = await openSource(zip, options());
    const [folder] = unpackedFolders();
    expect(path.dirname(folder!)).toBe(unpackRoot);
    expect((await readdir(folder!)).sort()).toEqual(SHAPEFILE_PARTS.map((e) => `osm-100${e}`).sort());
    let count = 0;
    for (let pass = 0; pass < 2; pass++) for await (const _ of source.features()) count++;
    expect(count).toBe(200);
    await source.close();
    expect(unpackedFolders()).toEqual([]);
  });
});

describe('the temporary folder when the process ends with a source open', () => {
  /** A child process that opens `zip` (unpacking into `into`), says so, then `then`s. */
  function child(zip: string, into: string, then: 'wait' | 'return') {
    const script = `import('./tiler/src/sources/index.ts').then(async (m) => {
      await m.openSource(${JSON.stringify(zip)}, { unzip: { tempDir: ${JSON.stringify(into)} } });
      console.log('open');
      ${then === 'wait' ? 'setInterval(() => {}, 1000);' : ''}
    })`;
    const proc = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.resolve(import.meta.dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const opened = new Promise<void>((resolve) => proc.stdout.on('data', () => resolve()));
    return { proc, opened, exited: once(proc, 'exit') as Promise<[number | null, string | null]> };
  }

  it('is removed on Ctrl-C (SIGINT, then the default action: the process ends by the signal) and at exit without close', async () => {
    const zip = await zipFile(shapefileSet('osm-100'));
    const into = path.join(dir, 'child-unpack');
    await mkdir(into);
    const interrupted = child(zip, into, 'wait');
    await interrupted.opened;
    expect(await readdir(into)).toHaveLength(1);
    interrupted.proc.kill('SIGINT');
    expect(await interrupted.exited).toEqual([null, 'SIGINT']);
    expect(await readdir(into)).toEqual([]);

    const forgetful = child(zip, into, 'return');
    await forgetful.opened;
    expect(await forgetful.exited).toEqual([0, null]);
    expect(await readdir(into)).toEqual([]);
  }, 60_000);
});

describe('tiling and cataloguing from a ZIP archive', () => {
  it('bdtwin tile: a zipped Shapefile tiles as the unzipped one, and a rerun of the same archive does nothing', async () => {
    const zip = await zipFile(shapefileSet('osm-100', 'nha/'), 'nha.zip');
    const run = (inputs: string[], out: string) =>
      tileBuildings(inputs, { ...TILE_DEFAULTS, out: path.join(dir, out), threads: 0, ...options() });
    const plain = await run([path.join(DATA, 'osm-100.shp')], 'plain');
    const zipped = await run([zip], 'zipped');
    expect(zipped.buildingsWritten).toBe(100);
    expect(zipped.buildingsWritten).toBe(plain.buildingsWritten);
    expect(zipped.tiles).toBe(plain.tiles);
    expect(zipped.sources[0]!.file).toBe(`${zip}!nha/osm-100.shp`);
    // The same tiles, byte for byte (the tileset differs only in its version, a time stamp).
    const tiles = async (out: string) => {
      const root = path.join(dir, out);
      const files = (await readdir(path.join(root, 'tiles'), { recursive: true })).filter((f) =>
        f.endsWith('.glb'),
      );
      const tileset = JSON.parse(await readFile(path.join(root, 'tileset.json'), 'utf8'));
      delete tileset.asset.tilesetVersion;
      return {
        tileset,
        glbs: await Promise.all(files.sort().map((f) => readFile(path.join(root, 'tiles', f)))),
      };
    };
    const [a, b] = [await tiles('zipped'), await tiles('plain')];
    expect(a.tileset).toEqual(b.tileset);
    expect(a.glbs.length).toBe(plain.tiles);
    expect(a.glbs.every((glb, i) => glb.equals(b.glbs[i]!))).toBe(true);
    // The archive is the input whose stamp decides "up to date", with or without a selector.
    expect((await run([zip], 'zipped')).upToDate).toBe(true);
    expect((await run([`${zip}!nha/osm-100.shp`], 'selected')).upToDate).toBe(false);
    expect((await run([`${zip}!nha/osm-100.shp`], 'selected')).upToDate).toBe(true);
    await writeFile(zip, zipSync(shapefileSet('osm-100-vn2000', 'nha/', 'osm-100')));
    expect((await run([zip], 'zipped')).upToDate).toBe(false);
  }, 60_000);

  it('bdtwin add and bdtwin tile take the ZIP limits as options, and name them when refusing', async () => {
    const zip = await zipFile(shapefileSet('osm-100-vn2000'), 'Công trình.zip');
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    const data = path.join(dir, 'catalog');
    // Not through options(): the CLI unpacks into the system's temporary folder.
    expect(await main(['add', zip, '--sector', 'quy-hoach-xay-dung', '--data', data, '--quiet'])).toBe(0);
    const catalog = JSON.parse(await readFile(path.join(data, 'catalog.json'), 'utf8')) as CatalogFile;
    expect(catalog.layers[0]).toMatchObject({ id: 'cong-trinh', featureCount: 100 });
    expect(catalog.layers[0]!.crsOfOrigin).toMatch(/VN-2000/);
    expect(out.join('\n')).toContain('note: read from inside the ZIP archive: osm-100-vn2000.shp with its');

    expect(
      await main(['tile', zip, '--out', path.join(dir, 'small'), '--max-unzipped', '20KiB', '--quiet']),
    ).toBe(1);
    expect(err.at(-1)).toBe(
      `bdtwin tile: ${zip}: entry "osm-100-vn2000.shp" with its companion files declares 33.6 KiB unpacked, more than the limit of 20 KiB (--max-unzipped): refused before unpacking`,
    );
    expect(await main(['add', zip, '--sector', 'dat-dai', '--data', data, '--max-zip-ratio', 'lots'])).toBe(
      1,
    );
    expect(err.at(-1)).toBe(
      'bdtwin add: --max-zip-ratio must be a number ≥ 1 (inflated ÷ compressed), got "lots"',
    );
    expect((await readdir(tmpdir())).filter((f) => f.startsWith('bdtwin-unzip-'))).toEqual([]);
  }, 60_000);
});

import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { detectFormat, openSource } from './index.js';

const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/data');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-src-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);
const feature = JSON.stringify({ type: 'Feature', properties: {}, geometry: null });

describe('detectFormat', () => {
  it.each([
    ['a.geojson', '{"type": "FeatureCollection", "features": []}', 'geojson'],
    ['a.json', '\uFEFF\n  {"type": "Feature"}', 'geojson'],
    ['a.geojsonl', `${feature}\n${feature}\n`, 'geojsonseq'],
    ['a.ndjson', `${feature}\n`, 'geojsonseq'],
    ['a.jsonl', `${feature}\n`, 'geojsonseq'],
    ['a.geojsons', `\u001e${feature}\n`, 'geojsonseq'],
    ['a.geojson', `\u001e${feature}\n`, 'geojsonseq'],
    ['a.gpkg', 'SQLite format 3\0…', 'geopackage'],
    ['a.fgb', 'fgb\u0003fgb\u0000', 'flatgeobuf'],
    ['a.dbf', '\u0003~', 'shapefile'],
    ['a.shp', 'anything: the Shapefile reader checks its header', 'shapefile'],
  ])('%s starting %j is %s', (file, head, format) => {
    const notes: string[] = [];
    expect(detectFormat(file, bytes(head), notes)).toBe(format);
    expect(notes).toEqual([]);
  });

  it('trusts content over a misleading extension, and says so', () => {
    const notes: string[] = [];
    expect(detectFormat('buildings.json', bytes('SQLite format 3\0'), notes)).toBe('geopackage');
    expect(detectFormat('buildings.geojson', bytes(`${feature}\n${feature}\n`), notes)).toBe('geojsonseq');
    expect(
      detectFormat('buildings.geojsonl', bytes('{"type": "FeatureCollection", "features": [\n'), notes),
    ).toBe('geojson');
    expect(notes).toEqual([
      'named .json but is a GeoPackage: read as such',
      'named .geojson but holds one GeoJSON Feature per line: read as GeoJSONSeq',
      'named .geojsonl but holds one GeoJSON FeatureCollection: read as GeoJSON',
    ]);
  });

  it('recognises ZIP archives by their signature, whatever the name (zip/open.test.ts reads them)', () => {
    const notes: string[] = [];
    expect(detectFormat('a.zip', bytes('PK\u0003\u0004'), notes)).toBe('zip');
    expect(detectFormat('a.shp.zip', bytes('PK\u0005\u0006'), notes)).toBe('zip');
    expect(notes).toEqual([]);
    expect(detectFormat('nha.geojson', bytes('PK\u0003\u0004'), notes)).toBe('zip');
    expect(detectFormat('nha.zip', bytes('{"type": "FeatureCollection"'), notes)).toBe('geojson');
    expect(notes).toEqual([
      'named .geojson but is a ZIP archive: read as such',
      'named .zip but is not a ZIP archive: read by its content',
    ]);
  });

  it('sniffs files with no or an unknown extension', () => {
    expect(detectFormat('export', bytes('fgb\u0003fgb\u0000'))).toBe('flatgeobuf');
    expect(detectFormat('export.txt', bytes('{"type": "FeatureCollection"'))).toBe('geojson');
    const shpHeader = new Uint8Array(100);
    new DataView(shpHeader.buffer).setInt32(0, 9994, false);
    expect(detectFormat('export.bin', shpHeader)).toBe('shapefile');
  });

  it('refuses what it cannot read, saying why', () => {
    const message = (file: string, head: string | Uint8Array) => {
      try {
        detectFormat(file, typeof head === 'string' ? bytes(head) : head);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).reason;
      }
      return 'no error';
    };
    expect(message('a.geojson', '')).toBe('is empty (0 bytes)');
    expect(message('a.zip', '<html>')).toBe(
      'is named .zip but is not a ZIP archive (it does not start with a ZIP signature): the download may be incomplete, or an error page saved under that name',
    );
    expect(message('a.fgb', '{"type": "FeatureCollection"}')).toBe(
      'is not a FlatGeobuf file (wrong magic bytes; it looks like JSON text)',
    );
    expect(message('a.gpkg', 'GIF89a')).toBe(
      'is not a GeoPackage (wrong magic bytes: not an SQLite database)',
    );
    expect(message('a.kml', '<?xml version="1.0"?><kml>')).toMatch(
      /^is in a format this tiler does not recognise; it reads GeoJSON \(\.geojson, \.json\), GeoJSONSeq/,
    );
  });
});

describe('openSource', () => {
  it.each([
    ['osm-100.shp', 'shapefile'],
    ['osm-100.dbf', 'shapefile'],
    ['osm-100.gpkg', 'geopackage'],
    ['osm-100.fgb', 'flatgeobuf'],
    ['osm-100.geojsonl', 'geojsonseq'],
    ['osm-10.geojsons', 'geojsonseq'],
    ['vn-names.geojson', 'geojson'],
  ])('opens %s as %s', async (name, format) => {
    const source = await openSource(path.join(DATA, name));
    expect(source.info.format).toBe(format);
    await source.close();
  });

  it('names a missing file or a folder', async () => {
    await expect(openSource(path.join(dir, 'nope.gpkg'))).rejects.toThrow(
      `${path.join(dir, 'nope.gpkg')}: does not exist`,
    );
    await mkdir(path.join(dir, 'folder.geojson'));
    await expect(openSource(path.join(dir, 'folder.geojson'))).rejects.toThrow(
      'folder.geojson: is a folder, not a file',
    );
  });

  it('refuses an empty file of any format', async () => {
    for (const name of ['empty.geojson', 'empty.shp', 'empty.gpkg', 'empty.fgb']) {
      await writeFile(path.join(dir, name), '');
      await expect(openSource(path.join(dir, name))).rejects.toThrow(`${name}: is empty (0 bytes)`);
    }
  });

  it('follows the content of a misnamed file and notes it', async () => {
    const file = path.join(dir, 'buildings.json');
    await copyFile(path.join(DATA, 'osm-100.fgb'), file);
    const source = await openSource(file);
    expect(source.info.format).toBe('flatgeobuf');
    expect(source.info.notes).toEqual(['named .json but is FlatGeobuf: read as such']);
  });

  it('can be told the format, and notes options that do not apply', async () => {
    const file = path.join(dir, 'features.txt');
    await writeFile(file, `${feature}\n`);
    const source = await openSource(file, { format: 'geojsonseq', layer: 'x', encoding: '1258' });
    expect(source.info.format).toBe('geojsonseq');
    expect(source.info.notes).toEqual([
      'the layer option applies to GeoPackages only; ignored for GeoJSONSeq (newline-delimited GeoJSON)',
      'the encoding option applies to Shapefiles only (GeoJSONSeq (newline-delimited GeoJSON) text is UTF-8); ignored',
    ]);
  });
});

import { copyFile, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { indexBytes, openFlatGeobuf } from './flatgeobuf.js';
import type { SourceFeature } from './source.js';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/data/osm-100.fgb');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-fgb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function cut(bytes: number): Promise<string> {
  const file = path.join(dir, `cut${n++}.fgb`);
  await copyFile(FIXTURE, file);
  await truncate(file, bytes);
  return file;
}

/** Reads to the end; returns how many features came before the InputError, and the error. */
async function readUntilError(file: string): Promise<{ read: number; error: InputError }> {
  let read = 0;
  try {
    const source = await openFlatGeobuf(file);
    for await (const _ of source.features()) read++;
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return { read, error: error as InputError };
  }
  throw new Error('expected an InputError');
}

describe('FlatGeobuf reader', () => {
  it('reads the header: count, geometry type, CRS, and every column of every feature', async () => {
    const source = await openFlatGeobuf(FIXTURE);
    expect(source.info).toMatchObject({ format: 'flatgeobuf', featureCount: 100, geometryType: 'Polygon' });
    expect(source.info.crs).toMatchObject({ epsg: 4326, name: 'WGS 84' });
    const features: SourceFeature[] = [];
    for await (const f of source.features()) features.push(f);
    expect(features).toHaveLength(100);
    // Absent values are null, not missing, as in the other formats.
    expect(Object.keys(features[0]!.properties!)).toEqual([
      '@osmId',
      '@version',
      '@lastEdit',
      'building',
      'name',
      'name:en',
      'addr:housenumber',
      'addr:street',
      'amenity',
      'building:levels',
    ]);
  });

  it('sizes the packed R-tree as the spec does', () => {
    // 100 features, node size 16: 100 + 7 + 1 nodes of 40 bytes (osm-100.fgb's index).
    expect(indexBytes(100, 16)).toBe(108 * 40);
    expect(indexBytes(100, 0)).toBe(0);
    expect(indexBytes(1, 16)).toBe(2 * 40);
  });

  it.each([
    [10, 0, /is truncated: the header length: 4 bytes needed at byte 8, only 2 left$/],
    [500, 0, /is truncated: the header: \d+ bytes needed at byte 12, only 488 left$/],
    [3000, 0, /is truncated: the spatial index: 4320 bytes needed at byte \d+, only \d+ left$/],
    [15_000, 35, /is truncated: feature #35: \d+ bytes needed at byte \d+, only \d+ left$/],
  ])('a file cut at byte %i gives %i features, then says where it ends', async (bytes, before, message) => {
    const { read, error } = await readUntilError(await cut(bytes));
    expect(read).toBe(before);
    expect(error.message).toMatch(message);
  });

  it('says so when the last feature is cut by a single byte, instead of decoding zeros', async () => {
    const size = (await readFile(FIXTURE)).length;
    const { read, error } = await readUntilError(await cut(size - 1));
    expect(read).toBe(99);
    expect(error.message).toMatch(/feature #99: \d+ bytes needed at byte \d+, only \d+ left$/);
  });

  it('refuses wrong magic bytes and unknown versions', async () => {
    const file = path.join(dir, 'text.fgb');
    await writeFile(file, 'not a flatgeobuf file at all');
    expect((await readUntilError(file)).error.reason).toBe('is not a FlatGeobuf file (wrong magic bytes)');
    const v4 = await readFile(FIXTURE);
    v4[3] = 4;
    await writeFile(file, v4);
    expect((await readUntilError(file)).error.reason).toBe(
      'is FlatGeobuf version 4, which this reader does not know (it reads version 3)',
    );
  });
});

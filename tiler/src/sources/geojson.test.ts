import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { epsgFromCrsName, openGeoJson } from './geojson.js';
import type { SourceFeature } from './source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-geojson-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(text: string): Promise<string> {
  const f = path.join(dir, `in${n++}.geojson`);
  await writeFile(f, text);
  return f;
}

async function readAll(text: string) {
  const f = await file(text);
  const source = await openGeoJson(f);
  const features: SourceFeature[] = [];
  for await (const feature of source.features()) features.push(feature);
  return { file: f, info: source.info, features };
}

/** The message of the InputError that opening and reading `text` gives, with the file as "in". */
async function fail(text: string): Promise<string> {
  const f = await file(text);
  try {
    const source = await openGeoJson(f);
    for await (const _ of source.features()) {
      // read to the end
    }
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.replace(f, 'in');
  }
  throw new Error('expected an InputError');
}

const feature = (i: number) => ({
  type: 'Feature',
  id: `b${i}`,
  properties: { name: `Nhà ${i}` },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [
        [106.65, 10.98],
        [106.651, 10.98],
        [106.651, 10.981],
        [106.65, 10.98],
      ],
    ],
  },
});

describe('GeoJSON reader', () => {
  it('streams the features of a collection in file order, with ids and properties', async () => {
    const { info, features } = await readAll(
      JSON.stringify(
        { type: 'FeatureCollection', name: 'x', features: [feature(0), feature(1), feature(2)] },
        null,
        1,
      ),
    );
    expect(info).toMatchObject({ format: 'geojson', notes: [] });
    expect(info.crs).toBeUndefined();
    expect(features).toEqual([feature(0), feature(1), feature(2)]);
  });

  it('reads a collection whose "type" comes after its features, and a BOM', async () => {
    const { features } = await readAll(
      `\uFEFF{"features": [${JSON.stringify(feature(7))}], "type": "FeatureCollection"}`,
    );
    expect(features).toEqual([feature(7)]);
  });

  it('reads a single Feature as a collection of one', async () => {
    const { features } = await readAll(JSON.stringify(feature(3)));
    expect(features).toEqual([feature(3)]);
  });

  it('explains input that is not JSON, with the line and column', async () => {
    expect(await fail('{"type": "FeatureCollection",\n "features": [oops]}')).toBe(
      'in: is not valid JSON (expected a value near line 2, column 15)',
    );
  });

  it('says when a file ends early, as a truncated download does', async () => {
    const whole = JSON.stringify({ type: 'FeatureCollection', features: [feature(0), feature(1)] });
    expect(await fail(whole.slice(0, whole.length - 40))).toMatch(
      /^in: is not valid JSON \(.* near line 1, column \d+; the file ends there — is it truncated\?\)$/,
    );
  });

  it('explains JSON that is not GeoJSON', async () => {
    expect(await fail('[1, 2, 3]')).toBe(
      'in: is JSON but not GeoJSON: expected a FeatureCollection object, found an array',
    );
    expect(await fail('42')).toBe(
      'in: is JSON but not GeoJSON: expected a FeatureCollection object, found a number',
    );
    expect(await fail('{"name": "x"}')).toMatch(
      /expected "type": "FeatureCollection" or "Feature", found no "type" member/,
    );
    expect(await fail('{"type": "Topology", "objects": {}}')).toMatch(/found "type": "Topology"/);
    // Refused at "type", before the rest is read: the broken JSON 200 KB later is never reached.
    expect(await fail(`{"type": "Topology", "objects": {"a": "${'x'.repeat(200_000)}" oops`)).toMatch(
      /found "type": "Topology"/,
    );
    expect(await fail('{"type": "FeatureCollection"}')).toBe(
      'in: is not valid GeoJSON: the FeatureCollection has no "features" array',
    );
    expect(await fail('   \n  ')).toBe('in: is not valid JSON (the file holds only white space)');
  });

  it('refuses a "features" array in something that is not a FeatureCollection', async () => {
    expect(await fail(`{"type": "GeometryCollection", "features": [${JSON.stringify(feature(0))}]}`)).toMatch(
      /found "type": "GeometryCollection"/,
    );
    expect(await fail(`{"features": [${JSON.stringify(feature(0))}]}`)).toMatch(/found no "type" member/);
  });

  it('refuses an empty collection when it is opened', async () => {
    const f = await file('{"type": "FeatureCollection", "features": []}');
    await expect(openGeoJson(f)).rejects.toThrow(
      `${f}: contains no features (the FeatureCollection is empty)`,
    );
  });

  it('names a feature that is not an object', async () => {
    expect(
      await fail(`{"type": "FeatureCollection", "features": [${JSON.stringify(feature(0))}, null]}`),
    ).toBe('in feature #1: is not a GeoJSON Feature object (found a null)');
  });

  it('reports a declared CRS instead of refusing it', async () => {
    const { info, features } = await readAll(
      JSON.stringify({
        type: 'FeatureCollection',
        crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3405' } },
        features: [{ type: 'Feature', properties: {}, geometry: null }],
      }),
    );
    expect(info.crs).toEqual({ name: 'urn:ogc:def:crs:EPSG::3405', epsg: 3405 });
    expect(features).toHaveLength(1);
  });

  it('refuses a projected CRS declared after the features, which would be known too late', async () => {
    expect(
      await fail(
        `{"type": "FeatureCollection", "features": [${JSON.stringify(feature(0))}], "crs": {"type": "name", "properties": {"name": "EPSG:32648"}}}`,
      ),
    ).toMatch(/declares its coordinate system \(EPSG:32648\) after its features/);
  });

  it('reads EPSG codes from the usual CRS names', () => {
    expect(epsgFromCrsName('urn:ogc:def:crs:EPSG::3405')).toBe(3405);
    expect(epsgFromCrsName('urn:ogc:def:crs:EPSG:6.3:4326')).toBe(4326);
    expect(epsgFromCrsName('EPSG:9210')).toBe(9210);
    expect(epsgFromCrsName('http://www.opengis.net/def/crs/EPSG/0/3405')).toBe(3405);
    expect(epsgFromCrsName('urn:ogc:def:crs:OGC:1.3:CRS84')).toBeUndefined();
  });

  it('names a missing file', async () => {
    await expect(openGeoJson('/nonexistent/x.geojson')).rejects.toThrow(
      '/nonexistent/x.geojson: does not exist',
    );
  });
});

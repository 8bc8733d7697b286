import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { openGeoJsonSeq } from './geojsonseq.js';
import type { SourceFeature } from './source.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-seq-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function file(text: string): Promise<string> {
  const f = path.join(dir, `in${n++}.geojsonl`);
  await writeFile(f, text);
  return f;
}

async function names(text: string): Promise<unknown[]> {
  const source = await openGeoJsonSeq(await file(text));
  const out: unknown[] = [];
  for await (const f of source.features()) out.push(f.properties?.name);
  return out;
}

async function fail(text: string): Promise<string> {
  const f = await file(text);
  try {
    const source = await openGeoJsonSeq(f);
    for await (const _ of source.features()) {
      // read to the end
    }
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.replace(f, 'in');
  }
  throw new Error('expected an InputError');
}

const line = (name: string) => JSON.stringify({ type: 'Feature', properties: { name }, geometry: null });

describe('GeoJSONSeq reader', () => {
  it('reads one feature per line, skipping blank lines, CRLF endings and a BOM', async () => {
    expect(await names(`\uFEFF${line('Chợ')}\r\n\r\n${line('Đình')}\n   \n${line('Nhà')}`)).toEqual([
      'Chợ',
      'Đình',
      'Nhà',
    ]);
  });

  it('reads RFC 8142 sequences, whose records may span lines', async () => {
    const pretty = JSON.stringify({ type: 'Feature', properties: { name: 'b' }, geometry: null }, null, 2);
    expect(await names(`\u001e${line('a')}\n\u001e${pretty}\n\u001e\u001e${line('c')}\n`)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('names the file, line and feature of a line that is not JSON', async () => {
    expect(await fail(`${line('a')}\n\n${line('b')}\n{"type": "Feature", oops}\n${line('c')}`)).toMatch(
      /^in feature #2: line 4 is not valid JSON \(.+\)$/,
    );
  });

  it('refuses lines that are not Feature objects, saying what they are', async () => {
    expect(await fail(`${line('a')}\n[1, 2]`)).toBe(
      'in feature #1: line 2 is not a GeoJSON Feature object (found an array)',
    );
    expect(await fail('{"type": "FeatureCollection", "features": []}')).toMatch(
      /^in feature #0: line 1 holds a whole FeatureCollection; a GeoJSON sequence has one Feature per line/,
    );
  });

  it('refuses a file with no features when it is opened', async () => {
    const f = await file('\n  \n\n');
    await expect(openGeoJsonSeq(f)).rejects.toThrow(`${f}: contains no features (no non-blank lines)`);
  });

  it('can be read twice, e.g. once for the extent and once for the meshes', async () => {
    const source = await openGeoJsonSeq(await file(`${line('a')}\n${line('b')}\n`));
    for (let pass = 0; pass < 2; pass++) {
      const got: SourceFeature[] = [];
      for await (const f of source.features()) got.push(f);
      expect(got.map((f) => f.properties?.name)).toEqual(['a', 'b']);
    }
  });
});

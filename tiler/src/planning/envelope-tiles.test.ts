import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENVELOPE_CLASS } from '../api/planning.js';
import { checkTileset } from '../tiles/check.js';
import { writeEnvelopeTileset } from './envelope-tiles.js';
import { localFrame, type Polygons } from './geometry.js';
import { computeMetrics } from './metrics.js';
import type { Parcel } from './parcel.js';

const FRAME = localFrame(106.685, 11.055);
function rect(x0: number, y0: number, x1: number, y1: number): Polygons {
  const ring: number[] = [];
  for (const [x, y] of [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ] as const)
    ring.push(...FRAME.toLonLat(x, y));
  return [[ring]];
}
function parcel(id: string, polygons: Polygons, setbackM: number, maxStoreys: number | null): Parcel {
  return {
    id,
    landUse: 'NO',
    landUseKnown: true,
    ward: 'Hòa Phú',
    name: '',
    polygons,
    limits: { maxHeightM: null, maxStoreys, maxCoverage: 0.4, maxFar: 3, setbackM },
    source: { file: 't', index: 0 },
  };
}

/** The glTF JSON chunk of a glb. */
function gltfJson(glb: Buffer): {
  materials: { alphaMode?: string; doubleSided?: boolean; name?: string }[];
  extensions: Record<string, { propertyTables: { class: string; count: number }[] }>;
} {
  const length = glb.readUInt32LE(12);
  return JSON.parse(glb.subarray(20, 20 + length).toString('utf8'));
}

describe('writeEnvelopeTileset', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('writes a valid translucent tileset with one envelope feature per buildable parcel', async () => {
    const parcels = [
      parcel('A', rect(0, 0, 40, 30), 5, 10),
      parcel('B', rect(60, 0, 100, 30), 0, null), // no height limit: FAR 3 ÷ 40 % → 8 storeys
      parcel('C', rect(120, 0, 128, 30), 5, 4), // narrower than 2 × setback: nothing to draw
    ];
    const tower = rect(5, 5, 35, 25); // fills A's envelope exactly, 12 storeys
    const m = computeMetrics(parcels, [{ id: 'T', polygons: tower, heightM: 42, storeys: 12, use: 'ODT' }]);
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-env-'));
    dirs.push(dir);
    const report = await writeEnvelopeTileset(m.envelopes, m.parcels, dir);
    expect(report).toMatchObject({ envelopes: 2, tiles: 1 });
    const check = await checkTileset(path.join(dir, 'tileset.json'));
    expect(check.problems).toEqual([]);
    expect(check.leafFeatures).toBe(2);
    const glbFile = (await readdir(path.join(dir, 'tiles'), { recursive: true })).find((f) =>
      f.endsWith('.glb'),
    )!;
    const json = gltfJson(await readFile(path.join(dir, 'tiles', glbFile)));
    expect(json.materials[0]).toMatchObject({ name: 'envelope', alphaMode: 'BLEND', doubleSided: true });
    const tables = json.extensions.EXT_structural_metadata!.propertyTables;
    expect(tables).toEqual([expect.objectContaining({ class: ENVELOPE_CLASS, count: 2 })]);
    // A: 12 > 10 storeys, inside its setback; coverage 600/1200 = 0.5 > 0.4, FAR 6 > 3.
    expect(m.parcels[0]!.violations.map((v) => v.rule).sort()).toEqual(['coverage', 'far', 'storeys']);
    // Envelope heights: A 10 × 3.5 = 35 m, B 8 storeys = 28 m.
    expect(m.envelopes.map((e) => e.heightM)).toEqual([35, 28, 14]);
  });
});

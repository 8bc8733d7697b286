import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Tiles3DLoader } from '@loaders.gl/3d-tiles';
import { parse } from '@loaders.gl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayerManifestEntry } from '../tiler/src/api/layers.js';
import { checkTileset } from '../tiler/src/tiles/check.js';
import { ensureDemo } from './demo.js';

// The demo tileset is what people see first: it must be valid 3D Tiles 1.1 that other clients load.
describe('demo city tileset', () => {
  let dataDir: string;
  beforeAll(async () => {
    ({ dataDir } = await ensureDemo({ log: () => {} }));
  });

  it('lists its layers in layers.json, every file present', async () => {
    const layers = JSON.parse(
      await readFile(path.join(dataDir, 'layers.json'), 'utf8'),
    ) as LayerManifestEntry[];
    expect(layers.map((l) => l.kind).sort()).toEqual([
      'boundaries',
      'buildings',
      'points',
      'roads',
      'terrain',
    ]);
    for (const l of layers) await expect(readFile(path.join(dataDir, l.path))).resolves.toBeTruthy();
    const wards = JSON.parse(await readFile(path.join(dataDir, 'wards-2025.geojson'), 'utf8')) as {
      features: { properties: { name: string } }[];
    };
    expect(wards.features.map((f) => f.properties.name).sort()).toEqual(
      ['Bình Dương', 'Chánh Hiệp', 'Phú An', 'Phú Lợi', 'Thủ Dầu Một'].sort(),
    );
  });

  it('has every glb pass glTF-Validator with 0 errors, and sound bounding volumes', async () => {
    const check = await checkTileset(path.join(dataDir, 'buildings/tileset.json'));
    // Per-tile budgets keep every tile well under 500 KB (tippecanoe's default ceiling).
    const glbSizes = await Promise.all(
      (await readdir(path.join(dataDir, 'buildings/tiles'), { recursive: true }))
        .map(String)
        .filter((f) => f.endsWith('.glb'))
        .map(async (f) => (await stat(path.join(dataDir, 'buildings/tiles', f))).size),
    );
    expect(Math.max(...glbSizes)).toBeLessThan(500_000);
    expect(check.problems).toEqual([]);
    // Tens of thousands of buildings for the five wards (see scripts/city/README.md).
    expect(check.leafFeatures).toBeGreaterThan(30_000);
    // Level of detail: every parent draws something, so a zoomed-out view is never empty.
    expect(check.emptyParents).toBe(0);
    const glbs = await readdir(path.join(dataDir, 'buildings/tiles'), { recursive: true });
    expect(check.contents).toBe(glbs.filter((f) => String(f).endsWith('.glb')).length);
  });

  it('parses with loaders.gl (Tiles3DLoader)', async () => {
    const url = path.join(dataDir, 'buildings/tileset.json');
    const tileset = (await parse(
      await readFile(url),
      Tiles3DLoader,
      { '3d-tiles': { isTileset: true } } as never,
      {
        url,
      } as never,
    )) as { root: { children?: unknown[] }; type: string };
    expect(tileset.type).toBe('TILES3D');
    expect(tileset.root.children?.length).toBeGreaterThan(0);
  });
});

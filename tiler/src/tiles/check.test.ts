import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { checkTileset } from './check.js';

const OSM = path.resolve(
  import.meta.dirname,
  '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson',
);

// The checker guards every other tileset test, so it must itself catch broken tilesets.
describe('checkTileset catches what clients trip over', () => {
  let dir: string;
  let tilesetPath: string;
  let original: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-check-'));
    await tileBuildings([OSM], {
      ...TILE_DEFAULTS,
      out: dir,
      partition: { ...TILE_DEFAULTS.partition, maxFeatures: 200 },
    });
    tilesetPath = path.join(dir, 'tileset.json');
    original = await readFile(tilesetPath, 'utf8');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const tamper = async (
    edit: (t: {
      root: {
        boundingVolume: { region: number[] };
        children: { boundingVolume: { region: number[] }; geometricError: number }[];
        geometricError: number;
      };
    }) => void,
  ) => {
    const t = JSON.parse(original);
    edit(t);
    await writeFile(tilesetPath, JSON.stringify(t));
    return checkTileset(tilesetPath, { validateGltf: false, toleranceM: 0.01 });
  };

  it('accepts the tileset as written', async () => {
    expect((await tamper(() => {})).problems).toEqual([]);
  });

  it('reports a child region sticking out of its parent', async () => {
    const r = await tamper((t) => {
      t.root.boundingVolume.region[2] = t.root.boundingVolume.region[0]! + 1e-6;
    });
    expect(r.problems.join('\n')).toMatch(/is not inside its parent's/);
  });

  it('reports content outside its region', async () => {
    const r = await tamper((t) => {
      let tile = t.root as unknown as {
        children?: unknown[];
        content?: unknown;
        boundingVolume: { region: number[] };
      };
      while (!tile.content) tile = tile.children![0] as typeof tile;
      tile.boundingVolume.region[5] = 1; // roof tops above 1 m
    });
    expect(r.problems.join('\n')).toMatch(/vertices outside the tile's region/);
  });

  it('reports children with a larger geometric error than their parent', async () => {
    const r = await tamper((t) => {
      t.root.children[0]!.geometricError = t.root.geometricError * 10;
    });
    expect(r.problems.join('\n')).toMatch(/exceeds its parent's/);
  });
});

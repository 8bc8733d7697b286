import { mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Tiles3DLoader } from '@loaders.gl/3d-tiles';
import { parse } from '@loaders.gl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli/main.js';
import { RejectedFeaturesError, TILE_DEFAULTS, type TileReport, tileBuildings } from './tile.js';
import { checkTileset } from './tiles/check.js';

/** 705 real OSM buildings of central Hồ Chí Minh City (see data/README.md). */
const OSM = path.resolve(import.meta.dirname, '../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bdtwin-tile-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('tileBuildings on real OSM footprints', () => {
  let out: string;
  let report: TileReport;
  beforeAll(async () => {
    out = path.join(work, 'osm');
    // Small budgets force a multi-level quadtree out of 705 buildings.
    report = await tileBuildings([OSM], {
      ...TILE_DEFAULTS,
      out,
      partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
    });
  });

  it('writes every building into a quadtree of glb tiles', async () => {
    expect(report.featuresRead).toBe(705);
    expect(report.buildingsWritten).toBe(705);
    expect(report.tiles).toBeGreaterThanOrEqual(8);
    // OSM heights: 17 `height` tags (one of them alongside levels), 27 more from building:levels.
    expect(report.heightSources.height + report.heightSources.storeys).toBe(43);
    const files = await readdir(out);
    expect(files.sort()).toEqual(['build-state.json', 'report.json', 'tiles', 'tileset.json']);
  });

  it('writes the same tiles when footprints spill to disk (--spill-mb), and leaves no file behind', async () => {
    const spilledOut = path.join(work, 'osm-spilled');
    // 20 kB: the 705 buildings' rings and text (~150 kB) move to the file early in reading. One
    // worker thread: batches for workers are read from the file too.
    const spilled = await tileBuildings([OSM], {
      ...TILE_DEFAULTS,
      out: spilledOut,
      partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
      spillMB: 0.02,
      threads: 1,
    });
    expect(report.spilledBytes).toBe(0);
    expect(spilled.spilledBytes).toBeGreaterThan(100_000);
    expect(spilled.repairs).toEqual(report.repairs);
    const glbs = async (dir: string) =>
      (await readdir(path.join(dir, 'tiles'), { recursive: true }))
        .map(String)
        .filter((f) => f.endsWith('.glb'))
        .sort();
    const files = await glbs(out);
    expect(await glbs(spilledOut)).toEqual(files);
    for (const f of files) {
      const [a, b] = await Promise.all([out, spilledOut].map((d) => readFile(path.join(d, 'tiles', f))));
      expect(b!.equals(a!), f).toBe(true);
    }
    const tileset = async (dir: string) => {
      const t = JSON.parse(await readFile(path.join(dir, 'tileset.json'), 'utf8'));
      delete t.asset.tilesetVersion;
      return t;
    };
    expect(await tileset(spilledOut)).toEqual(await tileset(out));
    expect((await readdir(work)).filter((f) => f.includes('spill'))).toEqual(['osm-spilled']);
  });

  it('is valid: 0 glTF-Validator errors, content inside bounding volumes, children inside parents', async () => {
    const check = await checkTileset(path.join(out, 'tileset.json'));
    expect(check.problems).toEqual([]);
    // Leaves hold every building once; parents repeat the most visible ones (HLOD).
    expect(check.leafFeatures).toBe(705);
    expect(check.features).toBeGreaterThan(705);
    expect(check.emptyParents).toBe(0);
    expect(check.contents).toBe(report.tiles);
    expect(check.depth).toBeGreaterThanOrEqual(2);
  });

  it('loads in loaders.gl, with each building id readable from its feature table', async () => {
    const tilesetBytes = await readFile(path.join(out, 'tileset.json'));
    const tileset = await parse(
      tilesetBytes,
      Tiles3DLoader,
      { '3d-tiles': { isTileset: true } } as never,
      {
        url: path.join(out, 'tileset.json'),
      } as never,
    );
    expect((tileset as { root?: unknown }).root).toBeTruthy();

    const json = JSON.parse(tilesetBytes.toString()) as {
      root: { children?: unknown[]; content?: { uri: string } };
    };
    const firstLeaf = (t: { children?: unknown[]; content?: { uri: string } }): string =>
      t.content?.uri ?? firstLeaf(t.children![0] as typeof t);
    const glb = await readFile(path.join(out, firstLeaf(json.root)));
    const content = (await parse(glb, Tiles3DLoader)) as {
      gltf?: { extensions?: Record<string, { propertyTables?: { count: number; data?: unknown }[] }> };
    };
    const meta = content.gltf?.extensions?.EXT_structural_metadata;
    expect(meta?.propertyTables?.[0]?.count).toBeGreaterThan(0);
    const table = meta?.propertyTables?.[0] as unknown as { properties: Record<string, { data: string[] }> };
    const ids = table.properties.id?.data;
    const source = JSON.parse(await readFile(OSM, 'utf8')) as {
      features: { id?: string; properties: { '@osmId'?: string } }[];
    };
    const known = new Set(
      source.features.map((f, i) => String(f.properties['@osmId'] ?? f.id ?? `${OSM}#${i}`)),
    );
    expect(ids?.length).toBe(meta?.propertyTables?.[0]?.count);
    for (const id of ids ?? []) expect(known.has(id)).toBe(true);
  });
});

describe('bad input', () => {
  const write = async (name: string, text: string) => {
    const file = path.join(work, name);
    await writeFile(file, text);
    return file;
  };

  /** Runs the CLI in-process; returns exit code and what it printed. */
  async function cli(args: string[]) {
    const lines: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => lines.push(a.join(' '));
    console.error = (...a: unknown[]) => lines.push(a.join(' '));
    try {
      const code = await main(args);
      return { code, output: lines.join('\n') };
    } finally {
      console.log = log;
      console.error = error;
    }
  }

  it.each([
    ['not-json.geojson', 'this is not json', /not-json\.geojson: is not valid JSON/],
    ['not-geojson.geojson', '{"hello": "world"}', /not-geojson\.geojson: is JSON but not GeoJSON/],
    ['empty.geojson', '{"type":"FeatureCollection","features":[]}', /empty\.geojson: contains no features/],
    [
      'nan.geojson',
      '{"type":"FeatureCollection","features":[{"type":"Feature","id":"ok","properties":{},"geometry":{"type":"Polygon","coordinates":[[[106.65,10.98],[106.651,10.98],[106.651,10.981],[106.65,10.98]]]}},{"type":"Feature","properties":{"id":"B-7"},"geometry":{"type":"Polygon","coordinates":[[[106.65,10.98],[106.651,"NaN"],[106.651,10.981],[106.65,10.98]]]}}]}',
      /nan\.geojson feature #1 \(id "B-7"\): outer ring, vertex 1 has a non-numeric coordinate/,
    ],
  ])('%s: a clear error naming the file, exit code 1, nothing written', async (name, text, message) => {
    const file = await write(name, text);
    const out = path.join(work, `out-${name}`);
    const { code, output } = await cli(['tile', file, '--out', out, '--quiet']);
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
    const left = (await readdir(work)).filter((f) => f.includes(`out-${name}`));
    expect(left).toEqual([]); // neither the output nor a staging folder
  });

  it('--spill-mb: 0 spills from the first building and says so; a bad value is refused', async () => {
    const out = path.join(work, 'out-spill-cli');
    const ok = await cli(['tile', OSM, '--out', out, '--spill-mb', '0', '--quiet']);
    expect(ok.code).toBe(0);
    expect(ok.output).toMatch(/buildings written: 705 /);
    expect(ok.output).toMatch(/spilled: +0\.\d MB of rings and text to a temporary file/);
    const bad = await cli(['tile', OSM, '--out', path.join(work, 'out-spill-bad'), '--spill-mb', 'lots']);
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/--spill-mb must be a whole number ≥ 0, got "lots"/);
    expect((await readdir(work)).filter((f) => f.includes('spill-bad'))).toEqual([]);
  });

  it('keeps the previous tileset when a rerun fails', async () => {
    const good = await write('good.geojson', await readFile(OSM, 'utf8'));
    const out = path.join(work, 'keep');
    expect((await cli(['tile', good, '--out', out, '--quiet'])).code).toBe(0);
    const before = await readFile(path.join(out, 'tileset.json'), 'utf8');
    const bad = await write(
      'bad.geojson',
      '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[106,11]}}]}',
    );
    const { code, output } = await cli(['tile', bad, '--out', out, '--quiet']);
    expect(code).toBe(1);
    expect(output).toMatch(/geometry is Point; only Polygon and MultiPolygon/);
    expect(await readFile(path.join(out, 'tileset.json'), 'utf8')).toBe(before);
  });

  it('tiles the rest and lists rejected features when --max-rejected allows', async () => {
    const features = JSON.parse(await readFile(OSM, 'utf8')) as { features: unknown[] };
    features.features.push({
      type: 'Feature',
      properties: { id: 'broken' },
      geometry: { type: 'LineString', coordinates: [] },
    });
    const file = await write('mixed.geojson', JSON.stringify(features));
    await expect(tileBuildings([file], { ...TILE_DEFAULTS, out: path.join(work, 'strict') })).rejects.toThrow(
      RejectedFeaturesError,
    );
    const out = path.join(work, 'lenient');
    const { code, output } = await cli(['tile', file, '--out', out, '--max-rejected', '5', '--quiet']);
    expect(code).toBe(0);
    expect(output).toMatch(/buildings written: 705/);
    expect(output).toMatch(/rejected: +1\n +1 × geometry is LineString/);
    const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as TileReport;
    expect(report.rejected).toEqual([expect.objectContaining({ id: 'broken', index: 705 })]);
  });
});

describe('incremental re-tiling', () => {
  const opts = (out: string) => ({
    ...TILE_DEFAULTS,
    out,
    partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
  });
  let input: string;
  let out: string;
  let first: TileReport;
  beforeAll(async () => {
    input = path.join(work, 'incremental.geojson');
    await writeFile(input, await readFile(OSM, 'utf8'));
    out = path.join(work, 'incremental');
    first = await tileBuildings([input], opts(out));
  });

  const inodes = async () => {
    const files = (await readdir(path.join(out, 'tiles'), { recursive: true }))
      .map(String)
      .filter((f) => f.endsWith('.glb'));
    return new Map(
      await Promise.all(files.map(async (f) => [f, (await stat(path.join(out, 'tiles', f))).ino] as const)),
    );
  };

  it('does nothing when inputs and options are unchanged, even if the input was touched', async () => {
    const before = await stat(path.join(out, 'tileset.json'));
    await utimes(input, new Date(), new Date()); // touched, same bytes
    const again = await tileBuildings([input], opts(out));
    expect(again.upToDate).toBe(true);
    expect(again.tilesWritten).toBe(0);
    expect(again.seconds).toBeLessThan(first.seconds);
    expect((await stat(path.join(out, 'tileset.json'))).mtimeMs).toBe(before.mtimeMs);
  });

  it('rewrites only the tiles an edited building touches, keeps the others as they were', async () => {
    const before = await inodes();
    const version = JSON.parse(await readFile(path.join(out, 'tileset.json'), 'utf8')).asset.tilesetVersion;
    const fc = JSON.parse(await readFile(input, 'utf8')) as {
      features: { properties: Record<string, unknown> }[];
    };
    fc.features[10]!.properties['building:levels'] = '6'; // one building grows
    await writeFile(input, JSON.stringify(fc));
    const edited = await tileBuildings([input], opts(out));
    expect(edited.upToDate).toBe(false);
    expect(edited.tilesWritten).toBeGreaterThan(0);
    // Its leaf, and the parents that draw it: a handful of the tiles.
    expect(edited.tilesWritten).toBeLessThanOrEqual(edited.levelErrorsM.filter((e) => e !== null).length + 1);
    expect(edited.tilesReused).toBe(edited.tiles - edited.tilesWritten);
    const after = await inodes();
    let kept = 0;
    for (const [f, ino] of after) if (before.get(f) === ino) kept++;
    expect(kept).toBe(edited.tilesReused);
    const tileset = JSON.parse(await readFile(path.join(out, 'tileset.json'), 'utf8'));
    expect(tileset.asset.tilesetVersion).not.toBe(version);
    expect(
      (await checkTileset(path.join(out, 'tileset.json'), { validateGltf: false, toleranceM: 0.01 }))
        .problems,
    ).toEqual([]);
  });

  it('rebuilds everything when an option changes', async () => {
    const rebuilt = await tileBuildings([input], { ...opts(out), glb: { compression: 'none' } });
    expect(rebuilt.tilesReused).toBe(0);
    expect(rebuilt.tilesWritten).toBe(rebuilt.tiles);
  });
});

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFootprints } from '../read.js';
import { NORMALISE_DEFAULTS } from './normalise.js';
import { FootprintStore, footprintHash } from './store.js';

const OSM = path.resolve(
  import.meta.dirname,
  '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson',
);

describe('FootprintStore', () => {
  it('gives back every footprint exactly as added, holes, parts and repairs included', async () => {
    const { store } = await readFootprints([OSM], { normalise: NORMALISE_DEFAULTS });
    // Re-add through a fresh store: the read stage already stores footprints.
    const copy = new FootprintStore();
    for (let i = 0; i < store.length; i++) copy.add(store.get(i));
    expect(copy.length).toBe(705);
    const withHoles = [...Array(store.length).keys()].filter((i) =>
      store.get(i).polygons.some((p) => p.length > 1),
    );
    expect(withHoles.length).toBeGreaterThan(0);
    for (let i = 0; i < store.length; i++) expect(copy.get(i)).toEqual(store.get(i));
    expect(store.get(0).repairs?.length ?? 0).toBeGreaterThanOrEqual(0);
  });

  it('hands a subset over as a batch of buffers and rebuilds the same footprints from it', async () => {
    const { store } = await readFootprints([OSM], { normalise: NORMALISE_DEFAULTS });
    const picked = [704, 3, 100, 0];
    const batch = structuredClone(store.batch(picked));
    const rebuilt = FootprintStore.fromBatch(batch);
    expect(rebuilt.length).toBe(4);
    for (const [k, i] of picked.entries()) expect(rebuilt.get(k)).toEqual(store.get(i));
  });
});

describe('FootprintStore spilling to disk', () => {
  it('moves rings and text to a file past its budget and gives back the same footprints', async () => {
    const { store } = await readFootprints([OSM], { normalise: NORMALISE_DEFAULTS });
    const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-spill-'));
    const spilled = new FootprintStore({ spillBytes: 50_000, spillDir: dir });
    try {
      for (let i = 0; i < store.length; i++) spilled.add(store.get(i));
      expect(store.spilledBytes).toBe(0);
      // 705 buildings of ~10 vertices: well past 50 kB, so most went to the file.
      expect(spilled.spilledBytes).toBeGreaterThan(100_000);
      // Unlinked as soon as it was opened: nothing is left behind even on kill -9.
      expect(await readdir(dir)).toEqual([]);
      for (let i = 0; i < store.length; i++) {
        expect(spilled.get(i)).toEqual(store.get(i));
        expect(spilled.hash(i)).toEqual(store.hash(i));
        expect(spilled.id(i)).toBe(store.id(i));
      }
      const named = [...Array(store.length).keys()].find((i) =>
        /[ăâđêôơư]/i.test(store.get(i).properties.name),
      );
      expect(named, 'the OSM sample has Vietnamese names').toBeDefined();
      expect(spilled.get(named!).properties.name).toBe(store.get(named!).properties.name);
      // A tile's batch, in its own order, read back with coalesced reads.
      const picked = [704, 3, 100, 0, 101, 3];
      const rebuilt = FootprintStore.fromBatch(structuredClone(spilled.batch(picked)));
      for (const [k, i] of picked.entries()) expect(rebuilt.get(k)).toEqual(store.get(i));
    } finally {
      spilled.dispose();
      await rm(dir, { recursive: true, force: true });
    }
    expect(() => spilled.get(0)).toThrow(/closed/);
  });

  it('hashes content: equal footprints alike, one moved vertex or a renamed building not', async () => {
    const { store } = await readFootprints([OSM], { normalise: NORMALISE_DEFAULTS });
    const f = store.get(10);
    expect(footprintHash(structuredClone(f))).toEqual(store.hash(10));
    const moved = structuredClone(f);
    moved.polygons[0]![0]![0]! += 1e-9;
    expect(footprintHash(moved)).not.toEqual(store.hash(10));
    const renamed = structuredClone(f);
    renamed.properties.name = `${f.properties.name}x`;
    expect(footprintHash(renamed)).not.toEqual(store.hash(10));
  });
});

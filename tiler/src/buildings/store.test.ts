import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFootprints } from '../read.js';
import { NORMALISE_DEFAULTS } from './normalise.js';
import { FootprintStore } from './store.js';

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

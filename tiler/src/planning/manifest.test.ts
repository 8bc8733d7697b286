import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, manifestProblems, scenarioMetricsOptions } from './manifest.js';

const VALID = {
  name: 'Test plan',
  defaults: { floorAreaPerPersonM2: 30 },
  sunHours: { date: '2025-12-21', area: { parcels: ['A'] } },
  scenarios: [
    {
      id: 'today',
      title: 'Hiện trạng',
      baseYear: 2025,
      layers: { zoning: 'zoning.geojson', proposals: [{ path: 'b.geojson', crs: 'EPSG:4326' }] },
    },
    {
      id: 'tod-2030',
      title: 'TOD',
      floorAreaPerPersonM2: 20,
      layers: { zoning: 'zoning.geojson', proposals: [] },
    },
  ],
};

describe('planning manifest', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-manifest-'));
    await writeFile(path.join(dir, 'zoning.geojson'), '{}');
    await writeFile(path.join(dir, 'b.geojson'), '{}');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('accepts a valid manifest and resolves its paths', async () => {
    const file = path.join(dir, 'ok.plan.json');
    await writeFile(file, JSON.stringify(VALID));
    const m = await loadManifest(file);
    expect(m.scenarios[0]!.layers.zoning).toBe(path.join(dir, 'zoning.geojson'));
    expect(m.scenarios[0]!.layers.proposals[0]).toEqual({
      path: path.join(dir, 'b.geojson'),
      crs: 'EPSG:4326',
    });
    expect(scenarioMetricsOptions(m, m.scenarios[0]!).floorAreaPerPersonM2).toBe(30);
    expect(scenarioMetricsOptions(m, m.scenarios[1]!).floorAreaPerPersonM2).toBe(20);
  });

  it('names each bad field', () => {
    const bad = {
      ...VALID,
      nme: 'typo',
      sunHours: { date: '21/12/2025', area: { bbox: [1, 2] } },
      scenarios: [{ id: 'Bad Id', en: { title: '', name: 'x' }, layers: { zoning: 5, proposals: [] } }],
    };
    expect(manifestProblems(bad)).toEqual(
      expect.arrayContaining([
        'nme: is not a manifest field (misspelt?)',
        'sunHours.date: must look like YYYY-MM-DD',
        'scenarios[0].title: is required',
        expect.stringMatching(/^scenarios\[0\]\.en\.name: /),
        expect.stringMatching(/^scenarios\[0\]\.en\.title: /),
        'scenarios[0].id: must be lower-case letters, digits and dashes (it names a folder and a URL)',
        expect.stringMatching(/^scenarios\[0\]\.layers\.zoning: must be a file path/),
      ]),
    );
  });

  it('reports the file with the problem: bad JSON, missing input, duplicate id', async () => {
    const notJson = path.join(dir, 'bad.plan.json');
    await writeFile(notJson, '{ "name": ');
    await expect(loadManifest(notJson)).rejects.toThrow(/bad\.plan\.json: is not valid JSON/);

    const missing = path.join(dir, 'missing.plan.json');
    const m = structuredClone(VALID);
    m.scenarios[1]!.layers.zoning = 'nowhere.geojson';
    await writeFile(missing, JSON.stringify(m));
    await expect(loadManifest(missing)).rejects.toThrow(
      /missing\.plan\.json: scenarios\[1\]\.layers\.zoning: nowhere\.geojson does not exist/,
    );

    const dup = path.join(dir, 'dup.plan.json');
    const d = structuredClone(VALID);
    d.scenarios[1]!.id = 'today';
    await writeFile(dup, JSON.stringify(d));
    await expect(loadManifest(dup)).rejects.toThrow(
      /scenarios\[1\]\.id: "today" is used by an earlier scenario/,
    );
  });
});

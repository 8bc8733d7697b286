import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogResponse, CompletenessResponse } from '../api/catalog.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { HAND_CASE, writeHandComputedCase } from './testing.js';

let root: string;
let data: string;
let server: RunningServer;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bdtwin-catalog-'));
  data = path.join(root, 'data');
  await writeHandComputedCase(data);
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir: data, webDir: path.join(root, 'web') });
});
afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const getJson = async <T>(p: string) => {
  const res = await fetch(server.url + p);
  return { status: res.status, body: (await res.json()) as T };
};

describe('catalogue routes', () => {
  it('GET /api/catalog groups layers by sector, with urls', async () => {
    const { status, body } = await getJson<CatalogResponse>('/api/catalog');
    expect(status).toBe(200);
    expect(body.sectors.map((s) => [s.id, s.layers.map((l) => l.id)])).toEqual([
      ['dat-dai', ['wards', 'half-parcels']],
      ['quy-hoach-do-thi', ['zoning']],
      ['quy-hoach-xay-dung', []],
      ['moi-truong', []],
      ['giao-thong', ['stops']],
      ['ha-tang', []],
    ]);
    const parcels = body.sectors[0]!.layers[1]!;
    expect(parcels).toMatchObject({
      id: 'half-parcels',
      kind: 'polygons',
      title: { vi: 'Thửa đất (nửa phường Một)', en: 'Parcels (half of ward One)' },
      url: '/data/catalog/half-parcels.geojson',
      sector: 'dat-dai',
      validFrom: '2025-07-01',
      validTo: null,
      visibility: 'public',
      coverageMethod: 'area',
    });
    expect(parcels).not.toHaveProperty('path');
  });

  it('filters by audience and date', async () => {
    const { body } = await getJson<CatalogResponse>('/api/catalog?date=2025-06-30');
    expect(body.sectors.flatMap((s) => s.layers)).toEqual([]);
    expect((await getJson('/api/catalog?audience=everyone')).status).toBe(400);
  });

  it('GET /api/completeness matches the hand-computed case', async () => {
    const { body } = await getJson<CompletenessResponse>('/api/completeness');
    expect(body.unitsLayer).toBe('wards');
    const [w1, w2] = body.units;
    expect(w1!.name).toBe('Phường Một');
    expect(w1!.areaM2).toBeCloseTo(1e6, -2);
    for (const [unit, expected] of [
      [w1!, HAND_CASE.expected.W1],
      [w2!, HAND_CASE.expected.W2],
    ] as const) {
      expect(unit.sectors['dat-dai'].share).toBeCloseTo(expected['dat-dai'], 4);
      expect(unit.sectors['quy-hoach-do-thi'].share).toBeCloseTo(expected['quy-hoach-do-thi'], 4);
      expect(unit.sectors['giao-thong'].share).toBeCloseTo(expected['giao-thong'], 6);
      expect(unit.overall).toBeCloseTo(expected.overall, 4);
    }
    expect(w1!.sectors['dat-dai'].layers.map((l) => l.id)).toEqual(['half-parcels']);
    expect(body.skipped).toEqual([{ id: 'wards', reason: 'reference layer (coverage: none)' }]);
    const csv = await (await fetch(`${server.url}/api/completeness.csv`)).text();
    expect(csv.split('\r\n')[1]).toMatch(/^W1,Phường Một,1\.000,50\.0,25\.0,0\.0,0\.0,18\.8,0\.0,15\.6,/);
  });

  it('adds catalogue-only layers to /api/layers, marked as such', async () => {
    const { body } = await getJson<{ id: string; origin?: string }[]>('/api/layers');
    expect(body.map((l) => [l.id, l.origin ?? 'layers.json'])).toEqual([
      ['wards', 'layers.json'],
      ['half-parcels', 'catalog'],
      ['zoning', 'catalog'],
      ['stops', 'catalog'],
    ]);
    expect(body[1]).toMatchObject({
      kind: 'polygons',
      title: 'Thửa đất (nửa phường Một)',
      sector: 'dat-dai',
    });
  });

  it('answers a broken catalogue with the file and pointer, and keeps /api/layers up', async () => {
    const file = path.join(data, 'catalog.json');
    const good = await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8'));
    try {
      const json = JSON.parse(good);
      json.layers[2].validFrom = '2025/07/01';
      await writeFile(file, JSON.stringify(json));
      const { status, body } = await getJson<{ error: string }>('/api/catalog');
      expect(status).toBe(500);
      expect(body.error).toBe(`${file}: /layers/2/validFrom: must be a date YYYY-MM-DD (got "2025/07/01")`);
      const layers = await getJson<unknown[]>('/api/layers');
      expect(layers.status).toBe(200);
      expect(layers.body).toHaveLength(1);
    } finally {
      await writeFile(file, good);
    }
  });
});

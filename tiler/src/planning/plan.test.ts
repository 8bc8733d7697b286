import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioIndexEntry, ScenarioInfo, ScenarioMetrics, SunHoursGrid } from '../api/planning.js';
import { fromWgs84, vn2000Tm3 } from '../crs/index.js';
import { createServer } from '../serve/server.js';
import { checkTileset } from '../tiles/check.js';
import { localFrame } from './geometry.js';
import { buildPlan } from './plan.js';

/**
 * The whole `bdtwin plan` path on a tiny plan: zoning in VN-2000 / TM-3 105°45' (as Bình Dương's
 * cadastral offices deliver it), proposals in WGS 84, two scenarios, sun hours, then the service.
 */
const FRAME = localFrame(106.685, 11.055);
const TO_VN2000 = fromWgs84(vn2000Tm3(105.75));

function ring(x0: number, y0: number, x1: number, y1: number, project = false): number[][] {
  const pts = [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ].map(([x, y]) => FRAME.toLonLat(x!, y!));
  return project ? pts.map(([lon, lat]) => TO_VN2000(lon, lat)) : pts;
}
function fc(features: object[]) {
  return JSON.stringify({ type: 'FeatureCollection', features });
}
const parcel = (props: object, r: number[][]) => ({
  type: 'Feature',
  properties: props,
  geometry: { type: 'Polygon', coordinates: [r] },
});
const building = (props: object, r: number[][]) => ({
  type: 'Feature',
  properties: props,
  geometry: { type: 'Polygon', coordinates: [r] },
});

describe('buildPlan', () => {
  let dir = '';
  let out = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-plan-'));
    out = path.join(dir, 'data', 'scenarios');
    await writeFile(
      path.join(dir, 'zoning.geojson'),
      fc([
        // Vietnamese attribute names as zoning GIS layers use them; coverage in percent.
        parcel(
          {
            ma_lo: 'HH-01',
            chuc_nang: 'HH',
            hsd_dat: 3,
            mat_do_xd: '40%',
            tang_cao: 10,
            khoang_lui: 5,
            phuong: 'Hòa Phú',
          },
          ring(0, 0, 100, 50, true),
        ),
        parcel(
          {
            ma_lo: 'NO-01',
            chuc_nang: 'DAT_O_NHOMNHAO',
            hsd_dat: 2,
            mat_do_xd: 50,
            khoang_lui: 5,
            phuong: 'Hòa Phú',
          },
          ring(200, 0, 240, 30, true),
        ),
        parcel(
          { ma_lo: 'CX-01', chuc_nang: 'CXCC', hsd_dat: 0.05, phuong: 'Phú Tân' },
          ring(0, 100, 50, 150, true),
        ),
      ]),
    );
    await writeFile(
      path.join(dir, 'today.geojson'),
      fc([building({ id: 'B1', storeys: 8, height: 28, use: 'ODT' }, ring(10, 10, 30, 30))]),
    );
    await writeFile(
      path.join(dir, 'future.geojson'),
      fc([
        building({ id: 'B1', storeys: 8, height: 28, use: 'ODT' }, ring(10, 10, 30, 30)),
        building({ id: 'B2', storeys: 12, height: 42, use: 'ODT' }, ring(50, 10, 80, 30)),
        building({ id: 'B3', height: 17.5, use: 'ODT' }, ring(202, 5, 232, 25)),
      ]),
    );
    await writeFile(
      path.join(dir, 'test.plan.json'),
      JSON.stringify({
        name: 'Test',
        defaults: { floorAreaPerPersonM2: 25 },
        sunHours: { date: '2025-12-21', area: { parcels: ['HH-01'] }, spacingM: 5, stepMinutes: 30 },
        scenarios: [
          {
            id: 'today',
            title: 'Hiện trạng',
            baseYear: 2025,
            layers: {
              zoning: { path: 'zoning.geojson', crs: 'vn2000:105.75' },
              proposals: ['today.geojson'],
            },
          },
          {
            id: 'future',
            title: 'Tương lai',
            description: 'Thêm tháp',
            en: { title: 'Future', description: 'One more tower' },
            layers: {
              zoning: { path: 'zoning.geojson', crs: 'vn2000:105.75' },
              proposals: ['future.geojson'],
            },
          },
        ],
      }),
    );
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes envelopes, proposals, parcels, metrics and sun hours per scenario, and the index', async () => {
    const report = await buildPlan(path.join(dir, 'test.plan.json'), { out, tile: { threads: 0 } });
    expect(report.scenarios.map((s) => [s.id, s.parcels, s.buildings, s.violatingParcels])).toEqual([
      ['today', 3, 1, 0],
      ['future', 3, 3, 2],
    ]);
    const index = JSON.parse(
      await readFile(path.join(out, 'scenarios.json'), 'utf8'),
    ) as ScenarioIndexEntry[];
    expect(index[1]!.layers.map((l) => l.kind)).toEqual(['envelopes', 'buildings', 'parcels', 'sun-hours']);

    const future = JSON.parse(
      await readFile(path.join(out, 'future/metrics.json'), 'utf8'),
    ) as ScenarioMetrics;
    const hh = future.parcels.find((p) => p.parcelId === 'HH-01')!;
    // Read through VN-2000: the same hand-computed numbers as in metrics.test.ts.
    expect(hh.areaM2).toBeCloseTo(5000, -1);
    expect(hh.gfaM2).toBeCloseTo(10_400, -1);
    expect(hh.far).toBeCloseTo(2.08, 1);
    expect(hh.maxCoverage).toBe(0.4);
    expect(hh.violations.map((v) => v.rule)).toEqual(['storeys']);
    expect(future.parcels.find((p) => p.parcelId === 'NO-01')!.landUse).toBe('NO');
    expect(future.totals.greenShare).toBeCloseTo(2500 / 8700, 2);

    const csv = await readFile(path.join(out, 'future/metrics.csv'), 'utf8');
    expect(csv.startsWith('\uFEFFlevel,id,landUse,ward,areaM2')).toBe(true);
    expect(csv).toMatch(/\r\nparcel,HH-01,HH,Hòa Phú,/);
    expect(csv).toMatch(/\r\ntotal,future,/);

    for (const t of ['today/envelopes', 'future/envelopes', 'future/buildings']) {
      const check = await checkTileset(path.join(out, t, 'tileset.json'), {
        validateGltf: true,
        toleranceM: 0.01,
      });
      expect(check.problems, t).toEqual([]);
    }
    const sun = JSON.parse(await readFile(path.join(out, 'future/sun-hours.json'), 'utf8')) as SunHoursGrid;
    expect([sun.cols, sun.rows]).toEqual([20, 10]); // 100 × 50 m at 5 m
    expect(sun.hours.filter((h) => h === -1).length).toBeGreaterThan(0); // cells under B1/B2
    const today = JSON.parse(await readFile(path.join(out, 'today/sun-hours.json'), 'utf8')) as SunHoursGrid;
    const sum = (g: SunHoursGrid) => g.hours.reduce((s, h) => s + Math.max(0, h), 0);
    expect(sum(sun)).toBeLessThan(sum(today)); // the tower shades more of the parcel
  }, 60_000);

  it('is served at GET /api/scenarios with URLs under /data/', async () => {
    const app = await createServer({ dataDir: path.join(dir, 'data'), webDir: path.join(dir, 'no-web') });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/scenarios' });
      expect(res.statusCode).toBe(200);
      const list = res.json() as ScenarioInfo[];
      expect(list.map((s) => s.id)).toEqual(['today', 'future']);
      expect(list[1]).toMatchObject({
        id: 'future',
        title: 'Tương lai',
        description: 'Thêm tháp',
        en: { title: 'Future', description: 'One more tower' },
        metricsUrl: '/data/scenarios/future/metrics.json',
      });
      expect(list[0]!.en).toBeUndefined();
      expect(list[1]!.layers).toContainEqual(
        expect.objectContaining({
          id: 'envelopes',
          kind: 'envelopes',
          url: '/data/scenarios/future/envelopes/tileset.json',
        }),
      );
      const metrics = await app.inject({ method: 'GET', url: list[1]!.metricsUrl });
      expect(metrics.statusCode).toBe(200);
      const empty = await createServer({
        dataDir: path.join(dir, 'nothing'),
        webDir: path.join(dir, 'no-web'),
      });
      expect((await empty.inject({ method: 'GET', url: '/api/scenarios' })).json()).toEqual([]);
      await empty.close();
    } finally {
      await app.close();
    }
  });

  it('fails with the file and field when a parcel limit is wrong, writing nothing', async () => {
    await writeFile(
      path.join(dir, 'bad-zoning.geojson'),
      fc([parcel({ ma_lo: 'X', chuc_nang: 'NO', hsd_dat: 'cao' }, ring(0, 0, 10, 10))]),
    );
    await writeFile(
      path.join(dir, 'bad.plan.json'),
      JSON.stringify({
        name: 'Bad',
        scenarios: [{ id: 'x', title: 'X', layers: { zoning: 'bad-zoning.geojson', proposals: [] } }],
      }),
    );
    await expect(
      buildPlan(path.join(dir, 'bad.plan.json'), { out: path.join(dir, 'bad-out') }),
    ).rejects.toThrow(
      /bad-zoning\.geojson feature #0 \(id "X"\): "hsd_dat" \(max FAR\) is "cao", not a number/,
    );
  });
});

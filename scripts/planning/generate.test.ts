import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioMetrics } from '../../tiler/src/api/planning.js';
import { buildPlan } from '../../tiler/src/planning/plan.js';
import { ensureCity, GENERATED_DIR } from '../demo.js';
import { MANIFEST_NAME, writeDemoPlanningInputs } from './generate.js';

describe('demo planning inputs', () => {
  const dirs: string[] = [];
  let summary: Awaited<ReturnType<typeof writeDemoPlanningInputs>>;
  beforeAll(async () => {
    await ensureCity(() => {});
    for (let i = 0; i < 2; i++) dirs.push(await mkdtemp(path.join(tmpdir(), 'bdtwin-demo-plan-')));
    summary = await writeDemoPlanningInputs({ cityDir: GENERATED_DIR, outDir: dirs[0]! });
    await writeDemoPlanningInputs({ cityDir: GENERATED_DIR, outDir: dirs[1]! });
  }, 300_000);
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('are deterministic: the same city and rules give the same bytes', async () => {
    const files = (await readdir(dirs[0]!)).sort();
    expect(files).toEqual([
      MANIFEST_NAME,
      'hien-trang-2025.geojson',
      'tod-2030-new.geojson',
      'zoning-2025.geojson',
      'zoning-tod-2030.geojson',
    ]);
    for (const f of files) {
      const [a, b] = await Promise.all(dirs.map((d) => readFile(path.join(d, f))));
      expect(a!.equals(b!), f).toBe(true);
    }
  });

  it('zone the New City blocks, with a station, parks and TOD parcels', async () => {
    expect(summary.parcels).toBeGreaterThanOrEqual(30);
    expect(summary.zones2025.station).toBe(1);
    expect(summary.zones2030.tod).toBeGreaterThan(3);
    expect(summary.zones2030.park).toBeGreaterThan(summary.zones2025.park ?? 0);
    expect(summary.newTowers).toBeGreaterThan(10);
    const ids = (f: string) =>
      readFile(path.join(dirs[0]!, f), 'utf8').then((t) =>
        [...t.matchAll(/"parcel_id":"(P-\d+)"/g)].map((m) => m[1]),
      );
    expect(await ids('zoning-tod-2030.geojson')).toEqual(await ids('zoning-2025.geojson'));
  });

  it('plan into scenarios whose TOD proposal breaks the storey limit and a setback on purpose', async () => {
    const out = path.join(dirs[0]!, 'out');
    const report = await buildPlan(path.join(dirs[0]!, MANIFEST_NAME), {
      out,
      sunHours: false,
      tile: { threads: 0 },
    });
    expect(report.scenarios.map((s) => s.id)).toEqual(['hien-trang-2025', 'tod-2030']);
    const metrics = async (id: string) =>
      JSON.parse(await readFile(path.join(out, id, 'metrics.json'), 'utf8')) as ScenarioMetrics;
    const today = await metrics('hien-trang-2025');
    const tod = await metrics('tod-2030');
    // Today's plan is fitted to today's city: at most the one legacy encroachment.
    expect(today.totals.violatingParcels).toBeLessThanOrEqual(2);
    expect(tod.totals.violations.storeys).toBeGreaterThanOrEqual(1);
    expect(tod.totals.violations.setback).toBeGreaterThan(today.totals.violations.setback);
    expect(tod.totals.gfaM2).toBeGreaterThan(today.totals.gfaM2 * 1.2);
    expect(tod.totals.greenShare).toBeGreaterThan(today.totals.greenShare);
    expect(today.wards.map((w) => w.ward)).toContain('Bình Dương');
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import type { ParcelMetrics, ScenarioMetrics, ScenarioTotals } from '../../../../tiler/src/api/planning.js';
import { compareCsv, compareRows, delta, isInteresting } from './compare';

const totals = (gfaM2: number): ScenarioTotals => ({
  parcels: 2,
  areaM2: 10_000,
  footprintM2: 2000,
  gfaM2,
  residentialGfaM2: gfaM2,
  far: gfaM2 / 10_000,
  coverage: 0.2,
  buildings: 3,
  residents: Math.round(gfaM2 / 25),
  greenAreaM2: 0,
  greenShare: 0,
  violatingParcels: 0,
  violations: { height: 0, storeys: 0, coverage: 0, far: 0, setback: 0 },
  unassignedBuildings: 0,
  unassignedGfaM2: 0,
});
const parcel = (parcelId: string, gfaM2: number, extra: Partial<ParcelMetrics> = {}): ParcelMetrics => ({
  parcelId,
  landUse: 'NO',
  ward: 'Phú Lợi',
  maxHeightM: 35,
  maxStoreys: 10,
  maxCoverage: 0.4,
  maxFar: 3,
  setbackM: 5,
  areaM2: 5000,
  envelopeAreaM2: 3600,
  footprintM2: 1000,
  gfaM2,
  residentialGfaM2: gfaM2,
  far: gfaM2 / 5000,
  coverage: 0.2,
  buildings: 1,
  residents: Math.round(gfaM2 / 25),
  tallestM: 20,
  violations: [],
  ...extra,
});
const scenario = (id: string, parcels: ParcelMetrics[]): ScenarioMetrics => ({
  scenarioId: id,
  title: id,
  floorAreaPerPersonM2: 25,
  storeyHeightM: 3.5,
  totals: totals(parcels.reduce((s, p) => s + p.gfaM2, 0)),
  wards: [{ ward: 'Phú Lợi', ...totals(parcels.reduce((s, p) => s + p.gfaM2, 0)) }],
  parcels,
});

const A = scenario('a', [parcel('P-2', 4000), parcel('P-10', 5000)]);
const B = scenario('b', [
  parcel('P-2', 4000),
  parcel('P-10', 16_000, { landUse: 'HH', violations: [{ rule: 'far', limit: 3, actual: 3.2 }] }),
  parcel('P-11', 1000),
]);

describe('compare A with B', () => {
  it('joins parcels by id (numeric order) with A, B and B − A', () => {
    const rows = compareRows(A, B, 'parcel');
    expect(rows.map((r) => r.id)).toEqual(['P-2', 'P-10', 'P-11']);
    const p10 = rows[1]!;
    expect(p10.a?.gfaM2).toBe(5000);
    expect(p10.b?.gfaM2).toBe(16_000);
    expect(delta(p10.a?.gfaM2, p10.b?.gfaM2)).toBe(11_000);
    expect(p10.landUse).toBe('NO → HH');
    expect(p10.violationsB).toEqual(['far']);
    expect(rows[2]!.a).toBeNull();
    expect(rows.map(isInteresting)).toEqual([false, true, true]);
  });

  it('exports every level as CSV with the deltas', () => {
    const lines = compareCsv(A, B)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]!.startsWith('level,id,landUse,gfaM2_A,gfaM2_B,gfaM2_delta,far_A,')).toBe(true);
    expect(lines[2]).toBe(
      'parcel,P-10,NO → HH,5000,16000,11000,1,3.2,2.2,0.2,0.2,0,200,640,440,1,1,0,,,,far',
    );
    expect(lines[3]!.startsWith('parcel,P-11,NO,,1000,,')).toBe(true);
    expect(lines.at(-2)!.startsWith('ward,Phú Lợi,,9000,21000,12000,')).toBe(true);
    expect(lines.at(-1)!.startsWith('total,a | b,,9000,21000,12000,')).toBe(true);
  });
});

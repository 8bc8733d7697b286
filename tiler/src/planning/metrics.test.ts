import { describe, expect, it } from 'vitest';
import type { ParcelLimits } from '../api/planning.js';
import { localFrame, type Polygons } from './geometry.js';
import { computeMetrics, METRICS_DEFAULTS, type PlanBuilding, storeysOf } from './metrics.js';
import type { Parcel } from './parcel.js';

/** Rectangles given in metres east/north of a point in Bình Dương New City, as lon/lat. */
const FRAME = localFrame(106.685, 11.055);
function rect(x0: number, y0: number, x1: number, y1: number): Polygons {
  const ring: number[] = [];
  for (const [x, y] of [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ] as const)
    ring.push(...FRAME.toLonLat(x, y));
  return [[ring]];
}
const NONE: ParcelLimits = {
  maxHeightM: null,
  maxStoreys: null,
  maxCoverage: null,
  maxFar: null,
  setbackM: 0,
};
function parcel(
  id: string,
  landUse: string,
  ward: string,
  polygons: Polygons,
  limits: Partial<ParcelLimits>,
): Parcel {
  return {
    id,
    landUse,
    landUseKnown: true,
    ward,
    name: '',
    polygons,
    limits: { ...NONE, ...limits },
    source: { file: 'test', index: 0 },
  };
}
function building(
  id: string,
  polygons: Polygons,
  storeys: number,
  heightM: number,
  use = 'ODT',
): PlanBuilding {
  return { id, polygons, storeys, heightM, use };
}

// P1: 100 × 50 m = 5,000 m²; FAR ≤ 3, coverage ≤ 40 %, ≤ 10 storeys, 5 m setback.
// P2: 40 × 30 m = 1,200 m², 200 m east; FAR ≤ 2, coverage ≤ 50 %, 5 m setback.
// P3: a 50 × 50 m park (CXCC), 100 m north, in another ward.
const PARCELS = [
  parcel('P1', 'HH', 'Hòa Phú', rect(0, 0, 100, 50), {
    maxFar: 3,
    maxCoverage: 0.4,
    maxStoreys: 10,
    setbackM: 5,
  }),
  parcel('P2', 'NO', 'Hòa Phú', rect(200, 0, 240, 30), { maxFar: 2, maxCoverage: 0.5, setbackM: 5 }),
  parcel('P3', 'CXCC', 'Phú Tân', rect(0, 100, 50, 150), { maxFar: 0.05 }),
];
const BUILDINGS = [
  // P1: 20 × 20 m × 8 storeys = 3,200 m² of flats.
  building('B1', rect(10, 10, 30, 30), 8, 28),
  // P1: 30 × 20 m × 12 storeys = 7,200 m² of offices, 42 m: over 10 storeys (35 m).
  building('B2', rect(50, 10, 80, 30), 12, 42, 'TMD'),
  // P2: 30 × 20 m, no storey count, 17.5 m → 5 storeys = 3,000 m²; 3 m into the west setback.
  building('B3', rect(202, 5, 232, 25), 0, 17.5),
  // In no parcel.
  building('B4', rect(400, 400, 410, 410), 2, 7),
];

describe('computeMetrics', () => {
  const m = computeMetrics(PARCELS, BUILDINGS);
  const p1 = m.parcels[0]!;
  const p2 = m.parcels[1]!;
  const p3 = m.parcels[2]!;

  it('computes GFA, FAR and coverage of a parcel by hand', () => {
    expect(p1.areaM2).toBeCloseTo(5000, 0);
    expect(p1.buildings).toBe(2);
    expect(p1.footprintM2).toBeCloseTo(1000, 0);
    expect(p1.gfaM2).toBeCloseTo(10_400, 0);
    expect(p1.far).toBeCloseTo(2.08, 2);
    expect(p1.coverage).toBeCloseTo(0.2, 3);
    expect(p1.residentialGfaM2).toBeCloseTo(3200, 0);
    expect(p1.residents).toBe(128); // 3,200 m² ÷ 25 m² per person
    expect(p1.maxHeightM).toBe(35); // 10 storeys × 3.5 m
    expect(p1.tallestM).toBe(42);
  });

  it('flags the tower over the storey limit, and nothing else on that parcel', () => {
    // A storey limit is checked by storeys: 42 m over 10 × 3.5 m alone is no height violation.
    expect(p1.violations).toEqual([{ rule: 'storeys', limit: 10, actual: 12, buildingIds: ['B2'] }]);
  });

  it('checks a stated height limit in metres', () => {
    const capped = computeMetrics(
      [{ ...PARCELS[0]!, limits: { ...PARCELS[0]!.limits, maxStoreys: null, maxHeightM: 30 } }],
      BUILDINGS,
    );
    expect(capped.parcels[0]!.violations).toEqual([
      { rule: 'height', limit: 30, actual: 42, buildingIds: ['B2'] },
    ]);
  });

  it('flags a building in the setback by the area outside the envelope; coverage at the limit passes', () => {
    expect(p2.gfaM2).toBeCloseTo(3000, 0);
    expect(p2.far).toBeCloseTo(2.5, 2);
    expect(p2.coverage).toBeCloseTo(0.5, 3);
    const rules = p2.violations.map((v) => v.rule).sort();
    expect(rules).toEqual(['far', 'setback']);
    const setback = p2.violations.find((v) => v.rule === 'setback')!;
    expect(setback.buildingIds).toEqual(['B3']);
    expect(setback.actual).toBeCloseTo(60, 0); // 3 m × 20 m west of the envelope
  });

  it('sums wards and the scenario, with the green share and unassigned buildings', () => {
    expect(p3.buildings).toBe(0);
    expect(p3.violations).toEqual([]);
    expect(m.totals.areaM2).toBeCloseTo(8700, 0);
    expect(m.totals.gfaM2).toBeCloseTo(13_400, 0);
    expect(m.totals.far).toBeCloseTo(13_400 / 8700, 3);
    expect(m.totals.greenShare).toBeCloseTo(2500 / 8700, 3);
    expect(m.totals.violatingParcels).toBe(2);
    expect(m.totals.violations).toEqual({ height: 0, storeys: 1, coverage: 0, far: 1, setback: 1 });
    expect(m.totals.unassignedBuildings).toBe(1);
    expect(m.totals.unassignedGfaM2).toBeCloseTo(200, 0);
    expect(m.wards.map((w) => [w.ward, w.parcels, w.buildings])).toEqual([
      ['Hòa Phú', 2, 3],
      ['Phú Tân', 1, 0],
    ]);
    expect(Array.from(m.buildingParcel)).toEqual([0, 0, 1, -1]);
  });

  it('uses the configured floor area per person', () => {
    const m30 = computeMetrics(PARCELS, BUILDINGS, { ...METRICS_DEFAULTS, floorAreaPerPersonM2: 32 });
    expect(m30.parcels[0]!.residents).toBe(100);
  });

  it('derives storeys from height when a building has none', () => {
    expect(storeysOf({ storeys: 0, heightM: 17.5 }, 3.5)).toBe(5);
    expect(storeysOf({ storeys: 0, heightM: 1 }, 3.5)).toBe(1);
    expect(storeysOf({ storeys: 4, heightM: 30 }, 3.5)).toBe(4);
  });
});

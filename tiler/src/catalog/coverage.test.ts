import { describe, expect, it } from 'vitest';
import { metresPerDegree } from '../geo/ellipsoid.js';
import { completenessCsv, completenessTable } from './completeness.js';
import { CoverageAccumulator, PreparedUnit } from './coverage.js';
import type { Polygon, XY } from './geometry.js';

// A 1 km × 1 km square ward in Thủ Dầu Một; fixtures are written in metres from its south-west
// corner and converted to degrees with the same scale the module uses at the square's centre.
const LON0 = 106.65;
const LAT0 = 10.98;
const { lonM, latM } = metresPerDegree(LAT0 + 500 / 111_000);
const deg = ([x, y]: XY): XY => [LON0 + x / lonM, LAT0 + y / latM];
const rect = (x0: number, y0: number, x1: number, y1: number): Polygon => [
  [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0],
  ].map((p) => deg(p as XY)),
];
const polygon = (p: Polygon) => ({ type: 'Polygon', coordinates: p });
const ward = new PreparedUnit({ id: 'W1', name: 'Square', polygons: [rect(0, 0, 1000, 1000)] });

describe('coverage by area (hand-computed on a 1 km square ward)', () => {
  it('measures the ward itself as 1 km²', () => {
    expect(ward.areaM2).toBeCloseTo(1_000_000, -2);
  });

  it('a layer covering exactly the west half covers 50 %', () => {
    const acc = new CoverageAccumulator([ward], 'area');
    acc.add(polygon(rect(0, 0, 500, 1000)));
    expect(acc.result().W1).toBeCloseTo(0.5, 4);
  });

  it('counts only the part inside the ward (polygon across the boundary: 250 × 1000 m inside)', () => {
    const acc = new CoverageAccumulator([ward], 'area');
    acc.add(polygon(rect(750, 0, 1250, 1000)));
    expect(acc.result().W1).toBeCloseTo(0.25, 4);
  });

  it('adds parcels inside, ignores parcels outside, and caps at 100 %', () => {
    const acc = new CoverageAccumulator([ward], 'area');
    acc.add(polygon(rect(100, 100, 200, 200))); // 1 ha
    acc.add(polygon(rect(300, 300, 400, 400))); // 1 ha
    acc.add(polygon(rect(2000, 2000, 2100, 2100))); // outside
    expect(acc.result().W1).toBeCloseTo(0.02, 5);
    const all = new CoverageAccumulator([ward], 'area');
    all.add(polygon(rect(-500, -500, 1500, 1500))); // contains the ward
    all.add(polygon(rect(0, 0, 500, 500))); // overlaps the first: capped
    expect(all.result().W1).toBe(1);
  });

  it('intersects exactly across a concave ward (a U whose notch cuts the parcel in two)', () => {
    // Ward: 0–1000 square minus the notch x 400–600, y 300–1000 (area 860,000 m²); parcel
    // x 300–700, y 500–700: inside are x 300–400 and 600–700, 2 × 100 × 200 = 40,000 m².
    const u = [
      [0, 0],
      [1000, 0],
      [1000, 1000],
      [600, 1000],
      [600, 300],
      [400, 300],
      [400, 1000],
      [0, 1000],
      [0, 0],
    ];
    const uWard = new PreparedUnit({ id: 'U', name: 'U', polygons: [[u.map((p) => deg(p as XY))]] });
    expect(uWard.areaM2).toBeCloseTo(860_000, -2);
    const acc = new CoverageAccumulator([uWard], 'area');
    acc.add(polygon(rect(300, 500, 700, 700)));
    expect(acc.result().U).toBeCloseTo(40_000 / 860_000, 5);
  });

  it('subtracts holes', () => {
    const acc = new CoverageAccumulator([ward], 'area');
    const outer = rect(0, 0, 500, 1000)[0]!;
    const hole = rect(100, 100, 200, 200)[0]!.reverse();
    acc.add(polygon([outer, hole]));
    expect(acc.result().W1).toBeCloseTo(0.49, 4);
  });
});

describe('coverage by cells (250 m cells: 16 in the ward)', () => {
  it('counts cells holding a point, once each', () => {
    const acc = new CoverageAccumulator([ward], 'cells', 250);
    for (const p of [
      [10, 10],
      [20, 20], // same cell as the first
      [600, 600],
      [900, 100],
      [1500, 500], // outside
    ] as XY[]) {
      acc.add({ type: 'Point', coordinates: deg(p) });
    }
    expect(acc.result().W1).toBeCloseTo(3 / 16, 6);
  });

  it('a line across the bottom row covers its 4 cells', () => {
    const acc = new CoverageAccumulator([ward], 'cells', 250);
    acc.add({ type: 'LineString', coordinates: [deg([10, 125]), deg([990, 125])] });
    expect(acc.result().W1).toBeCloseTo(4 / 16, 6);
  });

  it('a polygon larger than a cell covers the cells of its edges and centre', () => {
    const acc = new CoverageAccumulator([ward], 'cells', 250);
    // 0–500 m square: its edges touch cells (0..1, 0..1); the centre (250, 250) too.
    acc.add(polygon(rect(10, 10, 490, 490)));
    expect(acc.result().W1).toBeCloseTo(4 / 16, 6);
  });
});

describe('completeness table', () => {
  const units = [
    { id: 'W1', name: 'Một', areaM2: 1_000_000 },
    { id: 'W2', name: 'Hai', areaM2: 3_000_000 },
  ];
  const table = completenessTable('wards', units, [
    {
      layer: { id: 'parcels-2019', title: { vi: 'Thửa 2019', en: 'Parcels 2019' }, sector: 'dat-dai' },
      method: 'area',
      byUnit: { W1: 0.5, W2: 0.2 },
    },
    {
      layer: { id: 'parcels-2024', title: { vi: 'Thửa 2024', en: 'Parcels 2024' }, sector: 'dat-dai' },
      method: 'area',
      byUnit: { W1: 0.4, W2: 0.6 },
    },
    {
      layer: { id: 'stops', title: { vi: 'Trạm', en: 'Stops' }, sector: 'giao-thong' },
      method: 'cells',
      byUnit: { W1: 0.25 },
    },
  ]);

  it('takes the best layer per sector, lists the layers best first', () => {
    const w1 = table.units[0]!;
    expect(w1.sectors['dat-dai'].share).toBe(0.5);
    expect(w1.sectors['dat-dai'].layers.map((l) => l.id)).toEqual(['parcels-2019', 'parcels-2024']);
    expect(w1.sectors['giao-thong'].share).toBe(0.25);
    expect(w1.sectors['moi-truong']).toEqual({ share: 0, layers: [] });
    expect(w1.overall).toBeCloseTo((0.5 + 0.25) / 6, 9);
    expect(table.units[1]!.sectors['dat-dai'].share).toBe(0.6);
  });

  it('weights totals by ward area', () => {
    // (0.5 × 1 + 0.6 × 3) / 4 = 0.575; transport (0.25 × 1 + 0) / 4 = 0.0625
    expect(table.totals['dat-dai']).toBeCloseTo(0.575, 9);
    expect(table.totals['giao-thong']).toBeCloseTo(0.0625, 9);
  });

  it('exports CSV with percentages', () => {
    const csv = completenessCsv(table);
    expect(csv.startsWith('\uFEFFward_id,ward,area_km2,dat-dai_pct')).toBe(true);
    expect(csv).toContain(
      'W1,Một,1.000,50.0,0.0,0.0,0.0,25.0,0.0,12.5,parcels-2019=50.0 parcels-2024=40.0 stops=25.0',
    );
  });
});

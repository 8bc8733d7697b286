/**
 * `npm run bench:planning`: the planning computations at the sizes issue 7 targets, on
 * synthetic but realistic inputs (deterministic):
 * - metrics-5k-50k: per-parcel, ward and total metrics (GFA, FAR, coverage, height, setback
 *   checks with the Clipper envelope) for 5,000 parcels and 50,000 proposed buildings;
 *   target ≤ 10 s;
 * - sun-hours-200m-5k: hours of direct sun on a 200 m × 200 m area at 2 m spacing (10,000
 *   points), 15-minute steps over 21 December, ray cast against 5,000 buildings; target ≤ 30 s.
 * Prints a table, then one JSON object per case per line. `--cases a,b` selects cases.
 */
import { parseArgs } from 'node:util';
import { localFrame, type Polygons } from '../../tiler/src/planning/geometry.js';
import { computeMetrics, type PlanBuilding } from '../../tiler/src/planning/metrics.js';
import type { Parcel } from '../../tiler/src/planning/parcel.js';
import { type ShadowCaster, sunHoursGrid } from '../../tiler/src/planning/sun-hours.js';
import { createRng } from '../city/rng.js';

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

interface Result {
  case: string;
  seconds: number;
  target_seconds: number;
  met: boolean;
  peak_rss_mb: number;
  [k: string]: unknown;
}

/** 5,000 parcels of 60 × 60 m in a 71 × 71 grid with 12 m streets; 10 buildings each. */
function metricsCase(): Result {
  const rng = createRng(7);
  const parcels: Parcel[] = [];
  const buildings: PlanBuilding[] = [];
  const side = 60;
  const pitch = side + 12;
  const cols = 71;
  for (let i = 0; i < 5000; i++) {
    const x0 = (i % cols) * pitch;
    const y0 = Math.floor(i / cols) * pitch;
    parcels.push({
      id: `P-${i}`,
      landUse: i % 10 === 0 ? 'CXCC' : i % 3 === 0 ? 'HH' : 'NO',
      landUseKnown: true,
      ward: `W-${Math.floor(i / 500)}`,
      name: '',
      polygons: rect(x0, y0, x0 + side, y0 + side),
      limits: { maxHeightM: null, maxStoreys: 12, maxCoverage: 0.5, maxFar: 3, setbackM: 3 },
      source: { file: 'bench', index: i },
    });
    // Ten buildings of 7–14 m per side on a 2 × 5 layout; some reach into the 3 m setback.
    for (let k = 0; k < 10; k++) {
      const bx = x0 + 3 + (k % 5) * 11 + rng.range(0, 1.2);
      const by = y0 + 3 + Math.floor(k / 5) * 28 + rng.range(0, 3);
      const w = rng.range(7, 9.8);
      const h = rng.range(8, 14);
      const storeys = rng.int(1, 15);
      buildings.push({
        id: `B-${i}-${k}`,
        polygons: rect(bx, by, bx + w, by + h),
        heightM: storeys * 3.5 + 1,
        storeys: rng.chance(0.1) ? 0 : storeys,
        use: rng.chance(0.7) ? 'ODT' : 'TMD',
      });
    }
  }
  const t0 = performance.now();
  const m = computeMetrics(parcels, buildings);
  const seconds = (performance.now() - t0) / 1000;
  return {
    case: 'metrics-5k-50k',
    parcels: parcels.length,
    buildings: buildings.length,
    seconds: round(seconds),
    buildings_per_s: Math.round(buildings.length / seconds),
    violating_parcels: m.totals.violatingParcels,
    violations: m.totals.violations,
    target_seconds: 10,
    met: seconds <= 10,
    peak_rss_mb: rssMb(),
  };
}

/**
 * 5,000 buildings scattered over the 1.4 km square that can shade a 200 m × 200 m area (600 m
 * reach each side): ~2,500 per km², between the demo city's suburbs and its old town; 6–16 m
 * footprints, 85 % of 4–18 m and 15 % towers of 30–100 m.
 */
function sunCase(): Result {
  const rng = createRng(11);
  const casters: ShadowCaster[] = [];
  while (casters.length < 5000) {
    const x = rng.range(-700, 700);
    const y = rng.range(-700, 700);
    const w = rng.range(6, 16);
    const d = rng.range(6, 16);
    casters.push({
      polygons: rect(x, y, x + w, y + d),
      heightM: rng.chance(0.15) ? rng.range(30, 100) : rng.range(4, 18),
    });
  }
  const [w, s] = FRAME.toLonLat(-100, -100);
  const [e, n] = FRAME.toLonLat(100, 100);
  const t0 = performance.now();
  const grid = sunHoursGrid(casters, [w, s, e, n], '2025-12-21', {
    spacingM: 2,
    stepMinutes: 15,
    groundOffsetM: 0.05,
    reachM: 600,
  });
  const seconds = (performance.now() - t0) / 1000;
  const ground = grid.hours.filter((h) => h >= 0);
  const samples = Math.ceil((grid.daylightHours * 60) / 15);
  return {
    case: 'sun-hours-200m-5k',
    buildings: casters.length,
    points: grid.cols * grid.rows,
    sun_samples: samples,
    rays: ground.length * samples,
    seconds: round(seconds),
    rays_per_s: Math.round((ground.length * samples) / seconds),
    mean_hours: round(ground.reduce((a, b) => a + b, 0) / ground.length),
    daylight_hours: grid.daylightHours,
    target_seconds: 30,
    met: seconds <= 30,
    peak_rss_mb: rssMb(),
  };
}

const round = (v: number) => Math.round(v * 100) / 100;
const rssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

const CASES: Record<string, () => Result> = { 'metrics-5k-50k': metricsCase, 'sun-hours-200m-5k': sunCase };

const { values } = parseArgs({ options: { cases: { type: 'string' } } });
const names = values.cases ? values.cases.split(',') : Object.keys(CASES);
const results: Result[] = [];
for (const name of names) {
  const run = CASES[name];
  if (!run) throw new Error(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  results.push(run());
}
console.log('| case | size | seconds | rate | target | met | peak RSS |');
console.log('| --- | --- | ---: | ---: | ---: | --- | ---: |');
for (const r of results) {
  const size =
    r.case === 'metrics-5k-50k'
      ? `${r.parcels} parcels, ${r.buildings} buildings`
      : `${r.points} points × ${r.sun_samples} steps, ${r.buildings} buildings`;
  const rate = r.case === 'metrics-5k-50k' ? `${r.buildings_per_s} bld/s` : `${r.rays_per_s} rays/s`;
  console.log(
    `| ${r.case} | ${size} | ${r.seconds} | ${rate} | ≤ ${r.target_seconds} s | ${r.met ? 'yes' : 'NO'} | ${r.peak_rss_mb} MB |`,
  );
}
for (const r of results) console.log(JSON.stringify(r));

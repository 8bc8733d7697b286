import {
  type AggregateMetrics,
  type ParcelMetrics,
  type ScenarioMetrics,
  toCsv,
  VIOLATION_RULES,
  type Violation,
} from '../../../../tiler/src/api/planning.js';

/**
 * Scenario A against scenario B: rows per parcel (joined on parcelId), ward and the whole area,
 * with A, B and B − A for each measure. Pure, so the table and the CSV export agree.
 */

export type Level = 'parcel' | 'ward' | 'total';

export const MEASURES = ['gfaM2', 'far', 'coverage', 'residents', 'buildings'] as const;
export type Measure = (typeof MEASURES)[number];

export interface CompareRow {
  level: Level;
  id: string;
  landUse: string;
  a: Record<Measure, number> | null;
  b: Record<Measure, number> | null;
  /** Violated rules (parcels) or `rule:count` (wards, total). */
  violationsA: string[];
  violationsB: string[];
  greenShareA?: number;
  greenShareB?: number;
}

function pick(m: ParcelMetrics | AggregateMetrics): Record<Measure, number> {
  return { gfaM2: m.gfaM2, far: m.far, coverage: m.coverage, residents: m.residents, buildings: m.buildings };
}

const parcelRules = (vs: readonly Violation[]) => vs.map((v) => v.rule);
const aggregateRules = (a: AggregateMetrics) =>
  VIOLATION_RULES.filter((r) => a.violations[r] > 0).map((r) => `${r}:${a.violations[r]}`);

/** B − A, rounded to what the measure shows; null when either side lacks it. */
export function delta(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined) return null;
  return Math.round((b - a) * 1e4) / 1e4;
}

export function compareRows(a: ScenarioMetrics, b: ScenarioMetrics, level: Level): CompareRow[] {
  if (level === 'total') {
    return [
      {
        level,
        id: '',
        landUse: '',
        a: pick(a.totals),
        b: pick(b.totals),
        violationsA: aggregateRules(a.totals),
        violationsB: aggregateRules(b.totals),
        greenShareA: a.totals.greenShare,
        greenShareB: b.totals.greenShare,
      },
    ];
  }
  if (level === 'ward') {
    const names = [...new Set([...a.wards, ...b.wards].map((w) => w.ward))].sort((x, y) =>
      x.localeCompare(y, 'vi'),
    );
    return names.map((ward) => {
      const wa = a.wards.find((w) => w.ward === ward);
      const wb = b.wards.find((w) => w.ward === ward);
      return {
        level,
        id: ward,
        landUse: '',
        a: wa ? pick(wa) : null,
        b: wb ? pick(wb) : null,
        violationsA: wa ? aggregateRules(wa) : [],
        violationsB: wb ? aggregateRules(wb) : [],
        ...(wa ? { greenShareA: wa.greenShare } : {}),
        ...(wb ? { greenShareB: wb.greenShare } : {}),
      };
    });
  }
  const byId = new Map<string, { a?: ParcelMetrics; b?: ParcelMetrics }>();
  for (const p of a.parcels) byId.set(p.parcelId, { a: p });
  for (const p of b.parcels) byId.set(p.parcelId, { ...byId.get(p.parcelId), b: p });
  return [...byId.entries()]
    .sort(([x], [y]) => x.localeCompare(y, 'en', { numeric: true }))
    .map(([id, { a: pa, b: pb }]) => ({
      level,
      id,
      landUse: pb && pa && pb.landUse !== pa.landUse ? `${pa.landUse} → ${pb.landUse}` : (pb ?? pa)!.landUse,
      a: pa ? pick(pa) : null,
      b: pb ? pick(pb) : null,
      violationsA: pa ? parcelRules(pa.violations) : [],
      violationsB: pb ? parcelRules(pb.violations) : [],
    }));
}

/** A row changed between A and B, or has a violation on either side. */
export function isInteresting(row: CompareRow): boolean {
  if (row.violationsA.length || row.violationsB.length || !row.a || !row.b) return true;
  return MEASURES.some((m) => row.a![m] !== row.b![m]) || row.landUse.includes('→');
}

/** Every level in one CSV: measure_A, measure_B, measure_delta columns. */
export function compareCsv(a: ScenarioMetrics, b: ScenarioMetrics): string {
  const header = [
    'level',
    'id',
    'landUse',
    ...MEASURES.flatMap((m) => [`${m}_A`, `${m}_B`, `${m}_delta`]),
    'greenShare_A',
    'greenShare_B',
    'violations_A',
    'violations_B',
  ];
  const rows = (['parcel', 'ward', 'total'] as const).flatMap((level) =>
    compareRows(a, b, level).map((r) => [
      r.level,
      level === 'total' ? `${a.scenarioId} | ${b.scenarioId}` : r.id,
      r.landUse,
      ...MEASURES.flatMap((m) => [r.a?.[m] ?? null, r.b?.[m] ?? null, delta(r.a?.[m], r.b?.[m])]),
      r.greenShareA ?? null,
      r.greenShareB ?? null,
      r.violationsA.join(';'),
      r.violationsB.join(';'),
    ]),
  );
  return toCsv([header, ...rows]);
}

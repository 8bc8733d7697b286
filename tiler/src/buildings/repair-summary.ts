import type { RepairKind } from './repair.js';
import { REPAIR_KINDS } from './repair.js';

/**
 * Counts of what repair did over a whole run, for report.json and the CLI summary. Per-feature
 * lists would be as long as the input; counts and a few example ids say what to look at.
 */
export interface RepairSummary {
  /** Buildings with at least one repair of any kind. */
  repaired: number;
  /** Buildings whose extruded outline differs from the drawn one (not only tidied). */
  reshaped: number;
  /** Buildings per kind (a building counts once per kind), kinds in REPAIR_KINDS order, zeros left out. */
  byKind: Partial<Record<RepairKind, number>>;
  /** The first few building ids per kind, to find them in the source. */
  examples: Partial<Record<RepairKind, string[]>>;
}

/** Example ids kept per kind. */
const EXAMPLES_PER_KIND = 3;

export function summariseRepairs(
  footprints: Iterable<{ repairs?: readonly RepairKind[]; properties: { id: string } }>,
): RepairSummary {
  const counts = new Map<RepairKind, number>();
  const examples = new Map<RepairKind, string[]>();
  let repaired = 0;
  let reshaped = 0;
  for (const f of footprints) {
    const repairs = f.repairs;
    if (!repairs || repairs.length === 0) continue;
    repaired++;
    if (repairs.some((k) => REPAIR_KINDS[k].changesShape)) reshaped++;
    for (const kind of repairs) {
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const ids = examples.get(kind) ?? [];
      if (ids.length < EXAMPLES_PER_KIND) ids.push(f.properties.id);
      examples.set(kind, ids);
    }
  }
  const summary: RepairSummary = { repaired, reshaped, byKind: {}, examples: {} };
  for (const kind of Object.keys(REPAIR_KINDS) as RepairKind[]) {
    const n = counts.get(kind);
    if (!n) continue;
    summary.byKind[kind] = n;
    summary.examples[kind] = examples.get(kind)!;
  }
  return summary;
}

/**
 * The summary as CLI lines, in the style of the tiler's summary:
 * ```
 * repaired:          412 (3 reshaped)
 *   398 × winding: rings re-oriented (outer counter-clockwise, holes clockwise)
 *   2 × self-intersection: self-intersecting ring rebuilt (a bow-tie becomes two polygons), e.g. B-12, B-40
 * ```
 * Kinds that change the shape name example ids; tidy-ups do not (there are too many to matter).
 */
export function formatRepairSummary(summary: RepairSummary): string[] {
  const lines = [
    `repaired:          ${summary.repaired.toLocaleString('en')} (${summary.reshaped} reshaped)`,
  ];
  for (const [kind, n] of Object.entries(summary.byKind) as [RepairKind, number][]) {
    const { description, changesShape } = REPAIR_KINDS[kind];
    const ids = changesShape ? (summary.examples[kind] ?? []) : [];
    const eg = ids.length > 0 ? `, e.g. ${ids.join(', ')}` : '';
    lines.push(`  ${n.toLocaleString('en')} × ${kind}: ${description}${eg}`);
  }
  return lines;
}

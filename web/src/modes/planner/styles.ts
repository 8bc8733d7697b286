import { Cesium3DTileStyle } from 'cesium';
import { PLANNING_LAND_USE_BY_CODE, type PlanningLandUse } from '../../../../tiler/src/api/planning.js';
import type { MessageId } from '../../i18n';

/**
 * Planner colours. Each style and its legend come from one table, as in scene/buildingStyle.ts,
 * so they cannot drift apart. Envelopes are translucent volumes; violations are red/orange so
 * they read against the blue/green of compliant parcels.
 */

export type EnvelopeStyleMode = 'violations' | 'landUse';

export interface LegendEntry {
  color: string;
  label: MessageId;
  params?: Record<string, string | number>;
}

/** Envelope alpha: the buildings inside must stay visible. */
const ENVELOPE_ALPHA = 0.32;

/** By violation, most serious first (a parcel shows its first matching rule). */
const VIOLATION_CLASSES: readonly { test: string; color: string; label: MessageId }[] = [
  { test: `\${vHeight} === 1`, color: '#E53935', label: 'planner.legend.violation.height' },
  { test: `\${vFar} === 1`, color: '#FB8C00', label: 'planner.legend.violation.far' },
  { test: `\${vCoverage} === 1`, color: '#FDD835', label: 'planner.legend.violation.coverage' },
  { test: `\${vSetback} === 1`, color: '#D81B60', label: 'planner.legend.violation.setback' },
];
const OK_COLOR = '#4FC3F7';

const LAND_USE_GROUPS: readonly { group: PlanningLandUse['group'][]; color: string; label: MessageId }[] = [
  { group: ['residential'], color: '#FFD54F', label: 'planner.landUse.residential' },
  { group: ['mixed'], color: '#FF8A65', label: 'planner.landUse.mixed' },
  { group: ['commercial'], color: '#E57373', label: 'planner.landUse.commercial' },
  { group: ['public'], color: '#64B5F6', label: 'planner.landUse.public' },
  { group: ['green'], color: '#66BB6A', label: 'planner.landUse.green' },
  { group: ['transport'], color: '#B0BEC5', label: 'planner.landUse.transport' },
];
const OTHER_LAND_USE = { color: '#9E9E9E', label: 'planner.landUse.other' as MessageId };

function codesOf(groups: readonly PlanningLandUse['group'][]): string[] {
  return Object.values(PLANNING_LAND_USE_BY_CODE)
    .filter((u) => groups.includes(u.group))
    .map((u) => u.code);
}

const rgba = (hex: string, alpha: number) => `color('${hex}', ${alpha})`;

export function envelopeConditions(mode: EnvelopeStyleMode): [string, string][] {
  if (mode === 'violations') {
    return [
      ...VIOLATION_CLASSES.map((c): [string, string] => [c.test, rgba(c.color, ENVELOPE_ALPHA + 0.1)]),
      ['true', rgba(OK_COLOR, ENVELOPE_ALPHA)],
    ];
  }
  return [
    ...LAND_USE_GROUPS.map((g): [string, string] => [
      `regExp('^(${codesOf(g.group).join('|')})$').test(\${landUse})`,
      rgba(g.color, ENVELOPE_ALPHA),
    ]),
    ['true', rgba(OTHER_LAND_USE.color, ENVELOPE_ALPHA)],
  ];
}

export function envelopeStyle(mode: EnvelopeStyleMode): Cesium3DTileStyle {
  return new Cesium3DTileStyle({ color: { conditions: envelopeConditions(mode) } });
}

export function envelopeLegend(mode: EnvelopeStyleMode): LegendEntry[] {
  if (mode === 'violations') {
    return [
      ...VIOLATION_CLASSES.map((c) => ({ color: c.color, label: c.label })),
      { color: OK_COLOR, label: 'planner.legend.ok' },
    ];
  }
  return [...LAND_USE_GROUPS.map((g) => ({ color: g.color, label: g.label })), OTHER_LAND_USE];
}

const BUILDING_OK = '#ECEFF1';
const BUILDING_VIOLATION = '#E53935';

/** Regular-expression-safe id alternation for a style condition. */
function idPattern(ids: readonly string[]): string {
  return ids.map((id) => id.replace(/[\\^$.*+?()[\]{}|'/]/g, (c) => `\\${c}`)).join('|');
}

/** Proposed buildings: violators (by id, from metrics.json) red, the rest light grey. */
export function buildingConditions(violatingIds: readonly string[]): [string, string][] {
  return [
    ...(violatingIds.length
      ? ([[`regExp('^(${idPattern(violatingIds)})$').test(\${id})`, `color('${BUILDING_VIOLATION}')`]] as [
          string,
          string,
        ][])
      : []),
    ['true', `color('${BUILDING_OK}')`],
  ];
}

export function buildingStyle(violatingIds: readonly string[]): Cesium3DTileStyle {
  return new Cesium3DTileStyle({ color: { conditions: buildingConditions(violatingIds) } });
}

export const BUILDING_LEGEND: LegendEntry[] = [
  { color: BUILDING_OK, label: 'planner.legend.building.ok' },
  { color: BUILDING_VIOLATION, label: 'planner.legend.building.violation' },
];

// ---- Sun hours ---------------------------------------------------------------------------

/** Hours → colour: deep blue (shade) through teal and yellow to orange (full sun). */
const SUN_RAMP: readonly [number, [number, number, number]][] = [
  [0, [33, 25, 110]],
  [3, [45, 90, 170]],
  [6, [40, 170, 160]],
  [9, [240, 220, 80]],
  [12, [250, 140, 30]],
];

function ramp(stops: readonly [number, [number, number, number]][], v: number): [number, number, number] {
  if (v <= stops[0]![0]) return stops[0]![1];
  for (let i = 1; i < stops.length; i++) {
    const [x1, c1] = stops[i]!;
    const [x0, c0] = stops[i - 1]!;
    if (v <= x1) {
      const t = (v - x0) / (x1 - x0);
      return [0, 1, 2].map((k) => Math.round(c0[k]! + (c1[k]! - c0[k]!) * t)) as [number, number, number];
    }
  }
  return stops[stops.length - 1]![1];
}

export function sunHoursColor(hours: number): [number, number, number] {
  return ramp(SUN_RAMP, hours);
}

/** B − A hours → diverging colour: red lost sun, white unchanged, blue gained. */
const DELTA_RAMP: readonly [number, [number, number, number]][] = [
  [-9, [103, 0, 31]],
  [-6, [178, 24, 43]],
  [-3, [239, 138, 98]],
  [0, [247, 247, 247]],
  [3, [103, 169, 207]],
  [6, [33, 102, 172]],
];

export function sunDeltaColor(deltaH: number): [number, number, number] {
  return ramp(DELTA_RAMP, deltaH);
}

const hex = (c: [number, number, number]) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

export function sunHoursLegend(date: string): { title: LegendEntry; entries: LegendEntry[] } {
  return {
    title: { color: '', label: 'planner.legend.sunHours', params: { date } },
    entries: SUN_RAMP.map(([h, c]) => ({
      color: hex(c),
      label: 'planner.legend.hours' as MessageId,
      params: { value: h },
    })),
  };
}

export function sunDeltaLegend(): { title: LegendEntry; entries: LegendEntry[] } {
  return {
    title: { color: '', label: 'planner.legend.sunDelta' },
    entries: DELTA_RAMP.map(([h, c]) => ({
      color: hex(c),
      label: 'planner.legend.hours' as MessageId,
      params: { value: h > 0 ? `+${h}` : String(h) },
    })),
  };
}

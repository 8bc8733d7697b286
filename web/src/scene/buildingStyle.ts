import { Cesium3DTileStyle } from 'cesium';
import type { MessageId } from '../i18n';

/**
 * Building colour schemes. The legend is drawn from the same tables that build the
 * Cesium3DTileStyle, so the two cannot drift apart.
 */
export type StyleMode = 'use' | 'height';

export interface UseGroup {
  id: 'residential' | 'commercial' | 'industrial' | 'public' | 'religious';
  label: MessageId;
  /** Cadastral land-use codes (mã loại đất) in this group. */
  codes: readonly string[];
  color: string;
}

export const USE_GROUPS: readonly UseGroup[] = [
  { id: 'residential', label: 'legend.use.residential', codes: ['ODT', 'ONT', 'OCT'], color: '#F3D7A2' },
  { id: 'commercial', label: 'legend.use.commercial', codes: ['TMD'], color: '#E4572E' },
  {
    id: 'industrial',
    label: 'legend.use.industrial',
    codes: ['SKK', 'SKC', 'SKN', 'SKT', 'CSK', 'SKS', 'SKX'],
    color: '#8E6CC9',
  },
  {
    id: 'public',
    label: 'legend.use.public',
    codes: [
      'DGD',
      'DYT',
      'DVH',
      'DTT',
      'TSC',
      'DSN',
      'DTS',
      'DXH',
      'DKH',
      'DNG',
      'DSK',
      'CQP',
      'CAN',
      'CCC',
      'DSH',
      'DKV',
      'DCH',
      'DBV',
      'DNL',
      'DGT',
      'DDT',
      'DDL',
      'DCK',
    ],
    color: '#3F88C5',
  },
  { id: 'religious', label: 'legend.use.religious', codes: ['TON', 'TIN'], color: '#C2185B' },
];

export const OTHER_USE = { label: 'legend.use.other' as MessageId, color: '#A7A9AC' };

/** Graduated height classes; `min` inclusive, next class's `min` exclusive (metres). */
export interface HeightClass {
  min: number;
  color: string;
}

export const HEIGHT_CLASSES: readonly HeightClass[] = [
  { min: 0, color: '#FFF5C8' },
  { min: 6, color: '#FEDD8D' },
  { min: 12, color: '#FDAE61' },
  { min: 20, color: '#F46D43' },
  { min: 40, color: '#D53E4F' },
  { min: 80, color: '#7B2A6B' },
];

/** Colour of the picked building (applied per feature, on top of the style). */
export const HIGHLIGHT_COLOR = '#00E5FF';

export interface LegendEntry {
  color: string;
  label: MessageId;
  params?: Record<string, number>;
}

export function legendEntries(mode: StyleMode): LegendEntry[] {
  if (mode === 'use') {
    return [
      ...USE_GROUPS.map((g) => ({ color: g.color, label: g.label })),
      { color: OTHER_USE.color, label: OTHER_USE.label },
    ];
  }
  return HEIGHT_CLASSES.map((c, i): LegendEntry => {
    const next = HEIGHT_CLASSES[i + 1];
    if (i === 0 && next) return { color: c.color, label: 'legend.height.below', params: { max: next.min } };
    if (!next) return { color: c.color, label: 'legend.height.above', params: { min: c.min } };
    return { color: c.color, label: 'legend.height.range', params: { min: c.min, max: next.min } };
  });
}

/** The 3D Tiles style expressions (exported for tests and docs). */
export function styleConditions(mode: StyleMode): [string, string][] {
  if (mode === 'use') {
    return [
      ...USE_GROUPS.map((g): [string, string] => [
        `regExp('^(${g.codes.join('|')})$').test(\${use})`,
        `color('${g.color}')`,
      ]),
      ['true', `color('${OTHER_USE.color}')`],
    ];
  }
  // Highest class first; the lowest class is the fallback (also for a missing height).
  const classes = [...HEIGHT_CLASSES].reverse();
  return classes.map((c, i): [string, string] => [
    i === classes.length - 1 ? 'true' : `\${height} >= ${c.min}`,
    `color('${c.color}')`,
  ]);
}

export function buildingStyle(mode: StyleMode): Cesium3DTileStyle {
  return new Cesium3DTileStyle({ color: { conditions: styleConditions(mode) } });
}

import {
  CADASTRAL_COLORS,
  type LayerStyle,
  type SectorId,
  type StyleBreak,
  type StyleCategory,
} from '../api/catalog.js';
import { CADASTRAL_LAND_USE } from '../api/landuse.js';

/**
 * A first style for an imported layer, from what its attributes hold: cadastral land-use codes
 * get the official colours, other text a qualitative palette, numbers five quantile classes.
 * `--style-by <attribute>` picks the attribute; without it a land-use code attribute is looked
 * for, else the layer is one colour (its sector's). Pure; the stats are gathered while reading.
 */

/** Sector colours for single-colour layers (and the dashboard's sector headers). */
export const SECTOR_COLORS: Readonly<Record<SectorId, string>> = {
  'dat-dai': '#E9C46A',
  'quy-hoach-do-thi': '#F4A261',
  'quy-hoach-xay-dung': '#E76F51',
  'moi-truong': '#2A9D8F',
  'giao-thong': '#FFAA32',
  'ha-tang': '#3F88C5',
};

/** Twelve distinguishable colours for categories that are not land-use codes. */
const QUALITATIVE = [
  '#4E79A7',
  '#F28E2B',
  '#E15759',
  '#76B7B2',
  '#59A14F',
  '#EDC948',
  '#B07AA1',
  '#FF9DA7',
  '#9C755F',
  '#BAB0AC',
  '#86BCB6',
  '#D37295',
];

/** Light to dark yellow–orange–red, five classes. */
const SEQUENTIAL = ['#FFFFB2', '#FECC5C', '#FD8D3C', '#F03B20', '#BD0026'];

/** Most categories a style lists; the rest take the "other" colour. */
export const MAX_CATEGORIES = 12;
const DISTINCT_CAP = 256;
const NUMBER_SAMPLE = 4096;

interface PropertyStats {
  count: number;
  numbers: number;
  /** Value → count, up to DISTINCT_CAP distinct values. */
  values: Map<string, number>;
  overflow: boolean;
  sample: number[];
}

/** Per-attribute counts, distinct values and a sample of numbers, gathered feature by feature. */
export class AttributeStats {
  readonly properties = new Map<string, PropertyStats>();
  private seen = 0;

  add(properties: Record<string, unknown> | null | undefined): void {
    this.seen++;
    if (!properties) return;
    for (const [key, raw] of Object.entries(properties)) {
      if (raw === null || raw === undefined || raw === '' || typeof raw === 'object') continue;
      let s = this.properties.get(key);
      if (!s) {
        s = { count: 0, numbers: 0, values: new Map(), overflow: false, sample: [] };
        this.properties.set(key, s);
      }
      s.count++;
      const n = typeof raw === 'number' ? raw : Number.NaN;
      if (Number.isFinite(n)) {
        s.numbers++;
        // Reservoir sample: quantiles of a 500,000-feature layer from 4,096 values.
        if (s.sample.length < NUMBER_SAMPLE) s.sample.push(n);
        else {
          const j = Math.floor(Math.random() * this.seen);
          if (j < NUMBER_SAMPLE) s.sample[j] = n;
        }
      }
      const text = String(raw);
      if (s.values.has(text)) s.values.set(text, s.values.get(text)! + 1);
      else if (s.values.size < DISTINCT_CAP) s.values.set(text, 1);
      else s.overflow = true;
    }
  }

  /** The attribute (case-insensitive) named `name`, if any feature has it. */
  find(name: string): string | undefined {
    const lower = name.toLowerCase();
    return [...this.properties.keys()].find((k) => k.toLowerCase() === lower);
  }

  /** An attribute whose values are mostly cadastral land-use codes (`use`, `loai_dat`, `MDSD`…). */
  landUseAttribute(): string | undefined {
    let best: { key: string; share: number } | undefined;
    for (const [key, s] of this.properties) {
      if (s.numbers > 0 || s.count === 0) continue;
      let codes = 0;
      for (const [v, n] of s.values)
        if (Object.hasOwn(CADASTRAL_LAND_USE, v.trim().toUpperCase())) codes += n;
      const share = codes / s.count;
      if (share >= 0.8 && (!best || share > best.share)) best = { key, share };
    }
    return best?.key;
  }
}

export interface StyleChoice {
  style: LayerStyle;
  /** Why this style, for the command's summary. */
  note: string;
}

function label(text: string) {
  return { vi: text, en: text };
}

/** Quantile breaks, rounded to 2 significant digits and strictly increasing. */
export function quantileBreaks(sample: readonly number[], classes = SEQUENTIAL.length): number[] {
  const sorted = [...sample].sort((a, b) => a - b);
  if (sorted.length === 0) return [0];
  const round = (v: number) => (v === 0 ? 0 : Number(v.toPrecision(2)));
  const out: number[] = [round(sorted[0]!)];
  for (let k = 1; k < classes; k++) {
    const v = round(sorted[Math.min(sorted.length - 1, Math.floor((k / classes) * sorted.length))]!);
    if (v > out[out.length - 1]!) out.push(v);
  }
  return out;
}

export function chooseStyle(
  stats: AttributeStats,
  options: { by?: string; sector: SectorId; opacity?: number },
): StyleChoice {
  const opacity = options.opacity ?? 0.6;
  const by = options.by ? stats.find(options.by) : stats.landUseAttribute();
  if (options.by && !by) {
    const known = [...stats.properties.keys()].slice(0, 20).join(', ');
    throw new Error(
      `--style-by ${options.by}: no feature has that attribute (attributes: ${known || 'none'})`,
    );
  }
  const s = by ? stats.properties.get(by) : undefined;
  if (!by || !s) {
    return {
      style: { type: 'simple', color: SECTOR_COLORS[options.sector], opacity },
      note: 'one colour (the sector colour): pass --style-by <attribute> to colour by a value',
    };
  }
  const allNumbers = s.numbers === s.count;
  if (allNumbers && s.values.size > MAX_CATEGORIES) {
    const mins = quantileBreaks(s.sample);
    const breaks: StyleBreak[] = mins.map((min, k) => ({
      min,
      color: SEQUENTIAL[Math.round((k * (SEQUENTIAL.length - 1)) / Math.max(1, mins.length - 1))]!,
      label: label(k + 1 < mins.length ? `${min} – ${mins[k + 1]}` : `≥ ${min}`),
    }));
    return {
      style: { type: 'graduated', property: by, breaks, opacity },
      note: `graduated by ${by} (${breaks.length} quantile classes)`,
    };
  }
  const top = [...s.values.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_CATEGORIES);
  const cadastral = top.every(([v]) => Object.hasOwn(CADASTRAL_LAND_USE, v));
  const categories: StyleCategory[] = top
    .map(([value]) => value)
    .sort()
    .map((value, k) => ({
      value,
      color: cadastral ? (CADASTRAL_COLORS[value] ?? '#CCCCCC') : QUALITATIVE[k % QUALITATIVE.length]!,
      label: cadastral ? { vi: `${value} – ${CADASTRAL_LAND_USE[value]}`, en: value } : label(value),
    }));
  const others = s.values.size - top.length + (s.overflow ? 1 : 0);
  return {
    style: { type: 'categorical', property: by, categories, otherColor: '#BDBDBD', opacity },
    note:
      `categorical by ${by}${cadastral ? ' (cadastral land-use colours)' : ''}, ${categories.length} classes` +
      (others > 0 ? `; ${others}+ rarer values drawn in grey` : ''),
  };
}

/**
 * Height of a building from its attributes: `height` in metres, else storeys × storey height,
 * else a default by land use. Values arrive as numbers or strings ("12", "12 m", "12,5").
 */

export interface HeightOptions {
  /** Height of one storey in metres, used when only the storey count is known. */
  storeyHeightM: number;
  /** Height in metres when neither height nor storeys is given, by cadastral land-use code. */
  defaultHeightByUseM: Readonly<Record<string, number>>;
  /** Height in metres when nothing at all is known. */
  defaultHeightM: number;
  /** Heights above this (metres) are rejected as absurd: the tallest building on Earth is 828 m. */
  maxHeightM: number;
}

export const HEIGHT_DEFAULTS: HeightOptions = {
  // Vietnamese row houses have storeys of 3.3–3.8 m (ground floors taller); 3.5 m is the middle.
  storeyHeightM: 3.5,
  defaultHeightByUseM: {
    ODT: 7, // urban residential: a two-storey nhà ống is the commonest case
    ONT: 5,
    OCT: 7,
    TMD: 10,
    SKK: 10, // industrial sheds: 8–15 m
    SKN: 10,
    SKT: 10,
    SKC: 9,
    DGD: 12,
    DYT: 14,
    TSC: 12,
    TON: 10,
    TIN: 8,
  },
  defaultHeightM: 7,
  maxHeightM: 1000,
};

/** Keys read for height in metres, in order of preference. */
export const HEIGHT_KEYS = ['height', 'chieu_cao', 'Height', 'HEIGHT'] as const;
/** Keys read for storeys, in order of preference. */
export const STOREY_KEYS = ['storeys', 'building:levels', 'so_tang', 'levels', 'floors', 'SO_TANG'] as const;

export type HeightResult =
  | { ok: true; heightM: number; storeys: number; source: 'height' | 'storeys' | 'default' }
  | { ok: false; reason: string };

/** Parses "12", "12.5", "12,5", "12 m" → 12.5; anything else → undefined. */
export function parseMeasure(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(-?\d+(?:[.,]\d+)?)\s*(m|metres|meters|mét)?\s*$/i.exec(value);
  return m ? Number(m[1]!.replace(',', '.')) : undefined;
}

function firstPresent(props: Record<string, unknown>, keys: readonly string[]) {
  for (const key of keys) {
    const value = props[key];
    if (value !== undefined && value !== null && value !== '') return { key, value };
  }
  return undefined;
}

export function resolveHeight(
  props: Record<string, unknown>,
  use: string,
  options: HeightOptions = HEIGHT_DEFAULTS,
): HeightResult {
  const storeysRaw = firstPresent(props, STOREY_KEYS);
  let storeys = 0;
  if (storeysRaw) {
    const n = parseMeasure(storeysRaw.value);
    if (n === undefined || !Number.isFinite(n) || n < 0 || n > 300) {
      return {
        ok: false,
        reason: `${storeysRaw.key} is ${JSON.stringify(storeysRaw.value)}, not a storey count`,
      };
    }
    storeys = Math.round(n);
  }
  const heightRaw = firstPresent(props, HEIGHT_KEYS);
  if (heightRaw) {
    const h = parseMeasure(heightRaw.value);
    if (h === undefined || !Number.isFinite(h)) {
      return {
        ok: false,
        reason: `${heightRaw.key} is ${JSON.stringify(heightRaw.value)}, not a height in metres`,
      };
    }
    if (h <= 0 || h > options.maxHeightM) {
      return {
        ok: false,
        reason: `${heightRaw.key} ${h} m is not a plausible building height (0–${options.maxHeightM} m)`,
      };
    }
    return { ok: true, heightM: h, storeys, source: 'height' };
  }
  if (storeys > 0) return { ok: true, heightM: storeys * options.storeyHeightM, storeys, source: 'storeys' };
  const byUse = options.defaultHeightByUseM[use];
  return { ok: true, heightM: byUse ?? options.defaultHeightM, storeys, source: 'default' };
}

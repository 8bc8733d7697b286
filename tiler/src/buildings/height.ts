import { ATTRIBUTE_DEFAULTS, type AttributeMapping, type Attributes, readAttributes } from './attributes.js';

/**
 * Height of a building from its attributes: height in metres, else storeys × storey height,
 * else a default by land use; and where a building part starts (min_height, or
 * building:min_level × storey height). Values arrive as numbers or strings ("12", "12 m",
 * "12,5"). Which attributes are read is an AttributeMapping (attributes.ts).
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
  /** Storey counts above this are rejected as absurd: the Burj Khalifa has 163. */
  maxStoreys: number;
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
  maxStoreys: 200,
};

/** Default attribute names read for height in metres, in order of preference (any case). */
export const HEIGHT_KEYS = ATTRIBUTE_DEFAULTS.height;
/** Default attribute names read for storeys, in order of preference (any case). */
export const STOREY_KEYS = ATTRIBUTE_DEFAULTS.storeys;

export type HeightResult =
  | {
      ok: true;
      /** Roof top above the base, metres. */
      heightM: number;
      /** Bottom of the building (part) above the base, metres; 0 for buildings on the ground. */
      minHeightM: number;
      storeys: number;
      source: 'height' | 'storeys' | 'default';
    }
  | { ok: false; reason: string };

/** Parses "12", "12.5", "12,5", "12 m" → 12.5; anything else → undefined. */
export function parseMeasure(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(-?\d+(?:[.,]\d+)?)\s*(m|metres|meters|mét)?\s*$/i.exec(value);
  return m ? Number(m[1]!.replace(',', '.')) : undefined;
}

/** Heights and storeys from a feature's properties, read through `mapping`. */
export function resolveHeight(
  props: Readonly<Record<string, unknown>>,
  use: string,
  options: HeightOptions = HEIGHT_DEFAULTS,
  mapping: AttributeMapping = ATTRIBUTE_DEFAULTS,
): HeightResult {
  return heightFromAttributes(readAttributes(props, mapping), use, options);
}

/** Heights and storeys from attributes already found by readAttributes(). */
export function heightFromAttributes(
  attrs: Attributes,
  use: string,
  options: HeightOptions = HEIGHT_DEFAULTS,
): HeightResult {
  const fail = (reason: string): HeightResult => ({ ok: false, reason });
  const show = (v: unknown) => JSON.stringify(v);
  const plausible = `(0–${options.maxHeightM} m)`;

  let storeys = 0;
  if (attrs.storeys) {
    const { key, value } = attrs.storeys;
    const n = parseMeasure(value);
    if (n === undefined || !Number.isFinite(n) || n < 0)
      return fail(`${key} is ${show(value)}, not a storey count`);
    if (n > options.maxStoreys) {
      return fail(`${key} ${n} is not a plausible storey count (0–${options.maxStoreys})`);
    }
    storeys = Math.round(n);
  }

  let minHeightM = 0;
  if (attrs.minHeight) {
    const { key, value } = attrs.minHeight;
    const h = parseMeasure(value);
    if (h === undefined || !Number.isFinite(h))
      return fail(`${key} is ${show(value)}, not a height in metres`);
    if (h < 0 || h > options.maxHeightM) return fail(`${key} ${h} m is not a plausible height ${plausible}`);
    minHeightM = h;
  } else if (attrs.minLevel) {
    const { key, value } = attrs.minLevel;
    const n = parseMeasure(value);
    if (n === undefined || !Number.isFinite(n) || n < 0 || n > options.maxStoreys) {
      return fail(`${key} is ${show(value)}, not a storey count`);
    }
    minHeightM = n * options.storeyHeightM;
  }
  const minName = attrs.minHeight?.key ?? attrs.minLevel?.key ?? '';
  const belowRoof = (heightM: number, heightName: string): HeightResult | undefined =>
    minHeightM >= heightM
      ? fail(
          `${minName} puts the bottom at ${minHeightM} m, not below the ${heightName} ${heightM} m: ` +
            'a building part must have some height',
        )
      : undefined;

  if (attrs.height) {
    const { key, value } = attrs.height;
    const h = parseMeasure(value);
    if (h === undefined || !Number.isFinite(h))
      return fail(`${key} is ${show(value)}, not a height in metres`);
    if (h <= 0 || h > options.maxHeightM) {
      return fail(`${key} ${h} m is not a plausible building height ${plausible}`);
    }
    return belowRoof(h, `${key}`) ?? { ok: true, heightM: h, minHeightM, storeys, source: 'height' };
  }
  if (storeys > 0) {
    const h = storeys * options.storeyHeightM;
    const key = attrs.storeys!.key;
    if (h > options.maxHeightM) {
      return fail(
        `${key} ${storeys} × ${options.storeyHeightM} m = ${h} m is not a plausible building height ${plausible}`,
      );
    }
    return (
      belowRoof(h, `height from ${key} (${storeys} × ${options.storeyHeightM} m)`) ?? {
        ok: true,
        heightM: h,
        minHeightM,
        storeys,
        source: 'storeys',
      }
    );
  }
  // A guessed height says how tall a building is, not where its roof is: a part raised by
  // min_height keeps the guessed thickness instead of being rejected for a guess.
  const byUse = Object.hasOwn(options.defaultHeightByUseM, use)
    ? options.defaultHeightByUseM[use]
    : undefined;
  const heightM = minHeightM + (byUse ?? options.defaultHeightM);
  return { ok: true, heightM, minHeightM, storeys, source: 'default' };
}

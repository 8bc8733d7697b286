import { type Catalog, type MessageId, vi } from './vi';

export type { Catalog, MessageId } from './vi';

/** The active catalog and locale (Vietnamese only for now; an English switch comes later). */
const catalog: Catalog = vi;
export const locale = 'vi-VN';

/** Look up a UI string and fill its `{placeholders}`. */
export function t(id: MessageId, params?: Record<string, string | number>): string {
  const text = catalog[id];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = params[key];
    if (value === undefined) return whole;
    return typeof value === 'number' ? formatNumber(value) : value;
  });
}

const numberFormats = new Map<number, Intl.NumberFormat>();

/** Numbers in the UI locale, e.g. 1234.5 → "1.234,5" in vi-VN. */
export function formatNumber(value: number, maximumFractionDigits = 1): string {
  let nf = numberFormats.get(maximumFractionDigits);
  if (!nf) {
    nf = new Intl.NumberFormat(locale, { maximumFractionDigits });
    numberFormats.set(maximumFractionDigits, nf);
  }
  return nf.format(value);
}

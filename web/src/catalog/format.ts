import { formatNumber, getLocale } from '../i18n';

/** `2025-07-01` → `01/07/2025` (vi-VN and en-GB), independent of the browser's time zone. */
export function formatDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return day;
  return new Intl.DateTimeFormat(getLocale(), {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(d);
}

/** An ISO date-time as date and time (active locale) in Vietnam (UTC+7). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(getLocale(), {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(d);
}

/** A share 0–1 as a percentage in the active locale with one decimal: `18,8 %`. */
export function formatShare(share: number): string {
  return `${formatNumber(Math.round(share * 1000) / 10, 1)} %`;
}

/** `30/06/2025` (or `30-6-2025`, or ISO) → `2025-06-30`; undefined when it is not a real day. */
export function parseDay(text: string): string | undefined {
  const t = text.trim();
  let d: number;
  let m: number;
  let y: number;
  const vi = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  if (vi) [d, m, y] = [Number(vi[1]), Number(vi[2]), Number(vi[3])];
  else if (iso) [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d)
    return undefined;
  return date.toISOString().slice(0, 10);
}

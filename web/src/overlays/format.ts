import { getLocale } from '../i18n';

/**
 * Times in the operations centre's zone (Vietnam, UTC+7, no DST), whatever the browser's zone:
 * a wall display and a laptop on UTC must agree on when the river peaked.
 */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

/** One formatter per (kind, locale): the language can switch at run time (i18n/index.ts). */
const formats = new Map<string, Intl.DateTimeFormat>();
function format(kind: 'time' | 'seconds' | 'dateTime', t: number | string): string {
  const loc = getLocale();
  const key = `${kind}:${loc}`;
  let f = formats.get(key);
  if (!f) {
    const base: Intl.DateTimeFormatOptions = {
      timeZone: TIME_ZONE,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    };
    f = new Intl.DateTimeFormat(
      loc,
      kind === 'seconds'
        ? { ...base, second: '2-digit' }
        : kind === 'dateTime'
          ? { ...base, day: '2-digit', month: '2-digit' }
          : base,
    );
    formats.set(key, f);
  }
  return f.format(typeof t === 'string' ? Date.parse(t) : t);
}

/** "14:05" */
export function formatTime(t: number | string): string {
  return format('time', t);
}

/** "14:05:09" */
export function formatTimeSeconds(t: number | string): string {
  return format('seconds', t);
}

/** "14:05 26/11" (vi-VN) or "26/11, 14:05" (en-GB) */
export function formatDateTime(t: number | string): string {
  return format('dateTime', t);
}

import { locale } from '../i18n';

/**
 * Times in the operations centre's zone (Vietnam, UTC+7, no DST), whatever the browser's zone:
 * a wall display and a laptop on UTC must agree on when the river peaked.
 */
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const timeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE,
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});
const timeSecondsFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE,
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** "14:05" */
export function formatTime(t: number | string): string {
  return timeFormat.format(typeof t === 'string' ? Date.parse(t) : t);
}

/** "14:05:09" */
export function formatTimeSeconds(t: number | string): string {
  return timeSecondsFormat.format(typeof t === 'string' ? Date.parse(t) : t);
}

/** "14:05 26/11" (vi-VN order) */
export function formatDateTime(t: number | string): string {
  return dateTimeFormat.format(typeof t === 'string' ? Date.parse(t) : t);
}

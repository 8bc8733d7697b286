import { getPosition, getTimes } from 'suncalc';

/**
 * Where the sun is over one day, sampled for shadow casting. Vietnam keeps UTC+7 all year
 * (no daylight saving), so a local date and hour map to UTC by a fixed offset.
 */

export const VIETNAM_UTC_OFFSET_H = 7;

export interface SunSample {
  time: Date;
  /** Unit vector towards the sun in local east, north, up. */
  direction: [number, number, number];
  altitudeDeg: number;
  azimuthDeg: number;
  /** Hours this sample stands for. */
  weightH: number;
}

export interface SunDay {
  sunrise: Date;
  sunset: Date;
  /** Sunset − sunrise, hours: the direct sun an open field gets. */
  daylightHours: number;
  samples: SunSample[];
}

/** `YYYY-MM-DD` local (UTC+7) at `hour` local → the UTC instant. */
export function localTime(date: string, hour: number, utcOffsetH = VIETNAM_UTC_OFFSET_H): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`date must be YYYY-MM-DD, got "${date}"`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + (hour - utcOffsetH) * 3_600_000);
}

/** Unit vector towards the sun (east, north, up) for suncalc's degrees (azimuth clockwise from north). */
export function sunDirection(azimuthDeg: number, altitudeDeg: number): [number, number, number] {
  const az = (azimuthDeg * Math.PI) / 180;
  // A sun just below the horizon at sunrise (upper limb up, centre down) shines horizontally.
  const alt = (Math.max(0, altitudeDeg) * Math.PI) / 180;
  return [Math.sin(az) * Math.cos(alt), Math.cos(az) * Math.cos(alt), Math.sin(alt)];
}

/**
 * The day from sunrise to sunset (suncalc: upper limb on the horizon, standard refraction), cut
 * into equal intervals of at most `stepMinutes`, each sampled at its middle. The weights add up
 * to the daylight exactly, so an unobstructed point gets the full day and each sunlit/shaded
 * transition is placed within half a step.
 */
export function sunDay(date: string, lonDeg: number, latDeg: number, stepMinutes: number): SunDay {
  const times = getTimes(localTime(date, 12), latDeg, lonDeg);
  const { sunrise, sunset } = times;
  if (!sunrise || !sunset) throw new RangeError(`no sunrise/sunset at ${latDeg}° on ${date}`);
  const spanMs = sunset.getTime() - sunrise.getTime();
  const n = Math.max(1, Math.ceil(spanMs / (stepMinutes * 60_000)));
  const stepMs = spanMs / n;
  const samples: SunSample[] = [];
  for (let i = 0; i < n; i++) {
    const time = new Date(sunrise.getTime() + (i + 0.5) * stepMs);
    const { azimuth, altitude } = getPosition(time, latDeg, lonDeg);
    samples.push({
      time,
      direction: sunDirection(azimuth, altitude),
      altitudeDeg: altitude,
      azimuthDeg: azimuth,
      weightH: stepMs / 3_600_000,
    });
  }
  return { sunrise, sunset, daylightHours: spanMs / 3_600_000, samples };
}

/** `HH:MM` in local time (UTC+7). */
export function formatLocalTime(time: Date, utcOffsetH = VIETNAM_UTC_OFFSET_H): string {
  const local = new Date(time.getTime() + utcOffsetH * 3_600_000);
  return `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
}

/**
 * Scripted incidents: `flood` (heavy rain; the Sài Gòn river rises over the alarm levels within
 * ~20 min and stays there for an hour) and `pm25` (an industrial PM2.5 spike at the industrial
 * stations closest to Thủ Dầu Một). `--incident flood` starts at once; `--incident pm25@15`
 * starts 15 minutes after the simulator.
 */
export type IncidentKind = 'flood' | 'pm25';

export interface Incident {
  kind: IncidentKind;
  startMs: number;
}

const RAMP_MS = 20 * 60_000;
const HOLD_MS = 60 * 60_000;

export function parseIncident(text: string, nowMs: number): Incident {
  const m = /^(flood|pm25)(?:@(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m)
    throw new Error(`--incident must be flood or pm25, optionally @<minutes from start>, got "${text}"`);
  return { kind: m[1] as IncidentKind, startMs: nowMs + Number(m[2] ?? 0) * 60_000 };
}

/** 0 → 1 over the ramp, 1 while it holds, back to 0 over the ramp. */
export function intensity(incident: Incident, timeMs: number): number {
  const t = timeMs - incident.startMs;
  if (t < 0) return 0;
  if (t < RAMP_MS) return t / RAMP_MS;
  if (t < RAMP_MS + HOLD_MS) return 1;
  return Math.max(0, 1 - (t - RAMP_MS - HOLD_MS) / RAMP_MS);
}

export function strongest(incidents: Incident[], kind: IncidentKind, timeMs: number): number {
  return incidents.filter((i) => i.kind === kind).reduce((m, i) => Math.max(m, intensity(i, timeMs)), 0);
}

/** Extra water level at a gauge: 0.9 m at the peak downstream, more upstream near the dam. */
export const FLOOD_SURGE_M = 0.9;
/** Heavy rain at the peak, mm per minute (~50 mm/h). */
export const FLOOD_RAIN_MM_PER_MIN = 0.9;
/** PM2.5 multiplier at the peak of the industrial spike. */
export const PM25_SPIKE_FACTOR = 7;

import type { Freshness } from '../../api/feeds.js';

/**
 * Staleness as an explicit state: a value is current only while its source keeps talking.
 * Sensors report every minute or so, so 10 min of silence means a fault or an outage; buses
 * report every few seconds, so after 90 s the position on screen is a guess.
 */
export const STALE_AFTER_MS = {
  sensor: 10 * 60_000,
  vehicle: 90_000,
} as const;

export type SourceKind = keyof typeof STALE_AFTER_MS;

export function freshness(lastTimeMs: number, nowMs: number, kind: SourceKind): Freshness {
  return nowMs - lastTimeMs > STALE_AFTER_MS[kind] ? 'stale' : 'fresh';
}

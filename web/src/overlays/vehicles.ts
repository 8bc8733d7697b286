import type { VehicleState } from '../api';
import { STALE_COLOUR } from './sensors';

/**
 * Buses between updates. GTFS-realtime positions arrive every few seconds (the simulator: 5 s);
 * drawn as they come they would jump. Each update starts a glide from where the marker is now
 * to the reported position, lasting about one reporting interval: the marker is always moving,
 * never jumps, and lags the report by at most one interval (dead reckoning would overshoot at
 * every stop). Pure functions; vehicle-layer.ts applies them to Cesium billboards.
 */

export interface Motion {
  fromLon: number;
  fromLat: number;
  toLon: number;
  toLat: number;
  /** Clock (ms, `performance.now()` in the viewer) when the glide started, and its length. */
  startMs: number;
  durationMs: number;
}

/** Shortest and longest glide; a longer gap than this is a lost bus, not a slow one. */
export const GLIDE_MIN_MS = 500;
export const GLIDE_MAX_MS = 10_000;
/** A jump longer than this (m) is drawn at once (a new trip, a GPS fix after a tunnel). */
export const TELEPORT_M = 2_000;
/** Vehicles silent this long are removed (the hub calls them stale after 90 s and greys them). */
export const VEHICLE_REMOVE_AFTER_MS = 10 * 60_000;

/** How far along its glide (0–1) a marker is at `nowMs`. */
export function glideFraction(m: Pick<Motion, 'startMs' | 'durationMs'>, nowMs: number): number {
  return m.durationMs <= 0 ? 1 : Math.min(1, Math.max(0, (nowMs - m.startMs) / m.durationMs));
}

/** Position along a glide at `nowMs` (linear: reports are close enough for straight pieces). */
export function positionAt(m: Motion, nowMs: number): [number, number] {
  const f = glideFraction(m, nowMs);
  return [m.fromLon + (m.toLon - m.fromLon) * f, m.fromLat + (m.toLat - m.fromLat) * f];
}

export function isMoving(m: Motion, nowMs: number): boolean {
  return nowMs < m.startMs + m.durationMs;
}

/** Rough ground distance in metres (equirectangular: fine over a few km). */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const k = Math.PI / 180;
  const x = (lon2 - lon1) * k * Math.cos(((lat1 + lat2) / 2) * k);
  const y = (lat2 - lat1) * k;
  return Math.hypot(x, y) * 6_371_000;
}

/**
 * The glide after a new report. `reportGapMs` is the time between this report and the
 * previous one (data time), which is how long the next one will probably take too.
 */
export function nextMotion(
  previous: Motion | undefined,
  toLon: number,
  toLat: number,
  nowMs: number,
  reportGapMs: number | undefined,
): Motion {
  if (!previous || reportGapMs === undefined || !(reportGapMs > 0)) {
    return { fromLon: toLon, fromLat: toLat, toLon, toLat, startMs: nowMs, durationMs: 0 };
  }
  const [lon, lat] = positionAt(previous, nowMs);
  if (distanceM(lon, lat, toLon, toLat) > TELEPORT_M) {
    return { fromLon: toLon, fromLat: toLat, toLon, toLat, startMs: nowMs, durationMs: 0 };
  }
  const durationMs = Math.min(GLIDE_MAX_MS, Math.max(GLIDE_MIN_MS, reportGapMs));
  return { fromLon: lon, fromLat: lat, toLon, toLat, startMs: nowMs, durationMs };
}

/** Distinct colours for routes, assigned by a hash of the route id (stable across reloads). */
export const ROUTE_PALETTE = [
  '#1E88E5',
  '#8E24AA',
  '#00897B',
  '#F4511E',
  '#3949AB',
  '#C0CA33',
  '#D81B60',
  '#6D4C41',
  '#00ACC1',
  '#43A047',
] as const;

export function routeColour(routeId: string | undefined): string {
  if (!routeId) return '#546E7A';
  let h = 2166136261;
  for (let i = 0; i < routeId.length; i++) h = Math.imul(h ^ routeId.charCodeAt(i), 16777619) >>> 0;
  return ROUTE_PALETTE[h % ROUTE_PALETTE.length]!;
}

export interface VehicleLook {
  colour: string;
  /** Route short name drawn on the marker ("39"), or "•" without a route. */
  text: string;
  stale: boolean;
  imageId: string;
}

export function vehicleLook(v: Pick<VehicleState, 'routeId' | 'freshness'>): VehicleLook {
  const stale = v.freshness === 'stale';
  const colour = stale ? STALE_COLOUR : routeColour(v.routeId);
  const text = v.routeId ?? '•';
  return { colour, text, stale, imageId: `bus:${colour}:${text}` };
}

/** Whether a vehicle last heard of at `timeIso` should still be drawn at `nowMs`. */
export function vehicleAlive(timeIso: string, nowMs: number): boolean {
  const t = Date.parse(timeIso);
  return Number.isFinite(t) && nowMs - t <= VEHICLE_REMOVE_AFTER_MS;
}

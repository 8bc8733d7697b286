import { STALE_AFTER_MS } from '../../../../tiler/src/feeds/rules/staleness.js';
import type { AqiBand, FeedEntity, TrafficSegmentState } from '../../api';
import { aqiBandOf } from '../../api';
import type { AlertItem } from '../../overlays/alerts';

/**
 * The operations centre's key figures, computed from what the overlays hold (the hub's latest
 * state, or the replayed moment). Pure functions: the wall, the tests and the docs agree on
 * one definition of each.
 */

export interface AirKpi {
  /** Mean hourly VN_AQI over the stations that report one and are not stale. */
  averageAqi: number;
  averageBand: AqiBand;
  /** The station with the highest VN_AQI (any freshness: a silent polluted station still counts). */
  worst: { key: string; name: string; aqi: number; band: AqiBand };
  stations: number;
}

/** VN_AQI tiles: null when no station reports an AQI. */
export function airKpi(entities: Iterable<FeedEntity>): AirKpi | null {
  let sum = 0;
  let n = 0;
  let stations = 0;
  let worst: AirKpi['worst'] | null = null;
  for (const e of entities) {
    if (e.layer !== 'air' || !e.aqi) continue;
    stations++;
    if (e.freshness !== 'stale') {
      sum += e.aqi.aqi;
      n++;
    }
    if (!worst || e.aqi.aqi > worst.aqi) {
      worst = { key: e.key, name: e.name, aqi: e.aqi.aqi, band: aqiBandOf(e.aqi.aqi) };
    }
  }
  if (!worst) return null;
  const averageAqi = n > 0 ? Math.round(sum / n) : worst.aqi;
  return { averageAqi, averageBand: aqiBandOf(averageAqi), worst, stations };
}

/** What the congestion index needs of a road segment (from roads.geojson). */
export interface SegmentInfo {
  lengthM: number;
  /** Free-flow speed (km/h): the segment's speed limit. */
  freeFlowKmh: number;
}

export interface CongestionKpi {
  /**
   * Congestion index, 0–100: the share of free-flow speed lost, weighted by segment length,
   * over the segments that reported a speed and are not stale:
   * 100 × Σ Lᵢ · max(0, 1 − vᵢ / vffᵢ) / Σ Lᵢ. 0 = everything flows at the limit; 50 = on
   * average traffic moves at half the limit.
   */
  index: number;
  /** Segments and kilometres that entered the figure. */
  segments: number;
  lengthKm: number;
}

/** Speed limit assumed for a segment the roads file gives none (km/h). */
export const DEFAULT_FREE_FLOW_KMH = 40;

export function congestionKpi(
  entities: Iterable<FeedEntity>,
  segments: ReadonlyMap<string, SegmentInfo>,
): CongestionKpi | null {
  let weighted = 0;
  let total = 0;
  let count = 0;
  for (const e of entities) {
    if (e.layer !== 'traffic' || e.freshness === 'stale') continue;
    const s = e as TrafficSegmentState;
    if (s.averageSpeedKmh === undefined || !Number.isFinite(s.averageSpeedKmh)) continue;
    const info = segments.get(s.segmentId);
    if (!info || !(info.lengthM > 0)) continue;
    const vff = info.freeFlowKmh > 0 ? info.freeFlowKmh : DEFAULT_FREE_FLOW_KMH;
    const lost = Math.min(1, Math.max(0, 1 - s.averageSpeedKmh / vff));
    weighted += info.lengthM * lost;
    total += info.lengthM;
    count++;
  }
  if (count === 0) return null;
  return { index: Math.round((100 * weighted) / total), segments: count, lengthKm: total / 1000 };
}

export interface AlertsKpi {
  /** Active and not yet acknowledged: what someone must look at. */
  open: number;
  /** …of which critical. */
  critical: number;
  /** Active and acknowledged. */
  acknowledged: number;
}

export function alertsKpi(alerts: readonly AlertItem[]): AlertsKpi {
  let open = 0;
  let critical = 0;
  let acknowledged = 0;
  for (const a of alerts) {
    if (!a.active) continue;
    if (a.ack) acknowledged++;
    else {
      open++;
      if (a.severity === 'critical') critical++;
    }
  }
  return { open, critical, acknowledged };
}

export interface SensorsKpi {
  online: number;
  total: number;
  /** 0–100, rounded; null without sensors. */
  percent: number | null;
}

/**
 * Air stations and water gauges online: last observation within their expected interval
 * (STALE_AFTER_MS.sensor = 10 min, the hub's own staleness rule), judged against `nowMs` so a
 * wall whose feed stopped sees the figure fall instead of freezing.
 */
export function sensorsKpi(entities: Iterable<FeedEntity>, nowMs: number): SensorsKpi {
  let online = 0;
  let total = 0;
  for (const e of entities) {
    if (e.layer !== 'air' && e.layer !== 'water') continue;
    total++;
    const t = Date.parse(e.time);
    if (Number.isFinite(t) && nowMs - t <= STALE_AFTER_MS.sensor) online++;
  }
  return { online, total, percent: total ? Math.round((100 * online) / total) : null };
}

/** Length of a lon/lat polyline in metres (equirectangular; segments are short). */
export function lineLengthM(line: readonly (readonly number[])[]): number {
  let m = 0;
  for (let i = 1; i < line.length; i++) {
    const [x0 = 0, y0 = 0] = line[i - 1]!;
    const [x1 = 0, y1 = 0] = line[i]!;
    const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
    const dx = (x1 - x0) * k * 111_320;
    const dy = (y1 - y0) * 110_574;
    m += Math.hypot(dx, dy);
  }
  return m;
}

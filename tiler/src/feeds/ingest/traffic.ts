import type { TrafficFlowRecord } from '../model.js';
import { pointOf } from '../state/catalog.js';
import { checkNotFuture, FeedInputError, parseInstant } from './errors.js';

/**
 * Smart Data Models `TrafficFlowObserved` (dataModel.Transportation), key-values or NGSI-LD
 * normalised (`{"intensity": {"type": "Property", "value": 1200}}`). One entity or an array.
 *
 * Used: `refRoadSegment` (the segment id, required), `dateObserved` (else `dateObservedTo`,
 * else now), `intensity` (vehicles in the observation period, read as vehicles/hour),
 * `averageVehicleSpeed` (km/h), `occupancy` (0–1), `congested`, `location` (GeoJSON).
 */
export function parseTrafficFlows(body: unknown, nowMs: number): TrafficFlowRecord[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0) throw new FeedInputError(400, 'no TrafficFlowObserved entities', 'body');
  return list.map((entity, i) => parseOne(entity, nowMs, Array.isArray(body) ? `[${i}].` : ''));
}

function value(v: unknown): unknown {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const p = v as { type?: unknown; value?: unknown; object?: unknown };
    if (p.type === 'Property' || p.type === 'GeoProperty') return p.value;
    if (p.type === 'Relationship') return p.object;
  }
  return v;
}

function parseOne(entity: unknown, nowMs: number, at: string): TrafficFlowRecord {
  if (typeof entity !== 'object' || entity === null || Array.isArray(entity)) {
    throw new FeedInputError(400, 'a TrafficFlowObserved must be a JSON object', `${at}body`);
  }
  const e = entity as Record<string, unknown>;
  if (e.type !== undefined && e.type !== 'TrafficFlowObserved') {
    throw new FeedInputError(
      400,
      `type must be "TrafficFlowObserved", got ${JSON.stringify(e.type)}`,
      `${at}type`,
    );
  }
  let segment = value(e.refRoadSegment);
  if (Array.isArray(segment)) segment = segment[0];
  if (typeof segment !== 'string' || segment === '') {
    throw new FeedInputError(400, 'refRoadSegment must name a road segment', `${at}refRoadSegment`);
  }
  // urn:ngsi-ld:RoadSegment:R-000001 → R-000001
  const segmentId = segment.replace(/^urn:ngsi-ld:RoadSegment:/, '');
  const when = value(e.dateObserved) ?? value(e.dateObservedTo);
  let timeMs = nowMs;
  if (when !== undefined) {
    const t = parseInstant(when);
    if (t === undefined) {
      throw new FeedInputError(
        400,
        `dateObserved must be an ISO 8601 instant, got ${JSON.stringify(when)}`,
        `${at}dateObserved`,
      );
    }
    checkNotFuture(t, nowMs, `${at}dateObserved`);
    timeMs = t;
  }
  const num = (name: string, min: number, max: number): number | undefined => {
    const v = value(e[name]);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw new FeedInputError(
        400,
        `${name} must be a number from ${min} to ${max}, got ${JSON.stringify(v)}`,
        `${at}${name}`,
      );
    }
    return v;
  };
  const congested = value(e.congested);
  if (congested !== undefined && typeof congested !== 'boolean') {
    throw new FeedInputError(
      400,
      `congested must be true or false, got ${JSON.stringify(congested)}`,
      `${at}congested`,
    );
  }
  const location = value(e.location);
  const point = location === undefined ? undefined : pointOf(location);
  if (location !== undefined && !point) {
    throw new FeedInputError(400, 'location must be a GeoJSON Point or LineString', `${at}location`);
  }
  return {
    segmentId,
    timeMs,
    intensityVehH: num('intensity', 0, 100_000),
    averageSpeedKmh: num('averageVehicleSpeed', 0, 300),
    occupancy: num('occupancy', 0, 1),
    congested: congested as boolean | undefined,
    lonDeg: point?.[0],
    latDeg: point?.[1],
    sourceId: typeof e.id === 'string' ? e.id : undefined,
  };
}

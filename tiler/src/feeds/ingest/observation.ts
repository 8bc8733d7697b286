import type { ObservationRecord } from '../model.js';
import type { DatastreamInfo } from '../state/catalog.js';
import { checkNotFuture, FeedInputError, parseInstant } from './errors.js';

/**
 * Validates a SensorThings Observation (v1.1, §8.2.6) and normalises it. The Datastream comes
 * from the URL or topic (`Datastreams(12)/Observations`) or from the body
 * (`"Datastream": {"@iot.id": 12}` or `"Datastream@iot.id": 12`).
 */
export function parseObservation(
  body: unknown,
  options: {
    datastreamId?: number | undefined;
    lookup: (id: number) => DatastreamInfo | undefined;
    /** Whether the Datastream expects numeric results (OM_Measurement). */
    isMeasurement: (id: number) => boolean;
    nowMs: number;
  },
): ObservationRecord {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FeedInputError(400, 'an Observation must be a JSON object', 'body');
  }
  const o = body as Record<string, unknown>;
  let dsId = options.datastreamId;
  if (dsId === undefined) {
    const ref = o.Datastream as { '@iot.id'?: unknown } | undefined;
    const raw = o['Datastream@iot.id'] ?? (ref && typeof ref === 'object' ? ref['@iot.id'] : undefined);
    if (raw === undefined) throw new FeedInputError(400, 'the Observation names no Datastream', 'Datastream');
    if (!Number.isInteger(raw)) {
      throw new FeedInputError(
        400,
        `Datastream @iot.id must be an integer, got ${JSON.stringify(raw)}`,
        'Datastream',
      );
    }
    dsId = raw as number;
  }
  if (!options.lookup(dsId))
    throw new FeedInputError(404, `Datastream(${dsId}) does not exist`, 'Datastream');

  if (!('result' in o) || o.result === undefined)
    throw new FeedInputError(400, 'result is missing', 'result');
  const result = o.result;
  let resultNum: number | undefined;
  if (typeof result === 'number') {
    if (!Number.isFinite(result)) throw new FeedInputError(400, 'result must be a finite number', 'result');
    resultNum = result;
  } else if (options.isMeasurement(dsId)) {
    throw new FeedInputError(
      400,
      `result must be a number for Datastream(${dsId}) (an OM_Measurement), got ${typeof result} ${JSON.stringify(result).slice(0, 40)}`,
      'result',
    );
  }

  let phenomenonTimeMs = options.nowMs;
  let phenomenonEndMs: number | undefined;
  if (o.phenomenonTime !== undefined && o.phenomenonTime !== null) {
    const text = o.phenomenonTime;
    const parts = typeof text === 'string' ? text.split('/') : [];
    const start = parseInstant(parts[0]);
    const end = parts.length === 2 ? parseInstant(parts[1]) : undefined;
    if (
      start === undefined ||
      parts.length > 2 ||
      (parts.length === 2 && (end === undefined || end < start))
    ) {
      throw new FeedInputError(
        400,
        `phenomenonTime must be an ISO 8601 instant or interval with a time zone, got ${JSON.stringify(text)}`,
        'phenomenonTime',
      );
    }
    phenomenonTimeMs = start;
    phenomenonEndMs = end;
    checkNotFuture(end ?? start, options.nowMs, 'phenomenonTime');
  }
  let resultTimeMs: number | undefined;
  if (o.resultTime !== undefined && o.resultTime !== null) {
    resultTimeMs = parseInstant(o.resultTime);
    if (resultTimeMs === undefined) {
      throw new FeedInputError(
        400,
        `resultTime must be an ISO 8601 instant, got ${JSON.stringify(o.resultTime)}`,
        'resultTime',
      );
    }
    checkNotFuture(resultTimeMs, options.nowMs, 'resultTime');
  }
  if (
    o.parameters !== undefined &&
    (typeof o.parameters !== 'object' || o.parameters === null || Array.isArray(o.parameters))
  ) {
    throw new FeedInputError(400, 'parameters must be a JSON object', 'parameters');
  }
  return {
    datastreamId: dsId,
    phenomenonTimeMs,
    phenomenonEndMs,
    resultTimeMs,
    result,
    resultNum,
    ...(o.resultQuality !== undefined ? { resultQuality: o.resultQuality } : {}),
    ...(o.parameters !== undefined ? { parameters: o.parameters as Record<string, unknown> } : {}),
  };
}

/** `v1.1/Datastreams(12)/Observations` → 12; `v1.1/Observations` → null; other topics → undefined. */
export function datastreamOfTopic(topic: string): number | null | undefined {
  const m = /^v1\.1\/Datastreams\((\d+)\)\/Observations$/.exec(topic);
  if (m) return Number(m[1]);
  if (topic === 'v1.1/Observations') return null;
  return undefined;
}

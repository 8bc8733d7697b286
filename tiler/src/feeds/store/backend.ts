import type { AlertAck, AlertState, FeedEntity } from '../../api/feeds.js';
import type { ObservationRecord, TrafficFlowRecord, VehiclePositionRecord } from '../model.js';

/**
 * What the hub needs from its store, whichever database holds it: SQLite (store.ts, the
 * default: synchronous, in-process) or PostgreSQL (postgres.ts, for larger deployments:
 * asynchronous, over the network).
 *
 * Every method returns `T | Promise<T>`: SQLite answers with plain values, so its hot path
 * (group commit → writeBatch) stays synchronous, one uninterrupted transaction on the event
 * loop; callers `await` the answer, which costs nothing measurable for a plain value.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromiseLike<T>(v: MaybePromise<T> | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

export type EntityTable = 'things' | 'locations' | 'sensors' | 'observed_properties' | 'datastreams';

export interface StoredEntity {
  id: number;
  json: Record<string, unknown>;
  /** datastreams only. */
  thingId?: number;
  sensorId?: number;
  observedPropertyId?: number;
}

export interface StoredObservation {
  id: number;
  datastreamId: number;
  phenomenonTimeMs: number;
  phenomenonEndMs: number | null;
  resultTimeMs: number | null;
  result: unknown;
  resultQuality?: unknown;
  parameters?: Record<string, unknown>;
}

export type TimeField = 'phenomenonTime' | 'resultTime';
export type CompareOp = 'gt' | 'ge' | 'lt' | 'le' | 'eq';
export interface TimeCondition {
  field: TimeField;
  op: CompareOp;
  ms: number;
}

export interface ObservationQuery {
  datastreamId?: number;
  /** Leave out these datastreams' observations (what the caller may not see). */
  excludeDatastreams?: readonly number[];
  where: TimeCondition[];
  orderBy: { field: 'id' | TimeField | 'result'; desc: boolean }[];
  top: number;
  skip: number;
}

export interface EntityListOptions {
  top: number;
  skip: number;
  orderBy: { field: string; desc: boolean }[];
  linkedTo?: { table: EntityTable; id: number };
  /** Leave out these ids (what the caller may not see). */
  excludeIds?: readonly number[];
}

export interface Batch {
  observations: ObservationRecord[];
  flows: TrafficFlowRecord[];
  vehicles: VehiclePositionRecord[];
  /** Entity states changed by this batch, persisted with it (latest-state table). */
  latest: FeedEntity[];
}

/**
 * A reference to an entity in an EntityPlan: an existing id, or the `planned`-th insert of the
 * same plan (whose id is not known until it is written).
 */
export type EntityRef = number | { planned: number };

export interface PlannedInsert {
  table: EntityTable;
  json: Record<string, unknown>;
  /** datastreams only. */
  thing?: EntityRef;
  sensor?: EntityRef;
  observedProperty?: EntityRef;
}

/**
 * SensorThings entities to create together (a deep insert): written in one transaction, all or
 * nothing. Built and validated first (sensorthings.ts), so validation never runs inside a
 * transaction and a PostgreSQL transaction is a few round trips, not a conversation.
 */
export interface EntityPlan {
  inserts: PlannedInsert[];
  /** Thing ↔ Location links. */
  links: { thing: EntityRef; location: EntityRef }[];
}

export interface RetentionOptions {
  /** Raw observations, flows and vehicle positions older than this are deleted. */
  rawDays: number;
  /** 1-minute roll-ups older than this are deleted. */
  rollupDays: number;
}

export const RETENTION_DEFAULTS: RetentionOptions = { rawDays: 30, rollupDays: 400 };

export interface AckRecord {
  raisedTime: string;
  level: number;
  by: string;
  atMs: number;
}

export interface FeedStoreBackend {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data is, for logs and the operators' stats: the file, or the URL without password. */
  readonly location: string;
  readonly hubId: string;
  /** False once closed (background work stops). */
  readonly isOpen: boolean;

  /** Whether a failed write may succeed later (locked, disk full, connection lost…): retry it. */
  isTransientError(error: unknown): boolean;
  /** A short code for senders (`SQLITE_BUSY`, `ECONNREFUSED`, `SQLSTATE 53100`), never a path or host. */
  errorCode(error: unknown): string | undefined;

  getMeta(key: string): MaybePromise<string | undefined>;
  setMeta(key: string, value: string): MaybePromise<void>;

  // SensorThings entities
  insertEntities(plan: EntityPlan): MaybePromise<number[]>;
  getEntity(table: EntityTable, id: number): MaybePromise<StoredEntity | undefined>;
  listEntities(
    table: EntityTable,
    options: EntityListOptions,
  ): MaybePromise<{ rows: StoredEntity[]; count: number }>;
  allEntities(table: EntityTable): MaybePromise<StoredEntity[]>;
  /** Things that declare a visibility other than public (`properties.visibility`). */
  restrictedThings(): MaybePromise<{ id: number; visibility: string }[]>;
  /** Datastreams of these Things, and Locations linked to these Things and to no other. */
  linkedToThings(thingIds: readonly number[]): MaybePromise<{ datastreams: number[]; locations: number[] }>;

  // The write path
  /**
   * Writes one batch in one transaction: observations with their roll-ups, traffic flows,
   * vehicle positions and the entity states they changed. Returns the observations' ids, in
   * order. Throws (and writes nothing) if anything fails: the caller must then not acknowledge.
   */
  writeBatch(batch: Batch): MaybePromise<number[]>;
  /**
   * An alert's acknowledgement: its new state (carrying `ack`), a row in `alert_acks`, and
   * other entity states changed with it, in one transaction.
   */
  writeAck(alert: AlertState & { ack: AlertAck }, otherLatest?: FeedEntity[]): MaybePromise<void>;

  // Reads
  getObservation(id: number): MaybePromise<StoredObservation | undefined>;
  listObservations(q: ObservationQuery): MaybePromise<{ rows: StoredObservation[]; count: number }>;
  countObservations(): MaybePromise<number>;
  countRows(table: 'traffic_flows' | 'vehicle_positions'): MaybePromise<number>;
  /** Raw points or 1-minute roll-ups of one datastream in [fromMs, toMs], oldest first. */
  history(
    datastreamId: number,
    fromMs: number,
    toMs: number,
    resolution: 'raw' | '1m',
    limit: number,
  ): MaybePromise<{ timeMs: number; value: number; min?: number; max?: number; count?: number }[]>;
  /** The newest numeric observation of a datastream at or before `atMs`. */
  latestObservationAt(
    datastreamId: number,
    atMs: number,
  ): MaybePromise<{ timeMs: number; value: number } | undefined>;
  /** Roll-up sums and counts of a datastream per minute in [fromMs, toMs]. */
  rollupsBetween(
    datastreamId: number,
    fromMs: number,
    toMs: number,
  ): MaybePromise<{ minuteMs: number; count: number; sum: number }[]>;
  /** The newest flow per segment in (sinceMs, atMs]. */
  trafficAt(atMs: number, sinceMs: number): MaybePromise<TrafficFlowRecord[]>;
  /** The newest position per vehicle in (sinceMs, atMs]. */
  vehiclesAt(atMs: number, sinceMs: number): MaybePromise<VehiclePositionRecord[]>;
  /** Acknowledgements of one alert, oldest first (the record; the UI shows the latest). */
  acksOf(alertKey: string): MaybePromise<AckRecord[]>;
  /** Every entity state last pushed, for the snapshot after a restart. */
  latestEntities(): MaybePromise<FeedEntity[]>;

  /**
   * Deletes raw rows and roll-ups past their retention, at most `chunk` rows per table per
   * call, so a long backlog never stalls ingest (call it again until it returns 0).
   */
  applyRetention(nowMs: number, options?: RetentionOptions, chunk?: number): MaybePromise<number>;

  close(): MaybePromise<void>;
}

// ---- Shared by both backends: the same rows mean the same thing ------------------------------

export const MINUTE_MS = 60_000;

export const SQL_OP: Record<CompareOp, string> = { gt: '>', ge: '>=', lt: '<', le: '<=', eq: '=' };
export const TIME_COLUMN: Record<TimeField, string> = {
  phenomenonTime: 'phenomenon_time_ms',
  resultTime: 'result_time_ms',
};

export interface RollupRow {
  ds: number;
  m: number;
  n: number;
  s: number;
  lo: number;
  hi: number;
}

/** The 1-minute roll-ups one batch adds (one row per datastream and minute), key order. */
export function rollupsOf(observations: readonly ObservationRecord[]): RollupRow[] {
  const rollups = new Map<string, RollupRow>();
  for (const o of observations) {
    if (o.resultNum === undefined) continue;
    const m = Math.floor(o.phenomenonTimeMs / MINUTE_MS) * MINUTE_MS;
    const key = `${o.datastreamId}:${m}`;
    const r = rollups.get(key);
    if (r) {
      r.n++;
      r.s += o.resultNum;
      r.lo = Math.min(r.lo, o.resultNum);
      r.hi = Math.max(r.hi, o.resultNum);
    } else {
      rollups.set(key, { ds: o.datastreamId, m, n: 1, s: o.resultNum, lo: o.resultNum, hi: o.resultNum });
    }
  }
  return [...rollups.values()];
}

/** The JSON kept beside an observation's result: resultQuality and parameters, when sent. */
export function extraJsonOf(o: ObservationRecord): string | null {
  return o.resultQuality !== undefined || o.parameters !== undefined
    ? JSON.stringify({ resultQuality: o.resultQuality, parameters: o.parameters })
    : null;
}

export interface ObsRow {
  id: number;
  datastream_id: number;
  phenomenon_time_ms: number;
  phenomenon_end_ms: number | null;
  result_time_ms: number | null;
  result_num: number | null;
  result_json: string | null;
  extra_json: string | null;
}

export function toObservation(r: ObsRow): StoredObservation {
  const extra = r.extra_json
    ? (JSON.parse(r.extra_json) as { resultQuality?: unknown; parameters?: Record<string, unknown> })
    : {};
  return {
    id: r.id,
    datastreamId: r.datastream_id,
    phenomenonTimeMs: r.phenomenon_time_ms,
    phenomenonEndMs: r.phenomenon_end_ms,
    resultTimeMs: r.result_time_ms,
    result: r.result_num ?? (r.result_json === null ? null : JSON.parse(r.result_json)),
    ...(extra.resultQuality !== undefined ? { resultQuality: extra.resultQuality } : {}),
    ...(extra.parameters !== undefined ? { parameters: extra.parameters } : {}),
  };
}

export function toEntity(row: Record<string, unknown>): StoredEntity {
  const e: StoredEntity = {
    id: Number(row.id),
    json: JSON.parse(String(row.json)) as Record<string, unknown>,
  };
  if (row.thing_id !== undefined) e.thingId = Number(row.thing_id);
  if (row.sensor_id !== undefined) e.sensorId = Number(row.sensor_id);
  if (row.observed_property_id !== undefined) e.observedPropertyId = Number(row.observed_property_id);
  return e;
}

export function toTrafficFlow(r: Record<string, unknown>): TrafficFlowRecord {
  return {
    segmentId: String(r.segment_id),
    timeMs: Number(r.time_ms),
    intensityVehH: numOrUndefined(r.intensity_veh_h),
    averageSpeedKmh: numOrUndefined(r.average_speed_kmh),
    occupancy: numOrUndefined(r.occupancy),
    congested: r.congested === null || r.congested === undefined ? undefined : Number(r.congested) === 1,
    lonDeg: numOrUndefined(r.lon_deg),
    latDeg: numOrUndefined(r.lat_deg),
  };
}

/** The newest position per vehicle from rows in time order. */
export function lastVehiclePositions(rows: Record<string, unknown>[]): VehiclePositionRecord[] {
  const last = new Map<string, VehiclePositionRecord>();
  for (const r of rows) {
    last.set(String(r.vehicle_id), {
      vehicleId: String(r.vehicle_id),
      timeMs: Number(r.time_ms),
      lonDeg: Number(r.lon_deg),
      latDeg: Number(r.lat_deg),
      bearingDeg: numOrUndefined(r.bearing_deg),
      speedMS: numOrUndefined(r.speed_m_s),
      routeId: strOrUndefined(r.route_id),
      tripId: strOrUndefined(r.trip_id),
      label: strOrUndefined(r.label),
    });
  }
  return [...last.values()];
}

/** Which planned insert or existing entity a reference names, once the plan's ids are known. */
export function resolveRef(ref: EntityRef | undefined, ids: readonly number[]): number | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'number') return ref;
  const id = ids[ref.planned];
  if (id === undefined) throw new Error(`entity plan: insert ${ref.planned} is used before it is written`);
  return id;
}

function numOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function strOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

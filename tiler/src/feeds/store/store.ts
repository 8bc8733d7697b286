import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AlertAck, AlertState, FeedEntity } from '../../api/feeds.js';
import type { TrafficFlowRecord, VehiclePositionRecord } from '../model.js';
import {
  type AckRecord,
  type Batch,
  type EntityListOptions,
  type EntityPlan,
  type EntityTable,
  extraJsonOf,
  type FeedStoreBackend,
  lastVehiclePositions,
  MINUTE_MS,
  type ObservationQuery,
  type ObsRow,
  RETENTION_DEFAULTS,
  type RetentionOptions,
  resolveRef,
  rollupsOf,
  SQL_OP,
  type StoredEntity,
  type StoredObservation,
  TIME_COLUMN,
  type TimeField,
  toEntity,
  toObservation,
  toTrafficFlow,
} from './backend.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';

export type {
  Batch,
  CompareOp,
  EntityTable,
  ObservationQuery,
  RetentionOptions,
  StoredEntity,
  StoredObservation,
  TimeCondition,
  TimeField,
} from './backend.js';
export { RETENTION_DEFAULTS } from './backend.js';

/**
 * The feed store: SQLite in WAL mode through better-sqlite3 (synchronous, so a whole batch is
 * one uninterrupted transaction on the event loop).
 *
 * Durability: `synchronous=FULL` by default. In WAL mode NORMAL already survives a crash of the
 * process (kill -9): a committed transaction is in the WAL file in the OS page cache. It can lose
 * the last transactions on power loss or a kernel crash, though, and the hub promises that an
 * acknowledged observation is durable. FULL fsyncs the WAL on every commit; group commit (many
 * messages per transaction, see group-commit.ts) makes that one fsync per batch (~0.3 ms here),
 * so FULL costs little. `--sync normal` trades it for a little throughput.
 */

export type SyncMode = 'full' | 'normal';

/** SQLite errors that can clear by themselves or by an operator: locked, busy, disk full, I/O. */
export function isTransientSqliteError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|PROTOCOL)/.test(code);
}

export class FeedStore implements FeedStoreBackend {
  readonly kind = 'sqlite';
  readonly db: Database.Database;
  readonly file: string;
  readonly hubId: string;
  private readonly stmts;

  constructor(file: string, options: { sync?: SyncMode } = {}) {
    this.file = file;
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    // Wait at most 100 ms for a lock: longer would stall the event loop; the hub retries a
    // failed commit itself, with backoff (GroupCommit).
    this.db = new Database(file, { timeout: 100 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
    // Readers (history, replay) never block the writer in WAL mode; a bigger cache keeps the
    // indexes of the hot tail in memory.
    this.db.pragma('cache_size = -32000');
    this.db.pragma('foreign_keys = ON');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`${file}: feed store schema ${version} is newer than this bdtwin (${SCHEMA_VERSION})`);
    }
    this.db.exec(SCHEMA_SQL);
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    const db = this.db;
    this.stmts = {
      insertObs: db.prepare(
        `INSERT INTO observations (datastream_id, phenomenon_time_ms, phenomenon_end_ms, result_time_ms,
           result_num, result_json, extra_json) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertRollup: db.prepare(
        `INSERT INTO rollup_1m (datastream_id, minute_ms, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (datastream_id, minute_ms) DO UPDATE SET count = count + excluded.count,
           sum = sum + excluded.sum, min = min(min, excluded.min), max = max(max, excluded.max)`,
      ),
      insertFlow: db.prepare(
        `INSERT INTO traffic_flows (segment_id, time_ms, intensity_veh_h, average_speed_kmh, occupancy,
           congested, lon_deg, lat_deg) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertVehicle: db.prepare(
        `INSERT INTO vehicle_positions (vehicle_id, time_ms, lon_deg, lat_deg, bearing_deg, speed_m_s,
           route_id, trip_id, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertLatest: db.prepare(
        `INSERT INTO latest (key, layer, seq, json) VALUES (?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET layer = excluded.layer, seq = excluded.seq, json = excluded.json`,
      ),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      latestObsAt: db.prepare(
        `SELECT phenomenon_time_ms AS t, result_num AS v FROM observations
         WHERE datastream_id = ? AND phenomenon_time_ms <= ? AND result_num IS NOT NULL
         ORDER BY phenomenon_time_ms DESC LIMIT 1`,
      ),
      rollupsBetween: db.prepare(
        `SELECT minute_ms AS m, count AS n, sum AS s FROM rollup_1m
         WHERE datastream_id = ? AND minute_ms >= ? AND minute_ms <= ?`,
      ),
    };
    let hubId = this.getMeta('hubId');
    if (!hubId) {
      hubId = randomUUID();
      this.setMeta('hubId', hubId);
    }
    this.hubId = hubId;
  }

  get location(): string {
    return this.file;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  isTransientError(error: unknown): boolean {
    return isTransientSqliteError(error);
  }

  errorCode(error: unknown): string | undefined {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
  }

  getMeta(key: string): string | undefined {
    return (this.stmts.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmts.setMeta.run(key, value);
  }

  // ---- SensorThings entities ---------------------------------------------------------------

  /** Writes a deep insert in one transaction; returns the ids of `plan.inserts`, in order. */
  insertEntities(plan: EntityPlan): number[] {
    return this.db.transaction(() => {
      const ids: number[] = [];
      for (const e of plan.inserts) {
        const json = JSON.stringify(e.json);
        const info =
          e.table === 'datastreams'
            ? this.db
                .prepare(
                  'INSERT INTO datastreams (thing_id, sensor_id, observed_property_id, json) VALUES (?, ?, ?, ?)',
                )
                .run(
                  resolveRef(e.thing, ids),
                  resolveRef(e.sensor, ids),
                  resolveRef(e.observedProperty, ids),
                  json,
                )
            : this.db.prepare(`INSERT INTO ${e.table} (json) VALUES (?)`).run(json);
        ids.push(Number(info.lastInsertRowid));
      }
      const link = this.db.prepare(
        'INSERT OR IGNORE INTO thing_locations (thing_id, location_id) VALUES (?, ?)',
      );
      for (const l of plan.links) link.run(resolveRef(l.thing, ids), resolveRef(l.location, ids));
      return ids;
    })();
  }

  getEntity(table: EntityTable, id: number): StoredEntity | undefined {
    const row = this.db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(id) as
      | Record<string, unknown>
      | undefined;
    return row ? toEntity(row) : undefined;
  }

  /** Entities of a table, optionally only those linked to another entity. */
  listEntities(table: EntityTable, options: EntityListOptions): { rows: StoredEntity[]; count: number } {
    let where = '';
    const params: unknown[] = [];
    const link = options.linkedTo;
    if (link) {
      if (table === 'datastreams' && link.table === 'things') where = 'WHERE thing_id = ?';
      else if (table === 'locations' && link.table === 'things')
        where = 'WHERE id IN (SELECT location_id FROM thing_locations WHERE thing_id = ?)';
      else if (table === 'things' && link.table === 'locations')
        where = 'WHERE id IN (SELECT thing_id FROM thing_locations WHERE location_id = ?)';
      else if (table === 'datastreams' && link.table === 'sensors') where = 'WHERE sensor_id = ?';
      else if (table === 'datastreams' && link.table === 'observed_properties')
        where = 'WHERE observed_property_id = ?';
      else throw new Error(`no link from ${link.table} to ${table}`);
      params.push(link.id);
    }
    if (options.excludeIds?.length) {
      where += `${where ? ' AND' : 'WHERE'} id NOT IN (SELECT value FROM json_each(?))`;
      params.push(JSON.stringify(options.excludeIds));
    }
    const order = options.orderBy.length
      ? options.orderBy
          .map((o) =>
            o.field === 'id'
              ? `id ${o.desc ? 'DESC' : 'ASC'}`
              : `json_extract(json, '$.${o.field.replace(/[^A-Za-z0-9_]/g, '')}') ${o.desc ? 'DESC' : 'ASC'}`,
          )
          .join(', ')
      : 'id ASC';
    const rows = this.db
      .prepare(`SELECT * FROM ${table} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, options.top, options.skip) as Record<string, unknown>[];
    const count = (
      this.db.prepare(`SELECT count(*) AS n FROM ${table} ${where}`).get(...params) as { n: number }
    ).n;
    return { rows: rows.map(toEntity), count };
  }

  /** Things that declare a visibility other than public (`properties.visibility`). */
  restrictedThings(): { id: number; visibility: string }[] {
    return this.db
      .prepare(
        `SELECT id, json_extract(json, '$.properties.visibility') AS visibility FROM things
         WHERE visibility IS NOT NULL AND visibility != 'public'`,
      )
      .all() as { id: number; visibility: string }[];
  }

  /** Datastreams of these Things, and Locations linked to these Things and to no other. */
  linkedToThings(thingIds: readonly number[]): { datastreams: number[]; locations: number[] } {
    const ids = JSON.stringify(thingIds);
    const datastreams = (
      this.db
        .prepare('SELECT id FROM datastreams WHERE thing_id IN (SELECT value FROM json_each(?)) ORDER BY id')
        .all(ids) as { id: number }[]
    ).map((r) => r.id);
    const locations = (
      this.db
        .prepare(
          `SELECT location_id AS id FROM thing_locations GROUP BY location_id
           HAVING sum(thing_id NOT IN (SELECT value FROM json_each(?))) = 0 ORDER BY location_id`,
        )
        .all(ids) as { id: number }[]
    ).map((r) => r.id);
    return { datastreams, locations };
  }

  allEntities(table: EntityTable): StoredEntity[] {
    return (this.db.prepare(`SELECT * FROM ${table} ORDER BY id`).all() as Record<string, unknown>[]).map(
      toEntity,
    );
  }

  // ---- The write path ------------------------------------------------------------------------

  /**
   * Writes one batch in one transaction: observations with their roll-ups, traffic flows,
   * vehicle positions and the entity states they changed. Returns the observations' ids.
   * Throws (and writes nothing) if anything fails: the caller must then not acknowledge.
   */
  writeBatch(batch: Batch): number[] {
    return this.db.transaction(() => {
      const ids: number[] = [];
      for (const o of batch.observations) {
        const info = this.stmts.insertObs.run(
          o.datastreamId,
          o.phenomenonTimeMs,
          o.phenomenonEndMs ?? null,
          o.resultTimeMs ?? null,
          o.resultNum ?? null,
          o.resultNum === undefined ? JSON.stringify(o.result) : null,
          extraJsonOf(o),
        );
        ids.push(Number(info.lastInsertRowid));
      }
      for (const r of rollupsOf(batch.observations))
        this.stmts.upsertRollup.run(r.ds, r.m, r.n, r.s, r.lo, r.hi);
      for (const f of batch.flows) {
        this.stmts.insertFlow.run(
          f.segmentId,
          f.timeMs,
          f.intensityVehH ?? null,
          f.averageSpeedKmh ?? null,
          f.occupancy ?? null,
          f.congested === undefined ? null : f.congested ? 1 : 0,
          f.lonDeg ?? null,
          f.latDeg ?? null,
        );
      }
      for (const v of batch.vehicles) {
        this.stmts.insertVehicle.run(
          v.vehicleId,
          v.timeMs,
          v.lonDeg,
          v.latDeg,
          v.bearingDeg ?? null,
          v.speedMS ?? null,
          v.routeId ?? null,
          v.tripId ?? null,
          v.label ?? null,
        );
      }
      for (const e of batch.latest) this.stmts.upsertLatest.run(e.key, e.layer, e.seq, JSON.stringify(e));
      return ids;
    })();
  }

  // ---- Reads ---------------------------------------------------------------------------------

  getObservation(id: number): StoredObservation | undefined {
    const row = this.db.prepare('SELECT * FROM observations WHERE id = ?').get(id) as ObsRow | undefined;
    return row ? toObservation(row) : undefined;
  }

  listObservations(q: ObservationQuery): { rows: StoredObservation[]; count: number } {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (q.datastreamId !== undefined) {
      clauses.push('datastream_id = ?');
      params.push(q.datastreamId);
    }
    if (q.excludeDatastreams?.length) {
      clauses.push('datastream_id NOT IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(q.excludeDatastreams));
    }
    for (const c of q.where) {
      clauses.push(`${TIME_COLUMN[c.field]} ${SQL_OP[c.op]} ?`);
      params.push(c.ms);
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const column = (f: string) =>
      f === 'id' ? 'id' : f === 'result' ? 'result_num' : TIME_COLUMN[f as TimeField];
    const order = q.orderBy.length
      ? q.orderBy.map((o) => `${column(o.field)} ${o.desc ? 'DESC' : 'ASC'}`).join(', ')
      : 'id ASC';
    const rows = this.db
      .prepare(`SELECT * FROM observations ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, q.top, q.skip) as ObsRow[];
    const count = (
      this.db.prepare(`SELECT count(*) AS n FROM observations ${where}`).get(...params) as { n: number }
    ).n;
    return { rows: rows.map(toObservation), count };
  }

  countObservations(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM observations').get() as { n: number }).n;
  }

  countRows(table: 'traffic_flows' | 'vehicle_positions'): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  }

  /** Raw points or 1-minute roll-ups of one datastream in [fromMs, toMs], oldest first. */
  history(
    datastreamId: number,
    fromMs: number,
    toMs: number,
    resolution: 'raw' | '1m',
    limit: number,
  ): { timeMs: number; value: number; min?: number; max?: number; count?: number }[] {
    if (resolution === 'raw') {
      return (
        this.db
          .prepare(
            `SELECT phenomenon_time_ms AS t, result_num AS v FROM observations
             WHERE datastream_id = ? AND phenomenon_time_ms >= ? AND phenomenon_time_ms <= ? AND result_num IS NOT NULL
             ORDER BY phenomenon_time_ms LIMIT ?`,
          )
          .all(datastreamId, fromMs, toMs, limit) as { t: number; v: number }[]
      ).map((r) => ({ timeMs: r.t, value: r.v }));
    }
    return (
      this.db
        .prepare(
          `SELECT minute_ms AS t, count AS n, sum AS s, min AS lo, max AS hi FROM rollup_1m
           WHERE datastream_id = ? AND minute_ms >= ? AND minute_ms <= ? ORDER BY minute_ms LIMIT ?`,
        )
        .all(datastreamId, Math.floor(fromMs / MINUTE_MS) * MINUTE_MS, toMs, limit) as {
        t: number;
        n: number;
        s: number;
        lo: number;
        hi: number;
      }[]
    ).map((r) => ({ timeMs: r.t, value: r.s / r.n, min: r.lo, max: r.hi, count: r.n }));
  }

  /** The newest numeric observation of a datastream at or before `atMs`. */
  latestObservationAt(datastreamId: number, atMs: number): { timeMs: number; value: number } | undefined {
    const r = this.stmts.latestObsAt.get(datastreamId, atMs) as { t: number; v: number } | undefined;
    return r ? { timeMs: r.t, value: r.v } : undefined;
  }

  /** Roll-up sums and counts of a datastream per minute in [fromMs, toMs]. */
  rollupsBetween(
    datastreamId: number,
    fromMs: number,
    toMs: number,
  ): { minuteMs: number; count: number; sum: number }[] {
    return (
      this.stmts.rollupsBetween.all(datastreamId, fromMs, toMs) as { m: number; n: number; s: number }[]
    ).map((r) => ({ minuteMs: r.m, count: r.n, sum: r.s }));
  }

  /** The newest flow per segment in (sinceMs, atMs]. */
  trafficAt(atMs: number, sinceMs: number): TrafficFlowRecord[] {
    const rows = this.db
      .prepare(
        `SELECT f.* FROM traffic_flows f JOIN (
           SELECT segment_id, max(time_ms) AS t FROM traffic_flows WHERE time_ms > ? AND time_ms <= ? GROUP BY segment_id
         ) last ON f.segment_id = last.segment_id AND f.time_ms = last.t`,
      )
      .all(sinceMs, atMs) as Record<string, number | string | null>[];
    return rows.map(toTrafficFlow);
  }

  /** The newest position per vehicle in (sinceMs, atMs]. */
  vehiclesAt(atMs: number, sinceMs: number): VehiclePositionRecord[] {
    const rows = this.db
      .prepare(`SELECT * FROM vehicle_positions WHERE time_ms > ? AND time_ms <= ? ORDER BY time_ms`)
      .all(sinceMs, atMs) as Record<string, number | string | null>[];
    return lastVehiclePositions(rows);
  }

  /**
   * Records an acknowledgement: the alert's new state (carrying `ack`), a row in `alert_acks`
   * and the other states changed with it, in one transaction — all or none survive a crash.
   */
  writeAck(alert: AlertState & { ack: AlertAck }, otherLatest: FeedEntity[] = []): void {
    this.db.transaction(() => {
      for (const e of otherLatest) this.stmts.upsertLatest.run(e.key, e.layer, e.seq, JSON.stringify(e));
      this.stmts.upsertLatest.run(alert.key, alert.layer, alert.seq, JSON.stringify(alert));
      this.db
        .prepare(
          'INSERT INTO alert_acks (alert_key, raised_time, level, by_name, at_ms) VALUES (?, ?, ?, ?, ?)',
        )
        .run(alert.key, alert.time, alert.level, alert.ack.by, Date.parse(alert.ack.at));
    })();
  }

  /** Acknowledgements of one alert, oldest first (the record; the UI shows the latest). */
  acksOf(alertKey: string): AckRecord[] {
    return this.db
      .prepare(
        `SELECT raised_time AS raisedTime, level, by_name AS "by", at_ms AS atMs FROM alert_acks
         WHERE alert_key = ? ORDER BY at_ms, id`,
      )
      .all(alertKey) as AckRecord[];
  }

  /** Every entity state last pushed, for the snapshot after a restart. */
  latestEntities(): FeedEntity[] {
    return (this.db.prepare('SELECT json FROM latest ORDER BY seq').all() as { json: string }[]).map(
      (r) => JSON.parse(r.json) as FeedEntity,
    );
  }

  /**
   * Deletes raw rows and roll-ups past their retention, at most `chunk` rows per table per
   * call, so a long backlog never stalls ingest (call it again until it returns 0).
   */
  applyRetention(nowMs: number, options: RetentionOptions = RETENTION_DEFAULTS, chunk = 20_000): number {
    const rawBefore = nowMs - options.rawDays * 86_400_000;
    const rollupBefore = nowMs - options.rollupDays * 86_400_000;
    let deleted = 0;
    this.db.transaction(() => {
      for (const [table, column] of [
        ['observations', 'phenomenon_time_ms'],
        ['traffic_flows', 'time_ms'],
        ['vehicle_positions', 'time_ms'],
      ] as const) {
        deleted += this.db
          .prepare(
            `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < ? ORDER BY ${column} LIMIT ?)`,
          )
          .run(rawBefore, chunk).changes;
      }
      deleted += this.db
        .prepare(
          `DELETE FROM rollup_1m WHERE (datastream_id, minute_ms) IN
             (SELECT datastream_id, minute_ms FROM rollup_1m WHERE minute_ms < ? LIMIT ?)`,
        )
        .run(rollupBefore, chunk).changes;
    })();
    return deleted;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

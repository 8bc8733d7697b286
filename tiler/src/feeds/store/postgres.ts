import { randomUUID } from 'node:crypto';
import pg from 'pg';
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
import { CommitOutcomeUnknownError } from './group-commit.js';
import { PG_SCHEMA_LOCK, PG_SCHEMA_SQL, PG_SCHEMA_VERSION } from './postgres-schema.js';

/**
 * The feed store on PostgreSQL (`--feeds-db postgres://user@host:5432/db`): the option for
 * deployments that outgrow one SQLite file — the database on its own machine, with its own
 * backups, replication and monitoring.
 *
 * Same contract as the SQLite store (backend.ts): one transaction per batch, acknowledged only
 * after COMMIT returned. COMMIT returns once the WAL is flushed (`synchronous_commit = on`, the
 * server's default; if the server's default is `off`, the hub turns it back on for its own write
 * transactions). A batch is a handful of round trips whatever its size: each table gets one
 * INSERT … SELECT FROM unnest($1::bigint[], …) with the batch's columns as arrays.
 *
 * Writes that touch the latest-state table (batches, acknowledgements) run one at a time in
 * call order (`serial`), so a later state never loses to an earlier one; reads use the pool.
 */

const { Pool, types: pgTypes } = pg;

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:\/\//i.test(text);
}

/** The URL without its password (in the user part or as a parameter): for logs and errors. */
export function redactPostgresUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not a URL pg can use either; show its start only, it may hold a password.
    const shown = url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@]*@/i, '$1@');
    throw new Error(
      `${shown.slice(0, 80)} is not a valid PostgreSQL URL (postgres://user@host:5432/database)`,
    );
  }
  u.password = '';
  for (const key of ['password', 'sslpassword']) u.searchParams.delete(key);
  return u.href;
}

/**
 * int8 (counts, ids, epoch ms) as JavaScript numbers, exact to 2^53; JSON as its text, so rows
 * are read by the same functions as SQLite's (backend.ts). Per pool, not global: other users of
 * `pg` in the process keep the defaults.
 */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === pgTypes.builtins.INT8) return (v: string) => Number(v);
    if (oid === pgTypes.builtins.JSON || oid === pgTypes.builtins.JSONB) return (v: string) => v;
    return pgTypes.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** SQLSTATE classes and codes that can clear by themselves or by an operator. */
const TRANSIENT_SQLSTATE = /^(08|53|58|57P0[1-4]|57014|40001|40P01|55P03|25006)/; // connection, resources (disk full), system, shutdown/restart, canceled, serialization, deadlock, lock, read-only (failover)
const TRANSIENT_ERRNO =
  /^E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|HOSTDOWN|AI_AGAIN|NOTFOUND|ADDRNOTAVAIL)$/;
const TRANSIENT_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|not queryable|Client was closed/i;

/** Above this many rows (PostgreSQL's estimate), stats counts are the estimate. */
const ESTIMATE_ABOVE_ROWS = 1_000_000;

export interface PostgresStoreOptions {
  /** Connections at most (one writes at a time; the others serve reads). */
  poolSize?: number;
  /** Give up connecting after this long (the server is unreachable, not refusing). */
  connectTimeoutMs?: number;
  /** A query answered by nothing for this long fails (a hung server): the batch is retried. */
  queryTimeoutMs?: number;
  log?: (line: string) => void;
}

export class PostgresFeedStore implements FeedStoreBackend {
  readonly kind = 'postgres';
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
    readonly hubId: string,
    /** BEGIN, plus `SET LOCAL synchronous_commit TO on` where the server's default is off. */
    private readonly begin: string,
  ) {}

  /**
   * Connects, creates or checks the schema, and reads (or makes) the hub id. Throws an error
   * naming the URL without its password when the server cannot be reached or refuses.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresFeedStore> {
    const location = redactPostgresUrl(url);
    const log = options.log ?? ((line: string) => console.error(line));
    const pool = new Pool({
      connectionString: url,
      max: options.poolSize ?? 8,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 20_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'bdtwin-hub',
      types: TYPES,
    });
    // An idle connection lost (server restart, network): pg drops it from the pool and the next
    // query opens a new one. Without a listener the error would end the process.
    pool.on('error', (error) =>
      log(`bdtwin hub: idle PostgreSQL connection to ${location} lost: ${error.message}`),
    );
    try {
      const client = await pool.connect();
      let failed: Error | undefined;
      const onError = (error: Error) => {
        failed ??= error;
      };
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [PG_SCHEMA_LOCK]);
        await client.query('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
        const found = await client.query<{ value: string }>(
          "SELECT value FROM meta WHERE key = 'schemaVersion'",
        );
        const version = Number(found.rows[0]?.value ?? 0);
        if (version > PG_SCHEMA_VERSION) {
          throw new Error(`feed store schema ${version} is newer than this bdtwin (${PG_SCHEMA_VERSION})`);
        }
        await client.query(PG_SCHEMA_SQL);
        await client.query(
          `INSERT INTO meta (key, value) VALUES ('schemaVersion', $1)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          [String(PG_SCHEMA_VERSION)],
        );
        await client.query(
          "INSERT INTO meta (key, value) VALUES ('hubId', $1) ON CONFLICT (key) DO NOTHING",
          [randomUUID()],
        );
        const hubId = (await client.query<{ value: string }>("SELECT value FROM meta WHERE key = 'hubId'"))
          .rows[0]!.value;
        await client.query('COMMIT');
        const setting = async (name: string) =>
          String((await client.query(`SHOW ${name}`)).rows[0]?.[name] ?? '');
        const syncCommit = await setting('synchronous_commit');
        if ((await setting('fsync')) === 'off') {
          log(
            `bdtwin hub: PostgreSQL at ${location} runs with fsync=off: a crash of its machine can lose ` +
              'acknowledged observations; turn fsync on for production',
          );
        }
        let begin = 'BEGIN';
        if (syncCommit === 'off') {
          log(
            `bdtwin hub: PostgreSQL at ${location} has synchronous_commit=off; the hub sets it on for its ` +
              'own writes (an acknowledged observation must be on disk)',
          );
          begin = 'BEGIN; SET LOCAL synchronous_commit TO on';
        }
        return new PostgresFeedStore(pool, location, hubId, begin);
      } catch (error) {
        failed ??= error as Error;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(failed);
      }
    } catch (error) {
      await pool.end().catch(() => {});
      const e = error as Error & { code?: string };
      const hint =
        e.code === '3D000'
          ? ' (create it first: createdb, or CREATE DATABASE)'
          : e.code === 'ECONNREFUSED'
            ? ' (is the server running and listening on that host and port?)'
            : e.code === '28P01' || e.code === '28000'
              ? ' (check the user, and the password in the URL, PGPASSWORD or ~/.pgpass)'
              : '';
      throw Object.assign(
        new Error(`cannot open the PostgreSQL feed store ${location}: ${e.message}${hint}`),
        e.code ? { code: e.code } : {},
      );
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  isTransientError(error: unknown): boolean {
    const e = error as { code?: unknown; message?: unknown } | null;
    if (!e) return false;
    if (typeof e.code === 'string' && (TRANSIENT_SQLSTATE.test(e.code) || TRANSIENT_ERRNO.test(e.code)))
      return true;
    return typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message);
  }

  errorCode(error: unknown): string | undefined {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string') return undefined;
    return /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E') ? `SQLSTATE ${code}` : code;
  }

  /** Runs writes one at a time, in call order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => {});
    return run;
  }

  /**
   * One transaction on one connection. On any failure the connection is dropped, not reused:
   * that rolls back whatever was open, and a connection that failed mid-transaction may be broken.
   *
   * COMMIT that fails (the connection lost, the server stopping) leaves the outcome unknown: the
   * server may have written the transaction and lost only the reply. That throws
   * CommitOutcomeUnknownError, whose `outcome()` asks the server later with `txid_status` (the
   * function PostgreSQL keeps for exactly this) so the caller neither writes it twice nor tells
   * a sender "nothing was stored" when it was.
   */
  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let failed: Error | undefined;
    // A connection lost between two queries is reported on the client, not on a query: without
    // a listener that would end the process. The next query fails, and the batch is retried.
    const onError = (error: Error) => {
      failed ??= error;
    };
    client.on('error', onError);
    try {
      // One round trip: BEGIN, and the transaction's id for the outcome check (several statements
      // in one query: pg answers with one result per statement).
      const began: unknown = await client.query(`${this.begin}; SELECT txid_current()::text AS xid`);
      const xid = (began as pg.QueryResult<{ xid: string }>[]).at(-1)!.rows[0]!.xid;
      const out = await fn(client);
      try {
        await client.query('COMMIT');
      } catch (error) {
        const cause = error instanceof Error ? error : new Error(String(error));
        failed ??= cause;
        const code = (cause as { code?: unknown }).code;
        throw Object.assign(
          new CommitOutcomeUnknownError<T>(
            `connection lost during COMMIT (${cause.message}); whether transaction ${xid} was stored is not known yet`,
            () => this.outcomeOf(xid, out),
            { cause },
          ),
          typeof code === 'string' ? { code } : {},
        );
      }
      return out;
    } catch (error) {
      failed ??= error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(failed);
    }
  }

  /**
   * What became of transaction `xid`, asked on a fresh connection: `{ result }` if it
   * committed, undefined if it aborted (or died in a crash); throws while the server cannot be
   * reached or the transaction is still in progress (its backend has not yet noticed the loss).
   */
  private async outcomeOf<T>(xid: string, result: T): Promise<{ result: T } | undefined> {
    // A crash (immediate stop, power loss) can lose a transaction's WAL before it was flushed:
    // recovery then hands out its xid again, and txid_status would refuse it ("in the future")
    // until some other transaction took it. A commit record is flushed before COMMIT returns,
    // and recovery moves the next xid past every one it replays: an xid not yet handed out
    // again never committed.
    const [next] = await this.query<{ xmax: string }>(
      'SELECT txid_snapshot_xmax(txid_current_snapshot())::text AS xmax',
    );
    if (next && BigInt(xid) >= BigInt(next.xmax)) return undefined;
    const [row] = await this.query<{ status: string | null }>('SELECT txid_status($1::bigint) AS status', [
      xid,
    ]);
    if (row?.status === 'committed') return { result };
    if (row?.status === 'aborted') return undefined;
    throw new Error(
      `transaction ${xid} is ${row?.status ?? 'too old for the server to say'}: its outcome is not known yet`,
    );
  }

  private async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  async getMeta(key: string): Promise<string | undefined> {
    return (await this.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]))[0]?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  // ---- SensorThings entities ---------------------------------------------------------------

  insertEntities(plan: EntityPlan): Promise<number[]> {
    return this.tx(async (client) => {
      const ids: number[] = [];
      for (const e of plan.inserts) {
        const json = JSON.stringify(e.json);
        const res =
          e.table === 'datastreams'
            ? await client.query<{ id: number }>(
                `INSERT INTO datastreams (thing_id, sensor_id, observed_property_id, json)
                 VALUES ($1, $2, $3, $4) RETURNING id`,
                [
                  resolveRef(e.thing, ids),
                  resolveRef(e.sensor, ids),
                  resolveRef(e.observedProperty, ids),
                  json,
                ],
              )
            : await client.query<{ id: number }>(`INSERT INTO ${e.table} (json) VALUES ($1) RETURNING id`, [
                json,
              ]);
        ids.push(res.rows[0]!.id);
      }
      if (plan.links.length) {
        await client.query(
          `INSERT INTO thing_locations (thing_id, location_id)
           SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING`,
          [
            plan.links.map((l) => resolveRef(l.thing, ids)),
            plan.links.map((l) => resolveRef(l.location, ids)),
          ],
        );
      }
      return ids;
    });
  }

  async getEntity(table: EntityTable, id: number): Promise<StoredEntity | undefined> {
    const row = (await this.query(`SELECT * FROM ${table} WHERE id = $1`, [id]))[0];
    return row ? toEntity(row) : undefined;
  }

  async listEntities(
    table: EntityTable,
    options: EntityListOptions,
  ): Promise<{ rows: StoredEntity[]; count: number }> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const clauses: string[] = [];
    const link = options.linkedTo;
    if (link) {
      if (table === 'datastreams' && link.table === 'things') clauses.push(`thing_id = ${p(link.id)}`);
      else if (table === 'locations' && link.table === 'things')
        clauses.push(`id IN (SELECT location_id FROM thing_locations WHERE thing_id = ${p(link.id)})`);
      else if (table === 'things' && link.table === 'locations')
        clauses.push(`id IN (SELECT thing_id FROM thing_locations WHERE location_id = ${p(link.id)})`);
      else if (table === 'datastreams' && link.table === 'sensors') clauses.push(`sensor_id = ${p(link.id)}`);
      else if (table === 'datastreams' && link.table === 'observed_properties')
        clauses.push(`observed_property_id = ${p(link.id)}`);
      else throw new Error(`no link from ${link.table} to ${table}`);
    }
    if (options.excludeIds?.length) clauses.push(`id <> ALL(${p(options.excludeIds)}::bigint[])`);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    const order = options.orderBy.length
      ? options.orderBy
          .map((o) =>
            o.field === 'id'
              ? `id ${o.desc ? 'DESC' : 'ASC'}`
              : `(json->>'${o.field.replace(/[^A-Za-z0-9_]/g, '')}') COLLATE "C" ${o.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`,
          )
          .join(', ')
      : 'id ASC';
    const countParams = [...params];
    const rows = await this.query(
      `SELECT * FROM ${table} ${where} ORDER BY ${order} LIMIT ${p(options.top)} OFFSET ${p(options.skip)}`,
      params,
    );
    const count = (
      await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${table} ${where}`, countParams)
    )[0]!.n;
    return { rows: rows.map(toEntity), count };
  }

  async allEntities(table: EntityTable): Promise<StoredEntity[]> {
    return (await this.query(`SELECT * FROM ${table} ORDER BY id`)).map(toEntity);
  }

  async restrictedThings(): Promise<{ id: number; visibility: string }[]> {
    return this.query<{ id: number; visibility: string }>(
      `SELECT id, visibility FROM (SELECT id, json->'properties'->>'visibility' AS visibility FROM things) t
       WHERE visibility IS NOT NULL AND visibility <> 'public' ORDER BY id`,
    );
  }

  async linkedToThings(thingIds: readonly number[]): Promise<{ datastreams: number[]; locations: number[] }> {
    const datastreams = (
      await this.query<{ id: number }>(
        'SELECT id FROM datastreams WHERE thing_id = ANY($1::bigint[]) ORDER BY id',
        [thingIds],
      )
    ).map((r) => r.id);
    const locations = (
      await this.query<{ id: number }>(
        `SELECT location_id AS id FROM thing_locations GROUP BY location_id
         HAVING bool_and(thing_id = ANY($1::bigint[])) ORDER BY location_id`,
        [thingIds],
      )
    ).map((r) => r.id);
    return { datastreams, locations };
  }

  // ---- The write path ------------------------------------------------------------------------

  writeBatch(batch: Batch): Promise<number[]> {
    return this.serial(() =>
      this.tx(async (client) => {
        let ids: number[] = [];
        const obs = batch.observations;
        if (obs.length) {
          const res = await client.query<{ id: number }>({
            name: 'bdtwin-insert-observations',
            // WITH ORDINALITY … ORDER BY: rows are inserted, and take their ids, in batch order.
            text: `INSERT INTO observations (datastream_id, phenomenon_time_ms, phenomenon_end_ms, result_time_ms,
                     result_num, result_json, extra_json)
                   SELECT ds, t, t_end, rt, rn, rj, ex
                   FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::json[],
                     $7::json[]) WITH ORDINALITY AS u(ds, t, t_end, rt, rn, rj, ex, ord)
                   ORDER BY ord
                   RETURNING id`,
            values: [
              obs.map((o) => o.datastreamId),
              obs.map((o) => o.phenomenonTimeMs),
              obs.map((o) => o.phenomenonEndMs ?? null),
              obs.map((o) => o.resultTimeMs ?? null),
              obs.map((o) => o.resultNum ?? null),
              obs.map((o) => (o.resultNum === undefined ? JSON.stringify(o.result) : null)),
              obs.map(extraJsonOf),
            ],
          });
          ids = res.rows.map((r) => r.id).sort((a, b) => a - b);
        }
        // Key order: two hubs on one database take row locks in the same order (no deadlock).
        const rollups = rollupsOf(obs).sort((a, b) => a.ds - b.ds || a.m - b.m);
        if (rollups.length) {
          await client.query({
            name: 'bdtwin-upsert-rollups',
            text: `INSERT INTO rollup_1m AS r (datastream_id, minute_ms, count, sum, min, max)
                   SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[],
                     $6::float8[])
                   ON CONFLICT (datastream_id, minute_ms) DO UPDATE SET count = r.count + excluded.count,
                     sum = r.sum + excluded.sum, min = least(r.min, excluded.min), max = greatest(r.max, excluded.max)`,
            values: [
              rollups.map((r) => r.ds),
              rollups.map((r) => r.m),
              rollups.map((r) => r.n),
              rollups.map((r) => r.s),
              rollups.map((r) => r.lo),
              rollups.map((r) => r.hi),
            ],
          });
        }
        const flows = batch.flows;
        if (flows.length) {
          await client.query({
            name: 'bdtwin-insert-flows',
            text: `INSERT INTO traffic_flows (segment_id, time_ms, intensity_veh_h, average_speed_kmh, occupancy,
                     congested, lon_deg, lat_deg)
                   SELECT s, t, i, v, o, c, x, y FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[],
                     $5::float8[], $6::smallint[], $7::float8[], $8::float8[]) WITH ORDINALITY AS u(s, t, i, v, o, c, x, y, ord)
                   ORDER BY ord`,
            values: [
              flows.map((f) => f.segmentId),
              flows.map((f) => f.timeMs),
              flows.map((f) => f.intensityVehH ?? null),
              flows.map((f) => f.averageSpeedKmh ?? null),
              flows.map((f) => f.occupancy ?? null),
              flows.map((f) => (f.congested === undefined ? null : f.congested ? 1 : 0)),
              flows.map((f) => f.lonDeg ?? null),
              flows.map((f) => f.latDeg ?? null),
            ],
          });
        }
        const vehicles = batch.vehicles;
        if (vehicles.length) {
          await client.query({
            name: 'bdtwin-insert-vehicles',
            text: `INSERT INTO vehicle_positions (vehicle_id, time_ms, lon_deg, lat_deg, bearing_deg, speed_m_s,
                     route_id, trip_id, label)
                   SELECT v, t, x, y, b, s, r, tr, l FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::float8[],
                     $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[])
                     WITH ORDINALITY AS u(v, t, x, y, b, s, r, tr, l, ord)
                   ORDER BY ord`,
            values: [
              vehicles.map((v) => v.vehicleId),
              vehicles.map((v) => v.timeMs),
              vehicles.map((v) => v.lonDeg),
              vehicles.map((v) => v.latDeg),
              vehicles.map((v) => v.bearingDeg ?? null),
              vehicles.map((v) => v.speedMS ?? null),
              vehicles.map((v) => v.routeId ?? null),
              vehicles.map((v) => v.tripId ?? null),
              vehicles.map((v) => v.label ?? null),
            ],
          });
        }
        await this.upsertLatest(client, batch.latest);
        return ids;
      }),
    );
  }

  private async upsertLatest(client: pg.PoolClient, latest: readonly FeedEntity[]): Promise<void> {
    if (latest.length === 0) return;
    // One row per key (ON CONFLICT may not touch a row twice in one statement): the last wins.
    const byKey = new Map<string, FeedEntity>();
    for (const e of latest) byKey.set(e.key, e);
    const rows = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await client.query({
      name: 'bdtwin-upsert-latest',
      text: `INSERT INTO latest (key, layer, seq, json)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::json[])
             ON CONFLICT (key) DO UPDATE SET layer = excluded.layer, seq = excluded.seq, json = excluded.json`,
      values: [
        rows.map((e) => e.key),
        rows.map((e) => e.layer),
        rows.map((e) => e.seq),
        rows.map((e) => JSON.stringify(e)),
      ],
    });
  }

  writeAck(alert: AlertState & { ack: AlertAck }, otherLatest: FeedEntity[] = []): Promise<void> {
    return this.serial(() =>
      this.tx(async (client) => {
        await this.upsertLatest(client, [...otherLatest, alert]);
        await client.query(
          'INSERT INTO alert_acks (alert_key, raised_time, level, by_name, at_ms) VALUES ($1, $2, $3, $4, $5)',
          [alert.key, alert.time, alert.level, alert.ack.by, Date.parse(alert.ack.at)],
        );
      }),
    );
  }

  // ---- Reads ---------------------------------------------------------------------------------

  async getObservation(id: number): Promise<StoredObservation | undefined> {
    const row = (await this.query<ObsRow>('SELECT * FROM observations WHERE id = $1', [id]))[0];
    return row ? toObservation(row) : undefined;
  }

  async listObservations(q: ObservationQuery): Promise<{ rows: StoredObservation[]; count: number }> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const clauses: string[] = [];
    if (q.datastreamId !== undefined) clauses.push(`datastream_id = ${p(q.datastreamId)}`);
    if (q.excludeDatastreams?.length)
      clauses.push(`datastream_id <> ALL(${p(q.excludeDatastreams)}::bigint[])`);
    for (const c of q.where) clauses.push(`${TIME_COLUMN[c.field]} ${SQL_OP[c.op]} ${p(c.ms)}`);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const column = (f: string) =>
      f === 'id' ? 'id' : f === 'result' ? 'result_num' : TIME_COLUMN[f as TimeField];
    // NULLS FIRST ascending, LAST descending: SQLite's order, so both backends page alike.
    const order = q.orderBy.length
      ? q.orderBy
          .map((o) => `${column(o.field)} ${o.desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`)
          .join(', ')
      : 'id ASC';
    const countParams = [...params];
    const rows = await this.query<ObsRow>(
      `SELECT * FROM observations ${where} ORDER BY ${order} LIMIT ${p(q.top)} OFFSET ${p(q.skip)}`,
      params,
    );
    const count = (
      await this.query<{ n: number }>(`SELECT count(*) AS n FROM observations ${where}`, countParams)
    )[0]!.n;
    return { rows: rows.map(toObservation), count };
  }

  async countObservations(): Promise<number> {
    return this.countRows('observations');
  }

  /**
   * Rows of a table: exact up to a million, PostgreSQL's estimate beyond (count(*) reads the
   * whole table, and /api/feeds/stats is a health probe). SensorThings `$count` stays exact.
   */
  async countRows(table: 'observations' | 'traffic_flows' | 'vehicle_positions'): Promise<number> {
    const estimate = (
      await this.query<{ n: number }>(
        'SELECT reltuples::bigint AS n FROM pg_class WHERE oid = $1::regclass',
        [table],
      )
    )[0]?.n;
    if (estimate !== undefined && estimate > ESTIMATE_ABOVE_ROWS) return estimate;
    return (await this.query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n;
  }

  async history(
    datastreamId: number,
    fromMs: number,
    toMs: number,
    resolution: 'raw' | '1m',
    limit: number,
  ): Promise<{ timeMs: number; value: number; min?: number; max?: number; count?: number }[]> {
    if (resolution === 'raw') {
      return (
        await this.query<{ t: number; v: number }>(
          `SELECT phenomenon_time_ms AS t, result_num AS v FROM observations
           WHERE datastream_id = $1 AND phenomenon_time_ms >= $2 AND phenomenon_time_ms <= $3 AND result_num IS NOT NULL
           ORDER BY phenomenon_time_ms LIMIT $4`,
          [datastreamId, fromMs, toMs, limit],
        )
      ).map((r) => ({ timeMs: r.t, value: r.v }));
    }
    return (
      await this.query<{ t: number; n: number; s: number; lo: number; hi: number }>(
        `SELECT minute_ms AS t, count AS n, sum AS s, min AS lo, max AS hi FROM rollup_1m
         WHERE datastream_id = $1 AND minute_ms >= $2 AND minute_ms <= $3 ORDER BY minute_ms LIMIT $4`,
        [datastreamId, Math.floor(fromMs / MINUTE_MS) * MINUTE_MS, toMs, limit],
      )
    ).map((r) => ({ timeMs: r.t, value: r.s / r.n, min: r.lo, max: r.hi, count: r.n }));
  }

  async latestObservationAt(
    datastreamId: number,
    atMs: number,
  ): Promise<{ timeMs: number; value: number } | undefined> {
    const r = (
      await this.query<{ t: number; v: number }>(
        `SELECT phenomenon_time_ms AS t, result_num AS v FROM observations
         WHERE datastream_id = $1 AND phenomenon_time_ms <= $2 AND result_num IS NOT NULL
         ORDER BY phenomenon_time_ms DESC LIMIT 1`,
        [datastreamId, atMs],
      )
    )[0];
    return r ? { timeMs: r.t, value: r.v } : undefined;
  }

  async rollupsBetween(
    datastreamId: number,
    fromMs: number,
    toMs: number,
  ): Promise<{ minuteMs: number; count: number; sum: number }[]> {
    return (
      await this.query<{ m: number; n: number; s: number }>(
        `SELECT minute_ms AS m, count AS n, sum AS s FROM rollup_1m
         WHERE datastream_id = $1 AND minute_ms >= $2 AND minute_ms <= $3 ORDER BY minute_ms`,
        [datastreamId, fromMs, toMs],
      )
    ).map((r) => ({ minuteMs: r.m, count: r.n, sum: r.s }));
  }

  async trafficAt(atMs: number, sinceMs: number): Promise<TrafficFlowRecord[]> {
    const rows = await this.query(
      `SELECT f.* FROM traffic_flows f JOIN (
         SELECT segment_id, max(time_ms) AS t FROM traffic_flows WHERE time_ms > $1 AND time_ms <= $2 GROUP BY segment_id
       ) last ON f.segment_id = last.segment_id AND f.time_ms = last.t`,
      [sinceMs, atMs],
    );
    return rows.map(toTrafficFlow);
  }

  async vehiclesAt(atMs: number, sinceMs: number): Promise<VehiclePositionRecord[]> {
    return lastVehiclePositions(
      await this.query(
        'SELECT * FROM vehicle_positions WHERE time_ms > $1 AND time_ms <= $2 ORDER BY time_ms, id',
        [sinceMs, atMs],
      ),
    );
  }

  async acksOf(alertKey: string): Promise<AckRecord[]> {
    return this.query<AckRecord>(
      `SELECT raised_time AS "raisedTime", level, by_name AS "by", at_ms AS "atMs" FROM alert_acks
       WHERE alert_key = $1 ORDER BY at_ms, id`,
      [alertKey],
    );
  }

  async latestEntities(): Promise<FeedEntity[]> {
    return (await this.query<{ json: string }>('SELECT json FROM latest ORDER BY seq')).map(
      (r) => JSON.parse(r.json) as FeedEntity,
    );
  }

  applyRetention(
    nowMs: number,
    options: RetentionOptions = RETENTION_DEFAULTS,
    chunk = 20_000,
  ): Promise<number> {
    const rawBefore = nowMs - options.rawDays * 86_400_000;
    const rollupBefore = nowMs - options.rollupDays * 86_400_000;
    return this.tx(async (client) => {
      let deleted = 0;
      for (const [table, column] of [
        ['observations', 'phenomenon_time_ms'],
        ['traffic_flows', 'time_ms'],
        ['vehicle_positions', 'time_ms'],
      ] as const) {
        deleted +=
          (
            await client.query(
              `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ${column} < $1 ORDER BY ${column} LIMIT $2)`,
              [rawBefore, chunk],
            )
          ).rowCount ?? 0;
      }
      deleted +=
        (
          await client.query(
            `DELETE FROM rollup_1m WHERE (datastream_id, minute_ms) IN
               (SELECT datastream_id, minute_ms FROM rollup_1m WHERE minute_ms < $1 LIMIT $2)`,
            [rollupBefore, chunk],
          )
        ).rowCount ?? 0;
      return deleted;
    });
  }

  /** Waits for the writes under way, then closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeChain;
    await this.pool.end();
  }
}

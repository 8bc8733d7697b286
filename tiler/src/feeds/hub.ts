import { readFile } from 'node:fs/promises';
import type { AlertAck, AlertState, FeedEntity, FeedLayer, FeedStats } from '../api/feeds.js';
import { FEED_TOPICS } from '../api/feeds.js';
import { FeedAccess } from './access.js';
import { FeedInputError, INGEST_LIMITS, parseJsonBody } from './ingest/errors.js';
import { decodeVehiclePositions } from './ingest/gtfs-rt.js';
import { type BrokerAccess, type EmbeddedBroker, startEmbeddedBroker } from './ingest/mqtt-embedded.js';
import { type ExternalSubscriber, startExternalSubscriber } from './ingest/mqtt-external.js';
import type { MqttOutcome } from './ingest/mqtt-handler.js';
import { datastreamOfTopic, parseObservation } from './ingest/observation.js';
import { parseTrafficFlows } from './ingest/traffic.js';
import type { IngestChannel, IngestItem, ObservationRecord } from './model.js';
import { PushHub, type PushOptions } from './push/ws-push.js';
import { Catalog, pointOf } from './state/catalog.js';
import { LatestState } from './state/latest-state.js';
import {
  type FeedStoreBackend,
  isPromiseLike,
  type MaybePromise,
  RETENTION_DEFAULTS,
  type RetentionOptions,
} from './store/backend.js';
import { CommitOutcomeUnknownError, GroupCommit, type RetryOptions } from './store/group-commit.js';
import { openFeedStore } from './store/open.js';
import type { PostgresStoreOptions } from './store/postgres.js';
import type { SyncMode } from './store/store.js';

/**
 * The feed hub: ingest (HTTP, MQTT) → store (group commit) → rules (latest state) → push.
 * One instance per service; `bdtwin serve` creates it and mounts its routes (see routes.ts).
 */

export interface FeedHubOptions {
  /**
   * The store: a SQLite file (created if missing), or a PostgreSQL URL
   * (`postgres://user@host:5432/database`; the database must exist, its tables are created).
   */
  dbFile: string;
  /** SQLite only: synchronous mode. */
  sync?: SyncMode;
  /** PostgreSQL only: pool and timeouts (tests shorten them). */
  postgres?: Omit<PostgresStoreOptions, 'log'>;
  /** Embedded broker's TCP port: 1883 by default, 0 = no TCP listener, -1 = any free port (tests). */
  mqttPort?: number;
  mqttHost?: string;
  /** External broker (mqtt://host:port): subscribe there instead of embedding a broker. */
  mqttUrl?: string;
  /** roads.geojson, to place TrafficFlowObserved that name a segment but send no location. */
  roadsFile?: string;
  retention?: RetentionOptions;
  /** A GTFS-realtime VehiclePositions feed to poll (an operator's URL). */
  gtfsRtUrl?: string;
  gtfsRtIntervalS?: number;
  push?: Partial<PushOptions>;
  log?: (line: string) => void;
  /** How a store outage is ridden out (docs/reliability.md); tests shorten it. */
  storeRetry?: Partial<Omit<RetryOptions, 'isTransient' | 'onFailure' | 'onRecovered'>>;
  /** Who may connect to the embedded broker and use which topics (serve/auth/broker.ts). */
  brokerAccess?: BrokerAccess;
  /** For tests: the hub's clock. */
  now?: () => number;
}

export const FEED_DEFAULTS = { mqttPort: 1883, dbFile: 'build/feeds/hub.sqlite' };

const SWEEP_INTERVAL_MS = 5_000;

/**
 * A store outage is retried for 30 s (50 ms, 100 ms … 5 s apart) holding up to 200,000 items
 * (~100 s at 2,000/s, some tens of MB); past that senders get 503 or no PUBACK and resend.
 */
export const STORE_RETRY_DEFAULTS = {
  baseDelayMs: 50,
  maxDelayMs: 5_000,
  giveUpAfterMs: 30_000,
  maxHeld: 200_000,
};

const RETENTION_INTERVAL_MS = 3_600_000;

export class FeedHub {
  readonly store: FeedStoreBackend;
  readonly catalog: Catalog;
  readonly state: LatestState;
  readonly push: PushHub;
  /** Who may see which Things, layers and entities (feeds/access.ts). */
  readonly access: FeedAccess;
  readonly now: () => number;
  private readonly commits: GroupCommit<IngestItem, number>;
  private readonly segments = new Map<string, [number, number]>();
  private broker: EmbeddedBroker | undefined;
  private external: ExternalSubscriber | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private readonly log: (line: string) => void;
  /** Items whose effect on the latest state is applied but not yet stored (a failed commit). */
  private readonly applied = new WeakSet<IngestItem>();
  private readonly unwrittenLatest = new Map<string, FeedEntity>();
  private readonly outages = { count: 0, totalMs: 0, lastError: '' };
  private lastStored = { observations: 0, trafficFlows: 0, vehiclePositions: 0 };
  readonly counters = {
    accepted: { http: 0, mqtt: 0, traffic: 0, vehicles: 0 },
    rejected: { http: 0, mqtt: 0 },
  };

  private constructor(
    private readonly options: FeedHubOptions,
    store: FeedStoreBackend,
    catalog: Catalog,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.error(line));
    this.store = store;
    this.catalog = catalog;
    this.access = new FeedAccess(this.store, this.catalog);
    this.state = new LatestState(this.catalog);
    this.commits = new GroupCommit((items) => this.commitBatch(items), 5_000, {
      ...STORE_RETRY_DEFAULTS,
      ...options.storeRetry,
      isTransient: (error) => this.store.isTransientError(error),
      codeOf: (error) => this.store.errorCode(error),
      onFailure: (error, attempt, nextDelayMs, held) => {
        const e = error as Error & { code?: string };
        if (attempt === 1) this.outages.count++;
        this.outages.lastError = `${e.code ?? e.name}: ${e.message}`;
        // Attempt 1 and then every doubling: a few lines per outage, not one per retry.
        if ((attempt & (attempt - 1)) === 0)
          this.log(
            `bdtwin hub: store ${this.store.location} failed (${this.outages.lastError}); attempt ${attempt}, ` +
              `retrying in ${nextDelayMs} ms with ${held} items held (not acknowledged)`,
          );
      },
      onRecovered: (downMs, committed) => {
        this.outages.totalMs += downMs;
        this.log(
          `bdtwin hub: store ${this.store.location} is back after ${downMs} ms; ${committed} held items stored`,
        );
      },
    });
    this.push = new PushHub(
      {
        hubId: this.store.hubId,
        seq: () => this.state.seq,
        entities: () => this.state.entities.values(),
        changedSince: (seq) => this.state.changedSince(seq),
      },
      options.push,
    );
  }

  static async open(options: FeedHubOptions): Promise<FeedHub> {
    const log = options.log ?? ((line: string) => console.error(line));
    const store = await openFeedStore(options.dbFile, {
      sync: options.sync ?? 'full',
      log,
      ...(options.postgres ? { postgres: options.postgres } : {}),
    });
    let hub: FeedHub;
    try {
      const catalog = await Catalog.load(store);
      hub = new FeedHub(options, store, catalog);
      await hub.loadState();
    } catch (error) {
      await store.close();
      throw error;
    }
    try {
      if (options.roadsFile) await hub.loadSegments(options.roadsFile);
      if (options.mqttUrl) {
        hub.external = await startExternalSubscriber(options.mqttUrl, hub.handleMqtt, { log: hub.log });
      } else {
        hub.broker = await startEmbeddedBroker(hub.handleMqtt, {
          port: options.mqttPort ?? FEED_DEFAULTS.mqttPort,
          host: options.mqttHost ?? 'localhost',
          ...(options.brokerAccess ? { access: options.brokerAccess } : {}),
          audienceOf: (topic, payload) => hub.access.messageAudience(topic, payload),
        });
      }
    } catch (error) {
      await hub.close();
      throw error;
    }
    hub.timers.push(setInterval(() => void hub.sweep(), SWEEP_INTERVAL_MS));
    hub.timers.push(setInterval(() => void hub.retention(), RETENTION_INTERVAL_MS));
    if (options.gtfsRtUrl) {
      const url = options.gtfsRtUrl;
      hub.timers.push(setInterval(() => void hub.pollGtfsRt(url), (options.gtfsRtIntervalS ?? 10) * 1000));
    }
    for (const t of hub.timers) t.unref();
    setImmediate(() => void hub.retention()); // a hub that was off for weeks cleans up at once
    return hub;
  }

  /**
   * The latest state as stored, and the hourly means of the last 12 h, so the VN_AQI NowCast
   * continues across a restart.
   */
  private async loadState(): Promise<void> {
    this.state.load(await this.store.latestEntities());
    const now = this.now();
    const seeds = await Promise.all(
      [...this.catalog.datastreams.values()]
        .filter((ds) => ds.quantity && ds.quantity !== 'waterLevel' && ds.quantity !== 'rainfall')
        .map(async (ds) => ({
          id: ds.id,
          rollups: await this.store.rollupsBetween(ds.id, now - 13 * 3_600_000, now),
        })),
    );
    for (const { id, rollups } of seeds) {
      for (const r of rollups) this.state.seedRollup(id, r.minuteMs, r.count, r.sum);
    }
  }

  get hubId(): string {
    return this.store.hubId;
  }

  /** The embedded broker (for MQTT over WebSocket), if there is one. */
  get embeddedBroker() {
    return this.broker?.broker;
  }

  get mqttPort(): number | undefined {
    return this.broker?.port;
  }

  /**
   * Stores validated items; resolves with the observations' ids (0 for flows and positions)
   * once their transaction has committed — only then may the sender be acknowledged.
   */
  ingest(items: IngestItem[], channel: IngestChannel): Promise<number[]> {
    const done = Promise.all(items.map((item) => this.commits.add(item)));
    return done.then((ids) => {
      for (const item of items) {
        if (item.kind === 'observation') this.counters.accepted[channel]++;
        else if (item.kind === 'traffic') this.counters.accepted.traffic++;
        else this.counters.accepted.vehicles++;
      }
      return ids;
    });
  }

  /**
   * Validates a SensorThings Observation against the catalog. A Datastream the catalog does not
   * know yet (created by another hub on the same PostgreSQL database) is looked up in the store
   * once; the usual case answers synchronously.
   */
  parseObservation(body: unknown, datastreamId?: number): MaybePromise<ObservationRecord> {
    let missing: number | undefined;
    const parse = () =>
      parseObservation(body, {
        datastreamId,
        lookup: (id) => {
          const ds = this.catalog.datastreams.get(id);
          if (!ds) missing = id;
          return ds;
        },
        isMeasurement: (id) => {
          const ds = this.catalog.datastreams.get(id);
          return ds?.quantity !== undefined || ds?.measurement === true;
        },
        nowMs: this.now(),
      });
    try {
      return parse();
    } catch (error) {
      if (missing === undefined) throw error;
      return this.catalog.refreshDatastream(missing).then((found) => {
        if (!found) throw error;
        return parse();
      });
    }
  }

  /** Where a traffic segment is: the location sent, else the segment in roads.geojson. */
  segmentPosition(segmentId: string, lonDeg?: number, latDeg?: number): [number, number] | undefined {
    if (lonDeg !== undefined && latDeg !== undefined) return [lonDeg, latDeg];
    return this.segments.get(segmentId);
  }

  rejectedHttp(): void {
    this.counters.rejected.http++;
  }

  /** One MQTT message from the embedded or the external broker. */
  readonly handleMqtt = async (topic: string, payload: Buffer, clientId: string): Promise<MqttOutcome> => {
    const ds = datastreamOfTopic(topic);
    const isTraffic = topic === FEED_TOPICS.trafficFlow;
    const isVehicles = topic === FEED_TOPICS.vehiclePositions;
    if (ds === undefined && !isTraffic && !isVehicles) return 'ignored';
    let items: IngestItem[];
    try {
      if (isVehicles) {
        if (payload.length > INGEST_LIMITS.maxBatchBytes) {
          throw new FeedInputError(
            413,
            `payload is larger than ${INGEST_LIMITS.maxBatchBytes} bytes`,
            'body',
          );
        }
        items = decodeVehiclePositions(payload, this.now()).map((record) => ({ kind: 'vehicle', record }));
      } else if (isTraffic) {
        const body = parseJsonBody(payload.toString('utf8'), INGEST_LIMITS.maxBatchBytes);
        items = this.trafficItems(body);
      } else {
        const body = parseJsonBody(payload.toString('utf8'));
        items = [{ kind: 'observation', record: await this.parseObservation(body, ds ?? undefined) }];
      }
    } catch (error) {
      if (!(error instanceof FeedInputError)) throw error;
      this.counters.rejected.mqtt++;
      const report = { topic, clientId, time: new Date(this.now()).toISOString(), ...error.toJSON() };
      this.log(`bdtwin hub: rejected MQTT message on ${topic} from ${clientId}: ${error.message}`);
      this.publishError(JSON.stringify(report));
      return 'rejected';
    }
    await this.ingest(items, 'mqtt');
    return 'accepted';
  };

  /** Parses TrafficFlowObserved and checks each can be placed. */
  trafficItems(body: unknown): IngestItem[] {
    return parseTrafficFlows(body, this.now()).map((record, i) => {
      if (!this.segmentPosition(record.segmentId, record.lonDeg, record.latDeg)) {
        throw new FeedInputError(
          400,
          `road segment ${record.segmentId} is unknown to the hub and the entity has no location`,
          Array.isArray(body) ? `[${i}].location` : 'location',
        );
      }
      return { kind: 'traffic', record };
    });
  }

  /**
   * Acknowledges an alert's current raise: stored (latest state and the `alert_acks` record in
   * one transaction) before it is pushed to viewers. A raise already acknowledged keeps its first
   * acknowledgement. Undefined when there is no alert with that key.
   */
  async acknowledgeAlert(key: string, by: string): Promise<AlertState | undefined> {
    const current = this.state.entities.get(key);
    if (current?.layer !== 'alerts') return undefined;
    if (current.ack) return current;
    const acked = this.state.acknowledge(key, by, this.now());
    if (!acked?.ack) return undefined;
    const changed = this.state.takeChanged();
    const others = changed.filter((e) => e.key !== key);
    await this.store.writeAck(acked as AlertState & { ack: AlertAck }, others);
    this.push.publish(changed);
    return acked;
  }

  /** The alerts, newest raise first: active ones, or all (cleared included) with `all`. */
  alerts(all = false): AlertState[] {
    const out: AlertState[] = [];
    for (const e of this.state.entities.values()) {
      if (e.layer === 'alerts' && (all || e.active)) out.push(e);
    }
    return out.sort((a, b) => b.time.localeCompare(a.time) || a.key.localeCompare(b.key));
  }

  async stats(): Promise<FeedStats> {
    // While the store is failing, the last counts read: a probe must not wait on a dead server.
    if (!this.commits.failing) await this.readCounts();
    return {
      hubId: this.hubId,
      seq: this.state.seq,
      accepted: { ...this.counters.accepted },
      rejected: { ...this.counters.rejected },
      stored: { ...this.lastStored },
      clients: this.push.clientCount,
      entities: this.state.entities.size,
      storage: this.storageStatus(),
      mqtt: this.mqttStatus(),
    };
  }

  /** Rows in the store, kept for when it cannot answer (the stats must still say it is failing). */
  private async readCounts(): Promise<void> {
    try {
      const [observations, trafficFlows, vehiclePositions] = await Promise.all([
        this.store.countObservations(),
        this.store.countRows('traffic_flows'),
        this.store.countRows('vehicle_positions'),
      ]);
      this.lastStored = { observations, trafficFlows, vehiclePositions };
    } catch {
      // Down (PostgreSQL unreachable) before the group commit noticed: the last counts read.
    }
  }

  /** Which broker the hub uses, and how it is doing. */
  mqttStatus(): FeedStats['mqtt'] {
    return this.external
      ? { mode: 'external', url: this.external.url, ...this.external.status() }
      : this.broker
        ? { mode: 'embedded', ...(this.broker.port !== undefined ? { port: this.broker.port } : {}) }
        : { mode: 'off' };
  }

  /** Layers filter for replay: all when none given. */
  static layersOf(text: string | undefined): FeedLayer[] | undefined {
    return text ? (text.split(',') as FeedLayer[]) : undefined;
  }

  /** Stops everything; a second call waits for the first (the server's grace timer may call it). */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.commits.drain();
    this.commits.stop();
    this.push.close();
    await this.broker?.close();
    await this.external?.close();
    await this.store.close();
  }

  private publishError(json: string): void {
    if (this.broker) {
      this.broker.broker.publish(
        {
          cmd: 'publish',
          topic: FEED_TOPICS.errors,
          payload: Buffer.from(json),
          qos: 0,
          dup: false,
          retain: false,
        },
        () => {},
      );
    } else this.external?.publish(FEED_TOPICS.errors, json);
  }

  /** The store's health for /api/feeds/stats: failing now, and outages so far. */
  storageStatus(): NonNullable<FeedStats['storage']> {
    const failing = this.commits.failing;
    return {
      ok: !failing,
      file: this.store.location,
      outages: this.outages.count,
      outageMsTotal: this.outages.totalMs,
      ...(failing
        ? {
            failingSince: new Date(failing.sinceMs).toISOString(),
            attempts: failing.attempts,
            held: failing.held,
            lastError: this.outages.lastError,
          }
        : {}),
    };
  }

  /**
   * One transaction: rules update the latest state, everything is written, then pushed.
   * Retried as a whole after a store failure, so it must not apply an item twice: an item's
   * effect on the latest state is applied once, and entity changes not yet written carry over.
   */
  private commitBatch(items: IngestItem[]): MaybePromise<number[]> {
    const now = this.now();
    const observations: ObservationRecord[] = [];
    const flows = [];
    const vehicles = [];
    for (const item of items) {
      const fresh = !this.applied.has(item);
      this.applied.add(item);
      if (item.kind === 'observation') {
        observations.push(item.record);
        if (fresh) this.state.applyObservation(item.record, now);
      } else if (item.kind === 'traffic') {
        flows.push(item.record);
        const r = item.record;
        const pos = this.segmentPosition(r.segmentId, r.lonDeg, r.latDeg);
        if (pos && fresh) this.state.applyTraffic(r, pos, now);
      } else {
        vehicles.push(item.record);
        if (fresh) this.state.applyVehicle(item.record, now);
      }
    }
    for (const e of this.state.takeChanged()) this.unwrittenLatest.set(e.key, e);
    const latest = [...this.unwrittenLatest.values()];
    const written = (ids: number[]) => {
      this.unwrittenLatest.clear();
      this.push.publish(latest);
      let k = 0;
      return items.map((item) => (item.kind === 'observation' ? ids[k++]! : 0));
    };
    let ids: MaybePromise<number[]>;
    try {
      ids = this.store.writeBatch({ observations, flows, vehicles, latest });
    } catch (error) {
      throw this.named(error);
    }
    // SQLite has written the batch already; PostgreSQL has when the promise resolves.
    return isPromiseLike(ids)
      ? ids.then(written, (error: unknown) => {
          // Lost during COMMIT: if the store finds the batch written, it is acknowledged as if the
          // commit had answered (GroupCommit asks, and writes nothing twice).
          if (error instanceof CommitOutcomeUnknownError) {
            const stored = error.outcome as () => Promise<{ result: number[] } | undefined>;
            error.outcome = () =>
              stored().then(
                (found) => found && { result: written(found.result) },
                (e: unknown) => {
                  throw this.named(e);
                },
              );
          }
          throw this.named(error);
        })
      : written(ids);
  }

  /** Names the store in an error: "database or disk is full" alone does not say which disk. */
  private named(error: unknown): unknown {
    const where = this.store.location;
    if (error instanceof Error && !error.message.startsWith(where))
      error.message = `${where}: ${error.message}${'code' in error && error.code ? ` (${error.code})` : ''}`;
    return error;
  }

  /** Polls a GTFS-realtime feed once; failures are logged, never thrown (the next poll retries). */
  async pollGtfsRt(url: string): Promise<number> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const records = decodeVehiclePositions(new Uint8Array(await res.arrayBuffer()), this.now());
      await this.ingest(
        records.map((record) => ({ kind: 'vehicle' as const, record })),
        'http',
      );
      return records.length;
    } catch (error) {
      this.log(`bdtwin hub: GTFS-realtime poll of ${url} failed: ${(error as Error).message}`);
      return 0;
    }
  }

  private async sweep(): Promise<void> {
    try {
      this.state.sweep(this.now());
      const latest = this.state.takeChanged();
      if (latest.length === 0) return;
      try {
        await this.store.writeBatch({ observations: [], flows: [], vehicles: [], latest });
      } catch (error) {
        // The store is down: the next batch that commits writes (and pushes) what is still
        // current of these; a state changed since must not be overwritten by this older one.
        for (const e of latest)
          if (this.state.entities.get(e.key)?.seq === e.seq && !this.unwrittenLatest.has(e.key))
            this.unwrittenLatest.set(e.key, e);
        throw error;
      }
      this.push.publish(latest);
    } catch (error) {
      this.log(`bdtwin hub: staleness sweep failed: ${(error as Error).message}`);
    }
  }

  private async retention(): Promise<void> {
    const options = this.options.retention ?? RETENTION_DEFAULTS;
    let total = 0;
    for (;;) {
      if (!this.store.isOpen) return;
      try {
        const n = await this.store.applyRetention(this.now(), options);
        total += n;
        if (n === 0) break;
        // Ingest goes between chunks.
        await new Promise((r) => setImmediate(r));
      } catch (error) {
        this.log(`bdtwin hub: retention failed: ${(error as Error).message}`);
        return;
      }
    }
    if (total > 0) this.log(`bdtwin hub: retention removed ${total} rows`);
  }

  private async loadSegments(file: string): Promise<void> {
    let json: { features?: { properties?: { id?: unknown }; geometry?: unknown }[] };
    try {
      json = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      this.log(`bdtwin hub: no road segments from ${file}; traffic flows need a location`);
      return;
    }
    for (const f of json.features ?? []) {
      const id = f.properties?.id;
      const p = pointOf(f.geometry);
      if (typeof id === 'string' && p) this.segments.set(id, p);
    }
  }
}

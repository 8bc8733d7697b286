import { readFile } from 'node:fs/promises';
import type { FeedLayer, FeedStats } from '../api/feeds.js';
import { FEED_TOPICS } from '../api/feeds.js';
import { FeedInputError, INGEST_LIMITS, parseJsonBody } from './ingest/errors.js';
import { decodeVehiclePositions } from './ingest/gtfs-rt.js';
import { type EmbeddedBroker, startEmbeddedBroker } from './ingest/mqtt-embedded.js';
import { type ExternalSubscriber, startExternalSubscriber } from './ingest/mqtt-external.js';
import type { MqttOutcome } from './ingest/mqtt-handler.js';
import { datastreamOfTopic, parseObservation } from './ingest/observation.js';
import { parseTrafficFlows } from './ingest/traffic.js';
import type { IngestChannel, IngestItem, ObservationRecord } from './model.js';
import { PushHub, type PushOptions } from './push/ws-push.js';
import { Catalog, pointOf } from './state/catalog.js';
import { LatestState } from './state/latest-state.js';
import { GroupCommit } from './store/group-commit.js';
import { FeedStore, RETENTION_DEFAULTS, type RetentionOptions, type SyncMode } from './store/store.js';

/**
 * The feed hub: ingest (HTTP, MQTT) → store (group commit) → rules (latest state) → push.
 * One instance per service; `bdtwin serve` creates it and mounts its routes (see routes.ts).
 */

export interface FeedHubOptions {
  /** SQLite file (created if missing). */
  dbFile: string;
  sync?: SyncMode;
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
  /** For tests: the hub's clock. */
  now?: () => number;
}

export const FEED_DEFAULTS = { mqttPort: 1883, dbFile: 'build/feeds/hub.sqlite' };

const SWEEP_INTERVAL_MS = 5_000;
const RETENTION_INTERVAL_MS = 3_600_000;

export class FeedHub {
  readonly store: FeedStore;
  readonly catalog: Catalog;
  readonly state: LatestState;
  readonly push: PushHub;
  readonly now: () => number;
  private readonly commits: GroupCommit<IngestItem, number>;
  private readonly segments = new Map<string, [number, number]>();
  private broker: EmbeddedBroker | undefined;
  private external: ExternalSubscriber | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly log: (line: string) => void;
  readonly counters = {
    accepted: { http: 0, mqtt: 0, traffic: 0, vehicles: 0 },
    rejected: { http: 0, mqtt: 0 },
  };

  private constructor(private readonly options: FeedHubOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.error(line));
    this.store = new FeedStore(options.dbFile, { sync: options.sync ?? 'full' });
    this.catalog = new Catalog(this.store);
    this.state = new LatestState(this.catalog);
    this.state.load(this.store.latestEntities());
    // Hourly means of the last 12 h, so the VN_AQI NowCast continues across a restart.
    const now = this.now();
    for (const ds of this.catalog.datastreams.values()) {
      if (!ds.quantity || ds.quantity === 'waterLevel' || ds.quantity === 'rainfall') continue;
      for (const r of this.store.rollupsBetween(ds.id, now - 13 * 3_600_000, now)) {
        this.state.seedRollup(ds.id, r.minuteMs, r.count, r.sum);
      }
    }
    this.commits = new GroupCommit((items) => this.commitBatch(items));
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
    const hub = new FeedHub(options);
    try {
      if (options.roadsFile) await hub.loadSegments(options.roadsFile);
      if (options.mqttUrl) {
        hub.external = await startExternalSubscriber(options.mqttUrl, hub.handleMqtt, { log: hub.log });
      } else {
        hub.broker = await startEmbeddedBroker(hub.handleMqtt, {
          port: options.mqttPort ?? FEED_DEFAULTS.mqttPort,
          host: options.mqttHost ?? 'localhost',
        });
      }
    } catch (error) {
      await hub.close();
      throw error;
    }
    hub.timers.push(setInterval(() => hub.sweep(), SWEEP_INTERVAL_MS));
    hub.timers.push(setInterval(() => hub.retention(), RETENTION_INTERVAL_MS));
    if (options.gtfsRtUrl) {
      const url = options.gtfsRtUrl;
      hub.timers.push(setInterval(() => void hub.pollGtfsRt(url), (options.gtfsRtIntervalS ?? 10) * 1000));
    }
    for (const t of hub.timers) t.unref();
    setImmediate(() => hub.retention()); // a hub that was off for weeks cleans up at once
    return hub;
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

  /** Validates a SensorThings Observation against the catalog. */
  parseObservation(body: unknown, datastreamId?: number): ObservationRecord {
    return parseObservation(body, {
      datastreamId,
      lookup: (id) => this.catalog.datastreams.get(id) ?? this.catalog.refreshDatastream(id),
      isMeasurement: (id) => {
        const ds = this.catalog.datastreams.get(id);
        if (ds?.quantity) return true;
        const stored = this.store.getEntity('datastreams', id);
        return String(stored?.json.observationType ?? '').endsWith('OM_Measurement');
      },
      nowMs: this.now(),
    });
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
        items = [{ kind: 'observation', record: this.parseObservation(body, ds ?? undefined) }];
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

  stats(): FeedStats {
    return {
      hubId: this.hubId,
      seq: this.state.seq,
      accepted: { ...this.counters.accepted },
      rejected: { ...this.counters.rejected },
      stored: {
        observations: this.store.countObservations(),
        trafficFlows: this.store.countRows('traffic_flows'),
        vehiclePositions: this.store.countRows('vehicle_positions'),
      },
      clients: this.push.clientCount,
      entities: this.state.entities.size,
      mqtt: this.external
        ? { mode: 'external', url: this.external.url }
        : this.broker
          ? { mode: 'embedded', ...(this.broker.port !== undefined ? { port: this.broker.port } : {}) }
          : { mode: 'off' },
    };
  }

  /** Layers filter for replay: all when none given. */
  static layersOf(text: string | undefined): FeedLayer[] | undefined {
    return text ? (text.split(',') as FeedLayer[]) : undefined;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.commits.flush();
    this.push.close();
    await this.broker?.close();
    await this.external?.close();
    this.store.close();
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

  /** One transaction: rules update the latest state, everything is written, then pushed. */
  private commitBatch(items: IngestItem[]): number[] {
    const now = this.now();
    const observations: ObservationRecord[] = [];
    const flows = [];
    const vehicles = [];
    for (const item of items) {
      if (item.kind === 'observation') {
        observations.push(item.record);
        this.state.applyObservation(item.record, now);
      } else if (item.kind === 'traffic') {
        flows.push(item.record);
        const r = item.record;
        const pos = this.segmentPosition(r.segmentId, r.lonDeg, r.latDeg);
        if (pos) this.state.applyTraffic(r, pos, now);
      } else {
        vehicles.push(item.record);
        this.state.applyVehicle(item.record, now);
      }
    }
    const latest = this.state.takeChanged();
    const ids = this.store.writeBatch({ observations, flows, vehicles, latest });
    this.push.publish(latest);
    let k = 0;
    return items.map((item) => (item.kind === 'observation' ? ids[k++]! : 0));
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

  private sweep(): void {
    try {
      this.state.sweep(this.now());
      const latest = this.state.takeChanged();
      if (latest.length === 0) return;
      this.store.writeBatch({ observations: [], flows: [], vehicles: [], latest });
      this.push.publish(latest);
    } catch (error) {
      this.log(`bdtwin hub: staleness sweep failed: ${(error as Error).message}`);
    }
  }

  private retention(): void {
    const options = this.options.retention ?? RETENTION_DEFAULTS;
    let total = 0;
    const step = () => {
      if (!this.store.db.open) return;
      try {
        const n = this.store.applyRetention(this.now(), options);
        total += n;
        if (n > 0) setImmediate(step);
        else if (total > 0) this.log(`bdtwin hub: retention removed ${total} rows`);
      } catch (error) {
        this.log(`bdtwin hub: retention failed: ${(error as Error).message}`);
      }
    };
    step();
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

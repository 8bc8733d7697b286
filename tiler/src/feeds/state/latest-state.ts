import type {
  AirStationState,
  AlertState,
  AqiPollutant,
  FeedEntity,
  TrafficSegmentState,
  VehicleState,
  WaterGaugeState,
} from '../../api/feeds.js';
import { aqiBandOf } from '../../api/feeds.js';
import type { ObservationRecord, TrafficFlowRecord, VehiclePositionRecord } from '../model.js';
import { FLOOD_LEVEL_NAMES_VI, floodAlarmLevel } from '../rules/flood.js';
import { freshness, type SourceKind } from '../rules/staleness.js';
import { hourlyAqi, nowCast } from '../rules/vn-aqi.js';
import type { Catalog, ThingInfo } from './catalog.js';

/**
 * The latest state of every entity viewers see, derived from what came in by the rules:
 * an air station's values and hourly VN_AQI, a gauge's level and alarm, a segment's flow, a
 * bus's position, the alerts, each with its freshness. Every change gets the next `seq`.
 *
 * Used live (fed by the ingest path, one batch at a time) and for replay (`/api/state?at=`),
 * where it is seeded from the store as things were at that time: same rules, same shapes.
 */

const HOUR_MS = 3_600_000;
const AIR_ALERT_LEVEL = 4; // "Xấu" (151–200) and worse: the band where everyone is affected

interface Bucket {
  sum: number;
  count: number;
}

export class LatestState {
  seq = 0;
  readonly entities = new Map<string, FeedEntity>();
  /** Hourly sums per datastream: hour start (ms) → bucket; the last 13 hours are kept. */
  private readonly hourly = new Map<number, Map<number, Bucket>>();
  private readonly dirty = new Set<string>();
  /** Entities the clock turned stale (not ones that arrived with old data, e.g. a backfill). */
  private readonly wentStale = new Set<string>();

  constructor(private readonly catalog: Catalog) {}

  /** Restores states saved by a previous run (their `seq` continues). */
  load(entities: FeedEntity[]): void {
    for (const e of entities) {
      this.entities.set(e.key, e);
      if (e.seq > this.seq) this.seq = e.seq;
    }
  }

  /** Adds a minute roll-up to the hourly means (seeding after a restart or for replay). */
  seedRollup(datastreamId: number, minuteMs: number, count: number, sum: number): void {
    const info = this.catalog.datastreams.get(datastreamId);
    if (!info) return;
    this.addToHour(datastreamId, minuteMs, sum * info.factor, count);
  }

  applyObservation(o: ObservationRecord, nowMs: number, countInHourly = true): void {
    const ds = this.catalog.datastreams.get(o.datastreamId);
    if (!ds?.quantity || o.resultNum === undefined) return;
    const thing = this.catalog.things.get(ds.thingId);
    if (!thing?.layer) return;
    const value = o.resultNum * ds.factor;
    if (countInHourly) this.addToHour(ds.id, o.phenomenonTimeMs, value, 1);
    const key = `${thing.layer}:${thing.id}`;
    const previous = this.entities.get(key);
    const time = Date.parse(previous?.time ?? '') || 0;
    if (thing.layer === 'air') {
      const prev = previous as AirStationState | undefined;
      const values = { ...(prev?.valuesUgM3 ?? {}) };
      // Per-pollutant times ride on the entity as a hidden property (not sent to viewers), so a
      // late PM10 does not overwrite a newer one while other pollutants move on.
      const latestFor = (prev as (AirStationState & { _t?: Record<string, number> }) | undefined)?._t ?? {};
      if (o.phenomenonTimeMs < (latestFor[ds.quantity] ?? 0)) return; // late arrival: history only
      values[ds.quantity as AqiPollutant] = round(value, 2);
      const entity: AirStationState & { _t?: Record<string, number> } = {
        ...base(thing, 'air', Math.max(time, o.phenomenonTimeMs), nowMs, 'sensor'),
        layer: 'air',
        thingId: thing.id,
        name: thing.name,
        ...(thing.code ? { code: thing.code } : {}),
        valuesUgM3: values,
      };
      const aqi = this.aqiOf(thing, Math.max(time, o.phenomenonTimeMs));
      if (aqi) entity.aqi = aqi;
      Object.defineProperty(entity, '_t', {
        value: { ...latestFor, [ds.quantity]: o.phenomenonTimeMs },
        enumerable: false,
      });
      this.set(entity);
    } else {
      const prev = previous as WaterGaugeState | undefined;
      if (prev && o.phenomenonTimeMs < time && ds.quantity === 'waterLevel') return;
      const entity: WaterGaugeState = {
        ...base(thing, 'water', Math.max(time, o.phenomenonTimeMs), nowMs, 'sensor'),
        layer: 'water',
        thingId: thing.id,
        name: thing.name,
        ...(prev?.levelM !== undefined ? { levelM: prev.levelM } : {}),
        ...(prev?.rainMm !== undefined ? { rainMm: prev.rainMm } : {}),
        alarmLevel: 0,
        ...(thing.alarmThresholdsM ? { alarmThresholdsM: thing.alarmThresholdsM } : {}),
      };
      if (ds.quantity === 'waterLevel') entity.levelM = round(value, 3);
      if (ds.quantity === 'rainfall') entity.rainMm = round(value, 1);
      entity.alarmLevel = floodAlarmLevel(entity.levelM, thing.alarmThresholdsM);
      this.set(entity);
    }
  }

  applyTraffic(f: TrafficFlowRecord, position: [number, number], nowMs: number): void {
    const key = `traffic:${f.segmentId}`;
    const prev = this.entities.get(key) as TrafficSegmentState | undefined;
    if (prev && Date.parse(prev.time) > f.timeMs) return;
    const entity: TrafficSegmentState = {
      key,
      layer: 'traffic',
      seq: 0,
      time: new Date(f.timeMs).toISOString(),
      freshness: freshness(f.timeMs, nowMs, 'sensor'),
      lonDeg: position[0],
      latDeg: position[1],
      segmentId: f.segmentId,
    };
    if (f.intensityVehH !== undefined) entity.intensityVehH = f.intensityVehH;
    if (f.averageSpeedKmh !== undefined) entity.averageSpeedKmh = f.averageSpeedKmh;
    if (f.occupancy !== undefined) entity.occupancy = f.occupancy;
    if (f.congested !== undefined) entity.congested = f.congested;
    this.set(entity);
  }

  applyVehicle(v: VehiclePositionRecord, nowMs: number): void {
    const key = `vehicle:${v.vehicleId}`;
    const prev = this.entities.get(key);
    if (prev && Date.parse(prev.time) > v.timeMs) return;
    const entity: VehicleState = {
      key,
      layer: 'vehicles',
      seq: 0,
      time: new Date(v.timeMs).toISOString(),
      freshness: freshness(v.timeMs, nowMs, 'vehicle'),
      lonDeg: v.lonDeg,
      latDeg: v.latDeg,
      vehicleId: v.vehicleId,
    };
    if (v.routeId !== undefined) entity.routeId = v.routeId;
    if (v.tripId !== undefined) entity.tripId = v.tripId;
    if (v.bearingDeg !== undefined) entity.bearingDeg = v.bearingDeg;
    if (v.speedMS !== undefined) entity.speedMS = v.speedMS;
    if (v.label !== undefined) entity.label = v.label;
    this.set(entity);
  }

  /** Re-evaluates freshness against the clock: silent sources turn stale (and back). */
  sweep(nowMs: number): void {
    for (const e of this.entities.values()) {
      if (e.layer === 'alerts') continue;
      const f = freshness(Date.parse(e.time), nowMs, e.layer === 'vehicles' ? 'vehicle' : 'sensor');
      if (f !== e.freshness) {
        if (f === 'stale') this.wentStale.add(e.key);
        this.set({ ...e, freshness: f });
      }
    }
  }

  /**
   * Marks an alert acknowledged by `by` at `atMs`; the caller takes and stores the change.
   * Undefined when there is no such alert.
   */
  acknowledge(alertKey: string, by: string, atMs: number): AlertState | undefined {
    const alert = this.entities.get(alertKey);
    if (alert?.layer !== 'alerts') return undefined;
    const acked: AlertState = { ...alert, ack: { by, at: new Date(atMs).toISOString() } };
    this.set(acked);
    return acked;
  }

  /** The entities changed since the last call, each with a new `seq`; alerts included. */
  takeChanged(): FeedEntity[] {
    if (this.dirty.size === 0) return [];
    const changed: FeedEntity[] = [];
    for (const key of [...this.dirty]) {
      const e = this.entities.get(key);
      if (e && e.layer !== 'alerts') this.updateAlerts(e);
    }
    for (const key of this.dirty) {
      const e = this.entities.get(key);
      if (!e) continue;
      e.seq = ++this.seq;
      changed.push(e);
    }
    this.dirty.clear();
    this.wentStale.clear();
    return changed;
  }

  /** Entities with `seq` > `afterSeq` (what a resuming client missed). */
  changedSince(afterSeq: number): FeedEntity[] {
    const out: FeedEntity[] = [];
    for (const e of this.entities.values()) if (e.seq > afterSeq) out.push(e);
    return out.sort((a, b) => a.seq - b.seq);
  }

  private set(entity: FeedEntity): void {
    this.entities.set(entity.key, entity);
    this.dirty.add(entity.key);
  }

  private addToHour(datastreamId: number, timeMs: number, sum: number, count: number): void {
    const hour = Math.floor(timeMs / HOUR_MS) * HOUR_MS;
    let buckets = this.hourly.get(datastreamId);
    if (!buckets) {
      buckets = new Map();
      this.hourly.set(datastreamId, buckets);
    }
    const b = buckets.get(hour);
    if (b) {
      b.sum += sum;
      b.count += count;
    } else {
      buckets.set(hour, { sum, count });
      const oldest = hour - 13 * HOUR_MS;
      for (const h of buckets.keys()) if (h < oldest) buckets.delete(h);
    }
  }

  /** Hourly VN_AQI of a station at the hour of `timeMs` (c1 = that hour so far). */
  private aqiOf(thing: ThingInfo, timeMs: number) {
    const hour = Math.floor(timeMs / HOUR_MS) * HOUR_MS;
    const concentrations: Partial<Record<AqiPollutant, number>> = {};
    for (const ds of this.catalog.datastreams.values()) {
      if (
        ds.thingId !== thing.id ||
        !ds.quantity ||
        ds.quantity === 'waterLevel' ||
        ds.quantity === 'rainfall'
      )
        continue;
      const buckets = this.hourly.get(ds.id);
      if (!buckets) continue;
      const mean = (h: number) => {
        const b = buckets.get(h);
        return b && b.count > 0 ? b.sum / b.count : undefined;
      };
      if (ds.quantity === 'pm25' || ds.quantity === 'pm10') {
        const c = Array.from({ length: 12 }, (_, i) => mean(hour - i * HOUR_MS));
        const nc = nowCast(c);
        if (nc !== undefined) concentrations[ds.quantity] = nc;
      } else {
        const m = mean(hour);
        if (m !== undefined) concentrations[ds.quantity] = m;
      }
    }
    return hourlyAqi(concentrations);
  }

  private updateAlerts(e: FeedEntity): void {
    const want = (kind: AlertState['kind'], on: boolean, level: number, vi: string, en: string) => {
      const key = `alert:${kind}:${e.key}`;
      const prev = this.entities.get(key) as AlertState | undefined;
      if (!on && !prev?.active) return;
      if (prev && prev.active === on && prev.level === level) return;
      // An acknowledgement covers one raise: it survives the alert clearing or easing, not a
      // new raise or an escalation.
      const keepAck = prev?.ack && prev.active && (!on || level <= prev.level);
      this.set({
        key,
        layer: 'alerts',
        seq: 0,
        time: e.time,
        freshness: 'fresh',
        lonDeg: e.lonDeg,
        latDeg: e.latDeg,
        kind,
        subject: e.key,
        active: on,
        level,
        messageVi: vi,
        messageEn: en,
        ...(keepAck ? { ack: prev.ack } : {}),
      });
    };
    const name = 'name' in e ? e.name : e.key;
    if (e.layer === 'water') {
      const lvl = e.alarmLevel;
      want(
        'flood',
        lvl > 0,
        lvl,
        `${name}: ${FLOOD_LEVEL_NAMES_VI[lvl] || 'dưới báo động'} (${e.levelM?.toFixed(2)} m)`,
        `${name}: flood alarm ${lvl > 0 ? ['', 'I', 'II', 'III'][lvl] : 'cleared'} (${e.levelM?.toFixed(2)} m)`,
      );
    }
    if (e.layer === 'air') {
      const level = e.aqi?.level ?? 0;
      const band = aqiBandOf(e.aqi?.aqi ?? 0);
      want(
        'air',
        level >= AIR_ALERT_LEVEL,
        level,
        `${name}: VN_AQI ${e.aqi?.aqi ?? '–'} (${band.labelVi})`,
        `${name}: VN_AQI ${e.aqi?.aqi ?? '–'} (${band.labelEn})`,
      );
    }
    if (e.layer === 'air' || e.layer === 'water') {
      const activeAlert =
        (this.entities.get(`alert:stale:${e.key}`) as AlertState | undefined)?.active === true;
      want(
        'stale',
        e.freshness === 'stale' && (this.wentStale.has(e.key) || activeAlert),
        0,
        `${name}: mất tín hiệu hơn 10 phút`,
        `${name}: silent for more than 10 min`,
      );
    }
  }
}

function base(thing: ThingInfo, layer: 'air' | 'water', timeMs: number, nowMs: number, kind: SourceKind) {
  return {
    key: `${layer}:${thing.id}`,
    seq: 0,
    time: new Date(timeMs).toISOString(),
    freshness: freshness(timeMs, nowMs, kind),
    lonDeg: thing.lonDeg ?? Number.NaN,
    latDeg: thing.latDeg ?? Number.NaN,
  };
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

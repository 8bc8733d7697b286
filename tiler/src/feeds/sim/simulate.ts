import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { FEED_TOPICS } from '../../api/feeds.js';
import { loadKazeFeed, tripPosition } from '../gtfs/kaze.js';
import { encodeVehiclePositions } from '../ingest/gtfs-rt.js';
import type { VehiclePositionRecord } from '../model.js';
import {
  FLOOD_RAIN_MM_PER_MIN,
  FLOOD_SURGE_M,
  type Incident,
  PM25_SPIKE_FACTOR,
  parseIncident,
  strongest,
} from './incidents.js';
import {
  localHour,
  noise,
  type Pollutant,
  pollutantUgM3,
  rainMmPerMin,
  type StationCategory,
  segmentFlow,
  waterLevelM,
} from './models.js';
import { airStationBody, gaugeBody } from './sta-bodies.js';

/**
 * `bdtwin simulate`: a city's worth of devices that speak only the hub's public protocols —
 * SensorThings HTTP to create Things and Datastreams, MQTT (or SensorThings HTTP) for
 * observations, HTTP TrafficFlowObserved for road segments, GTFS-realtime for the buses.
 */

export interface SimulateOptions {
  /** The hub's HTTP base, e.g. http://localhost:8080. */
  url: string;
  /** mqtt://host:1883 (or ws://host:8080/mqtt) for observations; without it they go over HTTP. */
  mqttUrl?: string;
  seed: number;
  /** Reporting period of each air/water datastream, seconds. */
  intervalS: number;
  /** Total air + water observations per second; overrides intervalS (load tests). */
  rate?: number;
  trafficIntervalS: number;
  vehicleIntervalS: number;
  /** Road classes of roads.geojson to simulate (trunk = QL13, the spine). */
  roadClasses: string[];
  /** Hours of past air-quality data to send first, so the VN_AQI NowCast has its hours. */
  backfillHours: number;
  incidents: string[];
  /** Stop after this many seconds (tests); runs until stopped otherwise. */
  durationS?: number;
  repoRoot: string;
  roadsFile?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /**
   * The ingest token of `source` (bdtwin tokens add): sent as `Authorization: Bearer` over HTTP
   * and as the MQTT password with `source` as user name. Needed unless the hub's ingest is open.
   */
  token?: string;
  source?: string;
}

export const SIMULATE_DEFAULTS = {
  url: 'http://localhost:8080',
  seed: 20250701,
  intervalS: 60,
  trafficIntervalS: 60,
  vehicleIntervalS: 5,
  roadClasses: ['trunk', 'primary', 'secondary'],
  backfillHours: 3,
};

interface AirStation {
  code: string;
  category: StationCategory;
  name: string;
  lonDeg: number;
  latDeg: number;
}
interface Gauge {
  name: string;
  lonDeg: number;
  latDeg: number;
  meanLevelM: number;
  tideAmplitudeM: number;
  thresholdsM: [number, number, number];
}
interface Segment {
  id: string;
  lanes: number;
  maxspeedKmh: number;
  weight: number;
  coordinates: [number, number][];
}
/** A datastream the simulator feeds: how to compute its value at a time. */
interface Source {
  datastreamId: number;
  key: string;
  value: (timeMs: number) => number;
}

const POLLUTANTS: [string, Pollutant][] = [
  ['PM2.5', 'pm25'],
  ['PM10', 'pm10'],
  ['NO2', 'no2'],
  ['CO', 'co'],
  ['O3', 'o3'],
  ['SO2', 'so2'],
];
const CLASS_WEIGHT: Record<string, number> = {
  trunk: 0.95,
  primary: 0.85,
  secondary: 0.7,
  tertiary: 0.55,
  residential: 0.35,
};

export interface SimulatorStats {
  observations: number;
  flows: number;
  vehiclePositions: number;
  errors: number;
}

export async function runSimulator(o: SimulateOptions): Promise<SimulatorStats> {
  const log = o.log ?? ((line) => console.log(line));
  const base = o.url.replace(/\/$/, '');
  const authHeader: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  const stats: SimulatorStats = { observations: 0, flows: 0, vehiclePositions: 0, errors: 0 };
  const startMs = Date.now();
  const incidents: Incident[] = o.incidents.map((t) => parseIncident(t, startMs));
  const data = (p: string) => path.join(o.repoRoot, p);

  const stations = (
    JSON.parse(await readFile(data('data/feeds/air_stations_demo.json'), 'utf8')) as {
      stations: AirStation[];
    }
  ).stations;
  const gauges = (
    JSON.parse(await readFile(data('data/feeds/water_gauges.json'), 'utf8')) as { gauges: Gauge[] }
  ).gauges;
  const feed = await loadKazeFeed(
    data('data/transport/kaze_bus_routes_summary.json'),
    data('data/transport/kaze_bus_stops_osm.geojson'),
  );
  const segments = await loadSegments(
    o.roadsFile ?? data('data/generated/roads.geojson'),
    o.roadClasses,
    log,
  );

  // 1. Entities, created over SensorThings unless they exist (by name): restarts are idempotent.
  const existing = await getJson<{ value: { '@iot.id': number; name: string }[] }>(
    `${base}/v1.1/Things?$top=10000`,
  );
  const thingIds = new Map(existing.value.map((t) => [t.name, t['@iot.id']]));
  const ensureThing = async (body: { name: string }) => {
    let id = thingIds.get(body.name);
    if (id === undefined) {
      id = (await postJson(`${base}/v1.1/Things`, body, 201, authHeader))['@iot.id'] as number;
      thingIds.set(body.name, id);
    }
    const ds = await getJson<{ value: { '@iot.id': number; name: string }[] }>(
      `${base}/v1.1/Things(${id})/Datastreams?$top=100`,
    );
    return new Map(ds.value.map((d) => [d.name, d['@iot.id']]));
  };
  const sources: Source[] = [];
  const pm25Spike = new Set(
    stations
      .filter((s) => s.category === 'industrial')
      .sort((a, b) => dist(a, TDM) - dist(b, TDM))
      .slice(0, 2)
      .map((s) => s.code),
  );
  for (const s of stations) {
    const ds = await ensureThing(
      airStationBody(
        s.code,
        s.lonDeg,
        s.latDeg,
        POLLUTANTS.map((p) => p[0]),
        s.name,
      ),
    );
    for (const [label, p] of POLLUTANTS) {
      const id = ds.get(`${s.code} ${label}`);
      if (id === undefined) continue;
      sources.push({
        datastreamId: id,
        key: `${s.code}:${p}`,
        value: (t) => {
          let v = pollutantUgM3(o.seed, s.code, s.category, p, t);
          if (p === 'pm25' && pm25Spike.has(s.code))
            v *= 1 + (PM25_SPIKE_FACTOR - 1) * strongest(incidents, 'pm25', t);
          if (p === 'pm10' && pm25Spike.has(s.code))
            v *= 1 + 0.5 * (PM25_SPIKE_FACTOR - 1) * strongest(incidents, 'pm25', t);
          return round(v, p === 'co' ? 0 : 1);
        },
      });
    }
  }
  const airSourceCount = sources.length;
  for (const g of gauges) {
    const ds = await ensureThing(gaugeBody(g.name, g.lonDeg, g.latDeg, g.thresholdsM));
    const level = ds.get(`${g.name} water level`);
    const rain = ds.get(`${g.name} rain`);
    if (level !== undefined) {
      sources.push({
        datastreamId: level,
        key: `${g.name}:level`,
        value: (t) =>
          round(
            waterLevelM(o.seed, g.name, g.meanLevelM, g.tideAmplitudeM, t) +
              FLOOD_SURGE_M * strongest(incidents, 'flood', t),
            3,
          ),
      });
    }
    if (rain !== undefined) {
      sources.push({
        datastreamId: rain,
        key: `${g.name}:rain`,
        value: (t) =>
          round(
            rainMmPerMin(o.seed, g.name, t) + FLOOD_RAIN_MM_PER_MIN * strongest(incidents, 'flood', t),
            1,
          ),
      });
    }
  }
  log(
    `bdtwin simulate: ${stations.length} air stations, ${gauges.length} river gauges (${sources.length} datastreams), ${segments.length} road segments, ${feed.trips.length} Kaze trips`,
  );

  // 2. Observations go out over MQTT (QoS 1) when a broker is given, else over HTTP.
  let client: MqttClient | undefined;
  if (o.mqttUrl) {
    client = await mqtt.connectAsync(o.mqttUrl, {
      clientId: `bdtwin-sim-${o.seed}`,
      reconnectPeriod: 1000,
      ...(o.token ? { username: o.source ?? 'simulator', password: o.token } : {}),
    });
    client.on('error', (e) => log(`bdtwin simulate: MQTT ${e.message}`));
  }
  let inFlight = 0;
  const sendObservation = (datastreamId: number, timeMs: number, result: number) => {
    const body = { phenomenonTime: new Date(timeMs).toISOString(), result };
    inFlight++;
    const done = (ok: boolean) => {
      inFlight--;
      if (ok) stats.observations++;
      else stats.errors++;
    };
    if (client) {
      client.publishAsync(FEED_TOPICS.observations(datastreamId), JSON.stringify(body), { qos: 1 }).then(
        () => done(true),
        () => done(false),
      );
    } else {
      fetch(`${base}/v1.1/Datastreams(${datastreamId})/Observations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...authHeader },
        body: JSON.stringify(body),
      }).then(
        (r) => done(r.status === 201),
        () => done(false),
      );
    }
  };

  // 3. Backfill: the last hours of air quality, every 10 min (what a station's logger uploads).
  if (o.backfillHours > 0) {
    const step = 10 * 60_000;
    const from = Math.ceil((startMs - o.backfillHours * 3_600_000) / step) * step;
    for (const s of sources.slice(0, airSourceCount)) {
      for (let t = from; t < startMs - 60_000; t += step) sendObservation(s.datastreamId, t, s.value(t));
    }
    while (inFlight > 0) await sleep(20);
    log(`bdtwin simulate: sent ${o.backfillHours} h of air-quality history`);
  }

  // 4. Live: one tick a second; each source reports at its own phase within its period.
  const periodMs = o.rate ? Math.max(1, (sources.length / o.rate) * 1000) : o.intervalS * 1000;
  const phase = (key: string, period: number) => Math.floor(noise(o.seed, key, 0) * period);
  const lastSent = new Map<string, number>();
  const due = (key: string, now: number, period: number) => {
    const slot = Math.floor((now - phase(key, period)) / period);
    if (lastSent.get(key) === slot) return false;
    lastSent.set(key, slot);
    return true;
  };
  let nextVehicles = 0;
  let nextReport = startMs + 30_000;
  const tickMs = o.rate && periodMs < 1000 ? Math.max(10, periodMs) : 1000;
  const endMs = o.durationS !== undefined ? startMs + o.durationS * 1000 : Number.POSITIVE_INFINITY;
  while (!o.signal?.aborted && Date.now() < endMs) {
    const now = Date.now();
    if (inFlight < 20_000) {
      for (const s of sources)
        if (due(s.key, now, periodMs)) sendObservation(s.datastreamId, now, s.value(now));
    }
    const flows = segments
      .filter((seg) => due(`seg:${seg.id}`, now, o.trafficIntervalS * 1000))
      .map((seg) => trafficFlowObserved(o.seed, seg, now));
    if (flows.length) {
      postJson(`${base}/api/traffic/flow`, flows, 202, authHeader).then(
        () => {
          stats.flows += flows.length;
        },
        (e: Error) => {
          stats.errors++;
          log(`bdtwin simulate: traffic ${e.message}`);
        },
      );
    }
    if (now >= nextVehicles) {
      nextVehicles = now + o.vehicleIntervalS * 1000;
      const vehicles = busPositions(feed, now);
      if (vehicles.length) {
        fetch(`${base}/api/gtfs-rt/vehicle-positions`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf', ...authHeader },
          body: encodeVehiclePositions(vehicles, now),
        }).then(
          (r) => {
            if (r.status === 202) stats.vehiclePositions += vehicles.length;
            else stats.errors++;
          },
          () => stats.errors++,
        );
      }
    }
    if (now >= nextReport) {
      nextReport = now + 30_000;
      log(
        `bdtwin simulate: ${stats.observations} observations, ${stats.flows} flows, ${stats.vehiclePositions} bus positions, ${stats.errors} errors`,
      );
    }
    await sleep(tickMs - (Date.now() % tickMs));
  }
  const deadline = Date.now() + 5000;
  while (inFlight > 0 && Date.now() < deadline) await sleep(20);
  await client?.endAsync();
  return stats;
}

const TDM = { lonDeg: 106.652, latDeg: 10.98 };
function dist(a: { lonDeg: number; latDeg: number }, b: { lonDeg: number; latDeg: number }) {
  return Math.hypot(a.lonDeg - b.lonDeg, a.latDeg - b.latDeg);
}

/** Buses on the road now: every trip between its first and last stop time (local time). */
export function busPositions(
  feed: Awaited<ReturnType<typeof loadKazeFeed>>,
  nowMs: number,
): VehiclePositionRecord[] {
  const seconds = Math.round(localHour(nowMs) * 3600);
  const out: VehiclePositionRecord[] = [];
  for (const trip of feed.trips) {
    const p = tripPosition(feed, trip, seconds);
    if (!p) continue;
    out.push({
      vehicleId: `kaze-${trip.tripId}`,
      label: `Kaze ${trip.routeId}`,
      timeMs: nowMs,
      routeId: trip.routeId,
      tripId: trip.tripId,
      ...p,
    });
  }
  return out;
}

function trafficFlowObserved(seed: number, seg: Segment, nowMs: number) {
  const f = segmentFlow(seed, seg.id, seg.lanes, seg.maxspeedKmh, seg.weight, nowMs);
  return {
    id: `urn:ngsi-ld:TrafficFlowObserved:${seg.id}:${nowMs}`,
    type: 'TrafficFlowObserved',
    refRoadSegment: seg.id,
    dateObserved: new Date(nowMs).toISOString(),
    intensity: f.intensity,
    averageVehicleSpeed: f.averageVehicleSpeed,
    occupancy: f.occupancy,
    congested: f.congested,
    laneDirection: 'forward',
    location: { type: 'LineString', coordinates: seg.coordinates },
  };
}

async function loadSegments(file: string, classes: string[], log: (l: string) => void): Promise<Segment[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    log(`bdtwin simulate: no ${file} (run npm run demo:data); no traffic`);
    return [];
  }
  const json = JSON.parse(text) as {
    features: {
      properties: { id: string; class: string; lanes?: number; maxspeedKmh?: number };
      geometry: { coordinates: [number, number][] };
    }[];
  };
  return json.features
    .filter((f) => classes.includes(f.properties.class))
    .map((f) => ({
      id: f.properties.id,
      lanes: f.properties.lanes ?? 2,
      maxspeedKmh: f.properties.maxspeedKmh ?? 40,
      weight: CLASS_WEIGHT[f.properties.class] ?? 0.5,
      coordinates: f.geometry.coordinates,
    }));
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function postJson(
  url: string,
  body: unknown,
  expect = 201,
  headers: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== expect) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function round(v: number, digits: number) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

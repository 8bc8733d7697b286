import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AirStationState,
  AlertState,
  DeltaMessage,
  FeedEntity,
  HistoryResponse,
  StateAtResponse,
  TrafficSegmentState,
  VehicleState,
  WaterGaugeState,
} from '../api/feeds.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { encodeVehiclePositions } from './ingest/gtfs-rt.js';
import { airStationBody, createThing, gaugeBody, postJson, TestViewer } from './testing/fixtures.js';

let dir: string;
let server: RunningServer;
let base: string;
let mqttUrl: string;
let air: { thingId: number; datastreams: number[] };
let gauge: { thingId: number; datastreams: number[] };
const viewers: TestViewer[] = [];
const hubLog: string[] = [];
const viewer = (sub: ConstructorParameters<typeof TestViewer>[0] = `${base.replace('http', 'ws')}/ws`) => {
  const v = new TestViewer(sub);
  viewers.push(v);
  return v;
};
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-hub-'));
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    feeds: { dbFile: path.join(dir, 'hub.sqlite'), mqttPort: -1, log: (line) => hubLog.push(line) },
    // Not about access control (serve/auth/boundaries.test.ts is): every caller sees every feed layer.
    auth: { anonymousRole: 'admin' },
  });
  base = server.url;
  mqttUrl = `mqtt://127.0.0.1:${server.hub!.mqttPort}`;
  // ĐT4 stands at the Bình Dương New City administrative centre (placed for the demo).
  air = await createThing(base, airStationBody('ĐT4', 106.6755, 11.0535, ['PM2.5', 'PM10']));
  gauge = await createThing(base, gaugeBody('Phú Cường', 106.6432, 10.9812, [1.3, 1.5, 1.7]));
});

afterAll(async () => {
  for (const v of viewers) v.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('SensorThings API over HTTP', () => {
  it('creates a Thing with Locations and Datastreams in one deep insert and reads it back', async () => {
    const thing = (await (
      await fetch(`${base}/v1.1/Things(${air.thingId})?$expand=Locations,Datastreams`)
    ).json()) as Record<string, unknown>;
    expect(thing['@iot.selfLink']).toBe(`${base}/v1.1/Things(${air.thingId})`);
    expect((thing.Locations as { location: unknown }[])[0]!.location).toEqual({
      type: 'Point',
      coordinates: [106.6755, 11.0535],
    });
    expect((thing.Datastreams as { name: string }[]).map((d) => d.name)).toEqual(['ĐT4 PM2.5', 'ĐT4 PM10']);
    const op = (await (
      await fetch(`${base}/v1.1/Datastreams(${air.datastreams[0]})/ObservedProperty`)
    ).json()) as {
      name: string;
    };
    expect(op.name).toBe('PM2.5');
  });

  it('creates a Datastream by deep insert with its Thing, Sensor and ObservedProperty', async () => {
    const res = await postJson(`${base}/v1.1/Datastreams`, {
      name: 'noise',
      description: 'sound level',
      unitOfMeasurement: { name: 'decibel', symbol: 'dB(A)', definition: '' },
      observationType: 'http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement',
      Thing: { name: 'GT5 noise', description: '' },
      Sensor: { name: 'sound meter', description: '', encodingType: 'text/plain', metadata: '' },
      ObservedProperty: { name: 'noise', definition: 'urn:noise', description: '' },
    });
    expect(res.status).toBe(201);
    const id = res.json['@iot.id'] as number;
    const thing = (await (await fetch(`${base}/v1.1/Datastreams(${id})/Thing`)).json()) as { name: string };
    expect(thing.name).toBe('GT5 noise');
  });

  it('creates observations, then filters, orders, pages and expands them', async () => {
    const ds = air.datastreams[0]!;
    const t0 = Date.parse('2025-07-01T00:00:00Z');
    for (let i = 0; i < 5; i++) {
      const res = await postJson(`${base}/v1.1/Datastreams(${ds})/Observations`, {
        phenomenonTime: iso(t0 + i * 60_000),
        result: 10 + i,
      });
      expect(res.status).toBe(201);
      expect(res.json.result).toBe(10 + i);
    }
    const viaBody = await postJson(`${base}/v1.1/Observations`, {
      Datastream: { '@iot.id': ds },
      phenomenonTime: iso(t0 + 5 * 60_000),
      result: 15,
    });
    expect(viaBody.status).toBe(201);
    const url =
      `${base}/v1.1/Datastreams(${ds})/Observations?$filter=` +
      encodeURIComponent(
        `phenomenonTime ge ${iso(t0 + 60_000)} and phenomenonTime lt ${iso(t0 + 5 * 60_000)}`,
      ) +
      `&$orderby=${encodeURIComponent('phenomenonTime desc')}&$top=2&$count=true&$expand=Datastream`;
    const page = (await (await fetch(url)).json()) as {
      '@iot.count': number;
      '@iot.nextLink': string;
      value: { result: number; Datastream: { '@iot.id': number } }[];
    };
    expect(page['@iot.count']).toBe(4);
    expect(page.value.map((o) => o.result)).toEqual([14, 13]);
    expect(page.value[0]!.Datastream['@iot.id']).toBe(ds);
    const next = (await (await fetch(page['@iot.nextLink'])).json()) as { value: { result: number }[] };
    expect(next.value.map((o) => o.result)).toEqual([12, 11]);
  });
});

describe('bad input over HTTP', () => {
  const obsUrl = () => `${base}/v1.1/Datastreams(${air.datastreams[0]})/Observations`;
  it.each([
    ['malformed JSON', '{"result": 1,', 400, 'body'],
    ['a wrong type', { result: 'high' }, 400, 'result'],
    ['a bad time', { result: 1, phenomenonTime: 'yesterday' }, 400, 'phenomenonTime'],
    [
      'a time far in the future',
      { result: 1, phenomenonTime: '2099-01-01T00:00:00Z' },
      400,
      'phenomenonTime',
    ],
    ['no result', { phenomenonTime: '2025-07-01T00:00:00Z' }, 400, 'result'],
  ])('rejects %s with a JSON error naming the field', async (_what, body, status, field) => {
    const res = await postJson(obsUrl(), body);
    expect(res.status).toBe(status);
    expect(res.json.field).toBe(field);
    expect(typeof res.json.error).toBe('string');
  });

  it('answers an unknown datastream with 404 and an oversized payload with 413', async () => {
    const unknown = await postJson(`${base}/v1.1/Observations`, { 'Datastream@iot.id': 999_999, result: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.json.field).toBe('Datastream');
    const big = await postJson(obsUrl(), { result: 1, parameters: { blob: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    expect(big.json.field).toBe('body');
    const huge = await postJson(obsUrl(), { result: 1, parameters: { blob: 'x'.repeat(3_000_000) } });
    expect(huge.status).toBe(413);
  });

  it('names the missing field of an entity', async () => {
    const res = await postJson(`${base}/v1.1/Things`, {
      name: 'x',
      Datastreams: [{ name: 'd', observationType: 'x', unitOfMeasurement: {} }],
    });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe('Datastreams[0].Sensor');
    const noUnit = await postJson(`${base}/v1.1/Things`, {
      name: 'x',
      Datastreams: [{ name: 'd', observationType: 'x' }],
    });
    expect(noUnit.json.field).toBe('Datastreams[0].unitOfMeasurement');
  });

  it('rejects a bad $filter or $top and keeps serving', async () => {
    const res = await fetch(`${base}/v1.1/Observations?$filter=${encodeURIComponent('result gt 3')}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('$filter');
    expect((await fetch(`${base}/v1.1/Observations?$top=-1`)).status).toBe(400);
    expect((await fetch(`${base}/v1.1/Observations?$top=1`)).status).toBe(200);
  });
});

describe('MQTT (SensorThings MQTT extension)', () => {
  it('stores observations published with QoS 1 over TCP and over WebSocket before the PUBACK', async () => {
    const ds = air.datastreams[1]!;
    const tcp = await mqtt.connectAsync(mqttUrl);
    const ws = await mqtt.connectAsync(`${base.replace('http', 'ws')}/mqtt`);
    const t0 = Date.now() - 60_000;
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? ws : tcp).publishAsync(
          `v1.1/Datastreams(${ds})/Observations`,
          JSON.stringify({ phenomenonTime: iso(t0 + i), result: 1000 + i }),
          { qos: 1 },
        ),
      ),
    );
    // Every PUBACK has arrived: every observation must already be in the store.
    const stored = await server.hub!.store.listObservations({
      datastreamId: ds,
      where: [{ field: 'phenomenonTime', op: 'ge', ms: t0 }],
      orderBy: [],
      top: 1000,
      skip: 0,
    });
    expect(stored.rows.map((o) => o.result).sort()).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
    await tcp.endAsync();
    await ws.endAsync();
  });

  it('rejects bad messages, counts them and describes them on bdtwin/errors, keeping the connection', async () => {
    const client = await mqtt.connectAsync(mqttUrl);
    const errors: Record<string, unknown>[] = [];
    client.on('message', (_t, p) => errors.push(JSON.parse(String(p))));
    await client.subscribeAsync('bdtwin/errors');
    const ds = air.datastreams[0]!;
    const before = (await server.hub!.stats()).rejected.mqtt;
    const storedBefore = await server.hub!.store.countObservations();
    const bad: [string, string | Buffer][] = [
      [`v1.1/Datastreams(${ds})/Observations`, '{not json'],
      ['v1.1/Datastreams(424242)/Observations', '{"result": 1}'],
      [`v1.1/Datastreams(${ds})/Observations`, '{"result": "high"}'],
      [`v1.1/Datastreams(${ds})/Observations`, '{"result": 1, "phenomenonTime": "2099-01-01T00:00:00Z"}'],
      [
        `v1.1/Datastreams(${ds})/Observations`,
        JSON.stringify({ result: 1, parameters: { x: 'y'.repeat(70_000) } }),
      ],
      ['v1.1/Observations', '{"result": 1}'],
    ];
    for (const [topic, payload] of bad) await client.publishAsync(topic, payload, { qos: 1 });
    await client.publishAsync(`v1.1/Datastreams(${ds})/Observations`, '{"result": 7}', { qos: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect((await server.hub!.stats()).rejected.mqtt - before).toBe(bad.length);
    expect(errors.map((e) => e.field)).toEqual([
      'body',
      'Datastream',
      'result',
      'phenomenonTime',
      'body',
      'Datastream',
    ]);
    expect(errors[1]!.error).toMatch(/Datastream\(424242\) does not exist/);
    expect(hubLog.filter((l) => l.includes('rejected MQTT message'))).toHaveLength(bad.length);
    expect(await server.hub!.store.countObservations()).toBe(storedBefore + 1);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });
});

describe('viewer WebSocket /ws', () => {
  it('sends a snapshot, then deltas with the rules applied (VN_AQI, flood alarm, alerts)', async () => {
    const now = Date.now();
    const ct = await createThing(base, airStationBody('ĐT3', 106.6512, 10.9803, ['PM2.5']));
    // Two hours of PM2.5 so the NowCast has data (it needs 2 of the last 3 hours).
    const hour = 3_600_000;
    for (const [dt, v] of [
      [-hour, 30],
      [0, 40],
    ] as const) {
      await postJson(`${base}/v1.1/Datastreams(${ct.datastreams[0]})/Observations`, {
        phenomenonTime: iso(now + dt),
        result: v,
      });
    }
    const v = await viewer().open({ layers: ['air', 'water', 'alerts'] });
    await v.until(() => v.messages.some((m) => m.type === 'snapshot'));
    const snapshot = v.messages[0]!;
    expect(snapshot.type).toBe('snapshot');
    const station = v.latest.get(`air:${ct.thingId}`) as AirStationState;
    expect(station.name).toBe('Trạm ĐT3');
    expect(station.valuesUgM3.pm25).toBe(40);
    // Hourly means: c1 = 40, c2 = 30 → w = 0.75; NowCast = (40 + 0.75 × 30) / 1.75 = 35.714…
    // AQI(PM2.5) = 2 × (35.714 − 25) + 50 = 71.4 → 71 (Trung bình)
    expect(station.aqi?.aqi).toBe(71);
    expect(station.aqi?.level).toBe(2);

    const [level] = gauge.datastreams as [number];
    await postJson(`${base}/v1.1/Datastreams(${level})/Observations`, {
      phenomenonTime: iso(now),
      result: 1.62,
    });
    await v.until(
      () => (v.latest.get(`water:${gauge.thingId}`) as WaterGaugeState | undefined)?.alarmLevel === 2,
    );
    const alert = v.latest.get(`alert:flood:water:${gauge.thingId}`) as AlertState;
    expect(alert.active).toBe(true);
    expect(alert.level).toBe(2);
    expect(alert.messageVi).toMatch(/Báo động II/);
    const deltas = v.messages.filter((m): m is DeltaMessage => m.type === 'delta');
    expect(deltas.length).toBeGreaterThan(0);
    // Deltas carry only what changed.
    expect(deltas.flatMap((d) => d.entities).some((e) => e.key === `air:${ct.thingId}`)).toBe(false);
  });

  it('filters by layer and bounding box', async () => {
    const [level] = gauge.datastreams as [number];
    const inside = await viewer().open({ layers: ['water'], bbox: [106.6, 10.95, 106.7, 11.0] });
    const outside = await viewer().open({ layers: ['water'], bbox: [106.0, 10.0, 106.1, 10.1] });
    const airOnly = await viewer().open({ layers: ['air'] });
    for (const v of [inside, outside, airOnly]) await v.until(() => v.messages.length > 0);
    await postJson(`${base}/v1.1/Datastreams(${level})/Observations`, { result: 1.1 });
    await inside.until(
      () => (inside.latest.get(`water:${gauge.thingId}`) as WaterGaugeState | undefined)?.levelM === 1.1,
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(outside.latest.size).toBe(0);
    expect([...airOnly.latest.values()].every((e) => e.layer === 'air')).toBe(true);
  });

  it('resumes after a reconnect with the changes missed, or a snapshot for another hub', async () => {
    const [level, rain] = gauge.datastreams as [number, number];
    const first = await viewer().open({ layers: ['water'] });
    await first.until(() => first.messages.length > 0);
    const { hubId, seq } = first.messages.at(-1) as { hubId: string; seq: number };
    first.close();
    await postJson(`${base}/v1.1/Datastreams(${rain})/Observations`, { result: 12.5 });
    await postJson(`${base}/v1.1/Datastreams(${level})/Observations`, { result: 1.35 });
    const again = await viewer().open({ layers: ['water'], resume: { hubId, seq } });
    await again.until(() => again.messages.length > 0);
    const msg = again.messages[0] as DeltaMessage;
    expect(msg.type).toBe('delta');
    expect(msg.resumed).toBe(true);
    const g = msg.entities.find((e) => e.key === `water:${gauge.thingId}`) as WaterGaugeState;
    expect(g.levelM).toBe(1.35);
    expect(g.rainMm).toBe(12.5);
    const other = await viewer().open({ layers: ['water'], resume: { hubId: 'another-hub', seq } });
    await other.until(() => other.messages.length > 0);
    expect(other.messages[0]!.type).toBe('snapshot');
  });

  it('conflates for a slow client: newest value per entity, no growing queue', async () => {
    const ds = air.datastreams[1]!; // PM10
    const slow = await viewer().open({ layers: ['air'] });
    await slow.until(() => slow.messages.length > 0);
    // Stop reading: the kernel buffers fill, then the hub's socket buffer, then it conflates.
    const raw = (slow.socket as unknown as { _socket: import('node:net').Socket })._socket;
    raw.pause();
    const client = await mqtt.connectAsync(mqttUrl);
    const padding = 'x'.repeat(2000); // big entities fill the buffers sooner
    const n = 3000;
    for (let i = 0; i < n; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          client.publishAsync(
            `v1.1/Datastreams(${ds})/Observations`,
            JSON.stringify({ result: i + k, parameters: { padding } }),
            { qos: 1 },
          ),
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 200));
    const stats = server.hub!.push.clientStats();
    const worst = stats.reduce((a, b) => (b.conflated > a.conflated ? b : a));
    // The slow client holds at most one pending state per entity it watches.
    expect(worst.conflated).toBeGreaterThan(0);
    expect(worst.pending).toBeLessThanOrEqual(server.hub!.state.entities.size);
    raw.resume();
    await slow.until(
      () => (slow.latest.get(`air:${air.thingId}`) as AirStationState)?.valuesUgM3.pm10 === n - 1,
      10_000,
    );
    const received = slow.messages
      .filter((m): m is DeltaMessage => m.type === 'delta')
      .flatMap((m) => m.entities)
      .filter((e) => e.key === `air:${air.thingId}`).length;
    expect(received).toBeLessThan(n / 2);
    await client.endAsync();
  });
});

describe('traffic and vehicles', () => {
  it('accepts TrafficFlowObserved (key-values and NGSI-LD) and GTFS-rt VehiclePositions', async () => {
    const v = await viewer().open({ layers: ['traffic', 'vehicles'] });
    await v.until(() => v.messages.length > 0);
    const now = Date.now();
    const flow = await postJson(`${base}/api/traffic/flow`, [
      {
        id: 'urn:ngsi-ld:TrafficFlowObserved:R-000001',
        type: 'TrafficFlowObserved',
        refRoadSegment: 'R-000001',
        dateObserved: iso(now),
        intensity: 2400,
        averageVehicleSpeed: 18.5,
        occupancy: 0.62,
        congested: true,
        location: {
          type: 'LineString',
          coordinates: [
            [106.69, 10.96],
            [106.68, 10.97],
          ],
        },
      },
      {
        id: 'urn:ngsi-ld:TrafficFlowObserved:R-000002',
        type: 'TrafficFlowObserved',
        refRoadSegment: { type: 'Relationship', object: 'urn:ngsi-ld:RoadSegment:R-000002' },
        intensity: { type: 'Property', value: 300 },
        location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [106.7, 10.98] } },
      },
    ]);
    expect(flow.status).toBe(202);
    const bytes = encodeVehiclePositions(
      [
        {
          vehicleId: 'K39-01',
          timeMs: now,
          lonDeg: 106.6705,
          latDeg: 10.9758,
          bearingDeg: 10,
          routeId: '39',
          tripId: '39-f-0715',
        },
      ],
      now,
    );
    const res = await fetch(`${base}/api/gtfs-rt/vehicle-positions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: bytes,
    });
    expect(res.status).toBe(202);
    await v.until(() => v.latest.has('vehicle:K39-01') && v.latest.has('traffic:R-000002'));
    const seg = v.latest.get('traffic:R-000001') as TrafficSegmentState;
    expect(seg).toMatchObject({
      intensityVehH: 2400,
      averageSpeedKmh: 18.5,
      occupancy: 0.62,
      congested: true,
    });
    expect(seg.lonDeg).toBeCloseTo(106.685, 6);
    expect((v.latest.get('vehicle:K39-01') as VehicleState).routeId).toBe('39');
  });

  it('polls a GTFS-realtime feed from a URL', async () => {
    const now = Date.now();
    const bytes = encodeVehiclePositions(
      [{ vehicleId: 'K51-07', timeMs: now, lonDeg: 106.656, latDeg: 10.978, routeId: '51' }],
      now,
    );
    await writeFile(path.join(dir, 'vehicle_positions.pb'), bytes);
    expect(await server.hub!.pollGtfsRt(`${base}/data/vehicle_positions.pb`)).toBe(1);
    expect(server.hub!.state.entities.get('vehicle:K51-07')).toMatchObject({
      routeId: '51',
      freshness: 'fresh',
    });
  });

  it('rejects bad traffic and GTFS-rt input with the field', async () => {
    const bad = await postJson(`${base}/api/traffic/flow`, {
      refRoadSegment: 'R-9',
      intensity: -5,
      location: { type: 'Point', coordinates: [106, 11] },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('intensity');
    const nowhere = await postJson(`${base}/api/traffic/flow`, { refRoadSegment: 'R-unknown', intensity: 5 });
    expect(nowhere.json.field).toBe('location');
    const garbage = await fetch(`${base}/api/gtfs-rt/vehicle-positions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0xff, 0xff, 0xff, 0x07]),
    });
    expect(garbage.status).toBe(400);
  });
});

describe('history and replay', () => {
  it('returns raw points and 1-minute roll-ups', async () => {
    const ds = air.datastreams[0]!;
    const q = `datastream=${ds}&from=2025-07-01T00:00:00Z&to=2025-07-01T00:10:00Z`;
    const raw = (await (await fetch(`${base}/api/history?${q}&resolution=raw`)).json()) as HistoryResponse;
    expect(raw.points.map((p) => p.value)).toEqual([10, 11, 12, 13, 14, 15]);
    const m = (await (await fetch(`${base}/api/history?${q}&resolution=1m`)).json()) as HistoryResponse;
    expect(m.points[0]).toEqual({ time: '2025-07-01T00:00:00.000Z', value: 10, min: 10, max: 10, count: 1 });
    const bad = await fetch(`${base}/api/history?datastream=abc`);
    expect(bad.status).toBe(400);
  });

  it('answers the state as it was at a past time', async () => {
    const at = '2025-07-01T00:03:30Z';
    const res = (await (await fetch(`${base}/api/state?at=${at}&layers=air`)).json()) as StateAtResponse;
    const station = res.entities.find((e: FeedEntity) => e.key === `air:${air.thingId}`) as AirStationState;
    expect(station.valuesUgM3.pm25).toBe(13);
    expect(station.time).toBe('2025-07-01T00:03:00.000Z');
    expect(station.freshness).toBe('fresh');
    // PM2.5 only in the current hour: no NowCast, so no VN_AQI yet (the decision needs 2 of 3 hours).
    expect(station.aqi).toBeUndefined();
  });
});

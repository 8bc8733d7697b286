/**
 * Every role boundary of the service, through its real HTTP, WebSocket and MQTT interfaces
 * (docs/reliability.md, "Access control"). One service with a feed hub, four callers — anonymous
 * (the kiosk: public), planner, operator, admin — and a data folder holding something of each
 * visibility: a public and an operator layer, a published and a draft scenario, public, planner and
 * operator catalogue layers, a public and an operator-only sensor, a flood alert and a jammed road.
 */

import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import type { FeedEntity, ServerMessage } from '../../api/feeds.js';
import type { ScenarioIndexEntry } from '../../api/planning.js';
import { writeHandComputedCase } from '../../catalog/testing.js';
import { airStationBody, gaugeBody } from '../../feeds/testing/fixtures.js';
import { type RunningServer, startServer } from '../server.js';
import type { Role } from './roles.js';
import { TokenStore } from './tokens.js';
import { UserStore } from './users.js';

type Caller = 'anonymous' | Exclude<Role, 'public'>;
const CALLERS: readonly Caller[] = ['anonymous', 'planner', 'operator', 'admin'];
const PASSWORD = 'correct horse battery staple';

let root: string;
let data: string;
let server: RunningServer;
let base: string;
const cookies = new Map<Caller, string>();
const tokens = { sensors: '', traffic: '', watchPublic: '', watchOperator: '' };
const ids = { publicThing: 0, publicDs: 0, opThing: 0, opDs: 0, opObservation: 0, gauge: 0, gaugeDs: 0 };

/** A GET with the caller's cookie, by a raw path (no URL normalisation, unlike fetch). */
function get(
  caller: Caller,
  rawPath: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const cookie = cookies.get(caller);
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path: rawPath, headers: cookie ? { cookie } : {} },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function getJson<T>(caller: Caller, p: string): Promise<{ status: number; json: T }> {
  const res = await get(caller, p);
  return { status: res.status, json: JSON.parse(res.body) as T };
}

async function post(
  p: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(base + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** The `/ws` snapshot a caller gets when asking for every layer. */
async function snapshot(caller: Caller): Promise<FeedEntity[]> {
  const cookie = cookies.get(caller);
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: cookie ? { cookie } : {} });
  try {
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const first = new Promise<ServerMessage>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ type: 'subscribe', layers: ['air', 'water', 'traffic', 'vehicles', 'alerts'] }));
    const msg = await first;
    if (msg.type !== 'snapshot') throw new Error(`expected a snapshot, got ${msg.type}`);
    return msg.entities;
  } finally {
    ws.close();
  }
}

async function writeFixture(): Promise<void> {
  await writeHandComputedCase(data);
  // Catalogue: zoning is a planner layer, stops an operator layer, the rest public.
  const catalogFile = path.join(data, 'catalog.json');
  const catalog = JSON.parse(await readFile(catalogFile, 'utf8')) as {
    layers: { id: string; visibility: string }[];
  };
  for (const l of catalog.layers) {
    if (l.id === 'zoning') l.visibility = 'planner';
    if (l.id === 'stops') l.visibility = 'operator';
  }
  await writeFile(catalogFile, JSON.stringify(catalog));
  // Layers: a public buildings tileset and an operator-only incidents layer.
  const layers = JSON.parse(await readFile(path.join(data, 'layers.json'), 'utf8')) as unknown[];
  layers.push(
    { id: 'city', kind: 'buildings', title: 'Nhà', path: 'city/tileset.json' },
    {
      id: 'incidents',
      kind: 'points',
      title: 'Sự cố',
      path: 'ops/incidents.geojson',
      visibility: 'operator',
    },
  );
  await writeFile(path.join(data, 'layers.json'), JSON.stringify(layers));
  await mkdir(path.join(data, 'city'), { recursive: true });
  await writeFile(path.join(data, 'city/tileset.json'), '{"asset":{"version":"1.1"}}');
  await writeFile(path.join(data, 'city/0.glb'), 'glTF');
  await mkdir(path.join(data, 'ops'), { recursive: true });
  await writeFile(path.join(data, 'ops/incidents.geojson'), '{"type":"FeatureCollection","features":[]}');
  // Scenarios: one published, one draft (planner).
  const scenario = (id: string, visibility?: 'planner'): ScenarioIndexEntry => ({
    id,
    title: id,
    description: '',
    layers: [{ id: `${id}-parcels`, kind: 'parcels', path: `${id}/parcels.geojson` }],
    metricsPath: `${id}/metrics.json`,
    ...(visibility ? { visibility } : {}),
  });
  for (const id of ['published', 'draft']) {
    await mkdir(path.join(data, 'scenarios', id), { recursive: true });
    await writeFile(
      path.join(data, 'scenarios', id, 'parcels.geojson'),
      '{"type":"FeatureCollection","features":[]}',
    );
    await writeFile(path.join(data, 'scenarios', id, 'metrics.json'), '{}');
    await writeFile(path.join(data, 'scenarios', id, 'notes.txt'), 'not listed anywhere');
  }
  await writeFile(
    path.join(data, 'scenarios/scenarios.json'),
    JSON.stringify([scenario('published'), scenario('draft', 'planner')]),
  );
  // Outside the data folder, reachable only by a symlink inside it.
  await writeFile(path.join(root, 'secret.txt'), 'outside the data folder');
  await symlink(path.join(root, 'secret.txt'), path.join(data, 'city/escape.txt'));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bdtwin-access-'));
  data = path.join(root, 'data');
  await writeFixture();
  const users = await UserStore.open();
  for (const role of ['planner', 'operator', 'admin'] as const)
    await users.upsert(`${role}-1`, role, PASSWORD);
  const tokenStore = await TokenStore.open();
  tokens.sensors = await tokenStore.add('sensors', ['v1.1/#']);
  tokens.traffic = await tokenStore.add('traffic-vendor', ['bdtwin/traffic/flow']);
  // Devices that may use every topic: one reads as public (the default), one as an operator
  // (whose token even names the broker's $SYS topics, which stay refused).
  tokens.watchPublic = await tokenStore.add('watch-public', ['#']);
  tokens.watchOperator = await tokenStore.add('watch-operator', ['#', '$SYS/#'], 'operator');
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: data,
    webDir: path.join(root, 'web'),
    feeds: {
      dbFile: path.join(root, 'hub.sqlite'),
      mqttPort: -1,
      roadsFile: path.join(root, 'none.geojson'),
      log: () => {},
    },
    auth: { users, tokens: tokenStore, loginPerMinute: 50, log: () => {} },
  });
  base = server.url;
  for (const role of ['planner', 'operator', 'admin'] as const) {
    const res = await post('/api/auth/login', { name: `${role}-1`, password: PASSWORD });
    expect(res.status).toBe(200);
    cookies.set(role, res.headers.get('set-cookie')!.split(';')[0]!);
  }
  // Sensors, through the ingest token: a public station, an operator-only one, a flooding gauge.
  const create = async (body: unknown) => {
    const res = await post('/v1.1/Things', body, bearer(tokens.sensors));
    expect(res.status).toBe(201);
    const id = res.json['@iot.id'] as number;
    const ds = await getJson<{ value: { '@iot.id': number }[] }>('admin', `/v1.1/Things(${id})/Datastreams`);
    return { id, ds: ds.json.value[0]!['@iot.id'] };
  };
  const pub = await create(airStationBody('PUB', 106.65, 10.98, ['PM2.5']));
  const op = airStationBody('CCTV', 106.66, 10.99, ['PM2.5']);
  const opThing = await create({ ...op, properties: { ...op.properties, visibility: 'operator' } });
  const gauge = await create(gaugeBody('Cầu Ông Cộ', 106.64, 10.97, [1.3, 1.5, 1.7]));
  Object.assign(ids, { publicThing: pub.id, publicDs: pub.ds, opThing: opThing.id, opDs: opThing.ds });
  Object.assign(ids, { gauge: gauge.id, gaugeDs: gauge.ds });
  const now = Date.now();
  const observe = async (ds: number, result: number) => {
    const res = await post(
      `/v1.1/Datastreams(${ds})/Observations`,
      { phenomenonTime: new Date(now - 60_000).toISOString(), result },
      bearer(tokens.sensors),
    );
    expect(res.status).toBe(201);
    return res.json['@iot.id'] as number;
  };
  await observe(ids.publicDs, 12);
  ids.opObservation = await observe(ids.opDs, 80);
  await observe(ids.gaugeDs, 1.6); // above alarm II: a flood alert
  const flow = await post(
    '/api/traffic/flow',
    [
      {
        id: 't1',
        type: 'TrafficFlowObserved',
        refRoadSegment: 'R-1',
        averageVehicleSpeed: 4,
        intensity: 900,
        location: { type: 'Point', coordinates: [106.65, 10.98] },
      },
    ],
    bearer(tokens.traffic),
  );
  expect(flow.status).toBe(202);
  // Live state is pushed after the commit; wait until the alert is there for the operator.
  for (let i = 0; i < 100 && !(await snapshot('admin')).some((e) => e.layer === 'alerts'); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

/** Expected per caller, in CALLERS order. */
const each = <T>(anonymous: T, planner: T, operator: T, admin: T): Record<Caller, T> => ({
  anonymous,
  planner,
  operator,
  admin,
});

describe('layers and their files', () => {
  it('GET /api/layers lists only the layers the role may see (catalogue layers included)', async () => {
    const expected = each(
      ['wards', 'city', 'half-parcels'],
      ['wards', 'city', 'half-parcels', 'zoning'],
      ['wards', 'city', 'incidents', 'half-parcels', 'stops'],
      ['wards', 'city', 'incidents', 'half-parcels', 'zoning', 'stops'],
    );
    for (const caller of CALLERS) {
      const { json } = await getJson<{ id: string }[]>(caller, '/api/layers');
      expect(
        json.map((l) => l.id),
        caller,
      ).toEqual(expected[caller]);
    }
  });

  it('answers 404 (not 403) for a file of a layer the role may not see, directly or by any spelling', async () => {
    const paths = [
      '/data/ops/incidents.geojson',
      '/data/ops/../ops/incidents.geojson',
      '/data/city/%2e%2e/ops/incidents.geojson',
      '/data/city/..%2fops/incidents.geojson',
      '/data/city%5c..%5cops%5cincidents.geojson',
      '/%64ata/ops/incidents.geojson',
      '/data//ops/incidents.geojson',
      '/data/ops/incidents.geojson?x=1',
      '/data/catalog/stops.geojson',
    ];
    for (const p of paths) {
      for (const caller of ['anonymous', 'planner'] as const) {
        const res = await get(caller, p);
        expect(res.status, `${caller} ${p}`).toBe(404);
        expect(res.body).not.toContain('FeatureCollection');
      }
    }
    expect((await get('operator', '/data/ops/incidents.geojson')).status).toBe(200);
    expect((await get('admin', '/data/catalog/stops.geojson')).status).toBe(200);
    expect((await get('planner', '/data/catalog/zoning.geojson')).status).toBe(200);
    expect((await get('operator', '/data/catalog/zoning.geojson')).status).toBe(404);
    // Public tiles stay public.
    expect((await get('anonymous', '/data/city/0.glb')).status).toBe(200);
    expect((await get('anonymous', '/data/catalog/half-parcels.geojson')).status).toBe(200);
  });

  it('serves the index files (which list every entry) to admin only', async () => {
    for (const p of ['/data/layers.json', '/data/catalog.json', '/data/scenarios/scenarios.json']) {
      for (const caller of CALLERS) {
        expect((await get(caller, p)).status, `${caller} ${p}`).toBe(caller === 'admin' ? 200 : 404);
      }
    }
  });

  it('never serves a file outside the data folder: traversal, encoded dots, backslashes, symlinks', async () => {
    for (const p of [
      '/data/../secret.txt',
      '/data/%2e%2e/secret.txt',
      '/data/%2E%2E%2Fsecret.txt',
      '/data/..%5csecret.txt',
      '/data/city/escape.txt',
      '/data/%00/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
    ]) {
      for (const caller of ['anonymous', 'admin'] as const) {
        const res = await get(caller, p);
        expect(res.status, `${caller} ${p}`).toBeGreaterThanOrEqual(400);
        expect(res.body).not.toContain('outside the data folder');
      }
    }
  });
});

describe('planning scenarios', () => {
  it('lists a draft only to planners and admins, and its files answer 404 to everyone else', async () => {
    const expected = each(['published'], ['published', 'draft'], ['published'], ['published', 'draft']);
    for (const caller of CALLERS) {
      const { json } = await getJson<{ id: string }[]>(caller, '/api/scenarios');
      expect(
        json.map((s) => s.id),
        caller,
      ).toEqual(expected[caller]);
      const canSeeDraft = expected[caller].includes('draft');
      for (const f of ['draft/metrics.json', 'draft/parcels.geojson']) {
        expect((await get(caller, `/data/scenarios/${f}`)).status, `${caller} ${f}`).toBe(
          canSeeDraft ? 200 : 404,
        );
      }
      expect((await get(caller, '/data/scenarios/published/metrics.json')).status).toBe(200);
      // A file no scenario lists is not served below admin.
      expect((await get(caller, '/data/scenarios/published/notes.txt')).status).toBe(
        caller === 'admin' ? 200 : 404,
      );
    }
  });
});

describe('catalogue', () => {
  it('GET /api/catalog shows only visible layers, and ?audience cannot widen it', async () => {
    const ids = async (caller: Caller, q = '') =>
      (
        await getJson<{ sectors: { layers: { id: string }[] }[] }>(caller, `/api/catalog${q}`)
      ).json.sectors.flatMap((s) => s.layers.map((l) => l.id));
    expect(await ids('anonymous')).toEqual(['wards', 'half-parcels']);
    expect(await ids('anonymous', '?audience=operator')).toEqual(['wards', 'half-parcels']);
    expect(await ids('planner')).toEqual(['wards', 'half-parcels', 'zoning']);
    expect(await ids('operator')).toEqual(['wards', 'half-parcels', 'stops']);
    expect(await ids('admin')).toEqual(['wards', 'half-parcels', 'zoning', 'stops']);
    // The kiosk narrows further as before.
    expect(await ids('admin', '?audience=public')).toEqual(['wards', 'half-parcels']);
  });

  it('GET /api/completeness counts only the layers the role may see', async () => {
    const totals = async (caller: Caller) =>
      (await getJson<{ totals: Record<string, number> }>(caller, '/api/completeness')).json.totals;
    // tiler/src/catalog/testing.ts: stops (operator) give giao-thong, zoning (planner) quy-hoach-do-thi.
    expect((await totals('anonymous'))['giao-thong']).toBe(0);
    expect((await totals('anonymous'))['quy-hoach-do-thi']).toBe(0);
    expect((await totals('operator'))['giao-thong']).toBeGreaterThan(0);
    expect((await totals('operator'))['quy-hoach-do-thi']).toBe(0);
    expect((await totals('planner'))['quy-hoach-do-thi']).toBeGreaterThan(0);
    expect((await totals('admin'))['giao-thong']).toBeGreaterThan(0);
    const csv = await get('anonymous', '/api/completeness.csv');
    expect(csv.status).toBe(200);
  });

  it('GET /api/feeds/stats gives counters to all, the database file only to operators', async () => {
    const storage = async (caller: Caller) =>
      (await getJson<{ storage?: { file?: string } }>(caller, '/api/feeds/stats')).json.storage;
    expect(await storage('anonymous')).toBeDefined();
    expect((await storage('anonymous'))?.file).toBeUndefined();
    expect((await storage('planner'))?.file).toBeUndefined();
    expect((await storage('operator'))?.file).toMatch(/\.sqlite$/);
  });
});

describe('feeds: SensorThings, history, replay, WebSocket, alerts', () => {
  it('hides an operator Thing, its Datastreams, Observations and Locations from public and planner', async () => {
    for (const caller of CALLERS) {
      const sees = caller === 'operator' || caller === 'admin';
      const things = await getJson<{ value: { name: string }[]; '@iot.count': number }>(
        caller,
        '/v1.1/Things?$count=true',
      );
      expect(things.json.value.map((t) => t.name).includes('Trạm CCTV'), caller).toBe(sees);
      expect(things.json['@iot.count']).toBe(sees ? 3 : 2);
      for (const p of [
        `/v1.1/Things(${ids.opThing})`,
        `/v1.1/Things(${ids.opThing})/Datastreams`,
        `/v1.1/Datastreams(${ids.opDs})`,
        `/v1.1/Datastreams(${ids.opDs})/Observations`,
        `/v1.1/Observations(${ids.opObservation})`,
        `/v1.1/Observations(${ids.opObservation})/Datastream`,
      ]) {
        expect((await get(caller, p)).status, `${caller} ${p}`).toBe(sees ? 200 : 404);
      }
      const ds = await getJson<{ value: { '@iot.id': number }[] }>(caller, '/v1.1/Datastreams?$top=100');
      expect(ds.json.value.some((d) => d['@iot.id'] === ids.opDs)).toBe(sees);
      const obs = await getJson<{ value: { result: number }[] }>(
        caller,
        '/v1.1/Observations?$top=100&$expand=Datastream',
      );
      expect(
        obs.json.value.some((o) => o.result === 80),
        caller,
      ).toBe(sees);
      const locations = await getJson<{ value: { name: string }[] }>(caller, '/v1.1/Locations');
      expect(
        locations.json.value.some((l) => l.name === 'CCTV'),
        caller,
      ).toBe(sees);
      // Expanding from something visible does not reveal it either.
      const sensors = await getJson<{ value: { Datastreams: { name: string }[] }[] }>(
        caller,
        '/v1.1/Sensors?$expand=Datastreams',
      );
      expect(JSON.stringify(sensors.json).includes('CCTV'), caller).toBe(sees);
    }
  });

  it('answers /api/history for an operator Datastream exactly as for a missing one', async () => {
    for (const caller of CALLERS) {
      const sees = caller === 'operator' || caller === 'admin';
      const res = await getJson<{ error?: string }>(
        caller,
        `/api/history?datastream=${ids.opDs}&resolution=raw`,
      );
      expect(res.status, caller).toBe(sees ? 200 : 404);
      if (!sees) expect(res.json.error).toBe(`Datastream(${ids.opDs}) does not exist`);
      expect((await get(caller, `/api/history?datastream=${ids.publicDs}`)).status).toBe(200);
    }
  });

  const layersOf = (entities: FeedEntity[]) => ({
    alerts: entities.some((e) => e.layer === 'alerts'),
    traffic: entities.some((e) => e.layer === 'traffic'),
    opStation: entities.some((e) => e.layer === 'air' && e.thingId === ids.opThing),
    publicStation: entities.some((e) => e.layer === 'air' && e.thingId === ids.publicThing),
    gauge: entities.some((e) => e.layer === 'water'),
  });
  const expectedFeeds = (caller: Caller) => {
    const op = caller === 'operator' || caller === 'admin';
    return { alerts: op, traffic: op, opStation: op, publicStation: true, gauge: true };
  };

  it('replays (/api/state?at=) only what the role may see live', async () => {
    const at = new Date(Date.now() + 1_000).toISOString();
    for (const caller of CALLERS) {
      const all = await getJson<{ entities: FeedEntity[] }>(caller, `/api/state?at=${at}`);
      expect(layersOf(all.json.entities), caller).toEqual(expectedFeeds(caller));
      // Asking for the layer by name does not help.
      const alerts = await getJson<{ entities: FeedEntity[] }>(
        caller,
        `/api/state?at=${at}&layers=alerts,traffic`,
      );
      expect(alerts.json.entities.length > 0, caller).toBe(expectedFeeds(caller).alerts);
    }
  });

  it('filters the /ws snapshot per connection by role', async () => {
    for (const caller of CALLERS) {
      expect(layersOf(await snapshot(caller)), caller).toEqual(expectedFeeds(caller));
    }
  });

  it('keeps alerts and their acknowledgement to operators and admins (401 anonymous, 403 planner)', async () => {
    const expected = each(401, 403, 200, 200);
    let key = '';
    for (const caller of CALLERS) {
      const res = await getJson<{ alerts: { key: string }[] }>(caller, '/api/alerts');
      expect(res.status, caller).toBe(expected[caller]);
      if (res.status === 200) key = res.json.alerts[0]!.key;
    }
    for (const caller of ['anonymous', 'planner'] as const) {
      const cookie = cookies.get(caller);
      const res = await post(
        `/api/alerts/${encodeURIComponent(key)}/ack`,
        { by: 'x' },
        cookie ? { cookie } : {},
      );
      expect(res.status, caller).toBe(expected[caller]);
    }
    const acked = await post(
      `/api/alerts/${encodeURIComponent(key)}/ack`,
      {},
      { cookie: cookies.get('operator')! },
    );
    expect(acked.status).toBe(200);
    expect((acked.json.alert as { ack: { by: string } }).ack.by).toBe('operator-1');
  });
});

describe('ingest tokens', () => {
  const observation = () => ({ phenomenonTime: new Date().toISOString(), result: 1 });

  it('refuses HTTP ingest without a token or with a wrong one (401), outside its topics (403)', async () => {
    const url = `/v1.1/Datastreams(${ids.publicDs})/Observations`;
    const none = await post(url, observation());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await post(url, observation(), bearer('not-a-token'))).status).toBe(401);
    expect((await post(url, observation(), bearer(`${tokens.sensors}x`))).status).toBe(401);
    // A session is not a token, unless it is an admin's.
    expect((await post(url, observation(), { cookie: cookies.get('operator')! })).status).toBe(401);
    expect((await post(url, observation(), { cookie: cookies.get('admin')! })).status).toBe(201);
    // The traffic vendor's token may post flows only.
    expect((await post(url, observation(), bearer(tokens.traffic))).status).toBe(403);
    expect((await post('/v1.1/Things', { name: 'x' }, bearer(tokens.traffic))).status).toBe(403);
    expect((await post(url, observation(), bearer(tokens.sensors))).status).toBe(201);
    const flows = await post('/api/traffic/flow', [], bearer(tokens.sensors));
    expect(flows.status).toBe(403);
  });

  it('MQTT: refuses a CONNECT without or with a wrong token; a token cannot publish or subscribe outside its topics', async () => {
    const url = `mqtt://127.0.0.1:${server.hub!.mqttPort}`;
    onTestFinished(() => {
      for (const c of clients) c.end(true);
    });
    const clients: mqtt.MqttClient[] = [];
    const refused = async (options: mqtt.IClientOptions) => {
      const client = mqtt.connect(url, { ...options, reconnectPeriod: 0, connectTimeout: 3_000 });
      const error = await new Promise<Error | undefined>((resolve) => {
        client.once('connect', () => resolve(undefined));
        client.once('error', (e) => resolve(e));
        client.once('close', () => resolve(new Error('closed')));
      });
      client.end(true);
      return error;
    };
    expect(await refused({})).toBeDefined();
    expect(await refused({ username: 'sensors', password: 'wrong' })).toBeDefined();
    expect(await refused({ username: 'traffic-vendor', password: tokens.sensors })).toBeDefined();

    const count = async () =>
      (
        await getJson<{ '@iot.count': number }>(
          'admin',
          `/v1.1/Datastreams(${ids.publicDs})/Observations?$count=true&$top=0`,
        )
      ).json['@iot.count'];
    const before = await count();
    // The traffic vendor may not publish observations: the broker drops the connection.
    const vendor = await mqtt.connectAsync(url, {
      username: 'traffic-vendor',
      password: tokens.traffic,
      reconnectPeriod: 0,
    });
    clients.push(vendor);
    const closed = new Promise<boolean>((r) => vendor.once('close', () => r(true)));
    vendor.publish(`v1.1/Datastreams(${ids.publicDs})/Observations`, JSON.stringify(observation()), {
      qos: 1,
    });
    expect(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 3_000))])).toBe(
      true,
    );
    vendor.end(true);
    // Nor subscribe to the raw observations (SUBACK 128: refused).
    const vendor2 = await mqtt.connectAsync(url, {
      username: 'traffic-vendor',
      password: tokens.traffic,
      reconnectPeriod: 0,
    });
    clients.push(vendor2);
    const granted = await vendor2.subscribeAsync('v1.1/#').catch((e: Error) => e);
    expect(Array.isArray(granted) ? granted[0]?.qos : 128).toBe(128);
    await vendor2.endAsync();
    // The sensors' token may, with QoS 1 acknowledged after the store.
    const sensors = await mqtt.connectAsync(url, {
      username: 'sensors',
      password: tokens.sensors,
      reconnectPeriod: 0,
    });
    clients.push(sensors);
    await sensors.publishAsync(
      `v1.1/Datastreams(${ids.publicDs})/Observations`,
      JSON.stringify(observation()),
      { qos: 1 },
    );
    await sensors.endAsync();
    expect(await count()).toBe(before + 1);
  });

  it('MQTT: a subscription to # receives only what the token may read (public by default), over TCP and /mqtt', async () => {
    const clients: mqtt.MqttClient[] = [];
    onTestFinished(() => {
      for (const c of clients) c.end(true);
    });
    const tcp = `mqtt://127.0.0.1:${server.hub!.mqttPort}`;
    const ws = `${base.replace('http', 'ws')}/mqtt`;
    const connect = async (url: string, username: string, password: string) => {
      const c = await mqtt.connectAsync(url, { username, password, reconnectPeriod: 0 });
      clients.push(c);
      return c;
    };
    const watch = async (url: string, source: string, token: string) => {
      const client = await connect(url, source, token);
      const got: string[] = [];
      client.on('message', (topic, payload) => got.push(`${topic} ${String(payload)}`));
      const granted = await client.subscribeAsync('#', { qos: 1 });
      expect(granted[0]?.qos).toBe(1);
      return { client, got };
    };
    const watchers = {
      publicTcp: await watch(tcp, 'watch-public', tokens.watchPublic),
      publicWs: await watch(ws, 'watch-public', tokens.watchPublic),
      operatorTcp: await watch(tcp, 'watch-operator', tokens.watchOperator),
      operatorWs: await watch(ws, 'watch-operator', tokens.watchOperator),
    };
    const sensors = await connect(tcp, 'sensors', tokens.sensors);
    const vendor = await connect(tcp, 'traffic-vendor', tokens.traffic);
    const at = new Date(Date.now() - 1_000).toISOString();
    const obs = (result: number, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ phenomenonTime: at, result, ...extra });
    // Restricted first: the operator-only station, by its topic and by the body; a jammed road
    // (traffic detail is the operators'); a malformed message (rejected: forwarded to nobody).
    await sensors.publishAsync(`v1.1/Datastreams(${ids.opDs})/Observations`, obs(801), { qos: 1 });
    await sensors.publishAsync('v1.1/Observations', obs(802, { 'Datastream@iot.id': ids.opDs }), { qos: 1 });
    const flow = {
      id: 't2',
      type: 'TrafficFlowObserved',
      refRoadSegment: 'R-2',
      averageVehicleSpeed: 5,
      intensity: 700,
      location: { type: 'Point', coordinates: [106.651, 10.981] },
    };
    await vendor.publishAsync('bdtwin/traffic/flow', JSON.stringify([flow]), { qos: 1 });
    await sensors.publishAsync(`v1.1/Datastreams(${ids.opDs})/Observations`, '{not json', { qos: 1 });
    // A device's own rejected message: its report comes back to it, not to other public readers.
    await watchers.publicTcp.client.publishAsync('v1.1/Datastreams(999999)/Observations', obs(1), { qos: 1 });
    // Then the public station, last: once every watcher has it, the rest had its chance.
    await sensors.publishAsync(`v1.1/Datastreams(${ids.publicDs})/Observations`, obs(803), { qos: 1 });
    const seen = (got: string[]) => ({
      publicStation: got.some((m) => m.startsWith(`v1.1/Datastreams(${ids.publicDs})/`) && m.includes('803')),
      opByTopic: got.some((m) => m.includes('801')),
      opByBody: got.some((m) => m.includes('802')),
      traffic: got.some((m) => m.startsWith('bdtwin/traffic/flow')),
      rejected: got.some((m) => m.includes('{not json')),
      sensorsReport: got.some((m) => m.startsWith('bdtwin/errors') && m.includes('"body"')),
      ownReport: got.some((m) => m.startsWith('bdtwin/errors') && m.includes('Datastream(999999)')),
    });
    const publicView = {
      publicStation: true,
      opByTopic: false,
      opByBody: false,
      traffic: false,
      rejected: false,
    };
    const operatorView = {
      publicStation: true,
      opByTopic: true,
      opByBody: true,
      traffic: true,
      rejected: false,
    };
    // Wait until every watcher has what it should get (the hub's error reports come after its
    // own processing, possibly after the last station reading under load), then a grace period
    // for anything it should not get.
    const expected = [
      [watchers.publicTcp, { ...publicView, sensorsReport: false, ownReport: true }],
      [watchers.publicWs, { ...publicView, sensorsReport: false, ownReport: false }],
      [watchers.operatorTcp, { ...operatorView, sensorsReport: true, ownReport: true }],
      [watchers.operatorWs, { ...operatorView, sensorsReport: true, ownReport: true }],
    ] as const;
    const complete = () =>
      expected.every(([w, want]) =>
        Object.entries(want).every(([k, v]) => !v || seen(w.got)[k as keyof typeof want]),
      );
    for (let i = 0; i < 200 && !complete(); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen(watchers.publicTcp.got)).toEqual({ ...publicView, sensorsReport: false, ownReport: true });
    expect(seen(watchers.publicWs.got)).toEqual({ ...publicView, sensorsReport: false, ownReport: false });
    for (const w of [watchers.operatorTcp, watchers.operatorWs]) {
      expect(seen(w.got)).toEqual({ ...operatorView, sensorsReport: true, ownReport: true });
    }
    // The broker's own topics ($SYS: its client list) are refused, whatever the read role.
    for (const w of [watchers.publicTcp, watchers.operatorTcp]) {
      const granted = await w.client.subscribeAsync('$SYS/#').catch((e: Error) => e);
      expect(Array.isArray(granted) ? granted[0]?.qos : 128).toBe(128);
    }
  });
});

describe('login and sessions', () => {
  it('answers a wrong password and an unknown user with the same 401, and sets a hardened cookie', async () => {
    const wrong = await post('/api/auth/login', { name: 'operator-1', password: 'nope nope nope' });
    const unknown = await post('/api/auth/login', { name: 'nobody', password: 'nope nope nope' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json.message).toBe(unknown.json.message);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const ok = await post('/api/auth/login', { name: 'OPERATOR-1', password: PASSWORD });
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    // Plain http://127.0.0.1: no Secure flag, or the browser would drop it (docs/security.md).
    expect(cookie).not.toMatch(/Secure/);
    const me = await getJson<{ user: { name: string; role: string } | null }>('operator', '/api/auth/me');
    expect(me.json.user).toMatchObject({ name: 'operator-1', role: 'operator' });
    expect((await getJson<{ user: unknown }>('anonymous', '/api/auth/me')).json.user).toBeNull();
  });

  it('ignores a tampered or forged session cookie', async () => {
    const real = cookies.get('planner')!;
    const [name, value] = real.split('=') as [string, string];
    // The cookie is a random session id (sessions.test.ts has the rest): a changed character, a
    // made-up id and a signed-blob cookie of the old kind claiming admin are nobody's.
    const forgedBlob = `${Buffer.from(JSON.stringify({ id: 'local:x', name: 'admin-1', role: 'admin', exp: Date.now() + 60_000 })).toString('base64url')}.AAAA`;
    for (const cookie of [
      `${name}=${value.slice(0, -2)}${value.endsWith('AA') ? 'BB' : 'AA'}`,
      `${name}=${'x'.repeat(43)}`,
      `${name}=${forgedBlob}`,
      `${name}=garbage`,
    ]) {
      const res = await fetch(`${base}/api/auth/me`, { headers: { cookie } });
      expect(((await res.json()) as { user: unknown }).user).toBeNull();
      expect((await fetch(`${base}/data/layers.json`, { headers: { cookie } })).status).toBe(404);
    }
  });

  it('logs out by ending the session on the server and clearing the cookie', async () => {
    const res = await fetch(`${base}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: cookies.get('admin')! },
    });
    expect(res.headers.get('set-cookie')).toMatch(/bdtwin_session=;.*Expires=Thu, 01 Jan 1970/);
    // A copy of the cookie kept elsewhere no longer opens anything.
    expect((await getJson<{ user: unknown }>('admin', '/api/auth/me')).json.user).toBeNull();
    expect((await get('admin', '/data/layers.json')).status).toBe(404);
  });
});

/**
 * `npm run bench:soak`: the whole service under sustained load on loopback, bounded in time
 * (docs/reliability.md, "Load and soak").
 *
 * `bdtwin serve` runs from source in a child process with the demo tiles (build/demo) and the
 * feed hub on a fresh SQLite file (synchronous=FULL). For `--minutes` (30):
 * - 2,000 observations/s: half over MQTT (QoS 1, 4 connections), half over SensorThings HTTP
 *   (keep-alive, up to 32 requests in flight), each with phenomenonTime = send time;
 * - 50 WebSocket viewers on `/ws` subscribed to the air layer; 5 of them also read
 *   `/api/history` every 10 s;
 * - tile requests: 8 clients fetching random glb tiles of the demo tileset back to back.
 * Recorded per minute: ingest latency (HTTP request → 201, MQTT publish → PUBACK), push latency
 * (phenomenonTime → viewer receipt), tile latency, history latency, the service's RSS and V8
 * heap (it prints process.memoryUsage() every 10 s), and errors. At the end: acknowledged
 * observations vs stored ones — data lost = acknowledged − stored, which must be 0.
 *
 * Prints one JSON line per minute, a table, and a final JSON line. Options: --minutes <n> (30),
 * --rate <obs/s> (2000), --viewers <n> (50), --out <file.json> (also write the summary there).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import type { DeltaMessage, ServerMessage } from '../../tiler/src/api/feeds.js';
import { airStationBody } from '../../tiler/src/feeds/sim/sta-bodies.js';
import { ensureDemo, REPO_ROOT } from '../demo.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    rate: { type: 'string' },
    viewers: { type: 'string' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes ?? 30);
const RATE = Number(values.rate ?? 2000);
const VIEWERS = Number(values.viewers ?? 50);
const STATIONS = 40;
const TILE_CLIENTS = 8;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Latency samples of one minute, in ms. */
class Samples {
  values: number[] = [];
  add(ms: number) {
    this.values.push(ms);
  }
  take(): { n: number; p50: number | null; p95: number | null; p99: number | null; max: number | null } {
    const s = this.values.sort((a, b) => a - b);
    this.values = [];
    const p = (q: number) =>
      s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]!) : null;
    return {
      n: s.length,
      p50: p(0.5),
      p95: p(0.95),
      p99: p(0.99),
      max: s.length ? Math.round(s.at(-1)!) : null,
    };
  }
}

interface Service {
  child: ChildProcess;
  url: string;
  mqttUrl: string;
  memory: { rssMb: number; heapUsedMb: number };
  dir: string;
}

async function startService(dataDir: string): Promise<Service> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-soak-'));
  const mqttPort = await freePort();
  // The probe prints the service's own memory every 10 s (RSS and V8 heap).
  const probe =
    "setInterval(() => { const m = process.memoryUsage(); console.error('MEM ' + JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed })); }, 10000).unref();";
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `${probe} import('./tiler/src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })`,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      String(mqttPort),
      '--data',
      dataDir,
      '--web',
      dir,
      '--feeds-db',
      path.join(dir, 'hub.sqlite'),
      // Its own (empty) auth folder: no ingest tokens, whatever the repository's build/auth has.
      '--auth-dir',
      path.join(dir, 'auth'),
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The load generator stands for many devices with a token each (60,000/min apiece); from
      // one address the HTTP half would be rate-limited at exactly its 1,000/s.
      env: { ...process.env, BDTWIN_INGEST_PER_MINUTE: '1000000000' },
    },
  );
  const service: Service = {
    child,
    url: '',
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    memory: { rssMb: 0, heapUsedMb: 0 },
    dir,
  };
  let out = '';
  service.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      const text = String(d);
      if (out.length < 100_000) out += text;
      for (const m of text.matchAll(/MEM (\{[^}]*\})/g)) {
        const mem = JSON.parse(m[1]!) as { rss: number; heapUsed: number };
        service.memory = {
          rssMb: Math.round(mem.rss / 2 ** 20),
          heapUsedMb: Math.round(mem.heapUsed / 2 ** 20),
        };
      }
      const url = /serving (http:\/\/[\d.:]+)/.exec(out);
      if (url && /feed hub: MQTT/.test(out)) {
        clearTimeout(timer);
        resolve(url[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`service exited (${code}):\n${out}`)));
  });
  return service;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

async function createStations(url: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < STATIONS; i++) {
    const body = airStationBody(`SOAK${i}`, 106.6 + (i % 8) * 0.01, 10.95 + Math.floor(i / 8) * 0.01, [
      'PM2.5',
    ]);
    const res = await fetch(`${url}/v1.1/Things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const thing = (await res.json()) as { '@iot.id': number };
    const ds = (await (await fetch(`${url}/v1.1/Things(${thing['@iot.id']})/Datastreams`)).json()) as {
      value: { '@iot.id': number }[];
    };
    ids.push(ds.value[0]!['@iot.id']);
  }
  return ids;
}

/** Every glb the tileset references (recursively through external tilesets, if any). */
async function tileUris(tilesetFile: string): Promise<string[]> {
  const json = JSON.parse(await readFile(tilesetFile, 'utf8')) as { root: unknown };
  const out: string[] = [];
  const walk = (t: { content?: { uri?: string }; children?: unknown[] }) => {
    if (t.content?.uri?.endsWith('.glb')) out.push(t.content.uri);
    for (const c of t.children ?? []) walk(c as typeof t);
  };
  walk(json.root as Parameters<typeof walk>[0]);
  return out;
}

const counters = {
  httpSent: 0,
  httpAcked: 0,
  httpErrors: 0,
  mqttSent: 0,
  mqttAcked: 0,
  mqttErrors: 0,
  tiles: 0,
  tileErrors: 0,
  history: 0,
  historyErrors: 0,
  pushed: 0,
  wsErrors: 0,
};
/** The first few failures, described, so a run's errors can be told apart. */
const errorSamples: string[] = [];
const noteError = (what: string) => {
  if (errorSamples.length < 20) errorSamples.push(`${new Date().toISOString()} ${what}`);
};
const lat = {
  http: new Samples(),
  mqtt: new Samples(),
  push: new Samples(),
  tile: new Samples(),
  history: new Samples(),
};

async function main() {
  const tilesetFile = path.join(REPO_ROOT, 'build/demo/buildings/tileset.json');
  // The demo tiles as they are; built only if missing (a rebuild takes minutes on 2 cores).
  if (!(await stat(tilesetFile).catch(() => undefined))) await ensureDemo();
  const dataDir = path.join(REPO_ROOT, 'build/demo');
  const uris = await tileUris(tilesetFile);
  const service = await startService(dataDir);
  const { url } = service;
  const datastreams = await createStations(url);
  const storedBefore = await storedCount(url);
  console.log(
    `soak: ${MINUTES} min, ${RATE} obs/s (half MQTT, half HTTP), ${VIEWERS} viewers, ${TILE_CLIENTS} tile clients over ${uris.length} tiles; service pid ${service.child.pid}`,
  );

  const started = performance.now();
  const endAt = started + MINUTES * 60_000;
  const running = () => performance.now() < endAt;

  // Viewers.
  const sockets: WebSocket[] = [];
  for (let i = 0; i < VIEWERS; i++) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    ws.on('error', () => counters.wsErrors++);
    ws.on('message', (data) => {
      const now = Date.now();
      const msg = JSON.parse(String(data)) as ServerMessage;
      if (msg.type !== 'delta') return;
      for (const e of (msg as DeltaMessage).entities) {
        counters.pushed++;
        lat.push.add(now - Date.parse(e.time));
      }
    });
    ws.send(JSON.stringify({ type: 'subscribe', layers: ['air'] }));
    sockets.push(ws);
  }

  // MQTT: half the rate, QoS 1, never more than 2 s of messages unacknowledged.
  const mqttRate = RATE / 2;
  const clients: MqttClient[] = [];
  let closingClients = false;
  for (let i = 0; i < 4; i++) {
    const c = await mqtt.connectAsync(service.mqttUrl, { reconnectPeriod: 0 });
    // A connection the publisher loses (mqtt.js's keepalive on a starved event loop, say) is
    // reported, and publishing goes on over the others.
    c.on('close', () => {
      if (!closingClients) noteError(`mqtt client ${i} closed`);
    });
    c.on('error', (e) => noteError(`mqtt client ${i}: ${e.message}`));
    clients.push(c);
  }
  const topics = datastreams.map((d) => `v1.1/Datastreams(${d})/Observations`);
  const mqttLoop = (async () => {
    const t0 = performance.now();
    while (running()) {
      const due = Math.floor(((performance.now() - t0) / 1000) * mqttRate);
      const room = Math.max(0, 2 * mqttRate - (counters.mqttSent - counters.mqttAcked - counters.mqttErrors));
      const n = Math.min(due - counters.mqttSent, room);
      const live = clients.filter((c) => c.connected);
      if (live.length === 0) break;
      for (let i = 0; i < n; i++) {
        const k = counters.mqttSent++;
        const sentAt = performance.now();
        const body = `{"phenomenonTime":"${new Date().toISOString()}","result":${k % 500}}`;
        live[k % live.length]!.publish(topics[k % topics.length]!, body, { qos: 1 }, (err) => {
          if (err) {
            counters.mqttErrors++;
            noteError(`mqtt: ${err.message}`);
          } else {
            counters.mqttAcked++;
            lat.mqtt.add(performance.now() - sentAt);
          }
        });
      }
      await sleep(5);
    }
  })();

  // HTTP: the other half, paced, at most 32 in flight.
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = (method: string, p: string, body?: string) =>
    new Promise<{ status: number; bytes: number }>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          path: p,
          method,
          agent,
          headers: body
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : {},
        },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        },
      );
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  const httpRate = RATE - mqttRate;
  let inFlight = 0;
  const httpLoop = (async () => {
    const t0 = performance.now();
    while (running()) {
      const due = Math.floor(((performance.now() - t0) / 1000) * httpRate);
      while (counters.httpSent < due && inFlight < 32) {
        const k = counters.httpSent++;
        inFlight++;
        const sentAt = performance.now();
        request(
          'POST',
          `/v1.1/Datastreams(${datastreams[k % datastreams.length]})/Observations`,
          `{"phenomenonTime":"${new Date().toISOString()}","result":${k % 500}}`,
        ).then(
          ({ status }) => {
            inFlight--;
            if (status === 201) {
              counters.httpAcked++;
              lat.http.add(performance.now() - sentAt);
            } else {
              counters.httpErrors++;
              noteError(`ingest: HTTP ${status}`);
            }
          },
          (error: Error) => {
            inFlight--;
            counters.httpErrors++;
            noteError(`ingest: ${error.message}`);
          },
        );
      }
      await sleep(5);
    }
  })();

  // Tiles: back to back, random tiles.
  const tileLoops = Array.from({ length: TILE_CLIENTS }, async () => {
    while (running()) {
      const uri = uris[Math.floor(Math.random() * uris.length)]!;
      const t = performance.now();
      try {
        const { status, bytes } = await request('GET', `/data/buildings/${uri}`);
        if (status === 200 && bytes > 0) {
          counters.tiles++;
          lat.tile.add(performance.now() - t);
        } else {
          counters.tileErrors++;
          noteError(`tile ${uri}: HTTP ${status}`);
        }
      } catch (error) {
        counters.tileErrors++;
        noteError(`tile ${uri}: ${(error as Error).message}`);
      }
      await sleep(50);
    }
  });

  // Five viewers read the last hour of a station now and then.
  const historyLoops = Array.from({ length: 5 }, async (_, i) => {
    while (running()) {
      await sleep(10_000);
      const ds = datastreams[i % datastreams.length]!;
      const t = performance.now();
      try {
        const to = new Date().toISOString();
        const from = new Date(Date.now() - 3_600_000).toISOString();
        const { status } = await request('GET', `/api/history?datastream=${ds}&from=${from}&to=${to}`);
        if (status === 200) {
          counters.history++;
          lat.history.add(performance.now() - t);
        } else {
          counters.historyErrors++;
          noteError(`history: HTTP ${status}`);
        }
      } catch (error) {
        counters.historyErrors++;
        noteError(`history: ${(error as Error).message}`);
      }
    }
  });

  // Per-minute report.
  const minutes: Record<string, unknown>[] = [];
  let last = { ...counters };
  let rssMax = 0;
  const rssStart = rssMb(service.child.pid!);
  const report = () => {
    const rss = rssMb(service.child.pid!);
    rssMax = Math.max(rssMax, rss);
    const row = {
      minute: minutes.length + 1,
      ingested_per_s: Math.round(
        (counters.httpAcked + counters.mqttAcked - last.httpAcked - last.mqttAcked) / 60,
      ),
      http_ms: lat.http.take(),
      mqtt_ack_ms: lat.mqtt.take(),
      push_ms: lat.push.take(),
      tile_ms: lat.tile.take(),
      history_ms: lat.history.take(),
      tiles_per_s: Math.round((counters.tiles - last.tiles) / 60),
      errors:
        counters.httpErrors +
        counters.mqttErrors +
        counters.tileErrors +
        counters.historyErrors +
        counters.wsErrors -
        (last.httpErrors + last.mqttErrors + last.tileErrors + last.historyErrors + last.wsErrors),
      rss_mb: rss,
      heap_used_mb: service.memory.heapUsedMb,
    };
    last = { ...counters };
    minutes.push(row);
    console.log(JSON.stringify(row));
  };
  const timer = setInterval(report, 60_000);
  await Promise.all([mqttLoop, httpLoop, ...tileLoops, ...historyLoops]);
  clearInterval(timer);
  // Let what is in flight finish, then count.
  const deadline = performance.now() + 60_000;
  while (
    (inFlight > 0 || counters.mqttAcked + counters.mqttErrors < counters.mqttSent) &&
    performance.now() < deadline
  )
    await sleep(50);
  const seconds = (performance.now() - started) / 1000;
  if (minutes.length * 60 < seconds - 30) report();
  // Forced: a closed client would wait for ever on messages it can no longer send.
  closingClients = true;
  for (const c of clients) await c.endAsync(true);
  for (const s of sockets) s.close();
  agent.destroy();
  const stored = (await storedCount(url)) - storedBefore;
  const acked = counters.httpAcked + counters.mqttAcked;
  const summary = {
    case: 'soak',
    minutes_planned: MINUTES,
    seconds_run: Math.round(seconds),
    rate_planned: RATE,
    viewers: VIEWERS,
    tile_clients: TILE_CLIENTS,
    sent: counters.httpSent + counters.mqttSent,
    acked,
    stored,
    lost: Math.max(0, acked - stored),
    achieved_per_s: Math.round(acked / seconds),
    pushed_entity_states: counters.pushed,
    tiles_served: counters.tiles,
    history_reads: counters.history,
    errors: {
      http: counters.httpErrors,
      mqtt: counters.mqttErrors,
      tiles: counters.tileErrors,
      history: counters.historyErrors,
      ws: counters.wsErrors,
    },
    error_samples: errorSamples,
    rss_mb_start: rssStart,
    rss_mb_max: rssMax,
    rss_mb_end: rssMb(service.child.pid!),
    heap_used_mb_end: service.memory.heapUsedMb,
    worst_minute: {
      http_p99_ms: Math.max(...minutes.map((m) => (m.http_ms as { p99: number | null }).p99 ?? 0)),
      mqtt_ack_p99_ms: Math.max(...minutes.map((m) => (m.mqtt_ack_ms as { p99: number | null }).p99 ?? 0)),
      push_p99_ms: Math.max(...minutes.map((m) => (m.push_ms as { p99: number | null }).p99 ?? 0)),
      tile_p99_ms: Math.max(...minutes.map((m) => (m.tile_ms as { p99: number | null }).p99 ?? 0)),
    },
    per_minute: minutes,
  };
  service.child.kill('SIGTERM');
  await new Promise((r) => service.child.once('exit', r));
  await rm(service.dir, { recursive: true, force: true });

  const pad = (s: unknown, n: number) => String(s ?? '–').padStart(n);
  console.log(
    '\nmin  obs/s  http p50/p99  mqtt-ack p50/p99  push p50/p99  tile p50/p99  errors  RSS MB  heap MB',
  );
  for (const m of minutes as Record<string, { p50: number; p99: number }>[]) {
    console.log(
      `${pad(m.minute, 3)} ${pad(m.ingested_per_s, 6)} ${pad(`${m.http_ms!.p50}/${m.http_ms!.p99}`, 13)} ${pad(`${m.mqtt_ack_ms!.p50}/${m.mqtt_ack_ms!.p99}`, 17)} ${pad(`${m.push_ms!.p50}/${m.push_ms!.p99}`, 13)} ${pad(`${m.tile_ms!.p50}/${m.tile_ms!.p99}`, 13)} ${pad(m.errors, 7)} ${pad(m.rss_mb, 7)} ${pad(m.heap_used_mb, 8)}`,
    );
  }
  const { per_minute: _pm, ...brief } = summary;
  console.log(`\n${JSON.stringify(brief)}`);
  if (values.out) await writeFile(values.out, `${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = summary.lost === 0 ? 0 : 1;
}

async function storedCount(url: string): Promise<number> {
  const json = (await (await fetch(`${url}/v1.1/Observations?$count=true&$top=0`)).json()) as {
    '@iot.count': number;
  };
  return json['@iot.count'];
}

await main();

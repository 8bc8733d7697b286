/**
 * `npm run bench:feeds`: the live feed hub on loopback, bounded in time.
 *
 * Cases (each against a fresh hub, `bdtwin serve` from source in a child process, on a fresh
 * SQLite file with synchronous=FULL):
 * - mqtt-10k: 10,000 observations/s over MQTT (QoS 1, 4 connections) for --seconds (60);
 *   every acknowledged observation must be in the store afterwards (lost = acked − stored).
 * - http-5k: SensorThings `POST /v1.1/Datastreams(id)/Observations`, 64 requests in flight,
 *   as fast as the hub answers (the target is ≥ 5,000/s).
 * - ws-2k: 50 WebSocket viewers subscribed to the air layer while 2,000 observations/s arrive
 *   over MQTT; latency = viewer receipt − phenomenonTime set by the publisher just before
 *   publishing (same clock). `--soak` runs this case for 600 s instead (hub RSS flat ±10%?).
 * - mosquitto-10k, mosquitto-ws-2k: the same with an external Mosquitto (Debian package,
 *   started here on a free loopback port) and the hub subscribed to it (`--mqtt-url`).
 * - mqtt-10k-postgres: mqtt-10k with the store on PostgreSQL (`--feeds-db postgres://…`): a
 *   server started here (Debian package `postgresql`, tiler/src/feeds/testing/postgres.ts) on a
 *   free loopback port, fsync and synchronous_commit on, on the same machine as the hub.
 *
 * Prints a table, then one JSON object per case per line. Options: --seconds <n> (60),
 * --cases a,b, --soak.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import type { DeltaMessage, ServerMessage } from '../../tiler/src/api/feeds.js';
import { airStationBody } from '../../tiler/src/feeds/sim/sta-bodies.js';
import { startTestPostgres } from '../../tiler/src/feeds/testing/postgres.js';
import { REPO_ROOT } from '../demo.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    cases: { type: 'string' },
    soak: { type: 'boolean' },
  },
});
const SECONDS = Number(values.seconds ?? 60);
const SOAK = values.soak === true;

interface Result {
  case: string;
  protocol: string;
  /** Where the hub stored: sqlite (a file, synchronous=FULL) or postgresql. */
  store: 'sqlite' | 'postgresql';
  rate: number;
  seconds: number;
  sent: number;
  acked: number;
  stored: number;
  lost: number;
  achieved_per_s: number;
  p50_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  clients: number;
  rss_mb_start: number;
  rss_mb_end: number;
  rss_mb_max: number;
  /** MQTT cases: publish → PUBACK, i.e. until the observation was committed (ms). */
  ack_p50_ms?: number | null;
  ack_p99_ms?: number | null;
  /** CPU time the hub process used during the case (user + system, s). */
  hub_cpu_s?: number;
  /** PostgreSQL cases: CPU time of the database server (postmaster and its backends, s). */
  db_cpu_s?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** /proc/<pid>/stat fields after the command name (state is [0]). */
function statFields(pid: number): string[] {
  return readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
}

/** User + system CPU seconds of a process so far (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** CPU seconds of a process, its finished children and its live children (a PostgreSQL server). */
function treeCpuSeconds(pid: number): number {
  const f = statFields(pid);
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const c = statFields(Number(entry));
      if (Number(c[1]) === pid) ticks += Number(c[11]) + Number(c[12]);
    } catch {}
  }
  return ticks / 100;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

interface Hub {
  child: ChildProcess;
  url: string;
  mqttUrl: string;
  dir: string;
  stop(): Promise<void>;
}

async function startHub(mqttUrl?: string, feedsDb?: string): Promise<Hub> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-bench-feeds-'));
  const mqttPort = await freePort();
  const args = [
    '--import',
    'tsx',
    '-e',
    "import('./tiler/src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })",
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--data',
    dir,
    '--web',
    dir,
    '--feeds-db',
    feedsDb ?? path.join(dir, 'hub.sqlite'),
    // Its own (empty) auth folder, outside the served one: open ingest, whatever ingest tokens
    // the repository's build/auth holds (npm start creates some).
    '--auth-dir',
    `${dir}-auth`,
    ...(mqttUrl ? ['--mqtt-url', mqttUrl] : ['--mqtt-port', String(mqttPort)]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // One load generator stands for hundreds of devices, each of which would have its own token
    // and its own 60,000/min; from one address it would be rate-limited to 1,000/s (429).
    env: { ...process.env, BDTWIN_INGEST_PER_MINUTE: '1000000000' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += String(d);
      const m = /serving (http:\/\/[\d.:]+)/.exec(out);
      if (m && /feed hub: MQTT/.test(out)) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`hub exited (${code}):\n${out}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    url,
    dir,
    mqttUrl: mqttUrl ?? `mqtt://127.0.0.1:${mqttPort}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
      await rm(`${dir}-auth`, { recursive: true, force: true });
    },
  };
}

async function startMosquitto(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => {
    try {
      execFileSync(p, ['-h'], { stdio: 'ignore' });
      return true;
    } catch (e) {
      return (e as { status?: number }).status !== undefined; // -h exits non-zero but exists
    }
  });
  if (!bin) throw new Error('mosquitto is not installed (apt-get install -y mosquitto)');
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // The hub acknowledges after its commit: let many messages be in flight to it.
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'max_queued_bytes 0',
      'log_type error',
      '',
    ].join('\n'),
  );
  const child = spawn(bin, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    try {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        reconnectPeriod: 0,
        connectTimeout: 500,
      });
      await c.endAsync();
      break;
    } catch {
      if (i === 49) throw new Error('mosquitto did not start');
    }
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `things` stations with one PM2.5 datastream each; returns the datastream ids. */
async function createDatastreams(url: string, things: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < things; i++) {
    const body = airStationBody(`B${i}`, 106.6 + (i % 20) * 0.01, 10.9 + Math.floor(i / 20) * 0.01, [
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

async function storedCount(url: string): Promise<number> {
  const json = (await (await fetch(`${url}/v1.1/Observations?$count=true&$top=0`)).json()) as {
    '@iot.count': number;
  };
  return json['@iot.count'];
}

/** Publishes at `rate`/s for `seconds` over `connections` MQTT clients (QoS 1); counts PUBACKs. */
async function publishLoad(
  brokerUrl: string,
  datastreams: number[],
  rate: number,
  seconds: number,
  connections = 4,
): Promise<{ sent: number; acked: number; failed: number; ackMs: number[] }> {
  const clients: MqttClient[] = [];
  for (let i = 0; i < connections; i++)
    clients.push(await mqtt.connectAsync(brokerUrl, { reconnectPeriod: 0 }));
  let sent = 0;
  let acked = 0;
  let failed = 0;
  const ackMs: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  const topics = datastreams.map((d) => `v1.1/Datastreams(${d})/Observations`);
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    // Back-pressure: never more than 2 s of messages unacknowledged.
    const room = Math.max(0, 2 * rate - (sent - acked - failed));
    const n = Math.min(due - sent, room);
    for (let i = 0; i < n; i++) {
      const k = sent++;
      const body = `{"phenomenonTime":"${new Date().toISOString()}","result":${k % 500}}`;
      const t = performance.now();
      clients[k % connections]!.publish(topics[k % topics.length]!, body, { qos: 1 }, (err) => {
        if (err) failed++;
        else {
          acked++;
          ackMs.push(performance.now() - t);
        }
      });
    }
    await sleep(5);
  }
  const deadline = performance.now() + 30_000;
  while (acked + failed < sent && performance.now() < deadline) await sleep(20);
  for (const c of clients) await c.endAsync();
  return { sent, acked, failed, ackMs };
}

/**
 * HTTP load with node:http and a keep-alive agent: fetch (undici) costs the client about five
 * times more CPU per request, and on 2 cores the client would then measure itself.
 */
async function httpLoad(url: string, datastreams: number[], seconds: number, concurrency = 64) {
  let sent = 0;
  let acked = 0;
  const end = performance.now() + seconds * 1000;
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (p: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: hostname,
          port,
          path: p,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const worker = async () => {
    while (performance.now() < end) {
      const k = sent++;
      const status = await post(
        `/v1.1/Datastreams(${datastreams[k % datastreams.length]})/Observations`,
        `{"phenomenonTime":"${new Date().toISOString()}","result":${k % 500}}`,
      );
      if (status === 201) acked++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { sent, acked, seconds: (performance.now() - t0) / 1000 };
}

/** 50 viewers; returns latency samples (ms) of every entity state received. */
async function viewers(url: string, count: number) {
  const samples: number[] = [];
  const sockets: WebSocket[] = [];
  let recording = false;
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    await new Promise((r) => ws.once('open', r));
    ws.on('message', (data) => {
      const now = Date.now();
      const msg = JSON.parse(String(data)) as ServerMessage;
      if (!recording || msg.type !== 'delta') return;
      for (const e of (msg as DeltaMessage).entities) samples.push(now - Date.parse(e.time));
    });
    ws.send(JSON.stringify({ type: 'subscribe', layers: ['air'] }));
    sockets.push(ws);
  }
  return {
    samples,
    start: () => {
      recording = true;
    },
    stop: () => {
      recording = false;
    },
    close: () => {
      for (const s of sockets) s.close();
    },
  };
}

const round1 = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A PostgreSQL server for the run, and an empty database on it. */
async function startPostgres(): Promise<{ url: string; pid?: number; stop(): Promise<void> }> {
  const cluster = await startTestPostgres();
  return {
    url: await cluster.createDatabase('bench'),
    ...(cluster.pid !== undefined ? { pid: cluster.pid } : {}),
    stop: () => cluster.destroy(),
  };
}

async function caseMqtt(
  name: string,
  rate: number,
  brokerUrl?: () => Promise<{ url: string; stop(): Promise<void> }>,
  database?: () => Promise<{ url: string; pid?: number; stop(): Promise<void> }>,
): Promise<Result> {
  const broker = brokerUrl ? await brokerUrl() : undefined;
  const db = database ? await database() : undefined;
  const hub = await startHub(broker?.url, db?.url);
  try {
    const ds = await createDatastreams(hub.url, 100);
    await sleep(500);
    const rssStart = rssMb(hub.child.pid!);
    let rssMax = rssStart;
    const sampler = setInterval(() => {
      rssMax = Math.max(rssMax, rssMb(hub.child.pid!));
    }, 1000);
    const t0 = performance.now();
    const cpu0 = cpuSeconds(hub.child.pid!);
    const dbCpu0 = db?.pid ? treeCpuSeconds(db.pid) : 0;
    const r = await publishLoad(broker?.url ?? hub.mqttUrl, ds, rate, SECONDS);
    const cpu = cpuSeconds(hub.child.pid!) - cpu0;
    const dbCpu = db?.pid ? treeCpuSeconds(db.pid) - dbCpu0 : undefined;
    const ackSorted = r.ackMs.sort((a, b) => a - b);
    // With an external broker the hub stores after the broker acknowledged: wait for it to drain.
    let stored = await storedCount(hub.url);
    for (let i = 0; i < 300 && stored < r.acked; i++) {
      await sleep(100);
      stored = await storedCount(hub.url);
    }
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(sampler);
    return {
      case: name,
      protocol: broker ? 'mqtt (mosquitto)' : 'mqtt (embedded)',
      store: db ? 'postgresql' : 'sqlite',
      rate,
      seconds: Math.round(seconds * 10) / 10,
      sent: r.sent,
      acked: r.acked,
      stored,
      lost: r.acked - stored,
      achieved_per_s: Math.round(stored / SECONDS),
      p50_ms: null,
      p99_ms: null,
      max_ms: null,
      clients: 0,
      rss_mb_start: rssStart,
      rss_mb_end: rssMb(hub.child.pid!),
      rss_mb_max: rssMax,
      ack_p50_ms: round1(percentile(ackSorted, 50)),
      ack_p99_ms: round1(percentile(ackSorted, 99)),
      hub_cpu_s: Math.round(cpu * 10) / 10,
      ...(dbCpu !== undefined ? { db_cpu_s: Math.round(dbCpu * 10) / 10 } : {}),
    };
  } finally {
    await hub.stop();
    await broker?.stop();
    await db?.stop();
  }
}

async function caseHttp(): Promise<Result> {
  const hub = await startHub();
  try {
    const ds = await createDatastreams(hub.url, 100);
    const rssStart = rssMb(hub.child.pid!);
    const r = await httpLoad(hub.url, ds, Math.min(SECONDS, 30));
    const stored = await storedCount(hub.url);
    return {
      case: 'http-5k',
      protocol: 'http (SensorThings)',
      store: 'sqlite',
      rate: 5000,
      seconds: Math.round(r.seconds * 10) / 10,
      sent: r.sent,
      acked: r.acked,
      stored,
      lost: r.acked - stored,
      achieved_per_s: Math.round(r.acked / r.seconds),
      p50_ms: null,
      p99_ms: null,
      max_ms: null,
      clients: 0,
      rss_mb_start: rssStart,
      rss_mb_end: rssMb(hub.child.pid!),
      rss_mb_max: rssMb(hub.child.pid!),
    };
  } finally {
    await hub.stop();
  }
}

async function caseLatency(
  name: string,
  seconds: number,
  brokerUrl?: () => Promise<{ url: string; stop(): Promise<void> }>,
): Promise<Result> {
  const broker = brokerUrl ? await brokerUrl() : undefined;
  const hub = await startHub(broker?.url);
  try {
    const ds = await createDatastreams(hub.url, 200);
    const v = await viewers(hub.url, 50);
    // Warm up 5 s (JIT, SQLite cache), then measure.
    const warm = await publishLoad(broker?.url ?? hub.mqttUrl, ds, 2000, Math.min(5, seconds));
    const rssStart = rssMb(hub.child.pid!);
    let rssMax = rssStart;
    const rssSeries: number[] = [];
    const sampler = setInterval(() => {
      const r = rssMb(hub.child.pid!);
      rssMax = Math.max(rssMax, r);
      rssSeries.push(r);
    }, 5000);
    v.start();
    const r = await publishLoad(broker?.url ?? hub.mqttUrl, ds, 2000, seconds);
    await sleep(500);
    v.stop();
    clearInterval(sampler);
    v.close();
    const stored = await storedCount(hub.url);
    const sorted = [...v.samples].sort((a, b) => a - b);
    if (SOAK) console.error(`rss (MB, every 5 s): ${rssSeries.join(' ')}`);
    const warmup = warm.acked;
    return {
      case: name,
      protocol: broker ? 'mqtt (mosquitto) → ws' : 'mqtt (embedded) → ws',
      store: 'sqlite',
      rate: 2000,
      seconds,
      sent: r.sent,
      acked: r.acked,
      stored: stored - warmup,
      lost: r.acked - (stored - warmup),
      achieved_per_s: Math.round(r.acked / seconds),
      p50_ms: percentile(sorted, 50),
      p99_ms: percentile(sorted, 99),
      max_ms: sorted.at(-1) ?? null,
      clients: 50,
      rss_mb_start: rssStart,
      rss_mb_end: rssMb(hub.child.pid!),
      rss_mb_max: rssMax,
    };
  } finally {
    await hub.stop();
    await broker?.stop();
  }
}

const CASES: Record<string, () => Promise<Result>> = {
  'mqtt-10k': () => caseMqtt('mqtt-10k', 10_000),
  'http-5k': () => caseHttp(),
  'ws-2k': () => caseLatency(SOAK ? 'ws-2k-soak' : 'ws-2k', SOAK ? 600 : SECONDS),
  'mosquitto-10k': () => caseMqtt('mosquitto-10k', 10_000, startMosquitto),
  'mosquitto-ws-2k': () => caseLatency('mosquitto-ws-2k', SECONDS, startMosquitto),
  'mqtt-10k-postgres': () => caseMqtt('mqtt-10k-postgres', 10_000, undefined, startPostgres),
};

const selected = values.cases ? values.cases.split(',') : SOAK ? ['ws-2k'] : Object.keys(CASES);
const results: Result[] = [];
for (const name of selected) {
  const run = CASES[name];
  if (!run) throw new Error(`unknown case ${name}; cases: ${Object.keys(CASES).join(', ')}`);
  console.error(`bench:feeds: ${name} …`);
  try {
    results.push(await run());
  } catch (error) {
    console.error(`bench:feeds: ${name} failed: ${(error as Error).message}`);
  }
}

const header = [
  'case',
  'protocol',
  'store',
  'target/s',
  's',
  'sent',
  'acked',
  'stored',
  'lost',
  'stored/s',
  'p50 ms',
  'p99 ms',
  'max ms',
  'RSS MB start→end (max)',
  'PUBACK p50/p99 ms',
  'hub (+db) CPU s',
];
const rows = results.map((r) => [
  r.case,
  r.protocol,
  r.store,
  r.rate.toLocaleString('en'),
  String(r.seconds),
  r.sent.toLocaleString('en'),
  r.acked.toLocaleString('en'),
  r.stored.toLocaleString('en'),
  String(r.lost),
  r.achieved_per_s.toLocaleString('en'),
  r.p50_ms === null ? '–' : String(r.p50_ms),
  r.p99_ms === null ? '–' : String(r.p99_ms),
  r.max_ms === null ? '–' : String(r.max_ms),
  `${r.rss_mb_start}→${r.rss_mb_end} (${r.rss_mb_max})`,
  r.ack_p50_ms === undefined ? '–' : `${r.ack_p50_ms ?? '–'}/${r.ack_p99_ms ?? '–'}`,
  r.hub_cpu_s === undefined ? '–' : `${r.hub_cpu_s}${r.db_cpu_s !== undefined ? ` (+${r.db_cpu_s})` : ''}`,
]);
console.log(`| ${header.join(' | ')} |`);
console.log(`| ${header.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
for (const r of results) console.log(JSON.stringify(r));

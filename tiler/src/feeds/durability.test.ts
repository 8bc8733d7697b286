import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airStationBody, createThing } from './testing/fixtures.js';
import { postgresMissing, startTestPostgres, type TestPostgres } from './testing/postgres.js';

/**
 * Every acknowledged observation survives `kill -9` of the hub: publish over MQTT (QoS 1) and
 * HTTP, remember what was acknowledged, kill the hub mid-stream, restart it on the same store
 * — a SQLite file, or a PostgreSQL database (a real server, testing/postgres.ts) — and look
 * for each one.
 */

const PG_MISSING = postgresMissing();
if (PG_MISSING) console.warn(`durability: PostgreSQL skipped: ${PG_MISSING}`);
let cluster: TestPostgres | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-durable-'));
  if (!PG_MISSING) cluster = await startTestPostgres();
}, 60_000);

const REPO = path.resolve(import.meta.dirname, '../../..');
let dir: string;
const children: ChildProcess[] = [];

/** A TCP port free right now (for the child's MQTT broker). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `bdtwin serve` from source in a child process; resolves with its URLs. */
async function startHub(db: string): Promise<{ child: ChildProcess; url: string; mqttUrl: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      "import('./tiler/src/cli/main.ts').then((m) => m.main(process.argv.slice(1))).then((c) => { process.exitCode = c; })",
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--mqtt-port',
      String(await freePort()),
      '--data',
      dir,
      '--web',
      dir,
      '--feeds-db',
      db,
      // Its own (empty) auth folder, outside the served one: no ingest tokens, whatever the
      // repository's build/auth has.
      '--auth-dir',
      `${dir}-auth`,
    ],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  return new Promise<{ child: ChildProcess; url: string; mqttUrl: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`hub did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += String(d);
      const http = /serving (http:\/\/[\d.:]+)/.exec(out);
      const broker = /(mqtt:\/\/[\d.]+:\d+)/.exec(out);
      if (http && broker) {
        clearTimeout(timer);
        resolve({ child, url: http[1]!, mqttUrl: broker[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`hub exited (${code}):\n${out}`)));
  });
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await cluster?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (dir) await rm(`${dir}-auth`, { recursive: true, force: true });
});

/** Observations in the database itself, read without the hub: proof of where they are. */
type CountIn = (db: string) => Promise<number>;
const STORES: { name: string; skip: string | undefined; db: () => Promise<string>; count: CountIn }[] = [
  {
    name: 'SQLite',
    skip: undefined,
    db: async () => path.join(dir, 'hub.sqlite'),
    count: async (db) => {
      const d = new Database(db, { readonly: true });
      try {
        return (d.prepare('SELECT count(*) AS n FROM observations').get() as { n: number }).n;
      } finally {
        d.close();
      }
    },
  },
  {
    name: 'PostgreSQL',
    skip: PG_MISSING,
    db: () => cluster!.createDatabase('durable'),
    count: async (db) => {
      const c = new pg.Client({ connectionString: db });
      await c.connect();
      try {
        return Number((await c.query('SELECT count(*) AS n FROM observations')).rows[0].n);
      } finally {
        await c.end();
      }
    },
  },
];

describe.each(STORES)('durability on $name', ({ name, skip, db: dbOf, count }) => {
  it.skipIf(skip)(
    `keeps every acknowledged observation across kill -9 and a restart${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const db = await dbOf();
      const first = await startHub(db);
      const { datastreams } = await createThing(
        first.url,
        airStationBody('CN9', 106.7, 10.95, ['PM2.5', 'PM10']),
      );
      const [mqttDs, httpDs] = datastreams as [number, number];

      const acked = { mqtt: new Set<number>(), http: new Set<number>() };
      const client = await mqtt.connectAsync(first.mqttUrl, { reconnectPeriod: 0 });
      client.on('error', () => {});
      let stop = false;
      const mqttLoop = (async () => {
        for (let i = 0; !stop; i++) {
          // 20 in flight at a time, like a gateway with a window.
          const batch = Array.from({ length: 20 }, (_, k) => i * 20 + k);
          await Promise.all(
            batch.map((n) =>
              client
                .publishAsync(`v1.1/Datastreams(${mqttDs})/Observations`, JSON.stringify({ result: n }), {
                  qos: 1,
                })
                .then(
                  () => acked.mqtt.add(n),
                  () => {},
                ),
            ),
          );
          if (!client.connected) return;
        }
      })();
      // Eight HTTP senders at once, each its own range of results, beside the MQTT window.
      const httpLoop = async (sender: number) => {
        for (let n = sender * 1_000_000; !stop; n++) {
          try {
            const res = await fetch(`${first.url}/v1.1/Datastreams(${httpDs})/Observations`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ result: n }),
            });
            if (res.status === 201) acked.http.add(n);
          } catch {
            return;
          }
        }
      };
      const httpLoops = Array.from({ length: 8 }, (_, k) => httpLoop(k));
      while (acked.mqtt.size < 2000 || acked.http.size < 400) await new Promise((r) => setTimeout(r, 20));
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
      stop = true;
      client.end(true);
      await Promise.all([mqttLoop, ...httpLoops]);

      const second = await startHub(db);
      const results = async (ds: number) => {
        const json = (await (
          await fetch(`${second.url}/v1.1/Datastreams(${ds})/Observations?$top=10000&$count=true`)
        ).json()) as { value: { result: number }[] };
        return new Set(json.value.map((o) => o.result));
      };
      const storedMqtt = await results(mqttDs);
      const storedHttp = await results(httpDs);
      const lostMqtt = [...acked.mqtt].filter((n) => !storedMqtt.has(n));
      const lostHttp = [...acked.http].filter((n) => !storedHttp.has(n));
      expect(acked.mqtt.size).toBeGreaterThanOrEqual(2000);
      expect(acked.http.size).toBeGreaterThanOrEqual(400);
      expect(lostMqtt).toEqual([]);
      expect(lostHttp).toEqual([]);
      expect(await count(db)).toBeGreaterThanOrEqual(acked.mqtt.size + acked.http.size);
      console.log(
        `kill -9 under load (${name}): ${acked.mqtt.size} MQTT + ${acked.http.size} HTTP acknowledged, ` +
          `${lostMqtt.length + lostHttp.length} lost`,
      );
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
    },
    60_000,
  );
});

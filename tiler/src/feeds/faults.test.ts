import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeedStats } from '../api/feeds.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { airStationBody, createThing } from './testing/fixtures.js';

/**
 * Store and broker outages (docs/reliability.md): the hub holds what it cannot store, retries
 * with backoff, says so in /api/feeds/stats and its log, acknowledges nothing it has not
 * stored, and takes ingest up again when the store or the broker is back.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let dir: string;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-faults-'));
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await rm(dir, { recursive: true, force: true });
});

async function hub(dbFile: string, extra: { mqttUrl?: string } = {}) {
  const log: string[] = [];
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    feeds: {
      dbFile,
      mqttPort: -1,
      ...extra,
      log: (line) => log.push(line),
      storeRetry: { baseDelayMs: 20, maxDelayMs: 200, giveUpAfterMs: 3_000 },
    },
    // Not about access control (serve/auth/boundaries.test.ts is): every caller may read and write.
    auth: { anonymousRole: 'admin' },
  });
  cleanups.push(() => server.close());
  const { datastreams } = await createThing(server.url, airStationBody('F1', 106.66, 10.98, ['PM2.5']));
  return { server, log, ds: datastreams[0]! };
}

const stats = async (server: RunningServer) =>
  (await (await fetch(`${server.url}/api/feeds/stats`)).json()) as FeedStats;

/** POSTs `{result: n}` for each n; resolves with the HTTP status of each. */
function post(server: RunningServer, ds: number, ns: number[]): Promise<number[]> {
  return Promise.all(
    ns.map(async (n) => {
      const res = await fetch(`${server.url}/v1.1/Datastreams(${ds})/Observations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ result: n }),
      });
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

async function stored(server: RunningServer, ds: number): Promise<number[]> {
  const json = (await (
    await fetch(`${server.url}/v1.1/Datastreams(${ds})/Observations?$top=10000`)
  ).json()) as { value: { result: number }[] };
  return json.value.map((o) => o.result).sort((a, b) => a - b);
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('database outage', () => {
  it('holds and retries while the database is locked, reports it, and loses nothing acknowledged', async () => {
    const db = path.join(dir, 'locked.sqlite');
    const { server, log, ds } = await hub(db);
    const mq = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.hub!.mqttPort}`, { reconnectPeriod: 200 });
    cleanups.push(() => mq.endAsync(true));
    mq.on('error', () => {});
    const acked = new Set<number>();
    const publish = (ns: number[]) =>
      ns.map((n) =>
        mq
          .publishAsync(`v1.1/Datastreams(${ds})/Observations`, JSON.stringify({ result: n }), { qos: 1 })
          .then(() => acked.add(n)),
      );

    // Another process holds the write lock (a backup tool, a stuck migration…).
    const other = new Database(db);
    other.exec('BEGIN EXCLUSIVE');
    const short = post(server, ds, range(0, 20));
    const viaMqtt = publish(range(1000, 20));
    // Everything sent has reached the hub and waits there (a loaded machine may take a while).
    let during = await stats(server);
    for (let i = 0; i < 200 && during.storage?.held !== 40; i++) {
      await sleep(50);
      during = await stats(server);
    }
    expect(during.storage?.ok).toBe(false);
    expect(during.storage?.lastError).toMatch(/SQLITE_BUSY.*locked\.sqlite|locked\.sqlite.*SQLITE_BUSY/);
    expect(during.storage?.held).toBe(40);
    expect(acked.size).toBe(0); // nothing acknowledged while nothing is stored
    expect(log.join('\n')).toMatch(
      /store .*locked\.sqlite failed \(SQLITE_BUSY.*retrying in \d+ ms with \d+ items held/,
    );
    other.exec('COMMIT');
    // Released within the retry window: every request succeeds, late rather than never.
    expect(await short).toEqual(Array(20).fill(201));
    await Promise.all(viaMqtt);
    const after = await stats(server);
    expect(after.storage).toMatchObject({ ok: true, outages: 1 });
    expect(log.join('\n')).toMatch(/is back after \d+ ms; 40 held items stored/);

    // Locked past the retry window: senders get 503 (HTTP) or no PUBACK (MQTT), not silence.
    other.exec('BEGIN EXCLUSIVE');
    const long = post(server, ds, range(100, 10));
    const viaMqtt2 = publish(range(2000, 10));
    const statuses = await long;
    expect(statuses).toEqual(Array(10).fill(503));
    const res = await fetch(`${server.url}/v1.1/Datastreams(${ds})/Observations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"result": 999}',
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    // The sender learns what and when, not where: the file is in the log and the stats.
    expect(((await res.json()) as { error: string }).error).toBe(
      'the feed store is unavailable (SQLITE_BUSY); nothing was stored, send again later',
    );
    other.exec('COMMIT');
    other.close();
    // Ingest resumes; the MQTT client resends what was never acknowledged, after reconnecting.
    expect(await post(server, ds, range(200, 10))).toEqual(Array(10).fill(201));
    await Promise.race([Promise.all(viaMqtt2), sleep(15_000)]);
    const have = new Set(await stored(server, ds));
    const lost = [...range(0, 20), ...range(200, 10), ...acked].filter((n) => !have.has(n));
    expect(lost).toEqual([]);
    expect(acked.size).toBe(30);
    // What got 503 was not stored behind the sender's back.
    expect(range(100, 10).filter((n) => have.has(n))).toEqual([]);
  }, 60_000);
});

/** A small tmpfs: a real full disk. Needs root (CAP_SYS_ADMIN); skipped elsewhere. */
function mountTinyDisk(at: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('full disk under the store', () => {
  it('answers 503, names the file in stats and log, keeps the database sound, resumes when space is freed', async (ctx) => {
    const disk = path.join(dir, 'disk');
    await mkdir(disk);
    if (!mountTinyDisk(disk, '3m')) return ctx.skip();
    cleanups.push(() => {
      execFileSync('umount', ['-l', disk]);
    });
    const db = path.join(disk, 'hub.sqlite');
    const { server, log, ds } = await hub(db);
    // Fill the disk but a sliver.
    const filler = path.join(disk, 'filler');
    for (let kb = 2900; kb > 0; kb -= 100) {
      try {
        await writeFile(filler, Buffer.alloc(kb * 1024));
        break;
      } catch {}
    }
    const acked: number[] = [];
    let refused = 0;
    for (let n = 0; refused === 0 && n < 20_000; n += 200) {
      const statuses = await post(server, ds, range(n, 200));
      statuses.forEach((s, i) => {
        if (s === 201) acked.push(n + i);
        else {
          expect(s).toBe(503);
          refused++;
        }
      });
    }
    expect(refused).toBeGreaterThan(0);
    const full = await stats(server);
    expect(full.storage?.lastError ?? log.join('\n')).toMatch(/hub\.sqlite.*(full|SQLITE_FULL)/);
    await rm(filler);
    // Space is back: ingest resumes, nothing acknowledged is missing, the file is sound.
    expect(await post(server, ds, range(50_000, 20))).toEqual(Array(20).fill(201));
    const have = new Set(await stored(server, ds));
    expect(acked.filter((n) => !have.has(n))).toEqual([]);
    const check = new Database(db, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  }, 60_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => {
  try {
    execFileSync('test', ['-x', p]);
    return true;
  } catch {
    return false;
  }
});

describe('external broker outage', () => {
  it.skipIf(!MOSQUITTO)(
    'reconnects with backoff, reports it, and ingest resumes',
    async () => {
      const port = await freePort();
      const conf = path.join(dir, 'mosquitto.conf');
      await writeFile(
        conf,
        `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_type error\n`,
      );
      let broker: ChildProcess | undefined;
      const startBroker = async () => {
        broker = spawn(MOSQUITTO!, ['-c', conf], { stdio: 'ignore' });
        for (let i = 0; i < 50; i++) {
          await sleep(100);
          const ok = await mqtt
            .connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 500 })
            .then((c) => c.endAsync().then(() => true))
            .catch(() => false);
          if (ok) return;
        }
        throw new Error('mosquitto did not start');
      };
      cleanups.push(() => {
        broker?.kill('SIGKILL');
      });
      await startBroker();
      const { server, log, ds } = await hub(path.join(dir, 'external.sqlite'), {
        mqttUrl: `mqtt://127.0.0.1:${port}`,
      });
      const send = async (ns: number[]) => {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
        await Promise.all(
          ns.map((n) =>
            c.publishAsync(`v1.1/Datastreams(${ds})/Observations`, JSON.stringify({ result: n }), { qos: 1 }),
          ),
        );
        await c.endAsync();
      };
      const waitFor = async (what: () => Promise<boolean>, ms: number) => {
        const until = Date.now() + ms;
        while (!(await what())) {
          if (Date.now() > until) throw new Error('timed out');
          await sleep(100);
        }
      };
      await send(range(0, 50));
      await waitFor(async () => (await stored(server, ds)).length === 50, 10_000);

      broker!.kill('SIGKILL');
      await sleep(3_500); // long enough for two or three attempts: 1 s, 2 s…
      const down = await stats(server);
      expect(down.mqtt).toMatchObject({ mode: 'external', connected: false });
      expect(down.mqtt.reconnectAttempts).toBeGreaterThanOrEqual(2);
      expect(log.join('\n')).toMatch(/lost mqtt:\/\/127\.0\.0\.1:\d+.*reconnect attempt 2 in 2000 ms/);

      await startBroker();
      await waitFor(async () => (await stats(server)).mqtt.connected === true, 20_000);
      expect(log.join('\n')).toMatch(/reconnected to mqtt:\/\/127\.0\.0\.1:\d+ after \d+ attempt/);
      await send(range(100, 50));
      await waitFor(async () => (await stored(server, ds)).length === 100, 10_000);
      expect(await stored(server, ds)).toEqual([...range(0, 50), ...range(100, 50)]);
    },
    60_000,
  );
});

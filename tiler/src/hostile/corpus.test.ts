import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addLayer } from '../catalog/import.js';
import { airStationBody, createThing } from '../feeds/testing/fixtures.js';
import { type RunningServer, startServer } from '../serve/server.js';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { checkTileset } from '../tiles/check.js';
import { FILE_CORPUS, MESSAGE_CORPUS } from './corpus.js';

/**
 * Every item of the malformed corpus gets a clear error from its consumer (naming the file,
 * feature or message and what is wrong) within TIME_BOUND_MS and MEMORY_BOUND_MB, and the
 * service stays up: valid messages after each bad one are still accepted.
 */

const TIME_BOUND_MS = 20_000;
const MEMORY_BOUND_MB = 512;

let dir: string;
/** Where archives are unpacked: must be empty after every item, refused or not. */
let unpack: string;
const results: { item: string; kind: string; ms: number; mb: number; error: string }[] = [];

/** Runs `fn`, sampling RSS every 10 ms: elapsed ms and the peak RSS rise in MB. */
async function measured<T>(
  fn: () => Promise<T>,
): Promise<{ value: T | undefined; error: unknown; ms: number; mb: number }> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const t = performance.now();
  let value: T | undefined;
  let error: unknown;
  try {
    value = await fn();
  } catch (e) {
    error = e;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { value, error, ms: performance.now() - t, mb: (peak - base) / 2 ** 20 };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-hostile-'));
  unpack = path.join(dir, 'unpack');
  await mkdir(unpack);
});
afterAll(async () => {
  const byKind = new Map<string, number>();
  for (const r of results) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  console.log(
    `hostile corpus: ${results.length} items; by kind ${JSON.stringify(Object.fromEntries(byKind))}; ` +
      `max ${Math.round(Math.max(...results.map((r) => r.ms)))} ms, max +${Math.round(Math.max(...results.map((r) => r.mb)))} MB RSS`,
  );
  await rm(dir, { recursive: true, force: true });
});

describe('malformed files', () => {
  for (const item of FILE_CORPUS) {
    it(`${item.kind}: ${item.name}`, async () => {
      const file = await item.write(dir);
      const out = path.join(dir, `${item.name}.out`);
      const run = await measured(() =>
        tileBuildings([file], { ...TILE_DEFAULTS, out, threads: 0, unzip: { tempDir: unpack } }),
      );
      results.push({
        item: item.name,
        kind: `file/${item.kind}`,
        ms: run.ms,
        mb: run.mb,
        error: String((run.error as Error | undefined)?.message ?? ''),
      });
      expect(run.ms).toBeLessThan(TIME_BOUND_MS);
      expect(run.mb).toBeLessThan(MEMORY_BOUND_MB);
      expect(await readdir(unpack), 'nothing unpacked is left behind').toEqual([]);
      if (item.expect === 'accept') {
        expect(run.error).toBeUndefined();
        const check = await checkTileset(path.join(out, 'tileset.json'), {
          validateGltf: false,
          toleranceM: 0.01,
        });
        expect(check.problems).toEqual([]);
        return;
      }
      // Our typed errors only (InputError, RejectedFeaturesError), never a crash of the reader.
      expect(run.error, 'should fail').toBeInstanceOf(Error);
      const e = run.error as Error;
      expect(['InputError', 'RejectedFeaturesError']).toContain(e.name);
      expect(e.message).toMatch(item.expect);
    }, 60_000);
  }

  it('zip bombs and hostile archives given to `bdtwin add` are refused while unpacking, leaving nothing behind', async () => {
    const bombs = FILE_CORPUS.filter((i) => i.kind === 'zip-bomb' || i.kind === 'hostile-archive');
    for (const item of bombs) {
      const file = await item.write(dir);
      const run = await measured(() =>
        addLayer(file, { dataDir: path.join(dir, 'catalog'), sector: 'dat-dai', unzip: { tempDir: unpack } }),
      );
      results.push({
        item: `add ${item.name}`,
        kind: `file/${item.kind}`,
        ms: run.ms,
        mb: run.mb,
        error: String(run.error),
      });
      expect(run.ms).toBeLessThan(TIME_BOUND_MS);
      expect(run.mb).toBeLessThan(MEMORY_BOUND_MB);
      expect((run.error as Error).message).toMatch(item.expect as RegExp);
      expect(await readdir(unpack)).toEqual([]);
    }
  }, 60_000);
});

describe('malformed feed messages', () => {
  let server: RunningServer;
  let ds: number;
  let mqttUrl: string;
  beforeAll(async () => {
    server = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      webDir: dir,
      feeds: { dbFile: path.join(dir, 'hub.sqlite'), mqttPort: -1, log: () => {} },
      // Not about access control (serve/auth/boundaries.test.ts is): every caller may read and write.
      auth: { anonymousRole: 'admin' },
    });
    mqttUrl = `mqtt://127.0.0.1:${server.hub!.mqttPort}`;
    ds = (await createThing(server.url, airStationBody('H1', 106.66, 10.98, ['PM2.5']))).datastreams[0]!;
  });
  afterAll(() => server?.close());

  const postValid = async (n: number) =>
    (
      await fetch(`${server.url}/v1.1/Datastreams(${ds})/Observations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ result: n }),
      })
    ).status;

  for (const item of MESSAGE_CORPUS) {
    it(`HTTP ${item.kind}: ${item.name}`, async () => {
      const url =
        item.channel === 'gtfs-rt'
          ? `${server.url}/api/gtfs-rt/vehicle-positions`
          : `${server.url}/v1.1/Datastreams(${ds})/Observations`;
      const run = await measured(async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': item.channel === 'gtfs-rt' ? 'application/x-protobuf' : 'application/json',
          },
          body: item.body,
        });
        return { status: res.status, json: (await res.json()) as { error?: string } };
      });
      results.push({
        item: `HTTP ${item.name}`,
        kind: `message/${item.kind}`,
        ms: run.ms,
        mb: run.mb,
        error: String(run.value?.json.error),
      });
      expect(run.error).toBeUndefined();
      expect(run.value!.status, JSON.stringify(run.value!.json)).toBeGreaterThanOrEqual(400);
      expect(run.value!.status).toBeLessThan(500);
      expect(run.value!.json.error).toMatch(item.expect);
      expect(run.ms).toBeLessThan(TIME_BOUND_MS);
      expect(run.mb).toBeLessThan(MEMORY_BOUND_MB);
      // Still up, still taking valid observations.
      expect(await postValid(1)).toBe(201);
    }, 60_000);
  }

  it('MQTT: each bad payload is refused and reported on bdtwin/errors; the connection keeps working', async () => {
    const watcher = await mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0 });
    const errors: string[] = [];
    watcher.on('message', (_t, payload) => errors.push(String(payload)));
    await watcher.subscribeAsync('bdtwin/errors', { qos: 0 });
    const device = await mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0 });
    const stored = () => server.hub!.store.countObservations();
    try {
      for (const [i, item] of MESSAGE_CORPUS.entries()) {
        const topic =
          item.channel === 'gtfs-rt'
            ? 'bdtwin/gtfs-rt/vehicle-positions'
            : `v1.1/Datastreams(${ds})/Observations`;
        const before = errors.length;
        const run = await measured(() => device.publishAsync(topic, item.body, { qos: 1 }));
        for (let k = 0; k < 200 && errors.length === before; k++) await new Promise((r) => setTimeout(r, 10));
        const report = errors[before] ?? '';
        results.push({
          item: `MQTT ${item.name}`,
          kind: `message/${item.kind}`,
          ms: run.ms,
          mb: run.mb,
          error: report,
        });
        expect(run.error, `${item.name} was not acknowledged`).toBeUndefined();
        expect(report, item.name).toMatch(item.expect);
        expect(JSON.parse(report).topic).toBe(topic);
        expect(run.ms).toBeLessThan(TIME_BOUND_MS);
        expect(run.mb).toBeLessThan(MEMORY_BOUND_MB);
        // A valid observation right after, on the same connection, is stored.
        const n = await stored();
        await device.publishAsync(`v1.1/Datastreams(${ds})/Observations`, JSON.stringify({ result: i }), {
          qos: 1,
        });
        expect(await stored()).toBe(n + 1);
      }
    } finally {
      await device.endAsync();
      await watcher.endAsync();
    }
  }, 120_000);
});

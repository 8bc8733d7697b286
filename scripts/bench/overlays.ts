/**
 * `npm run bench:overlays`: the viewer's live overlays at city scale, in headless Chromium
 * (SwiftShader), as ratios within one run.
 *
 * The feed is synthetic: a small server speaking the hub's viewer protocol (WebSocket `/ws`
 * snapshot + deltas, `GET /api/state?at=`, and the SensorThings root the viewer probes), mounted
 * on the real service (`createServer`: viewer, demo city, terrain). It drives 5,000 moving
 * vehicles and 2,000 air-quality stations, each reporting once a second; positions and VN_AQI
 * values are pure functions of time, so any moment can be replayed. The real hub is not used
 * here because it cannot be fed 7,000 entities/s through its ingest path on this machine *and*
 * leave the two cores to the browser; its push path is measured by `npm run bench:feeds`.
 *
 * Cases:
 * - live-spread: each entity reports at its own phase in the second and deltas are flushed
 *   every 25 ms, as the hub's PushHub does (~175 entities per message);
 * - live-burst: all 7,000 entities in one delta per second (worst case: a conflated backlog);
 * - replay-scrub: `seek` to 12 random moments of the last 24 h; time from the seek to the first
 *   frame drawn with the new state (fetch + parse + apply + render).
 *
 * Per live case, first `--seconds` of the viewer running normally: main-thread time applying
 * feed data, per slice (update_ms: the viewer's `bdtwin:overlay-update` performance measures;
 * the longest the main thread is held at once) and per part of a conflated batch (batch_ms: the
 * feed worker sends a batch in parts of ≤ 250 entities, BATCH_CHUNK), and how many
 * entity states per second were applied against how many the hub sent. Then frame time while
 * rendering continuously — overlays shown and updating, hidden with the feed on, hidden with the
 * feed paused — in 3 interleaved rounds (other sessions load this machine: interleaving makes
 * them weigh on all three alike); frame_ratio = shown / hidden + paused (the target), and
 * frame_ratio_draw = shown / hidden + feed (drawing alone). Medians of the rounds.
 *
 * Prints a table, then one JSON object per case per line.
 *
 * Options: --seconds <n> (30), --movers <n> (5000), --sensors <n> (2000), --diagnose (frame time
 * per visible layer, messages received against sent).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import fastifyWebsocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { AirStationState, FeedEntity, VehicleState } from '../../tiler/src/api/feeds.js';
import { aqiBandOf } from '../../tiler/src/api/feeds.js';
import { createServer } from '../../tiler/src/serve/server.js';
import { launchChromium } from '../../web/test/browser.js';
import { ensureDemo, ensureWebBuild } from '../demo.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    movers: { type: 'string' },
    sensors: { type: 'string' },
    diagnose: { type: 'boolean' },
  },
});
// 30 s: ~35 slices a case, so the p95 is not simply the slowest one.
const SECONDS = Number(values.seconds ?? 30);
const MOVERS = Number(values.movers ?? 5000);
const SENSORS = Number(values.sensors ?? 2000);
const VIEWPORT = { width: 1280, height: 720 };
const FLUSH_MS = 25;
/** Frame timing: rounds of shown / hidden + feed / hidden + paused, each this long. */
const ROUNDS = 3;
const FRAME_MS = 3_000;

// ---- the synthetic city --------------------------------------------------------------------

/** Deterministic [0, 1) per (i, salt). */
function rand(i: number, salt: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4_294_967_296;
}

/** Central Thủ Dầu Một and around, where the opening view looks. */
const BOX = { west: 106.61, south: 10.95, east: 106.72, north: 11.04 };
const DEG_PER_M = 1 / 111_000;

/** x folded back into [lo, hi] (bouncing off the box's sides). */
function bounce(x: number, lo: number, hi: number): number {
  const w = hi - lo;
  const m = (((x - lo) % (2 * w)) + 2 * w) % (2 * w);
  return lo + (m <= w ? m : 2 * w - m);
}

let seq = 0;

function vehicleAt(i: number, tMs: number): VehicleState {
  const t = tMs / 1000;
  const speed = 5 + 10 * rand(i, 1); // m/s
  const dir = 2 * Math.PI * rand(i, 2);
  const lon0 = BOX.west + (BOX.east - BOX.west) * rand(i, 3);
  const lat0 = BOX.south + (BOX.north - BOX.south) * rand(i, 4);
  return {
    key: `vehicle:bench-${i}`,
    layer: 'vehicles',
    seq: ++seq,
    time: new Date(tMs).toISOString(),
    freshness: 'fresh',
    lonDeg: bounce(lon0 + Math.cos(dir) * speed * t * DEG_PER_M, BOX.west, BOX.east),
    latDeg: bounce(lat0 + Math.sin(dir) * speed * t * DEG_PER_M, BOX.south, BOX.north),
    vehicleId: `bench-${i}`,
    routeId: String(10 + (i % 20)),
    speedMS: speed,
  };
}

function sensorAt(i: number, tMs: number): AirStationState {
  // VN_AQI sweeps through the bands every 10 min, each station at its own phase.
  const phase = 2 * Math.PI * rand(i, 5);
  const aqi = Math.round(25 + 175 * (0.5 + 0.5 * Math.sin((2 * Math.PI * tMs) / 600_000 + phase)));
  return {
    key: `air:${100_000 + i}`,
    layer: 'air',
    seq: ++seq,
    time: new Date(tMs).toISOString(),
    freshness: 'fresh',
    lonDeg: BOX.west + (BOX.east - BOX.west) * rand(i, 6),
    latDeg: BOX.south + (BOX.north - BOX.south) * rand(i, 7),
    thingId: 100_000 + i,
    name: `Bench ${i}`,
    code: `B${i}`,
    valuesUgM3: { pm25: aqi / 2 },
    aqi: { aqi, level: aqiBandOf(aqi).level, dominant: 'pm25', subIndex: { pm25: aqi } },
  };
}

const N = MOVERS + SENSORS;
const entityAt = (k: number, tMs: number): FeedEntity =>
  k < MOVERS ? vehicleAt(k, tMs) : sensorAt(k - MOVERS, tMs);
/** Each entity reports once a second at its own phase (golden-ratio spread). */
const phaseMs = (k: number) => ((k * 0.6180339887) % 1) * 1000;

type Mode = 'spread' | 'burst' | 'paused';

class SyntheticHub {
  mode: Mode = 'spread';
  readonly hubId = 'bench-hub';
  private readonly clients = new Set<WebSocket>();
  private last = Date.now();
  private timer: ReturnType<typeof setInterval> | undefined;
  sentEntities = 0;
  sentMessages = 0;

  attach(socket: WebSocket): void {
    socket.on('message', () => {
      const now = Date.now();
      const entities = Array.from({ length: N }, (_, k) => entityAt(k, now));
      socket.send(JSON.stringify({ type: 'snapshot', hubId: this.hubId, seq, entities }));
      this.clients.add(socket);
    });
    socket.on('close', () => this.clients.delete(socket));
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const c of this.clients) c.close(1001);
  }

  private flush(): void {
    const now = Date.now();
    const last = this.last;
    this.last = now;
    if (this.mode === 'paused' || this.clients.size === 0) return;
    const due: FeedEntity[] = [];
    if (this.mode === 'burst') {
      if (Math.floor(now / 1000) === Math.floor(last / 1000)) return;
      for (let k = 0; k < N; k++) due.push(entityAt(k, now));
    } else {
      for (let k = 0; k < N; k++) {
        const p = phaseMs(k);
        if (Math.floor((now - p) / 1000) > Math.floor((last - p) / 1000)) due.push(entityAt(k, now));
      }
    }
    if (due.length === 0) return;
    const text = JSON.stringify({ type: 'delta', hubId: this.hubId, seq, entities: due });
    for (const c of this.clients) c.send(text);
    this.sentEntities += due.length;
    this.sentMessages++;
  }
}

// ---- run -----------------------------------------------------------------------------------

/** The part of the viewer's `window.__bdtwin` (web/src/scene/testHooks.ts) the benchmark uses. */
interface BenchGlobal {
  __bdtwin?: {
    ready: boolean;
    tilesLoaded: boolean;
    overlays?: {
      connection: string;
      messages: number;
      counts: { vehicles: number; air: number };
      setLayerVisible(layer: 'air' | 'water' | 'traffic' | 'vehicles', show: boolean): void;
      updateStats(): {
        count: number;
        p50: number;
        p95: number;
        max: number;
        batches: { count: number; p50: number; p95: number; max: number; meanEntities: number };
        receive: { count: number; p50: number; p95: number; max: number };
        hubMessages: number;
      };
      resetUpdateStats(): void;
      measureFrames(ms: number): Promise<{ frames: number; meanMs: number; p50Ms: number; p95Ms: number }>;
      setAllVisible(show: boolean): void;
      seek(atMs: number): Promise<{ totalMs: number; fetchMs: number; applyMs: number } | null>;
      live(): void;
    };
  };
}

interface LiveResult {
  case: string;
  movers: number;
  sensors: number;
  /** Main-thread time per slice of applying feed data (the longest block), ms. */
  update_ms_p50: number;
  update_ms_p95: number;
  update_ms_max: number;
  /** Slices measured (the p95 of fewer than 20 is their maximum). */
  update_slices: number;
  /** Per part of a batch, reading its message before any entity is applied (deserialising), ms. */
  receive_ms_p50: number;
  receive_ms_p95: number;
  /** Per part of a conflated batch (all its slices), ms, and entities per part. */
  batch_ms_p50: number;
  batch_ms_p95: number;
  batch_entities: number;
  batches: number;
  /** Entity states applied per second (all batches), against entities_per_s sent. */
  applied_per_s: number;
  /** Hub messages the page received, and entity states the hub sent per second. */
  hub_messages: number;
  entities_per_s: number;
  /** Mean frame time: overlays shown + feed on; hidden + feed on; hidden + feed paused. */
  frame_ms: number;
  frame_ms_hidden_feed: number;
  frame_ms_hidden: number;
  /** frame_ms / frame_ms_hidden (the target: ≤ 1.5), and drawing alone (vs hidden + feed on). */
  frame_ratio: number;
  frame_ratio_draw: number;
}

interface ReplayResult {
  case: string;
  movers: number;
  sensors: number;
  update_ms_p50: number;
  update_ms_p95: number;
  frame_ratio: null;
  seek_ms_p50: number;
  seek_ms_p95: number;
  seek_ms_max: number;
  seeks: number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const quantile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
};

async function main(): Promise<void> {
  const log = (line: string) => console.error(`[bench:overlays] ${line}`);
  const { dataDir } = await ensureDemo({ log });
  const webDir = process.env.BDTWIN_WEB_DIST ?? (await ensureWebBuild({ log }));
  const hub = new SyntheticHub();
  const app = await createServer({ dataDir, webDir });
  await app.register(async (scope) => {
    await scope.register(fastifyWebsocket);
    // The viewer probes the SensorThings root to know a hub is there.
    scope.get('/v1.1/Things', async () => ({ value: [] }));
    scope.get('/ws', { websocket: true }, (socket) => hub.attach(socket));
    scope.get<{ Querystring: { at?: string } }>('/api/state', async (req) => {
      const at = Date.parse(req.query.at ?? '') || Date.now();
      return {
        at: new Date(at).toISOString(),
        entities: Array.from({ length: N }, (_, k) => entityAt(k, at)),
      };
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  hub.start();

  const browser = await launchChromium();
  const results: (LiveResult | ReplayResult)[] = [];
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    page.on('pageerror', (e) => log(`page error: ${e.message}`));
    log(`opening the viewer with ${MOVERS} movers and ${SENSORS} sensors …`);
    await page.goto(`http://localhost:${port}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => (globalThis as unknown as BenchGlobal).__bdtwin?.ready === true, null, {
      timeout: 180_000,
    });
    await page.waitForFunction(
      ({ m, s }) => {
        const o = (globalThis as unknown as BenchGlobal).__bdtwin?.overlays;
        return o?.connection === 'connected' && o.counts.vehicles === m && o.counts.air === s;
      },
      { m: MOVERS, s: SENSORS },
      { timeout: 120_000, polling: 500 },
    );
    await page.waitForFunction(
      () => (globalThis as unknown as BenchGlobal).__bdtwin?.tilesLoaded === true,
      null,
      { timeout: 180_000 },
    );

    if (values.diagnose) await diagnose(page, hub, log);
    const frames = (ms: number) =>
      page.evaluate((d) => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.measureFrames(d), ms);
    const setVisible = (show: boolean) =>
      page.evaluate((v) => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.setAllVisible(v), show);
    const median = (xs: number[]) => quantile(xs, 0.5);
    for (const mode of ['spread', 'burst'] as const) {
      log(`live-${mode}: ${SECONDS} s of updates, then ${ROUNDS} rounds of frame timing …`);
      hub.mode = mode;
      await setVisible(true);
      await page.waitForTimeout(2_000);
      // 1. The viewer running normally (paced glides): main-thread time per update.
      const sent0 = hub.sentEntities;
      const t0 = Date.now();
      const m0 = await page.evaluate(
        () => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.messages,
      );
      await page.evaluate(() =>
        (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.resetUpdateStats(),
      );
      await page.waitForTimeout(SECONDS * 1000);
      const stats = await page.evaluate(() =>
        (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.updateStats(),
      );
      const m1 = await page.evaluate(
        () => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.messages,
      );
      const seconds = (Date.now() - t0) / 1000;
      const entitiesPerS = (hub.sentEntities - sent0) / seconds;
      // 2. Frame time, rendering continuously: shown + feed, hidden + feed, hidden + paused,
      // interleaved round by round so that load from other processes affects all three alike.
      const shown: number[] = [];
      const hiddenFeed: number[] = [];
      const hidden: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        hub.mode = mode;
        await setVisible(true);
        await page.waitForTimeout(500);
        shown.push((await frames(FRAME_MS)).meanMs);
        await setVisible(false);
        await page.waitForTimeout(500);
        hiddenFeed.push((await frames(FRAME_MS)).meanMs);
        hub.mode = 'paused';
        await page.waitForTimeout(1_000);
        hidden.push((await frames(FRAME_MS)).meanMs);
      }
      hub.mode = mode;
      await setVisible(true);
      if (mode === 'spread') {
        await page.waitForTimeout(1_500);
        await page.screenshot({ path: path.resolve('test-output/bench-overlays.png') });
      }
      results.push({
        case: `live-${mode}`,
        movers: MOVERS,
        sensors: SENSORS,
        update_ms_p50: round(stats.p50),
        update_ms_p95: round(stats.p95),
        update_ms_max: round(stats.max),
        update_slices: stats.count,
        receive_ms_p50: round(stats.receive.p50),
        receive_ms_p95: round(stats.receive.p95),
        batch_ms_p50: round(stats.batches.p50),
        batch_ms_p95: round(stats.batches.p95),
        batch_entities: Math.round(stats.batches.meanEntities),
        batches: stats.batches.count,
        applied_per_s: Math.round((stats.batches.count * stats.batches.meanEntities) / seconds),
        hub_messages: m1 - m0,
        entities_per_s: Math.round(entitiesPerS),
        frame_ms: round(median(shown), 1),
        frame_ms_hidden_feed: round(median(hiddenFeed), 1),
        frame_ms_hidden: round(median(hidden), 1),
        frame_ratio: round(median(shown) / median(hidden)),
        frame_ratio_draw: round(median(shown) / median(hiddenFeed)),
      });
    }

    log('replay-scrub: 12 seeks …');
    hub.mode = 'paused';
    const seeks: { totalMs: number; fetchMs: number; applyMs: number }[] = [];
    const now = Date.now();
    for (let i = 0; i < 12; i++) {
      const at = now - Math.round(rand(i, 99) * 24 * 3_600_000);
      const t = await page.evaluate(
        (a) => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.seek(a),
        at,
      );
      if (t) seeks.push(t);
    }
    // Where the slowest seeks spend their time: fetch (hub query + JSON), apply, first frame.
    log(
      `  seeks (fetch+apply+frame ms): ${seeks.map((s) => `${Math.round(s.fetchMs)}+${Math.round(s.applyMs)}+${Math.round(s.totalMs - s.fetchMs - s.applyMs)}`).join(', ')}`,
    );
    await page.screenshot({ path: path.resolve('test-output/bench-overlays-replay.png') });
    await page.evaluate(() => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.live());
    results.push({
      case: 'replay-scrub',
      movers: MOVERS,
      sensors: SENSORS,
      update_ms_p50: round(
        quantile(
          seeks.map((s) => s.applyMs),
          0.5,
        ),
      ),
      update_ms_p95: round(
        quantile(
          seeks.map((s) => s.applyMs),
          0.95,
        ),
      ),
      frame_ratio: null,
      seek_ms_p50: round(
        quantile(
          seeks.map((s) => s.totalMs),
          0.5,
        ),
        0,
      ),
      seek_ms_p95: round(
        quantile(
          seeks.map((s) => s.totalMs),
          0.95,
        ),
        0,
      ),
      seek_ms_max: round(Math.max(...seeks.map((s) => s.totalMs)), 0),
      seeks: seeks.length,
    });
  } finally {
    hub.stop();
    await browser.close();
    await app.close();
  }

  console.log(
    '\ncase           movers  sensors  update p50/p95 (slice)  batch p50/p95 (entities)   frame shown / hidden+feed / hidden   ratio  replay seek p50/p95/max',
  );
  for (const r of results) {
    const head = `${r.case.padEnd(14)} ${String(r.movers).padStart(6)}  ${String(r.sensors).padStart(7)}  `;
    if ('frame_ms' in r) {
      console.log(
        head +
          `${r.update_ms_p50.toFixed(1)} / ${r.update_ms_p95.toFixed(1)} ms`.padEnd(23) +
          `${r.batch_ms_p50.toFixed(0)} / ${r.batch_ms_p95.toFixed(0)} ms (${r.batch_entities})`.padEnd(27) +
          `${r.frame_ms.toFixed(0)} / ${r.frame_ms_hidden_feed.toFixed(0)} / ${r.frame_ms_hidden.toFixed(0)} ms`.padEnd(
            37,
          ) +
          `${r.frame_ratio.toFixed(2)}`.padEnd(7) +
          `(applied ${r.applied_per_s} of ${r.entities_per_s} states/s)`,
      );
    } else {
      console.log(
        head +
          `${r.update_ms_p50.toFixed(1)} / ${r.update_ms_p95.toFixed(1)} ms (apply)`.padEnd(50) +
          `${'–'.padEnd(37)}${'–'.padEnd(7)}${r.seek_ms_p50} / ${r.seek_ms_p95} / ${r.seek_ms_max} ms`,
      );
    }
  }
  console.log('');
  for (const r of results) console.log(JSON.stringify(r));
}

/** --diagnose: frame time per visible layer, and whether the page keeps up with the messages. */
async function diagnose(page: import('playwright-core').Page, hub: SyntheticHub, log: (l: string) => void) {
  const o = () => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!;
  const set = (layers: { air: boolean; vehicles: boolean }) =>
    page.evaluate((l) => {
      const h = (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!;
      h.setLayerVisible('air', l.air);
      h.setLayerVisible('vehicles', l.vehicles);
    }, layers);
  void o;
  for (const mode of ['paused', 'spread'] as const) {
    hub.mode = mode;
    for (const layers of [
      { air: false, vehicles: false },
      { air: true, vehicles: false },
      { air: false, vehicles: true },
      { air: true, vehicles: true },
    ]) {
      await set(layers);
      await page.waitForTimeout(1000);
      const m0 = await page.evaluate(
        () => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.messages,
      );
      const s0 = hub.sentMessages;
      const f = await page.evaluate(() =>
        (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.measureFrames(4000),
      );
      const m1 = await page.evaluate(
        () => (globalThis as unknown as BenchGlobal).__bdtwin!.overlays!.messages,
      );
      log(
        `${mode} air=${layers.air} vehicles=${layers.vehicles}: frame ${f.meanMs.toFixed(0)} ms (p50 ${f.p50Ms.toFixed(0)}), ` +
          `messages received ${m1 - m0} / sent ${hub.sentMessages - s0}`,
      );
    }
  }
  await set({ air: true, vehicles: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

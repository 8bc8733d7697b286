/**
 * `npm run bench:ops`: a soak run of the operations centre (/ops) — does the wall stay flat?
 *
 * The real service, feed hub (temporary SQLite) and simulator, /ops in headless Chromium
 * (SwiftShader) with the tour on (idle 5 s), replay scrubs and forced WebGL context losses.
 * Accelerated by message volume, not by clock: the simulator reports each sensor every
 * `--sensor-s` seconds instead of 60 and each road segment every `--traffic-s` instead of 60,
 * so the wall applies 60 / sensor-s hours of sensor updates per hour of run (the default 2 s:
 * 30×; 10 minutes carry the sensor and alert traffic of ~5 hours). The browser's own clock is
 * not accelerated: timers, staleness and the tour run in real time.
 *
 * Every `--sample-s` seconds the wall is put in one reference state — the tour interrupted by a
 * click on the first bookmark, the camera arrived there, tiles loaded, no recovery running —
 * and measured: JS heap after a forced GC (CDP `HeapProfiler.collectGarbage`, then
 * `Runtime.getHeapUsage`), live WebGL objects (web/test/gpu-counter.js wraps createX and
 * deleteX), tileset bytes. Then the tour resumes. Measuring in one state makes the numbers
 * comparable: the GPU objects in use depend on what is in view.
 *
 * Warm-up ends at `--warmup-min` and, with `--warmup-lap 1` (the default), not before the tour
 * has been at every bookmark: until then the heap grows as each view's tiles, marker images and
 * code paths are met for the first time (measured: ~4 MB over the first ~12 minutes, then flat,
 * with or without context losses). The ratios compare the first sample after warm-up with the
 * last.
 *
 * Prints a table, then JSON lines: every sample, and a summary with the values after warm-up,
 * at the end, their ratio and PASS/FAIL against ±10 % (and, for comparison, the heap ratio from
 * the first sample of all).
 *
 * Options: --minutes <n> (10), --warmup-min <n> (2), --warmup-lap <0|1> (1), --sample-s <n> (60), --lose-every-min <n>
 * (3; 0 = never), --scrub-every-s <n> (45), --sensor-s <n> (2), --traffic-s <n> (5),
 * --viewport <w>x<h> (1280x720), --snapshot-at <min,min,…> with --snapshot-dir <dir> (none): a
 * V8 heap snapshot (`.heapsnapshot`, for DevTools' Memory panel or a diff of two) written at the
 * first sample at or after each of those minutes, in the reference state; --web-dir <dir> (web/dist,
 * built when stale): another build of the viewer, e.g. an unminified one whose snapshots name
 * classes (`npx vite build --minify false --outDir <dir>` in web/).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { runSimulator, SIMULATE_DEFAULTS } from '../../tiler/src/feeds/sim/simulate.js';
import { startServer } from '../../tiler/src/serve/server.js';
import { launchChromium } from '../../web/test/browser.js';
import { ensureDemo, ensureWebBuild } from '../demo.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    'warmup-min': { type: 'string' },
    'sample-s': { type: 'string' },
    'lose-every-min': { type: 'string' },
    'scrub-every-s': { type: 'string' },
    'sensor-s': { type: 'string' },
    'traffic-s': { type: 'string' },
    viewport: { type: 'string' },
    'snapshot-at': { type: 'string' },
    'snapshot-dir': { type: 'string' },
    'web-dir': { type: 'string' },
    'warmup-lap': { type: 'string' },
  },
});
const num = (v: string | undefined, d: number, name: string) => {
  const n = v === undefined ? d : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`bench:ops: --${name} must be a number ≥ 0, got ${v}`);
  return n;
};
const MINUTES = num(values.minutes, 10, 'minutes');
const WARMUP_MIN = num(values['warmup-min'], 2, 'warmup-min');
const WARMUP_LAP = num(values['warmup-lap'], 1, 'warmup-lap') > 0;
const SAMPLE_S = num(values['sample-s'], 60, 'sample-s');
const LOSE_EVERY_MIN = num(values['lose-every-min'], 3, 'lose-every-min');
const SCRUB_EVERY_S = num(values['scrub-every-s'], 45, 'scrub-every-s');
const SENSOR_S = num(values['sensor-s'], 2, 'sensor-s');
const TRAFFIC_S = num(values['traffic-s'], 5, 'traffic-s');
const [VW, VH] = (values.viewport ?? '1280x720').split('x').map(Number) as [number, number];
const SNAPSHOT_AT = (values['snapshot-at'] ?? '')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((s) => num(s, 0, 'snapshot-at'))
  .sort((a, b) => a - b);
const SNAPSHOT_DIR = values['snapshot-dir'];
if (SNAPSHOT_AT.length && !SNAPSHOT_DIR) throw new Error('bench:ops: --snapshot-at needs --snapshot-dir');
const REFERENCE = 'ward-thu-dau-mot';
const TOLERANCE = 0.1;

interface Sample {
  minute: number;
  heapMB: number;
  gpuObjects: number;
  buffers: number;
  textures: number;
  programs: number;
  framebuffers: number;
  tilesetMB: number;
  recoveries: number;
  generation: number;
  overlays: number;
  alertsShown: number;
}

const log = (line: string) => console.error(`[bench:ops] ${line}`);

/** The parts of the page's globals the bench uses (web/src/modes/ops/runtime.ts, testHooks.ts). */
interface OpsGlobal {
  __bdtwinTourStops?: Set<number>;
  __notReloaded?: boolean;
  __benchHold?: ReturnType<typeof setInterval>;
  Event: new (type: string) => object;
  dispatchEvent(event: object): boolean;
  __gpuCounts(): Record<'all' | 'Buffer' | 'Texture' | 'Program' | 'Framebuffer', number>;
  __bdtwinOps: {
    recoveries: number;
    generation: number;
    recoveryMs: number[];
    tour: { phase: string; stop: number };
    bookmarks: readonly unknown[];
    memory(): { tilesetBytes: number } | null;
    loseContext(): boolean;
  };
  __bdtwin?: {
    overlays?: {
      counts: { air: number; water: number; traffic: number; vehicles: number };
      seek(atMs: number): Promise<unknown>;
      live(): void;
    };
  };
  document: { querySelectorAll(selector: string): { length: number } };
}

async function waitFor(page: Page, fn: string, timeoutMs: number): Promise<boolean> {
  try {
    await page.waitForFunction(fn, null, { timeout: timeoutMs, polling: 500 });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { dataDir } = await ensureDemo({ log });
  const webDir = values['web-dir'] ? path.resolve(values['web-dir']) : await ensureWebBuild({ log });
  const tmp = await mkdtemp(path.join(tmpdir(), 'bdtwin-ops-soak-'));
  const server = await startServer({
    port: 0,
    dataDir,
    webDir,
    feeds: {
      dbFile: path.join(tmp, 'hub.sqlite'),
      sync: 'normal',
      mqttPort: 0,
      roadsFile: path.join(dataDir, 'roads.geojson'),
      log: () => {},
    },
    // The wall is an operator's screen; the bench is not about sign-in.
    auth: { anonymousRole: 'operator' },
  });
  const base = `http://localhost:${server.port}`;
  const sim = new AbortController();
  const simStats = runSimulator({
    ...SIMULATE_DEFAULTS,
    url: `http://127.0.0.1:${server.port}`,
    intervalS: SENSOR_S,
    trafficIntervalS: TRAFFIC_S,
    backfillHours: 2,
    // A flood and a PM2.5 spike a few minutes in: alerts are raised, escalate and clear.
    incidents: ['flood@2', 'pm25@4'],
    repoRoot: ROOT,
    signal: sim.signal,
    log: () => {},
  }).catch((e: Error) => {
    log(`simulator: ${e.message}`);
    return undefined;
  });

  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: VW, height: VH }, deviceScaleFactor: 1 });
  await context.addInitScript({ path: path.join(ROOT, 'web/test/gpu-counter.js') });
  // An uncaught value that is not an Error reaches `pageerror` as a bare minified name with no
  // stack; say what it was: its class, own keys and text.
  // (A string, not a function: tsx would wrap its named functions in a `__name` helper the page
  // does not have.)
  await context.addInitScript({
    content: `(() => {
      const describe = (v) => {
        if (v instanceof Error) return v.name + ': ' + v.message + '\\n' + (v.stack || '');
        const keys = v && typeof v === 'object' ? Object.getOwnPropertyNames(v).slice(0, 12).join(',') : '';
        let text = '';
        try { text = String(v).slice(0, 300); } catch { text = '(no text)'; }
        return typeof v + ' ' + ((v && v.constructor && v.constructor.name) || '') + ' {' + keys + '} ' + text;
      };
      addEventListener('unhandledrejection', (e) => console.error('[bench:uncaught] rejection: ' + describe(e.reason)));
      addEventListener('error', (e) =>
        console.error('[bench:uncaught] error: ' + describe(e.error) + ' at ' + e.filename + ':' + e.lineno + ':' + e.colno));
    })();`,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const t0 = Date.now();
  const minute = () => (Date.now() - t0) / 60_000;
  page.on('pageerror', (e) => {
    errors.push(e.message);
    log(`page error at ${minute().toFixed(1)} min: ${e.message}\n${e.stack ?? ''}`);
  });
  page.on('console', (m) => {
    if (m.text().startsWith('[bench:uncaught]')) log(m.text());
  });
  const cdp = await context.newCDPSession(page);

  await page.goto(`${base}/ops?tour=5`, { waitUntil: 'load' });
  await page.evaluate(() => {
    (globalThis as unknown as OpsGlobal).__notReloaded = true;
  });
  if (!(await waitFor(page, 'window.__bdtwinOps?.renderedFeatures > 0', 180_000))) {
    throw new Error('bench:ops: /ops drew no buildings within 3 minutes');
  }
  log(`wall up after ${minute().toFixed(1)} min`);

  const samples: Sample[] = [];
  const takeSample = async (): Promise<Sample | undefined> => {
    // Interrupt the tour and hold it (input every second: it waits 5 s after the last), then go
    // to the reference view.
    await waitFor(page, '!window.__bdtwinOps.recovering', 120_000);
    await page.evaluate(() => {
      const w = globalThis as unknown as OpsGlobal;
      w.__benchHold = setInterval(() => w.dispatchEvent(new w.Event('pointermove')), 1_000);
    });
    try {
      await page.locator(`[data-bookmark="${REFERENCE}"]`).click({ timeout: 60_000 });
      return await measureAtReference();
    } catch (e) {
      log(`sample skipped: ${(e as Error).message.split('\n')[0]}`);
      return undefined;
    } finally {
      await page.evaluate(() => {
        const w = globalThis as unknown as OpsGlobal;
        clearInterval(w.__benchHold);
      });
    }
  };

  const measureAtReference = async (): Promise<Sample | undefined> => {
    const arrived = await waitFor(
      page,
      `(() => { const o = window.__bdtwinOps; const c = o.camera(); const b = o.bookmarks.find((x) => x.id === '${REFERENCE}').camera;
         return c && Math.abs(c.lonDeg - b.lonDeg) + Math.abs(c.latDeg - b.latDeg) < 0.0005 && window.__bdtwin?.tilesLoaded; })()`,
      90_000,
    );
    if (!arrived) {
      log('sample skipped: the reference view did not load in 90 s');
      return undefined;
    }
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    if (SNAPSHOT_DIR && SNAPSHOT_AT.length && minute() >= SNAPSHOT_AT[0]!) {
      SNAPSHOT_AT.shift();
      const file = path.join(SNAPSHOT_DIR, `ops-${minute().toFixed(1)}min.heapsnapshot`);
      await writeSnapshot(file);
      log(`heap snapshot: ${file}`);
    }
    const s = await page.evaluate(() => {
      const w = globalThis as unknown as OpsGlobal;
      const o = w.__bdtwinOps;
      const counts = w.__bdtwin?.overlays?.counts;
      return {
        gpu: w.__gpuCounts(),
        tilesetBytes: o.memory()?.tilesetBytes ?? 0,
        recoveries: o.recoveries,
        generation: o.generation,
        overlays: counts ? counts.air + counts.water + counts.traffic + counts.vehicles : 0,
        alertsShown: w.document.querySelectorAll('.ops-alerts li').length,
      };
    });
    return {
      minute: Number(minute().toFixed(2)),
      heapMB: Number((heap.usedSize / 1e6).toFixed(2)),
      gpuObjects: s.gpu.all,
      buffers: s.gpu.Buffer,
      textures: s.gpu.Texture,
      programs: s.gpu.Program,
      framebuffers: s.gpu.Framebuffer,
      tilesetMB: Number((s.tilesetBytes / 1e6).toFixed(1)),
      recoveries: s.recoveries,
      generation: s.generation,
      overlays: s.overlays,
      alertsShown: s.alertsShown,
    };
  };

  /** Streams a heap snapshot to `file` (snapshots of a ~60 MB heap are ~150 MB of JSON). */
  const writeSnapshot = async (file: string): Promise<void> => {
    await mkdir(path.dirname(file), { recursive: true });
    const out = createWriteStream(file);
    const onChunk = (e: { chunk: string }) => out.write(e.chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
    try {
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } finally {
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await new Promise<void>((resolve, reject) =>
        out.end((e?: Error | null) => (e ? reject(e) : resolve())),
      );
    }
  };

  const endAt = t0 + MINUTES * 60_000;
  let nextSample = t0 + WARMUP_MIN * 60_000;
  let nextLoss = LOSE_EVERY_MIN > 0 ? t0 + LOSE_EVERY_MIN * 60_000 : Number.POSITIVE_INFINITY;
  let nextScrub = t0 + SCRUB_EVERY_S * 1000;
  let scrubs = 0;
  let losses = 0;
  /** Minute the tour had been at every bookmark (warm-up), once it has. */
  let lapMinute: number | undefined;
  while (Date.now() < endAt) {
    const now = Date.now();
    if (lapMinute === undefined) {
      const lap = await page
        .evaluate(() => {
          const w = globalThis as unknown as OpsGlobal;
          const o = w.__bdtwinOps;
          w.__bdtwinTourStops ??= new Set();
          if (o.tour.phase === 'dwelling') w.__bdtwinTourStops.add(o.tour.stop);
          return w.__bdtwinTourStops.size >= o.bookmarks.length;
        })
        .catch(() => false);
      if (lap) {
        lapMinute = Number(minute().toFixed(2));
        log(`the tour has been at every bookmark: ${lapMinute} min`);
      }
    }
    if (now >= nextLoss) {
      nextLoss += LOSE_EVERY_MIN * 60_000;
      const ok = await page.evaluate(() => (globalThis as unknown as OpsGlobal).__bdtwinOps.loseContext());
      losses++;
      log(
        `forced context loss #${losses} (${ok ? 'done' : 'WEBGL_lose_context missing'}) at ${minute().toFixed(1)} min`,
      );
    } else if (now >= nextScrub) {
      nextScrub += SCRUB_EVERY_S * 1000;
      // Scrub the replay bar to a few moments of the last two hours, then back to live.
      await page.evaluate(async () => {
        const o = (globalThis as unknown as OpsGlobal).__bdtwin?.overlays;
        if (!o) return;
        for (let i = 0; i < 3; i++) await o.seek(Date.now() - Math.random() * 2 * 3_600_000);
        o.live();
      });
      scrubs++;
    } else if (now >= nextSample) {
      nextSample += SAMPLE_S * 1000;
      const s = await takeSample();
      if (s) {
        samples.push(s);
        log(
          `sample at ${s.minute} min: heap ${s.heapMB} MB, GPU objects ${s.gpuObjects}, recoveries ${s.recoveries}`,
        );
      }
    }
    await page.waitForTimeout(1_000);
  }
  // The end state, measured the same way.
  const last = await takeSample();
  if (last) samples.push(last);
  const notReloaded = await page.evaluate(() => (globalThis as unknown as OpsGlobal).__notReloaded === true);
  const recoveryMs = await page.evaluate(() => (globalThis as unknown as OpsGlobal).__bdtwinOps.recoveryMs);

  sim.abort();
  const stats = await simStats;
  await browser.close();
  await server.close();
  await rm(tmp, { recursive: true, force: true });

  const warmFrom = WARMUP_LAP ? (lapMinute ?? Number.POSITIVE_INFINITY) : 0;
  const first = samples.find((s) => s.minute >= warmFrom);
  const end = samples.at(-1);
  if (!first || !end || first === end)
    throw new Error(
      `bench:ops: fewer than two samples after warm-up (tour lap ${lapMinute ?? 'not completed'}); run longer (--minutes)`,
    );
  const ratio = (a: number, b: number) => (a === 0 ? Number.NaN : b / a);
  const within = (r: number) => Math.abs(r - 1) <= TOLERANCE;
  const heapRatio = ratio(first.heapMB, end.heapMB);
  const heapRatioAll = ratio(samples[0]!.heapMB, end.heapMB);
  const gpuRatio = ratio(first.gpuObjects, end.gpuObjects);
  const pass = within(heapRatio) && within(gpuRatio) && notReloaded && errors.length === 0;

  const cols: (keyof Sample)[] = [
    'minute',
    'heapMB',
    'gpuObjects',
    'buffers',
    'textures',
    'programs',
    'framebuffers',
    'tilesetMB',
    'recoveries',
    'overlays',
    'alertsShown',
  ];
  console.log(cols.map((c) => String(c).padStart(12)).join(''));
  for (const s of samples) console.log(cols.map((c) => String(s[c]).padStart(12)).join(''));
  const sensorHours = ((MINUTES / 60) * 60) / SENSOR_S;
  console.log(
    `\nwarm-up: ${WARMUP_MIN} min${WARMUP_LAP ? `, then until the tour had been at every bookmark (${lapMinute} min)` : ''}; ` +
      `heap ${first.heapMB} (min ${first.minute}) → ${end.heapMB} MB (×${heapRatio.toFixed(3)}; ×${heapRatioAll.toFixed(3)} from the first sample), GPU objects ${first.gpuObjects} → ${end.gpuObjects} (×${gpuRatio.toFixed(3)}); ` +
      `${losses} context losses (recoveries ${recoveryMs.map((m) => (m / 1000).toFixed(1)).join(', ')} s), ${scrubs} replay scrubs; ` +
      `sensor updates of ~${sensorHours.toFixed(1)} h in ${MINUTES} min; no reload: ${notReloaded}; page errors: ${errors.length}` +
      ` → ${pass ? 'PASS' : 'FAIL'} (±${TOLERANCE * 100} %)`,
  );
  for (const s of samples) console.log(JSON.stringify({ kind: 'sample', ...s }));
  console.log(
    JSON.stringify({
      kind: 'summary',
      minutes: MINUTES,
      warmupMin: WARMUP_MIN,
      warmupLap: WARMUP_LAP,
      tourLapMinute: lapMinute ?? null,
      viewport: `${VW}x${VH}`,
      sensorIntervalS: SENSOR_S,
      trafficIntervalS: TRAFFIC_S,
      simulatedSensorHours: Number(sensorHours.toFixed(1)),
      simulator: stats,
      afterWarmup: { heapMB: first.heapMB, gpuObjects: first.gpuObjects, minute: first.minute },
      end: { heapMB: end.heapMB, gpuObjects: end.gpuObjects, minute: end.minute },
      heapRatio: Number(heapRatio.toFixed(3)),
      heapRatioFromFirstSample: Number(heapRatioAll.toFixed(3)),
      gpuRatio: Number(gpuRatio.toFixed(3)),
      contextLosses: losses,
      recoveryMs: recoveryMs.map(Math.round),
      replayScrubs: scrubs,
      notReloaded,
      pageErrors: errors.slice(0, 5),
      result: pass ? 'PASS' : 'FAIL',
    }),
  );
  process.exitCode = pass ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(2);
});

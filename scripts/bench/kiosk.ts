/**
 * `npm run bench:kiosk`: which renderer should the public kiosk use on a modest PC? The same
 * camera flight through the kiosk story, in headless Chromium on SwiftShader (a CPU
 * rasteriser: a stand-in for a weak GPU, so compare ratios, not absolute numbers), with
 *
 * - full:  /kiosk?profile=full — Cesium as the city viewer draws (full resolution, FXAA, sky
 *          atmosphere, buildings refined to 2 px);
 * - lite:  /kiosk?profile=lite — Cesium reduced (web/src/modes/kiosk/profile.ts: 0.6× resolution,
 *          no FXAA/MSAA, no sky atmosphere/sun/moon/stars, buildings to 8 px, globe to 6 px,
 *          capped tile cache, request-render mode);
 * - three: /light.html — three.js + 3d-tiles-renderer on the same tileset (no globe, no
 *          terrain or imagery).
 *
 * Per variant: open the page, put the camera at the first keyframe, wait until its tiles are
 * loaded (≤ 90 s), then fly through the keyframes (the story's first stops) for `--seconds`,
 * setting the camera every animation frame; frame time = time between animation frames. Rounds
 * are interleaved (full, lite, three, full, …) so other load on the machine weighs on all alike;
 * medians of the rounds. Prints a table, then one JSON object per variant per line.
 *
 * Options: --seconds <n> (12), --rounds <n> (2), --width/--height (1280×720).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import type { Story, StoryCamera } from '../../tiler/src/api/kiosk.js';
import { startServer } from '../../tiler/src/serve/server.js';
import { launchChromium } from '../../web/test/browser.js';
import { ensureDemo, ensureWebBuild, REPO_ROOT } from '../demo.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '2' },
    width: { type: 'string', default: '1280' },
    height: { type: 'string', default: '720' },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const W = Number(args.width);
const H = Number(args.height);

type Variant = 'full' | 'lite' | 'three';
const VARIANTS: Variant[] = ['full', 'lite', 'three'];

interface Run {
  variant: Variant;
  frames: number;
  p50_ms: number;
  p95_ms: number;
  fps: number;
  tiles_loaded: number;
  first_view_s: number;
}

/** The page's globals the benchmark reads (scripts have no DOM typings). */
interface BenchWindow {
  __bdtwin?: { ready: boolean; tilesLoaded: boolean };
  __bdtwinKiosk?: { setCamera(v: StoryCamera): void; tilesLoadedCount: number };
  __bdtwinLight?: { loaded: boolean; setCamera(v: StoryCamera): void; tilesLoadedCount: number };
  requestAnimationFrame(f: (now: number) => void): number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function runOnce(page: Page, base: string, variant: Variant, keyframes: StoryCamera[]): Promise<Run> {
  const t0 = Date.now();
  if (variant === 'three') {
    await page.goto(`${base}/light.html`);
    await page.waitForFunction(
      () => (globalThis as unknown as BenchWindow).__bdtwinLight?.loaded === true,
      null,
      { timeout: 120_000 },
    );
    await page.evaluate(
      (k) => (globalThis as unknown as BenchWindow).__bdtwinLight!.setCamera(k),
      keyframes[0]!,
    );
    await page.waitForTimeout(300);
    await page.waitForFunction(
      () => (globalThis as unknown as BenchWindow).__bdtwinLight?.loaded === true,
      null,
      { timeout: 90_000 },
    );
  } else {
    // A long idle time and a key press: the tour stops and the benchmark drives the camera.
    await page.goto(`${base}/kiosk?profile=${variant}&story=test-short&idle=3600`);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as BenchWindow).__bdtwinKiosk &&
        (globalThis as unknown as BenchWindow).__bdtwin?.ready === true,
      null,
      {
        timeout: 120_000,
      },
    );
    await page.keyboard.press('Shift');
    await page.evaluate(
      (k) => (globalThis as unknown as BenchWindow).__bdtwinKiosk!.setCamera(k),
      keyframes[0]!,
    );
    await page.waitForTimeout(300);
    await page.waitForFunction(
      () => (globalThis as unknown as BenchWindow).__bdtwin?.tilesLoaded === true,
      null,
      { timeout: 90_000 },
    );
  }
  const firstViewS = (Date.now() - t0) / 1000;
  console.error(`[bench:kiosk] ${variant}: first view loaded in ${firstViewS.toFixed(1)} s, flying …`);
  const result = await page.evaluate(
    async ({ keyframes, ms, three }) => {
      const set = (k: (typeof keyframes)[number]) =>
        three
          ? (globalThis as unknown as BenchWindow).__bdtwinLight!.setCamera(k)
          : (globalThis as unknown as BenchWindow).__bdtwinKiosk!.setCamera(k);
      const lerp = (a: number, b: number, t: number) => a + (b - a) * t;
      const at = (t: number) => {
        const seg = Math.min(keyframes.length - 2, Math.floor(t * (keyframes.length - 1)));
        const u = t * (keyframes.length - 1) - seg;
        const a = keyframes[seg]!;
        const b = keyframes[seg + 1]!;
        const dh = ((b.headingDeg - a.headingDeg + 540) % 360) - 180;
        return {
          lonDeg: lerp(a.lonDeg, b.lonDeg, u),
          latDeg: lerp(a.latDeg, b.latDeg, u),
          heightM: lerp(a.heightM, b.heightM, u),
          headingDeg: a.headingDeg + dh * u,
          pitchDeg: lerp(a.pitchDeg, b.pitchDeg, u),
        };
      };
      const times: number[] = [];
      const start = performance.now();
      await new Promise<void>((resolve, reject) => {
        const frame = (now: number) => {
          times.push(now);
          // A frame's timestamp is its start, which can precede performance.now() above.
          const t = Math.max(0, (now - start) / ms);
          if (t >= 1) {
            resolve();
            return;
          }
          try {
            set(at(t));
          } catch (e) {
            reject(e);
            return;
          }
          (globalThis as unknown as BenchWindow).requestAnimationFrame(frame);
        };
        (globalThis as unknown as BenchWindow).requestAnimationFrame(frame);
      });
      const tiles = three
        ? (globalThis as unknown as BenchWindow).__bdtwinLight!.tilesLoadedCount
        : (globalThis as unknown as BenchWindow).__bdtwinKiosk!.tilesLoadedCount;
      return { times, tiles };
    },
    { keyframes, ms: SECONDS * 1000, three: variant === 'three' },
  );
  const deltas = result.times.slice(1).map((t, i) => t - result.times[i]!);
  const sorted = [...deltas].sort((a, b) => a - b);
  const total = (result.times.at(-1)! - result.times[0]!) / 1000;
  return {
    variant,
    frames: deltas.length,
    p50_ms: Math.round(quantile(sorted, 0.5) * 10) / 10,
    p95_ms: Math.round(quantile(sorted, 0.95) * 10) / 10,
    fps: Math.round((deltas.length / total) * 10) / 10,
    tiles_loaded: result.tiles,
    first_view_s: Math.round(firstViewS * 10) / 10,
  };
}

async function main() {
  const log = (line: string) => console.error(`[bench:kiosk] ${line}`);
  const { dataDir } = await ensureDemo({ log });
  const webDir = process.env.BDTWIN_WEB_DIST ?? (await ensureWebBuild({ log }));
  const story = JSON.parse(await readFile(path.join(REPO_ROOT, 'data/kiosk/story.json'), 'utf8')) as Story;
  // Overview → market → pagoda → river: a wide view, two close-ups, a low river view.
  const keyframes = story.stops.slice(0, 4).map((s) => s.view.camera);
  const server = await startServer({ port: 0, dataDir, webDir });
  const browser = await launchChromium();
  const runs: Run[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) {
        // A fresh context per run: no tiles cached from the previous variant.
        const context = await browser.newContext({ viewport: { width: W, height: H } });
        // tsx (esbuild keepNames) wraps named functions in `__name(…)`; the page has no such helper.
        await context.addInitScript('globalThis.__name = (f) => f;');
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const run = await runOnce(page, server.url, variant, keyframes);
        if (errors.length) log(`${variant}: page errors: ${errors.join('; ')}`);
        log(`round ${round + 1} ${variant}: ${JSON.stringify(run)}`);
        runs.push(run);
        await context.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const summary = VARIANTS.map((variant) => {
    const rs = runs.filter((r) => r.variant === variant);
    return {
      variant,
      rounds: rs.length,
      frames: median(rs.map((r) => r.frames)),
      p50_ms: median(rs.map((r) => r.p50_ms)),
      p95_ms: median(rs.map((r) => r.p95_ms)),
      fps: median(rs.map((r) => r.fps)),
      tiles_loaded: median(rs.map((r) => r.tiles_loaded)),
      first_view_s: median(rs.map((r) => r.first_view_s)),
    };
  });
  const full = summary.find((s) => s.variant === 'full')!;
  const rows = summary.map((s) => ({
    ...s,
    p50_vs_full: Math.round((full.p50_ms / s.p50_ms) * 100) / 100,
    p95_vs_full: Math.round((full.p95_ms / s.p95_ms) * 100) / 100,
  }));
  console.log(
    `kiosk flight ${SECONDS} s through ${keyframes.length} story stops, ${W}×${H}, SwiftShader, ${ROUNDS} rounds`,
  );
  console.log(
    'variant | frame p50 ms | frame p95 ms | fps | frames | tiles loaded | first view s | p50 speed-up vs full | p95 speed-up vs full',
  );
  console.log('--- | --- | --- | --- | --- | --- | --- | --- | ---');
  for (const r of rows) {
    console.log(
      `${r.variant} | ${r.p50_ms} | ${r.p95_ms} | ${r.fps} | ${r.frames} | ${r.tiles_loaded} | ${r.first_view_s} | ${r.p50_vs_full}× | ${r.p95_vs_full}×`,
    );
  }
  console.log('');
  for (const r of rows)
    console.log(JSON.stringify({ bench: 'kiosk', width: W, height: H, seconds: SECONDS, ...r }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

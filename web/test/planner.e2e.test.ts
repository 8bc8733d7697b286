/**
 * End-to-end check of the planner mode (`/planner`) in headless Chromium (software WebGL)
 * against the real service and the demo planning scenarios (Hiện trạng 2025 vs TOD 2030), built
 * into test-output/planner-data by scripts/planning/demo.ts. Screenshots go to test-output/.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioInfo, ScenarioMetrics, SunHoursGrid } from '../../tiler/src/api/planning.js';
import { startServer } from '../../tiler/src/serve/server.js';
import type { PlannerHooks } from '../src/modes/planner/testHooks';
import {
  demoModule,
  HAVE_CHROMIUM,
  isLocal,
  launchChromium,
  OUT,
  openWatchedPage,
  type PageWatch,
} from './browser';

/** Imported by computed specifiers: web's TypeScript project must not pull in scripts/. */
interface PlanningDemoModule {
  ensureDemoPlanning(options: { dataDir: string; log?: (line: string) => void }): Promise<string>;
}
const PLANNING_DEMO_MODULE = '../../scripts/planning/demo.js';

const DATA_DIR = path.join(OUT, 'planner-data');
const VIEWPORT = { width: 1280, height: 720 };
const LOAD_TIMEOUT_MS = 60_000;

declare global {
  interface Window {
    __bdtwinPlanner?: PlannerHooks;
  }
}

async function waitForTiles(page: Page): Promise<number> {
  const t0 = Date.now();
  await page.waitForFunction(() => window.__bdtwinPlanner?.tilesLoaded === true, null, {
    timeout: LOAD_TIMEOUT_MS,
    polling: 250,
  });
  return Date.now() - t0;
}

/** vi-VN formatting as the table shows it (1.234,5). */
const vi = (v: number, digits: number) =>
  new Intl.NumberFormat('vi-VN', { maximumFractionDigits: digits }).format(v);
const viSigned = (v: number, digits: number) => (v > 0 ? '+' : '') + vi(v, digits);

describe.skipIf(!HAVE_CHROMIUM)('planner mode (headless Chromium, demo scenarios)', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const watch: PageWatch = { requests: [], failures: [], pageErrors: [] };
  const { requests, failures, pageErrors } = watch;
  let scenarios: ScenarioInfo[] = [];
  let metricsA: ScenarioMetrics;
  let metricsB: ScenarioMetrics;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[planner e2e] ${line}`);
    const { ensureWebBuild } = await demoModule();
    const { ensureDemoPlanning } = (await import(
      /* @vite-ignore */ PLANNING_DEMO_MODULE
    )) as PlanningDemoModule;
    await ensureDemoPlanning({ dataDir: DATA_DIR, log });
    const webDir = await ensureWebBuild({ log });
    server = await startServer({ port: 0, dataDir: DATA_DIR, webDir });
    scenarios = (await (await fetch(`${server.url}/api/scenarios`)).json()) as ScenarioInfo[];
    const metrics = (s: ScenarioInfo) =>
      readFile(path.join(DATA_DIR, s.metricsUrl.replace(/^\/data\//, '')), 'utf8');
    metricsA = JSON.parse(await metrics(scenarios[0]!)) as ScenarioMetrics;
    metricsB = JSON.parse(await metrics(scenarios[1]!)) as ScenarioMetrics;
    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    ({ context, page } = await openWatchedPage(
      browser,
      { viewport: VIEWPORT, acceptDownloads: true },
      watch,
    ));
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await server?.close();
  });

  it('compares two scenarios: swipe, metrics A/B/Δ, CSV, parcel limits, sun hours, synced views', async () => {
    expect(scenarios.map((s) => s.id)).toEqual(['hien-trang-2025', 'tod-2030']);
    const t0 = Date.now();
    await page.goto(`${server!.url}/planner`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bdtwinPlanner?.ready === true, null, {
      timeout: LOAD_TIMEOUT_MS,
    });
    await waitForTiles(page);
    const loadedMs = Date.now() - t0;
    expect(await page.evaluate(() => window.__bdtwinPlanner!.scenarios)).toEqual([
      'hien-trang-2025',
      'tod-2030',
    ]);

    // The parcel with the deliberate storey violation (a 46-storey tower by the station).
    const tooTall = metricsB.parcels.find((p) => p.violations.some((v) => v.rule === 'storeys'))!;
    expect(tooTall).toBeDefined();
    const before = metricsA.parcels.find((p) => p.parcelId === tooTall.parcelId)!;

    // Swipe over the station area: drag the divider from the middle to 42 % of the width, so that
    // today's vacant blocks show left of it and the 2030 towers right of it.
    const sunGrid = JSON.parse(
      await readFile(path.join(DATA_DIR, 'scenarios/tod-2030/sun-hours.json'), 'utf8'),
    ) as SunHoursGrid;
    const centre = { lon: (sunGrid.west + sunGrid.east) / 2, lat: (sunGrid.south + sunGrid.north) / 2 };
    await page.evaluate(
      (c) => window.__bdtwinPlanner!.lookAt({ ...c, range: 1500, heading: 10, pitch: -35 }),
      centre,
    );
    const divider = page.getByTestId('divider');
    const box = (await divider.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(VIEWPORT.width * 0.42, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => page.evaluate(() => window.__bdtwinPlanner!.split)).toBeCloseTo(0.42, 2);
    await waitForTiles(page);
    await page.screenshot({ path: path.join(OUT, 'planner-swipe.png') });

    // Metrics table: A, B and Δ for that parcel, as the metrics files say.
    const row = page.getByTestId('metrics').locator(`tr[data-row="${tooTall.parcelId}"]`);
    await row.scrollIntoViewIfNeeded();
    expect(await row.locator('[data-col="gfaM2-a"]').textContent()).toBe(vi(before.gfaM2, 0));
    expect(await row.locator('[data-col="gfaM2-b"]').textContent()).toBe(vi(tooTall.gfaM2, 0));
    expect(await row.locator('[data-col="gfaM2-d"]').textContent()).toBe(
      viSigned(tooTall.gfaM2 - before.gfaM2, 0),
    );
    expect(await row.locator('[data-col="far-b"]').textContent()).toBe(vi(tooTall.far, 2));
    expect(await row.locator('td.rules').nth(1).textContent()).toContain('vượt tầng cao');

    // CSV export: the download holds the same numbers.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-csv').click(),
    ]);
    expect(download.suggestedFilename()).toBe('so-sanh-hien-trang-2025-tod-2030.csv');
    const csvPath = path.join(OUT, download.suggestedFilename());
    await download.saveAs(csvPath);
    const csv = (await readFile(csvPath, 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe(
      'level,id,landUse,gfaM2_A,gfaM2_B,gfaM2_delta,far_A,far_B,far_delta,coverage_A,coverage_B,coverage_delta,' +
        'residents_A,residents_B,residents_delta,buildings_A,buildings_B,buildings_delta,greenShare_A,greenShare_B,violations_A,violations_B',
    );
    const cells = lines.find((l) => l.startsWith(`parcel,${tooTall.parcelId},`))!.split(',');
    expect(Number(cells[3])).toBeCloseTo(before.gfaM2, 1);
    expect(Number(cells[4])).toBeCloseTo(tooTall.gfaM2, 1);
    expect(Number(cells[5])).toBeCloseTo(tooTall.gfaM2 - before.gfaM2, 1);
    expect(cells.at(-1)).toContain('storeys');
    expect(lines.at(-1)).toMatch(/^total,hien-trang-2025 \| tod-2030,/);

    // Click the parcel's envelope: its limits against what A and B propose.
    await page.evaluate(
      (c) => window.__bdtwinPlanner!.lookAt({ ...c, range: 650, heading: 0, pitch: -50 }),
      centre,
    );
    await waitForTiles(page);
    const pickPoint = await page.evaluate(
      ({ c, h }) => window.__bdtwinPlanner!.worldToScreen(c.lon, c.lat, h),
      { c: centre, h: Math.min(20, (tooTall.maxHeightM ?? 40) / 2) },
    );
    expect(pickPoint).not.toBeNull();
    await page.mouse.click(pickPoint!.x, pickPoint!.y);
    const panel = page.getByTestId('parcel-panel');
    await panel.waitFor({ state: 'visible', timeout: 20_000 });
    const pickedId = await page.evaluate(() => {
      const p = window.__bdtwinPlanner!.picked;
      return p?.kind === 'parcel' ? p.parcelId : null;
    });
    expect(pickedId).not.toBeNull();
    expect(await panel.getByRole('heading').textContent()).toBe(`Lô đất ${pickedId}`);
    expect(await panel.locator('[data-field="planner.parcel.maxFar"]').textContent()).toContain(
      'Hệ số sử dụng đất tối đa',
    );
    await page.screenshot({ path: path.join(OUT, 'planner-parcel.png') });
    await panel.getByRole('button', { name: 'Đóng' }).click();
    await panel.waitFor({ state: 'detached', timeout: 10_000 });

    // Sun hours on the winter solstice, A | B under the swipe, then the difference B − A.
    await page.getByTestId('sun-overlay-each').check();
    await page.getByTestId('metrics-toggle').click();
    await page.getByLabel('Khối bao quy hoạch').uncheck();
    // The divider through the middle of the analysed area: A's half left, B's half right.
    await page.getByTestId('divider').focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.evaluate(() => window.__bdtwinPlanner!.split)).toBeCloseTo(0.5, 2);
    await page.evaluate(
      (c) => window.__bdtwinPlanner!.lookAt({ ...c, range: 800, heading: 0, pitch: -80 }),
      centre,
    );
    await waitForTiles(page);
    await page.evaluate(() => new Promise((r) => setTimeout(r, 1000)));
    await page.screenshot({ path: path.join(OUT, 'planner-sun-hours.png') });
    await page.getByTestId('sun-overlay-delta').check();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 1000)));
    await page.screenshot({ path: path.join(OUT, 'planner-sun-delta.png') });
    await expect
      .poll(() => page.getByTestId('planner-legend').locator('h3').last().textContent())
      .toBe('Chênh lệch giờ nắng B − A');
    await page.getByTestId('sun-overlay-off').check();
    await page.getByLabel('Khối bao quy hoạch').check();

    // Synced side-by-side views: two viewers, the right one follows the left one's camera, and
    // no imagery tile is fetched twice.
    const imageryBefore = requests.filter((u) => u.includes('NaturalEarthII')).length;
    await page.getByLabel('Hai khung đồng bộ').check();
    await expect.poll(() => page.evaluate(() => window.__bdtwinPlanner!.viewers)).toBe(2);
    await page.evaluate(
      (c) => window.__bdtwinPlanner!.lookAt({ ...c, range: 1600, heading: 30, pitch: -40 }),
      centre,
    );
    await waitForTiles(page);
    const cams = await page.evaluate(() => [
      window.__bdtwinPlanner!.camera(0),
      window.__bdtwinPlanner!.camera(1),
    ]);
    expect(cams[1]!.lon).toBeCloseTo(cams[0]!.lon, 6);
    expect(cams[1]!.lat).toBeCloseTo(cams[0]!.lat, 6);
    expect(cams[1]!.height).toBeCloseTo(cams[0]!.height, 0);
    expect(cams[1]!.heading).toBeCloseTo(cams[0]!.heading, 3);
    // A drag in the right view moves the left one.
    const right = (await page.getByTestId('view-b').boundingBox())!;
    await page.mouse.move(right.x + right.width / 2, right.y + right.height / 2);
    await page.mouse.down();
    await page.mouse.move(right.x + right.width / 2 - 120, right.y + right.height / 2 + 40, { steps: 6 });
    await page.mouse.up();
    await waitForTiles(page);
    const moved = await page.evaluate(() => [
      window.__bdtwinPlanner!.camera(0),
      window.__bdtwinPlanner!.camera(1),
    ]);
    expect(moved[0]!.lon).not.toBeCloseTo(cams[0]!.lon, 6);
    expect(moved[0]!.lon).toBeCloseTo(moved[1]!.lon, 6);
    expect(moved[0]!.lat).toBeCloseTo(moved[1]!.lat, 6);
    await page.screenshot({ path: path.join(OUT, 'planner-side-by-side.png') });
    const imagery = requests.filter((u) => u.includes('NaturalEarthII'));
    const twice = imagery.filter((u, i) => imagery.indexOf(u) !== i);
    console.log(
      `[planner e2e] loaded in ${loadedMs} ms; imagery requests ${imageryBefore} (swipe) → ${imagery.length} (side by side), repeated: ${twice.length}`,
    );
    expect(twice).toEqual([]);

    // Offline and clean.
    expect(await page.evaluate(() => window.__bdtwinPlanner!.errors)).toEqual([]);
    expect(requests.filter((u) => !isLocal(u))).toEqual([]);
    expect(failures).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});

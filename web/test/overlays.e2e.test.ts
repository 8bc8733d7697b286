/**
 * Live overlays end to end: the built viewer in headless Chromium against the real service with
 * its feed hub (temporary SQLite file) and the simulator running in-process, all data through the
 * hub's public protocols (SensorThings HTTP, TrafficFlowObserved, GTFS-realtime). Known values are
 * posted by the test itself so colours and alarms are deterministic. See web/test/README.md.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeVehiclePositions } from '../../tiler/src/feeds/ingest/gtfs-rt.js';
import { runSimulator, SIMULATE_DEFAULTS } from '../../tiler/src/feeds/sim/simulate.js';
import { airStationBody, gaugeBody } from '../../tiler/src/feeds/sim/sta-bodies.js';
import { type TestAuth, testAuth } from '../../tiler/src/serve/auth/testing.js';
import { type RunningServer, startServer } from '../../tiler/src/serve/server.js';
import type { BdtwinHooks } from '../src/scene/testHooks';
import { demoModule, HAVE_CHROMIUM, isLocal, launchChromium, loginAs, OUT, ROOT } from './browser';

const VIEWPORT = { width: 1280, height: 720 };
const LOAD_TIMEOUT_MS = 120_000;
const MIN = 60_000;
const HOUR = 3_600_000;

declare global {
  interface Window {
    __bdtwin?: BdtwinHooks;
    __notReloaded?: boolean;
  }
}

/** Places in the opening view (central Thủ Dầu Một). */
const DIRTY_AT: [number, number] = [106.6585, 10.9905];
const CLEAN_AT: [number, number] = [106.6725, 10.9955];
const GAUGE_AT: [number, number] = [106.6505, 10.9745];
/** A tertiary street the simulator does not feed (it feeds trunk, primary and secondary roads). */
const JAM_SEGMENT = 'R-015791';
/** Test buses: eastward along a line in view, ~20 m/s so they visibly move between screenshots. */
const BUS_START: [number, number] = [106.655, 10.9855];
const BUS_STEP_DEG_PER_S = 0.0002;

async function post(
  base: string,
  url: string,
  body: unknown,
  expected = 201,
): Promise<Record<string, unknown>> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== expected) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Creates a Thing (deep insert) and returns its id and datastream ids by observed property. */
async function createThing(base: string, body: unknown): Promise<{ id: number; ds: Map<string, number> }> {
  const thing = await post(base, '/v1.1/Things', body);
  const id = thing['@iot.id'] as number;
  const res = await fetch(`${base}/v1.1/Things(${id})/Datastreams?$expand=ObservedProperty`);
  const list = (await res.json()) as { value: { '@iot.id': number; ObservedProperty: { name: string } }[] };
  return { id, ds: new Map(list.value.map((d) => [d.ObservedProperty.name, d['@iot.id']])) };
}

function observe(base: string, datastream: number, timeMs: number, result: number) {
  return post(base, `/v1.1/Datastreams(${datastream})/Observations`, {
    phenomenonTime: new Date(timeMs).toISOString(),
    result,
  });
}

async function postBuses(base: string, tMs: number, t0Ms: number): Promise<void> {
  const s = (tMs - t0Ms) / 1000;
  const vehicles = [0, 1].map((i) => ({
    vehicleId: `e2e-bus-${i}`,
    label: `Kaze 5${i + 2}`,
    routeId: `5${i + 2}`,
    tripId: `e2e-trip-${i}`,
    timeMs: tMs,
    lonDeg: BUS_START[0] + s * BUS_STEP_DEG_PER_S,
    latDeg: BUS_START[1] + i * 0.004,
    speedMS: 20,
  }));
  const res = await fetch(`${base}/api/gtfs-rt/vehicle-positions`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: Buffer.from(encodeVehiclePositions(vehicles, tMs)),
  });
  if (res.status !== 202) throw new Error(`GTFS-rt POST: ${res.status}`);
}

const hooks = (page: Page) => page.evaluate(() => window.__bdtwin!.overlays!.connection);

describe.skipIf(!HAVE_CHROMIUM)('live overlays (headless Chromium, real hub + simulator)', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let tmp = '';
  let dataDir = '';
  let webDir = '';
  let base = '';
  let port = 0;
  const sim = new AbortController();
  let simDone: Promise<unknown> = Promise.resolve();
  let busTimer: ReturnType<typeof setInterval> | undefined;
  const requests: string[] = [];
  const pageErrors: string[] = [];
  const ids = { dirty: 0, clean: 0, gauge: 0, cleanPm25: 0, gaugeLevel: 0 };
  // Alerts and traffic detail are the operators' (docs/security.md): the viewer signs in as one.
  let access: TestAuth;

  const startHub = async () =>
    startServer({
      auth: access.auth,
      port,
      dataDir,
      webDir,
      feeds: {
        dbFile: path.join(tmp, 'hub.sqlite'),
        mqttPort: 0,
        roadsFile: path.join(dataDir, 'roads.geojson'),
        log: () => {},
      },
    });

  beforeAll(async () => {
    const log = (line: string) => console.log(`[overlays e2e] ${line}`);
    const demo = await demoModule();
    dataDir = (await demo.ensureDemo({ log })).dataDir;
    // BDTWIN_WEB_DIST: a viewer built elsewhere (parallel work on web/dist).
    webDir = process.env.BDTWIN_WEB_DIST ?? (await demo.ensureWebBuild({ log }));
    tmp = await mkdtemp(path.join(tmpdir(), 'bdtwin-overlays-'));
    access = await testAuth();
    server = await startHub();
    port = server.port;
    base = `http://127.0.0.1:${port}`;

    // Known values first (deterministic colours), then the simulator for a living city.
    const now = Date.now();
    const hour = Math.floor(now / HOUR) * HOUR;
    const dirty = await createThing(base, airStationBody('E2E-1', ...DIRTY_AT, ['PM2.5'], 'Ô nhiễm'));
    const clean = await createThing(base, airStationBody('E2E-2', ...CLEAN_AT, ['PM2.5'], 'Sạch'));
    const gauge = await createThing(base, gaugeBody('Cầu E2E', ...GAUGE_AT, [1.3, 1.5, 1.7]));
    ids.dirty = dirty.id;
    ids.clean = clean.id;
    ids.gauge = gauge.id;
    ids.cleanPm25 = clean.ds.get('PM2.5')!;
    ids.gaugeLevel = gauge.ds.get('water level')!;
    // NowCast needs 2 of the 3 latest hours: one value in the previous hour, one in this one.
    // PM2.5 100 µg/m³ → VN_AQI 150 + (100 − 80) × 50/70 = 164 (band 4 "Xấu", red);
    // PM2.5 10 → 10 × 50/25 = 20 (band 1 "Tốt", green).
    for (const [ds, v] of [
      [dirty.ds.get('PM2.5')!, 100],
      [ids.cleanPm25, 10],
    ] as const) {
      await observe(base, ds, hour - 30 * MIN, v);
      await observe(base, ds, now - 1_000, v);
    }
    // The gauge was calm half an hour ago (replay looks there later).
    await observe(base, ids.gaugeLevel, now - 40 * MIN, 0.9);
    await post(
      base,
      '/api/traffic/flow',
      [
        {
          id: 'e2e',
          type: 'TrafficFlowObserved',
          refRoadSegment: JAM_SEGMENT,
          averageVehicleSpeed: 4,
          intensity: 900,
        },
      ],
      202,
    );
    simDone = runSimulator({
      ...SIMULATE_DEFAULTS,
      url: base,
      backfillHours: 2,
      incidents: [],
      repoRoot: ROOT,
      signal: sim.signal,
      log: () => {},
    }).catch((e: Error) => log(`simulator: ${e.message}`));

    await mkdir(OUT, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    await loginAs(context, base, access, 'operator');
    context.on('request', (r) => {
      requests.push(r.url());
    });
    page = await context.newPage();
    page.on('pageerror', (e) => {
      pageErrors.push(e.message);
    });
  }, 600_000);

  afterAll(async () => {
    if (busTimer) clearInterval(busTimer);
    sim.abort();
    await simDone;
    await context?.close();
    await browser?.close();
    await server?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('draws stations in their VN_AQI colours, gauges on the ground and traffic by speed', async () => {
    await page.goto(`${base.replace('127.0.0.1', 'localhost')}/`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.__bdtwin?.ready === true, null, { timeout: LOAD_TIMEOUT_MS });
    await page.waitForFunction(() => window.__bdtwin?.overlays?.connection === 'connected', null, {
      timeout: 30_000,
    });
    const dirty = `air:${ids.dirty}`;
    const clean = `air:${ids.clean}`;
    await expect
      .poll(() => page.evaluate((k) => window.__bdtwin!.overlays!.marker(k), dirty), { timeout: 20_000 })
      .toMatchObject({ colour: '#FF0000', text: '164', stale: false });
    expect(await page.evaluate((k) => window.__bdtwin!.overlays!.marker(k), clean)).toMatchObject({
      colour: '#00E400',
      text: '20',
    });
    // The polluted station raised an air alert (band ≥ 4).
    await expect
      .poll(() => page.evaluate(() => window.__bdtwin!.overlays!.alerts().map((a) => a.key)))
      .toContain(`alert:air:${dirty}`);
    // The simulator's 26 stations and 7 gauges are in too.
    await expect
      .poll(() => page.evaluate(() => window.__bdtwin!.overlays!.counts), { timeout: 30_000 })
      .toMatchObject({ air: 28, water: 8 });
    await expect
      .poll(() => page.evaluate((k) => window.__bdtwin!.overlays!.traffic(k), `traffic:${JAM_SEGMENT}`))
      .toMatchObject({ id: 'jam' });

    // The gauge stands on the terrain (the demo DEM lifts the city 5–40 m), not at sea level.
    const gauge = `water:${ids.gauge}`;
    await page.waitForFunction(() => window.__bdtwin?.tilesLoaded === true, null, {
      timeout: LOAD_TIMEOUT_MS,
    });
    const foot = await page.evaluate(
      ({ k, at }) => ({
        marker: window.__bdtwin!.overlays!.marker(k)!.heightM,
        ground: window.__bdtwin!.groundHeight(at[0], at[1]),
      }),
      { k: gauge, at: GAUGE_AT },
    );
    expect(foot.marker).toBeGreaterThan(2);
    if (foot.ground !== null) expect(Math.abs(foot.marker - 1 - foot.ground)).toBeLessThan(3);
    await page.waitForFunction(() => window.__bdtwin!.overlays!.trafficSettled, null, { timeout: 30_000 });
    await page.screenshot({ path: path.join(OUT, 'overlays-overview.png') });

    // Click the polluted station: the panel shows its VN_AQI and a 24-hour chart.
    const at = await page.evaluate(
      ({ p }) =>
        window.__bdtwin!.worldToScreen(p[0], p[1], (window.__bdtwin!.groundHeight(p[0], p[1]) ?? 0) + 1),
      { p: DIRTY_AT },
    );
    expect(at).not.toBeNull();
    // The marker's disc is ~30 px above its foot (the billboard stands on a stem).
    await page.mouse.click(at!.x, at!.y - 30);
    const panel = page.getByTestId('feed-panel');
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await panel.getAttribute('data-key')).toBe(dirty);
    expect(await panel.locator('[data-field="aqi"] dd').textContent()).toContain('164 — Xấu');
    await panel.locator('[data-testid="history-chart"][data-state="ready"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(OUT, 'overlays-station.png') });
    await panel.getByRole('button', { name: 'Đóng' }).click();

    // A full marker atlas is renewed (Cesium's only grows): a budget of 4 images, below the
    // ~30 looks in use, renews it; the markers keep their looks and still answer a click.
    const before = await page.evaluate(() => window.__bdtwin!.overlays!.sensorAtlas());
    await page.evaluate(() => window.__bdtwin!.overlays!.setSensorAtlasBudget(4));
    await expect
      .poll(() => page.evaluate(() => window.__bdtwin!.overlays!.sensorAtlas().renewals), { timeout: 30_000 })
      .toBeGreaterThan(before.renewals);
    expect(await page.evaluate((k) => window.__bdtwin!.overlays!.marker(k), dirty)).toMatchObject({
      colour: '#FF0000',
      text: '164',
      shown: true,
    });
    await page.mouse.click(at!.x, at!.y - 30);
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await panel.getAttribute('data-key')).toBe(dirty);
    await page.screenshot({ path: path.join(OUT, 'overlays-atlas-renewed.png') });
    await panel.getByRole('button', { name: 'Đóng' }).click();
    await page.evaluate(() => window.__bdtwin!.overlays!.setSensorAtlasBudget(512));
    console.log(
      `[overlays e2e] markers ok (atlas ${before.images} images, renewed); gauge foot ${foot.marker.toFixed(1)} m, ground ${foot.ground}`,
    );
  }, 240_000);

  it('raises a flood alert from a scripted rise, and flies to the gauge when it is clicked', async () => {
    const now = Date.now();
    for (const [i, level] of [1.2, 1.45, 1.62, 1.82].entries()) {
      await observe(base, ids.gaugeLevel, now - (4 - i) * 30_000, level);
    }
    const key = `alert:flood:water:${ids.gauge}`;
    const item = page.locator(`[data-alert-key="${key}"]`);
    await item.waitFor({ state: 'visible', timeout: 15_000 });
    expect(await item.getAttribute('data-severity')).toBe('critical');
    expect(
      await page.evaluate((k) => window.__bdtwin!.overlays!.marker(k), `water:${ids.gauge}`),
    ).toMatchObject({ text: '1,82', colour: '#E53935' });
    // Look elsewhere first, so the flight is a real move.
    await page.evaluate(() => window.__bdtwin!.lookAt({ lon: 106.7, lat: 11.03, range: 6000, pitch: -40 }));
    await item.locator('button.goto').click();
    await expect
      .poll(
        async () => {
          const p = await page.evaluate((g) => window.__bdtwin!.worldToScreen(g[0], g[1], 10), GAUGE_AT);
          return p ? Math.hypot(p.x - VIEWPORT.width / 2, p.y - VIEWPORT.height / 2) : 9999;
        },
        { timeout: 15_000 },
      )
      .toBeLessThan(80);
    await expect
      .poll(() => page.getByTestId('feed-panel').getAttribute('data-key'))
      .toBe(`water:${ids.gauge}`);
    await page.waitForFunction(() => window.__bdtwin?.tilesLoaded === true, null, {
      timeout: LOAD_TIMEOUT_MS,
    });
    await page.screenshot({ path: path.join(OUT, 'overlays-flood-alert.png') });
    // Acknowledged alerts leave the list.
    await item.locator('button.ack').click();
    await item.waitFor({ state: 'detached', timeout: 5_000 });
  }, 120_000);

  it('moves buses smoothly between two screenshots', async () => {
    await page.evaluate(() =>
      window.__bdtwin!.lookAt({ lon: 106.6575, lat: 10.9875, range: 1500, pitch: -50 }),
    );
    await postBuses(base, Date.now(), Date.now());
    const busT0 = Date.now();
    busTimer = setInterval(() => void postBuses(base, Date.now(), busT0).catch(() => {}), 1_000);
    const bus = 'vehicle:e2e-bus-0';
    // Hub → /ws → feed worker → a paced slice: seconds on a loaded machine, not the 1 s default.
    await expect
      .poll(() => page.evaluate((k) => window.__bdtwin!.overlays!.vehicle(k), bus), { timeout: 15_000 })
      .not.toBeNull();
    await page.waitForTimeout(2_500);
    const a = await page.evaluate((k) => window.__bdtwin!.overlays!.vehicle(k)!, bus);
    const shotA = await page.screenshot({ path: path.join(OUT, 'overlays-buses-1.png') });
    await page.waitForTimeout(3_000);
    const b = await page.evaluate((k) => window.__bdtwin!.overlays!.vehicle(k)!, bus);
    const shotB = await page.screenshot({ path: path.join(OUT, 'overlays-buses-2.png') });
    // ~0.0002°/s for 3 s: about 60 m east, drawn on the way (not jumping report to report).
    expect(b.lon - a.lon).toBeGreaterThan(0.0002);
    expect(Math.abs(b.lat - a.lat)).toBeLessThan(1e-5);
    expect(a.text).toBe('52');
    expect(shotA.equals(shotB)).toBe(false);
    // Between reports the marker glides: sample positions faster than the reports come.
    const samples = await page.evaluate(async (k) => {
      const out: number[] = [];
      for (let i = 0; i < 8; i++) {
        out.push(window.__bdtwin!.overlays!.vehicle(k)!.lon);
        await new Promise((r) => setTimeout(r, 150));
      }
      return out;
    }, bus);
    const distinct = new Set(samples.map((x) => x.toFixed(7))).size;
    expect(distinct).toBeGreaterThan(4);
  }, 60_000);

  it('replays an earlier moment and returns to live', async () => {
    const at = Math.floor((Date.now() - 30 * MIN) / MIN) * MIN;
    const slider = page.getByTestId('replay-bar').locator('input[type="range"]');
    await slider.fill(String(at));
    await expect.poll(() => page.evaluate(() => window.__bdtwin!.overlays!.mode)).toBe('replay');
    const gauge = `water:${ids.gauge}`;
    await expect
      .poll(() => page.evaluate((k) => window.__bdtwin!.overlays!.marker(k)?.text, gauge), {
        timeout: 10_000,
      })
      .toBe('0,90');
    const replayed = await page.evaluate(() => ({
      vehicles: window.__bdtwin!.overlays!.keys('vehicles').filter((k) => k.includes('e2e')),
      alerts: window.__bdtwin!.overlays!.alerts().map((a) => a.key),
      seek: null,
    }));
    // Half an hour ago the test buses did not exist and the river was calm.
    expect(replayed.vehicles).toEqual([]);
    expect(replayed.alerts).not.toContain(`alert:flood:${gauge}`);
    expect(await page.getByTestId('replay-bar').getAttribute('data-mode')).toBe('replay');
    await page.screenshot({ path: path.join(OUT, 'overlays-replay.png') });
    // A scrub straight through the hook: the state is drawn within 500 ms.
    const timing = await page.evaluate((t) => window.__bdtwin!.overlays!.seek(t), at - 60 * MIN);
    console.log(`[overlays e2e] replay seek: ${JSON.stringify(timing)}`);
    expect(timing!.totalMs).toBeLessThan(500);

    await page.getByRole('button', { name: 'Trực tiếp' }).click();
    await expect.poll(() => page.evaluate(() => window.__bdtwin!.overlays!.mode)).toBe('live');
    expect(await page.evaluate((k) => window.__bdtwin!.overlays!.marker(k)?.text, gauge)).toBe('1,82');
    expect(await page.evaluate(() => window.__bdtwin!.overlays!.keys('vehicles').length)).toBeGreaterThan(0);
  }, 60_000);

  it('survives the hub restarting: reconnecting, then connected, and data flows again', async () => {
    await page.evaluate(() => {
      window.__notReloaded = true;
    });
    const before = await page.evaluate(() => window.__bdtwin!.overlays!.reconnects);
    await server!.close();
    await expect.poll(() => hooks(page), { timeout: 10_000 }).toMatch(/reconnecting|offline/);
    expect(await page.getByTestId('connection').getAttribute('data-status')).toMatch(/reconnecting|offline/);
    await page.screenshot({ path: path.join(OUT, 'overlays-reconnecting.png') });
    server = await startHub();
    await expect.poll(() => hooks(page), { timeout: 30_000 }).toBe('connected');
    expect(await page.evaluate(() => window.__bdtwin!.overlays!.reconnects)).toBeGreaterThan(before);
    expect(await page.evaluate(() => window.__notReloaded)).toBe(true);
    // New data after the restart reaches the page: the river falls back to alarm I.
    await observe(base, ids.gaugeLevel, Date.now(), 1.4);
    await expect
      .poll(() => page.evaluate((k) => window.__bdtwin!.overlays!.marker(k), `water:${ids.gauge}`), {
        timeout: 10_000,
      })
      .toMatchObject({ text: '1,40', colour: '#FFD400' });
    expect(await page.getByTestId('connection').getAttribute('data-status')).toBe('connected');

    const foreign = requests.filter((u) => !isLocal(u));
    expect(foreign).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});

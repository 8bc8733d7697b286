import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirStationState, WaterGaugeState } from '../../api/feeds.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { loadKazeFeed } from '../gtfs/kaze.js';
import { TestViewer } from '../testing/fixtures.js';
import { localHour, pollutantUgM3, segmentFlow, trafficProfile } from './models.js';
import { busPositions, runSimulator, SIMULATE_DEFAULTS } from './simulate.js';

const REPO = path.resolve(import.meta.dirname, '../../../..');
let dir: string;
let server: RunningServer;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-sim-'));
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    feeds: { dbFile: path.join(dir, 'hub.sqlite'), mqttPort: -1 },
    // Not about access control (serve/auth/boundaries.test.ts is): every caller sees every feed layer.
    auth: { anonymousRole: 'admin' },
  });
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('simulator models', () => {
  it('has morning and evening rush hours in Vietnam time (UTC+7)', () => {
    expect(localHour(Date.parse('2025-07-01T00:30:00Z'))).toBeCloseTo(7.5, 6);
    const at = (h: number) => trafficProfile(h);
    expect(at(7.5)).toBeGreaterThan(2 * at(11));
    expect(at(17.5)).toBeGreaterThan(2 * at(11));
    expect(at(3)).toBeLessThan(0.15);
    const rush = segmentFlow(1, 'R-1', 4, 60, 0.95, Date.parse('2025-07-01T00:30:00Z')); // 07:30
    const night = segmentFlow(1, 'R-1', 4, 60, 0.95, Date.parse('2025-07-01T20:00:00Z')); // 03:00
    expect(rush.congested).toBe(true);
    expect(rush.averageVehicleSpeed).toBeLessThan(night.averageVehicleSpeed / 2);
  });

  it('is deterministic for a seed', () => {
    const t = Date.parse('2025-07-01T05:00:00Z');
    expect(pollutantUgM3(7, 'GT5', 'traffic', 'pm25', t)).toBe(pollutantUgM3(7, 'GT5', 'traffic', 'pm25', t));
    expect(pollutantUgM3(7, 'GT5', 'traffic', 'pm25', t)).not.toBe(
      pollutantUgM3(8, 'GT5', 'traffic', 'pm25', t),
    );
  });

  it('runs the Kaze buses on their timetables between the stops', async () => {
    const feed = await loadKazeFeed(
      path.join(REPO, 'data/transport/kaze_bus_routes_summary.json'),
      path.join(REPO, 'data/transport/kaze_bus_stops_osm.geojson'),
    );
    // 07:20 local: route 39 forward left Tòa nhà Becamex at 06:15, 06:25, 06:35, 06:45 and 07:15
    // (a trip takes ~1.5 h), backward left VSIP 2 at 07:15.
    const buses = busPositions(feed, Date.parse('2025-07-01T00:20:00Z'));
    const r39 = buses.filter((b) => b.routeId === '39');
    expect(r39.map((b) => b.tripId).sort()).toEqual([
      '39-b-0715',
      '39-f-0615',
      '39-f-0625',
      '39-f-0635',
      '39-f-0645',
      '39-f-0715',
    ]);
    for (const b of buses) {
      expect(b.lonDeg).toBeGreaterThan(106.6);
      expect(b.lonDeg).toBeLessThan(106.8);
    }
    expect(busPositions(feed, Date.parse('2025-07-01T19:00:00Z'))).toEqual([]); // 02:00 local
  });
});

describe('bdtwin simulate against a hub', () => {
  it('creates stations over SensorThings, reports over MQTT and HTTP, and the rules see it', async () => {
    const viewer = await new TestViewer(`${server.url.replace('http', 'ws')}/ws`).open({
      layers: ['air', 'water', 'traffic', 'alerts'],
    });
    const stats = await runSimulator({
      ...SIMULATE_DEFAULTS,
      url: server.url,
      mqttUrl: `mqtt://127.0.0.1:${server.hub!.mqttPort}`,
      intervalS: 1,
      roadClasses: ['trunk'],
      backfillHours: 2,
      durationS: 2,
      incidents: ['flood'],
      repoRoot: REPO,
      log: () => {},
    });
    expect(stats.errors).toBe(0);
    expect(stats.observations).toBeGreaterThan(26 * 6 * 11);
    expect(stats.flows).toBeGreaterThan(100);
    await viewer.until(() => [...viewer.latest.values()].filter((e) => e.layer === 'air').length === 26);
    const dt4 = [...viewer.latest.values()].find(
      (e) => e.layer === 'air' && e.code === 'ĐT4',
    ) as AirStationState;
    expect(dt4.aqi?.aqi).toBeGreaterThan(0); // backfilled hours give the NowCast its data
    expect(Object.keys(dt4.valuesUgM3).sort()).toEqual(['co', 'no2', 'o3', 'pm10', 'pm25', 'so2']);
    const gauges = [...viewer.latest.values()].filter((e): e is WaterGaugeState => e.layer === 'water');
    expect(gauges.map((g) => g.name)).toContain('Phú Cường');
    expect([...viewer.latest.values()].some((e) => e.layer === 'traffic')).toBe(true);
    // No stale alerts from the backfill: that data was old on arrival, the sensors are not silent.
    expect([...viewer.latest.values()].filter((e) => e.layer === 'alerts' && e.kind === 'stale')).toEqual([]);
    // A second run finds the Things by name instead of creating them again.
    await runSimulator({
      ...SIMULATE_DEFAULTS,
      url: server.url,
      backfillHours: 0,
      durationS: 0,
      roadClasses: [],
      incidents: [],
      repoRoot: REPO,
      log: () => {},
    });
    const things = (await (await fetch(`${server.url}/v1.1/Things?$count=true&$top=1`)).json()) as {
      '@iot.count': number;
    };
    expect(things['@iot.count']).toBe(33);
    viewer.close();
  });
});

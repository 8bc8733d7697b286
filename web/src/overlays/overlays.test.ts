/** Pure parts of the live overlays: colours, glides, alert book, replay seeks. */
import { describe, expect, it } from 'vitest';
import type { AirStationState, AlertState, WaterGaugeState } from '../api';
import { AlertBook, ackIdOf, replayAlertItems, severityOf } from './alerts';
import { Conflator } from './conflate';
import { clampReplayTime, ReplayFetcher, stateUrl } from './replay';
import { airMarker, GAUGE_COLOURS, gaugeMarker, readableTextColour, STALE_COLOUR } from './sensors';
import { TRAFFIC_STALE, trafficClass } from './traffic';
import { isMoving, nextMotion, positionAt, routeColour, vehicleAlive, vehicleLook } from './vehicles';

const T = '2025-07-01T00:00:00.000Z';

function station(aqi: number | undefined, freshness: 'fresh' | 'stale' = 'fresh'): AirStationState {
  return {
    key: 'air:1',
    layer: 'air',
    seq: 1,
    time: T,
    freshness,
    lonDeg: 106.6,
    latDeg: 11,
    thingId: 1,
    name: 'ĐT4',
    valuesUgM3: { pm25: 40 },
    ...(aqi === undefined
      ? {}
      : { aqi: { aqi, level: 0, dominant: 'pm25' as const, subIndex: { pm25: aqi } } }),
  };
}

function gauge(levelM: number, alarmLevel: 0 | 1 | 2 | 3): WaterGaugeState {
  return {
    key: 'water:5',
    layer: 'water',
    seq: 1,
    time: T,
    freshness: 'fresh',
    lonDeg: 106.6,
    latDeg: 11,
    thingId: 5,
    name: 'Thị Tính',
    levelM,
    alarmLevel,
    alarmThresholdsM: [1.3, 1.5, 1.7],
  };
}

function alert(key: string, active: boolean, level: number, time = T): AlertState {
  return {
    key,
    layer: 'alerts',
    seq: 1,
    time,
    freshness: 'fresh',
    lonDeg: 106.6,
    latDeg: 11,
    kind: key.startsWith('alert:flood') ? 'flood' : 'air',
    subject: key.split(':').slice(2).join(':'),
    active,
    level,
    messageVi: 'x',
    messageEn: 'x',
  };
}

describe('sensor markers', () => {
  it('colour air stations by VN_AQI band, on the band boundaries', () => {
    expect(airMarker(station(50)).colour).toBe('#00E400');
    expect(airMarker(station(51)).colour).toBe('#FFFF00');
    expect(airMarker(station(150)).colour).toBe('#FF7E00');
    expect(airMarker(station(151)).colour).toBe('#FF0000');
    expect(airMarker(station(301)).colour).toBe('#7E0023');
    expect(airMarker(station(164)).text).toBe('164');
    expect(airMarker(station(undefined)).text).toBe('–');
    expect(airMarker(station(80, 'stale')).colour).toBe(STALE_COLOUR);
  });

  it('pick readable text on band colours', () => {
    expect(readableTextColour('#FFFF00')).toBe('#111111');
    expect(readableTextColour('#00E400')).toBe('#111111');
    expect(readableTextColour('#7E0023')).toBe('#FFFFFF');
    expect(readableTextColour('#8F3F97')).toBe('#FFFFFF');
  });

  it('draw a gauge against its alarm levels', () => {
    const g = gaugeMarker(gauge(1.8, 3));
    expect(g.colour).toBe(GAUGE_COLOURS[3]);
    expect(g.text).toBe('1,80');
    // Scale 0.3 … 2.2 m: I, II, III at (1.3−0.3)/1.9 …
    expect(g.ticks.map((t) => t.toFixed(3))).toEqual(['0.526', '0.632', '0.737']);
    expect(g.fill).toBeCloseTo(1.5 / 1.9, 6);
    expect(gaugeMarker(gauge(0.2, 0)).fill).toBe(0);
  });

  it('give one image id per drawn look: rain to the 0.1 mm the badge shows', () => {
    const rainy = (mm: number) => gaugeMarker({ ...gauge(1.2, 0), rainMm: mm });
    // Reports that draw the same badge share an image (and an atlas entry)…
    expect(rainy(0.3712).imageId).toBe(rainy(0.4493).imageId);
    expect(rainy(0.3712).rainMm).toBe(0.4);
    // …and one that draws another does not.
    expect(rainy(0.46).imageId).not.toBe(rainy(0.34).imageId);
    // A trace that rounds to 0 draws no badge, like no rain.
    expect(rainy(0.04).rainMm).toBeUndefined();
    expect(rainy(0.04).imageId).toBe(gaugeMarker(gauge(1.2, 0)).imageId);
    // Over a rainy hour of minute reports, a handful of images, not sixty.
    const ids = new Set(
      Array.from({ length: 60 }, (_, i) => rainy(0.5 + 0.3 * Math.sin(i / 7) + i * 1e-4).imageId),
    );
    expect(ids.size).toBeLessThanOrEqual(7);
  });
});

describe('traffic classes', () => {
  it('use speed relative to free flow, the congestion flag and staleness', () => {
    expect(trafficClass({ averageSpeedKmh: 55, freshness: 'fresh' }, 60).id).toBe('free');
    expect(trafficClass({ averageSpeedKmh: 36, freshness: 'fresh' }, 60).id).toBe('busy');
    expect(trafficClass({ averageSpeedKmh: 20, freshness: 'fresh' }, 60).id).toBe('slow');
    expect(trafficClass({ averageSpeedKmh: 8, freshness: 'fresh' }, 60).id).toBe('jam');
    expect(trafficClass({ averageSpeedKmh: 36, congested: true, freshness: 'fresh' }, 60).id).toBe('slow');
    expect(trafficClass({ averageSpeedKmh: 8, freshness: 'stale' }, 60)).toBe(TRAFFIC_STALE);
  });
});

describe('vehicle glides', () => {
  it('start in place, then glide from the drawn position over one report interval', () => {
    const first = nextMotion(undefined, 106.6, 11, 0, undefined);
    expect(positionAt(first, 0)).toEqual([106.6, 11]);
    expect(isMoving(first, 0)).toBe(false);
    const m = nextMotion(first, 106.601, 11, 1000, 5000);
    expect(m.durationMs).toBe(5000);
    expect(positionAt(m, 1000)[0]).toBeCloseTo(106.6, 9);
    expect(positionAt(m, 3500)[0]).toBeCloseTo(106.6005, 9);
    expect(positionAt(m, 9000)[0]).toBeCloseTo(106.601, 9);
    // A new report mid-glide continues from where the marker is, not from the old report.
    const n = nextMotion(m, 106.602, 11, 3500, 5000);
    expect(n.fromLon).toBeCloseTo(106.6005, 9);
  });

  it('jump rather than glide across kilometres', () => {
    const first = nextMotion(undefined, 106.6, 11, 0, undefined);
    expect(nextMotion(first, 106.7, 11, 1000, 5000).durationMs).toBe(0);
  });

  it('colour by route, grey when stale, and drop long-silent vehicles', () => {
    expect(routeColour('39')).toBe(routeColour('39'));
    expect(vehicleLook({ routeId: '39', freshness: 'stale' }).colour).toBe(STALE_COLOUR);
    expect(vehicleLook({ routeId: '39', freshness: 'fresh' }).text).toBe('39');
    const now = Date.parse(T);
    expect(vehicleAlive(T, now + 9 * 60_000)).toBe(true);
    expect(vehicleAlive(T, now + 11 * 60_000)).toBe(false);
  });
});

describe('alert book', () => {
  it('keeps an alert until acknowledged, even after the hub clears it', () => {
    const book = new AlertBook();
    book.update([alert('alert:flood:water:5', true, 2)]);
    expect(book.items().map((i) => [i.key, i.active, i.severity])).toEqual([
      ['alert:flood:water:5', true, 'warning'],
    ]);
    book.update([alert('alert:flood:water:5', false, 0, '2025-07-01T01:00:00.000Z')]);
    expect(book.items()).toHaveLength(1);
    expect(book.items()[0]!.active).toBe(false);
    book.acknowledge(book.items()[0]!.ackId);
    expect(book.items()).toEqual([]);
  });

  it('shows an escalation again after the lower level was acknowledged', () => {
    const book = new AlertBook();
    const two = alert('alert:flood:water:5', true, 2);
    book.update([two]);
    book.acknowledge(ackIdOf(two));
    expect(book.items()).toEqual([]);
    book.update([alert('alert:flood:water:5', true, 3, '2025-07-01T00:10:00.000Z')]);
    expect(book.items().map((i) => i.severity)).toEqual(['critical']);
  });

  it('remembers acknowledgements across sessions and sorts by severity', () => {
    const a = alert('alert:air:air:3', true, 4);
    const book = new AlertBook([ackIdOf(a)]);
    book.update([a, alert('alert:flood:water:5', true, 3), alert('alert:air:air:4', true, 5)], true);
    expect(book.items().map((i) => i.key)).toEqual(['alert:flood:water:5', 'alert:air:air:4']);
    expect(severityOf({ kind: 'stale', level: 0 })).toBe('info');
  });

  it("carries the hub's acknowledgement; a cleared alert acknowledged on the hub leaves the list", () => {
    const book = new AlertBook();
    const raised = alert('alert:flood:water:5', true, 2);
    book.update([raised]);
    expect(book.items()[0]!.ack).toBeUndefined();
    const ack = { by: 'Nguyễn Văn An', at: '2025-07-01T00:05:00.000Z' };
    book.update([{ ...raised, seq: 2, ack }]); // same raise, acknowledged: listed, with who
    expect(book.items().map((i) => i.ack)).toEqual([ack]);
    book.update([{ ...alert('alert:flood:water:5', false, 0, '2025-07-01T01:00:00.000Z'), ack }]);
    expect(book.items()).toEqual([]);
  });

  it('lists only active alerts in a replayed moment', () => {
    expect(
      replayAlertItems([alert('alert:air:air:3', false, 0), alert('alert:flood:water:5', true, 1)]).map(
        (i) => i.key,
      ),
    ).toEqual(['alert:flood:water:5']);
  });
});

describe('replay', () => {
  it('clamps to the last 24 h on whole minutes', () => {
    const now = Date.parse('2025-07-02T12:00:30.000Z');
    expect(new Date(clampReplayTime(0, now)).toISOString()).toBe('2025-07-01T12:00:00.000Z');
    expect(new Date(clampReplayTime(now + 1e6, now)).toISOString()).toBe('2025-07-02T12:00:00.000Z');
    expect(stateUrl('/', Date.parse(T), ['air', 'water'])).toBe(
      '/api/state?at=2025-07-01T00%3A00%3A00.000Z&layers=air%2Cwater',
    );
  });

  it('lets the newest seek win', async () => {
    const resolvers: ((v: unknown) => void)[] = [];
    const fetcher = new ReplayFetcher('/', (url, init) => {
      return new Promise((resolve, reject) => {
        init.signal.addEventListener('abort', () => reject(new Error('aborted')));
        resolvers.push(() =>
          resolve({ ok: true, status: 200, json: async () => ({ at: url, entities: [] }) }),
        );
      });
    });
    const first = fetcher.seek(1000);
    const second = fetcher.seek(2000);
    resolvers[1]!(undefined);
    expect(await first).toBeUndefined();
    expect((await second)?.at).toContain('1970-01-01T00%3A00%3A02.000Z');
  });
});

describe('conflator', () => {
  it('keeps the newest state per entity and hands out bounded batches, oldest first', () => {
    const c = new Conflator();
    const air = (key: string, pm25: number) => ({ ...station(undefined), key, valuesUgM3: { pm25 } });
    c.add([air('air:1', 1), air('air:2', 2), air('air:3', 3)], false);
    c.add([air('air:1', 10)], false);
    const first = c.take(2)!;
    expect(first.reset).toBe(false);
    expect(first.entities.map((e) => [e.key, (e as AirStationState).valuesUgM3.pm25])).toEqual([
      ['air:1', 10],
      ['air:2', 2],
    ]);
    expect(c.take(2)!.entities.map((e) => e.key)).toEqual(['air:3']);
    expect(c.take(2)).toBeUndefined();
  });

  it('sends a snapshot whole, replacing what was held', () => {
    const c = new Conflator();
    const air = (key: string) => ({ ...station(undefined), key });
    c.add([air('air:1')], false);
    c.add([air('air:2'), air('air:3'), air('air:4')], true);
    const batch = c.take(2)!;
    expect(batch.reset).toBe(true);
    expect(batch.entities.map((e) => e.key)).toEqual(['air:2', 'air:3', 'air:4']);
  });
});

/** The operations centre's key figures: one definition each, checked on small real-shaped states. */
import { describe, expect, it } from 'vitest';
import type {
  AirStationState,
  AlertState,
  FeedEntity,
  TrafficSegmentState,
  WaterGaugeState,
} from '../../api';
import { AlertBook } from '../../overlays/alerts';
import { airKpi, alertsKpi, congestionKpi, lineLengthM, type SegmentInfo, sensorsKpi } from './kpi';

const NOW = Date.parse('2026-11-25T08:00:00Z');
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();

function air(id: number, aqi: number | undefined, minAgo = 1, stale = false): AirStationState {
  return {
    key: `air:${id}`,
    layer: 'air',
    seq: id,
    time: ago(minAgo),
    freshness: stale ? 'stale' : 'fresh',
    lonDeg: 106.65,
    latDeg: 10.98,
    thingId: id,
    name: `Trạm ${id}`,
    valuesUgM3: {},
    ...(aqi === undefined
      ? {}
      : { aqi: { aqi, level: 1, dominant: 'pm25' as const, subIndex: { pm25: aqi } } }),
  };
}

function gauge(id: number, minAgo: number): WaterGaugeState {
  return {
    key: `water:${id}`,
    layer: 'water',
    seq: id,
    time: ago(minAgo),
    freshness: minAgo > 10 ? 'stale' : 'fresh',
    lonDeg: 106.64,
    latDeg: 10.97,
    thingId: id,
    name: `Cầu ${id}`,
    levelM: 1,
    alarmLevel: 0,
  };
}

function flow(segmentId: string, speedKmh: number | undefined, stale = false): TrafficSegmentState {
  return {
    key: `traffic:${segmentId}`,
    layer: 'traffic',
    seq: 1,
    time: ago(1),
    freshness: stale ? 'stale' : 'fresh',
    lonDeg: 106.65,
    latDeg: 10.98,
    segmentId,
    ...(speedKmh === undefined ? {} : { averageSpeedKmh: speedKmh }),
  };
}

describe('airKpi', () => {
  it('averages the fresh stations and names the worst one with its band colour', () => {
    const k = airKpi([air(1, 40), air(2, 164), air(3, 60), gauge(4, 1)])!;
    expect(k.averageAqi).toBe(88); // (40 + 164 + 60) / 3 = 88
    expect(k.averageBand.colour).toBe('#FFFF00'); // 51–100 "Trung bình"
    expect(k.worst).toMatchObject({ key: 'air:2', name: 'Trạm 2', aqi: 164 });
    expect(k.worst.band.colour).toBe('#FF0000'); // 151–200 "Xấu"
    expect(k.stations).toBe(3);
  });

  it('leaves stale stations out of the average but not out of the worst', () => {
    const k = airKpi([air(1, 40), air(2, 250, 30, true)])!;
    expect(k.averageAqi).toBe(40);
    expect(k.worst.aqi).toBe(250);
  });

  it('is null without any station reporting an AQI', () => {
    expect(airKpi([air(1, undefined), gauge(2, 1)])).toBeNull();
  });
});

describe('congestionKpi', () => {
  const segments = new Map<string, SegmentInfo>([
    ['A', { lengthM: 1000, freeFlowKmh: 60 }],
    ['B', { lengthM: 3000, freeFlowKmh: 40 }],
    ['C', { lengthM: 500, freeFlowKmh: 30 }],
  ]);

  it('is the length-weighted share of free-flow speed lost, in percent', () => {
    // A: 1 − 30/60 = 0.5 over 1 km; B: 1 − 40/40 = 0 over 3 km → (500 + 0) / 4000 = 12.5 % → 13
    const k = congestionKpi([flow('A', 30), flow('B', 40)], segments)!;
    expect(k.index).toBe(13);
    expect(k.segments).toBe(2);
    expect(k.lengthKm).toBe(4);
  });

  it('counts faster-than-limit as no loss and a standstill as full loss', () => {
    expect(congestionKpi([flow('A', 90)], segments)!.index).toBe(0);
    expect(congestionKpi([flow('C', 0)], segments)!.index).toBe(100);
  });

  it('skips stale, speedless and unknown segments; null when nothing is left', () => {
    expect(congestionKpi([flow('A', 0, true), flow('B', undefined), flow('Z', 5)], segments)).toBeNull();
    expect(congestionKpi([flow('A', 0, true), flow('B', 20)], segments)!.index).toBe(50);
  });
});

describe('alertsKpi', () => {
  it('counts active unacknowledged alerts (and critical ones) apart from acknowledged ones', () => {
    const alert = (key: string, kind: AlertState['kind'], level: number, extra: Partial<AlertState> = {}) =>
      ({
        key,
        layer: 'alerts',
        seq: 1,
        time: ago(5),
        freshness: 'fresh',
        lonDeg: 0,
        latDeg: 0,
        kind,
        subject: key,
        active: true,
        level,
        messageVi: '',
        messageEn: '',
        ...extra,
      }) as AlertState;
    const book = new AlertBook();
    book.update([
      alert('alert:flood:water:1', 'flood', 3),
      alert('alert:air:air:2', 'air', 4),
      alert('alert:air:air:3', 'air', 5, { ack: { by: 'An', at: ago(1) } }),
      alert('alert:stale:air:4', 'stale', 0, { active: false }),
    ]);
    expect(alertsKpi(book.items())).toEqual({ open: 2, critical: 1, acknowledged: 1 });
  });
});

describe('sensorsKpi', () => {
  it('counts air stations and gauges that reported within 10 minutes of now', () => {
    const entities: FeedEntity[] = [
      air(1, 40, 2),
      air(2, 50, 11),
      gauge(3, 9.9),
      gauge(4, 30),
      flow('A', 30),
    ];
    expect(sensorsKpi(entities, NOW)).toEqual({ online: 2, total: 4, percent: 50 });
    // The same state an hour later with no new data: everything is offline.
    expect(sensorsKpi(entities, NOW + 3_600_000).percent).toBe(0);
    expect(sensorsKpi([], NOW).percent).toBeNull();
  });
});

describe('lineLengthM', () => {
  it('measures a 0.01° step east at 11° N as ~1.09 km', () => {
    expect(
      lineLengthM([
        [106.65, 11],
        [106.66, 11],
      ]),
    ).toBeCloseTo(1092.8, 0);
    expect(lineLengthM([[106.65, 11]])).toBe(0);
  });
});

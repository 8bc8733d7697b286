import { describe, expect, it } from 'vitest';
import { floodAlarmLevel } from './flood.js';
import { freshness, STALE_AFTER_MS } from './staleness.js';

describe('flood alarm levels', () => {
  const t: [number, number, number] = [1.3, 1.5, 1.7];
  it('is the highest level reached, thresholds included', () => {
    expect(floodAlarmLevel(1.29, t)).toBe(0);
    expect(floodAlarmLevel(1.3, t)).toBe(1);
    expect(floodAlarmLevel(1.55, t)).toBe(2);
    expect(floodAlarmLevel(1.7, t)).toBe(3);
    expect(floodAlarmLevel(2.4, t)).toBe(3);
  });
  it('is 0 without a level or thresholds', () => {
    expect(floodAlarmLevel(undefined, t)).toBe(0);
    expect(floodAlarmLevel(3, undefined)).toBe(0);
  });
});

describe('staleness', () => {
  it('marks sensors silent for more than 10 min and vehicles for more than 90 s', () => {
    const now = Date.parse('2025-07-01T08:00:00Z');
    expect(freshness(now - 10 * 60_000, now, 'sensor')).toBe('fresh');
    expect(freshness(now - 10 * 60_000 - 1, now, 'sensor')).toBe('stale');
    expect(freshness(now - 90_000, now, 'vehicle')).toBe('fresh');
    expect(freshness(now - 91_000, now, 'vehicle')).toBe('stale');
    expect(STALE_AFTER_MS.vehicle).toBe(90_000);
  });
});

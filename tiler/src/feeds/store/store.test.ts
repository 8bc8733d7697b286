import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObservationRecord } from '../model.js';
import { GroupCommit } from './group-commit.js';
import { FeedStore } from './store.js';

let dir: string;
let store: FeedStore;
let ds: number;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-store-'));
  store = new FeedStore(path.join(dir, 'hub.sqlite'));
  const thing = store.insertEntity('things', { name: 't' });
  const sensor = store.insertEntity('sensors', { name: 's' });
  const op = store.insertEntity('observed_properties', { name: 'PM2.5' });
  ds = store.insertEntity(
    'datastreams',
    { name: 'd' },
    { thingId: thing, sensorId: sensor, observedPropertyId: op },
  );
});
afterAll(async () => {
  store?.close();
  await rm(dir, { recursive: true, force: true });
});

const obs = (t: string, v: number): ObservationRecord => ({
  datastreamId: ds,
  phenomenonTimeMs: Date.parse(t),
  result: v,
  resultNum: v,
});

describe('feed store', () => {
  it('runs in WAL mode with synchronous=FULL', () => {
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('commits many adds in one transaction and resolves each with its id after the commit', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<ObservationRecord, number>((items) => {
      sizes.push(items.length);
      return store.writeBatch({ observations: items, flows: [], vehicles: [], latest: [] });
    });
    const ids = await Promise.all(
      Array.from({ length: 500 }, (_, i) => gc.add(obs('2025-07-01T01:00:00Z', i))),
    );
    expect(sizes).toEqual([500]); // one turn of the event loop → one transaction
    expect(new Set(ids).size).toBe(500);
    expect(store.getObservation(ids[499]!)?.result).toBe(499);
  });

  it('rejects the whole batch when the commit fails, so nothing is acknowledged', async () => {
    const gc = new GroupCommit<ObservationRecord, number>(() => {
      throw new Error('disk full');
    });
    await expect(
      Promise.all([gc.add(obs('2025-07-01T01:00:00Z', 1)), gc.add(obs('2025-07-01T01:00:00Z', 2))]),
    ).rejects.toThrow('disk full');
  });

  it('keeps 1-minute roll-ups (count, min, max, mean) across batches', () => {
    store.writeBatch({
      observations: [
        obs('2025-07-01T02:00:10Z', 4),
        obs('2025-07-01T02:00:50Z', 8),
        obs('2025-07-01T02:01:00Z', 1),
      ],
      flows: [],
      vehicles: [],
      latest: [],
    });
    store.writeBatch({
      observations: [obs('2025-07-01T02:00:30Z', 12)],
      flows: [],
      vehicles: [],
      latest: [],
    });
    const h = store.history(
      ds,
      Date.parse('2025-07-01T02:00:00Z'),
      Date.parse('2025-07-01T02:02:00Z'),
      '1m',
      10,
    );
    expect(h).toEqual([
      { timeMs: Date.parse('2025-07-01T02:00:00Z'), value: 8, min: 4, max: 12, count: 3 },
      { timeMs: Date.parse('2025-07-01T02:01:00Z'), value: 1, min: 1, max: 1, count: 1 },
    ]);
  });

  it('deletes raw rows and roll-ups past their retention', () => {
    const now = Date.parse('2025-08-15T00:00:00Z');
    const before = store.countObservations();
    let n = 0;
    while (store.applyRetention(now, { rawDays: 30, rollupDays: 400 }, 100) > 0) n++;
    expect(n).toBeGreaterThan(1); // in chunks
    expect(store.countObservations()).toBe(0);
    expect(before).toBeGreaterThan(0);
    // Roll-ups are kept longer: the 30-day replay still has them.
    expect(store.history(ds, Date.parse('2025-07-01T00:00:00Z'), now, '1m', 10).length).toBeGreaterThan(0);
  });
});

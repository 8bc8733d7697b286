/** Pure parts of the operations centre: bookmarks file, tour clock, banner state, memory budget. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBookmarks } from './bookmarks';
import { DATA_SILENCE_MS, feedHealth, MESSAGE_SILENCE_MS } from './feedHealth';
import { applyMemoryBudget, MEMORY_BUDGET_DEFAULTS, MIB, memoryBudgetOf, tilesetShare } from './memoryBudget';
import { Tour, type TourPhase, tourSettings } from './tour';

const FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../../data/ops/bookmarks.json',
);

describe('bookmarks', () => {
  it('the committed file has the five wards, the industrial parks and the New City, all valid', () => {
    const { bookmarks, errors } = parseBookmarks(readFileSync(FILE, 'utf8'));
    expect(errors).toEqual([]);
    expect(bookmarks.filter((b) => b.kind === 'ward').map((b) => b.nameVi)).toEqual([
      'Phường Thủ Dầu Một',
      'Phường Phú Lợi',
      'Phường Chánh Hiệp',
      'Phường Bình Dương',
      'Phường Phú An',
    ]);
    expect(bookmarks.some((b) => b.kind === 'industrial' && b.nameVi.includes('VSIP II'))).toBe(true);
    expect(bookmarks.filter((b) => b.kind === 'newCity')).toHaveLength(1);
    for (const b of bookmarks) {
      // Over Thủ Dầu Một, above the ground, looking down.
      expect(b.camera.lonDeg).toBeGreaterThan(106.55);
      expect(b.camera.lonDeg).toBeLessThan(106.75);
      expect(b.camera.latDeg).toBeGreaterThan(10.9);
      expect(b.camera.latDeg).toBeLessThan(11.12);
      expect(b.camera.heightM).toBeGreaterThan(500);
      expect(b.camera.pitchDeg).toBeLessThan(0);
    }
  });

  it('drops a bad entry with an error naming it and keeps the rest', () => {
    const text = JSON.stringify({
      bookmarks: [
        {
          id: 'ok',
          kind: 'ward',
          nameVi: 'A',
          nameEn: 'A',
          camera: { lonDeg: 106.6, latDeg: 11, heightM: 900, headingDeg: 0, pitchDeg: -40 },
        },
        {
          id: 'far',
          kind: 'ward',
          nameVi: 'B',
          nameEn: 'B',
          camera: { lonDeg: 206.6, latDeg: 11, heightM: 900, headingDeg: 0, pitchDeg: -40 },
        },
        {
          id: 'ok',
          kind: 'ward',
          nameVi: 'C',
          nameEn: 'C',
          camera: { lonDeg: 106.6, latDeg: 11, heightM: 900, headingDeg: 0, pitchDeg: -40 },
        },
        { id: 'x', kind: 'mall', nameVi: 'D', nameEn: 'D' },
      ],
    });
    const { bookmarks, errors } = parseBookmarks(text, 'b.json');
    expect(bookmarks.map((b) => b.id)).toEqual(['ok']);
    expect(errors).toEqual([
      'b.json bookmark 2 (far).camera: longitude 206.6 outside −180…180',
      'b.json bookmark 3 (ok): repeated id',
      'b.json bookmark 4 (x): kind must be ward, industrial or newCity',
    ]);
    expect(parseBookmarks('{', 'b.json').errors[0]).toMatch(/^b\.json: not JSON/);
    expect(parseBookmarks('[]', 'b.json').errors).toEqual(['b.json: expected { "bookmarks": [ … ] }']);
  });
});

describe('tour', () => {
  it('reads ?tour=<seconds> and ?tour=off, and names a bad value', () => {
    expect(tourSettings('').settings.idleS).toBe(120);
    expect(tourSettings('?tour=30').settings.idleS).toBe(30);
    expect(tourSettings('?tour=off').settings.idleS).toBeNull();
    const bad = tourSettings('?tour=soon');
    expect(bad.settings.idleS).toBe(120);
    expect(bad.error).toContain('URL parameter tour');
  });

  it('starts after the idle time, goes round the stops, and stops on input', async () => {
    const timers: { fn: () => void; ms: number; id: number }[] = [];
    let id = 0;
    const flights: number[] = [];
    const phases: TourPhase[] = [];
    const tour = new Tour(
      { idleS: 120, flightS: 12, dwellS: 20 },
      {
        stops: 3,
        fly: async (i) => {
          flights.push(i);
          return true;
        },
        onPhase: (p) => phases.push(p),
        setTimer: (fn, ms) => {
          timers.push({ fn, ms, id: ++id });
          return id;
        },
        clearTimer: (h) => {
          const i = timers.findIndex((t) => t.id === h);
          if (i >= 0) timers.splice(i, 1);
        },
      },
    );
    const fire = async () => {
      const t = timers.shift()!;
      t.fn();
      await Promise.resolve();
      await Promise.resolve();
      return t.ms;
    };
    tour.start();
    expect(tour.phase).toBe('waiting');
    expect(await fire()).toBe(120_000);
    expect(flights).toEqual([0]);
    expect(tour.phase).toBe('dwelling');
    expect(await fire()).toBe(20_000);
    expect(await fire()).toBe(20_000);
    expect(await fire()).toBe(20_000);
    expect(flights).toEqual([0, 1, 2, 0]);
    tour.input();
    expect(tour.phase).toBe('waiting');
    expect(timers).toHaveLength(1);
    expect(timers[0]!.ms).toBe(120_000);
    await fire();
    expect(flights).toEqual([0, 1, 2, 0, 1]); // continues where it was
    tour.stopAll();
    expect(timers).toHaveLength(0);
    expect(phases.at(-1)).toBe('off');
  });

  it('does nothing when off', () => {
    const tour = new Tour({ idleS: null, flightS: 1, dwellS: 1 }, { stops: 3, fly: async () => true });
    tour.start();
    expect(tour.phase).toBe('off');
  });
});

describe('feedHealth', () => {
  const now = 1_000_000_000;
  const base = {
    connection: 'connected' as const,
    mode: 'live' as const,
    lastMessageAt: now - 1000,
    newestDataMs: now - 5000,
    nowMs: now,
  };
  it('is live while messages and data are recent', () => {
    expect(feedHealth(base)).toBe('live');
  });
  it('turns stale when the hub is silent or the data behind it is old, disconnected when the socket is down', () => {
    expect(feedHealth({ ...base, lastMessageAt: now - MESSAGE_SILENCE_MS - 1 })).toBe('stale');
    expect(feedHealth({ ...base, newestDataMs: now - DATA_SILENCE_MS - 1 })).toBe('stale');
    expect(feedHealth({ ...base, connection: 'stale' })).toBe('stale');
    expect(feedHealth({ ...base, connection: 'reconnecting' })).toBe('disconnected');
    expect(feedHealth({ ...base, connection: 'offline' })).toBe('disconnected');
    expect(feedHealth({ ...base, connection: 'connecting', lastMessageAt: 0 })).toBe('connecting');
    expect(feedHealth({ ...base, mode: 'replay', connection: 'offline' })).toBe('replay');
  });
});

describe('memory budget', () => {
  it('splits one budget across tilesets, with a quarter of each share as overflow', () => {
    expect(tilesetShare(MEMORY_BUDGET_DEFAULTS, 4)).toEqual({
      cacheBytes: 96 * MIB,
      overflowBytes: 24 * MIB,
    });
    expect(tilesetShare(MEMORY_BUDGET_DEFAULTS, 100).cacheBytes).toBe(16 * MIB); // floor
    const a = {
      cacheBytes: 512 * MIB,
      maximumCacheOverflowBytes: 512 * MIB,
      totalMemoryUsageInBytes: 10 * MIB,
    };
    const b = { ...a, totalMemoryUsageInBytes: 5 * MIB };
    const globe = { tileCacheSize: 100 };
    expect(applyMemoryBudget(MEMORY_BUDGET_DEFAULTS, [a, b], globe)).toBe(15 * MIB);
    expect(a.cacheBytes + b.cacheBytes).toBe(384 * MIB);
    expect(a.maximumCacheOverflowBytes).toBe(48 * MIB);
    expect(globe.tileCacheSize).toBe(60);
  });
  it('reads ?memMiB= within 64–4096', () => {
    expect(memoryBudgetOf('?memMiB=1024').tilesetBytes).toBe(1024 * MIB);
    expect(memoryBudgetOf('?memMiB=1').tilesetBytes).toBe(384 * MIB);
  });
});

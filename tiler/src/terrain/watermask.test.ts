import { describe, expect, it } from 'vitest';
import type { LonLatBox } from './tiling.js';
import { WaterBodies, waterMask } from './watermask.js';

/** A tile 0.1° wide east of Thủ Dầu Một. */
const TILE: LonLatBox = { westDeg: 106.6, southDeg: 11.0, eastDeg: 106.7, northDeg: 11.1 };
const W = TILE.westDeg;
const S = TILE.southDeg;
const E = TILE.eastDeg;
const N = TILE.northDeg;

const rect = (w: number, s: number, e: number, n: number) => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];
const at = (mask: Uint8Array, row: number, col: number) => mask[row * 256 + col]!;
const bodies = (...polygons: number[][][][]) => {
  const water = new WaterBodies();
  for (const p of polygons) water.addPolygon(p);
  return water;
};

describe('waterMask', () => {
  it('is one byte for a tile with no water near it, and for a tile under water', () => {
    const lake = bodies([rect(106.0, 10.0, 106.2, 10.2)]);
    expect([...waterMask(lake, TILE)]).toEqual([0]);
    const sea = bodies([rect(106.5, 10.9, 106.8, 11.2)]);
    expect([...waterMask(sea, TILE)]).toEqual([255]);
  });

  it('starts at the north-west corner and runs west to east, north to south', () => {
    // Water over the western half and, separately, the northern quarter.
    const west = waterMask(bodies([rect(W - 1, S - 1, W + 0.05, N + 1)]), TILE);
    expect(west.length).toBe(256 * 256);
    expect([at(west, 0, 0), at(west, 0, 127), at(west, 0, 128), at(west, 255, 255)]).toEqual([
      255, 255, 0, 0,
    ]);
    const north = waterMask(bodies([rect(W - 1, S + 0.075, E + 1, N + 1)]), TILE);
    expect([at(north, 0, 200), at(north, 63, 0), at(north, 64, 0), at(north, 255, 0)]).toEqual([
      255, 255, 0, 0,
    ]);
  });

  it('leaves islands (holes) dry, whichever way the rings wind', () => {
    const outer = rect(W - 1, S - 1, E + 1, N + 1);
    const island = rect(106.64, 11.04, 106.66, 11.06);
    const a = waterMask(bodies([outer, island]), TILE);
    const b = waterMask(bodies([[...outer].reverse(), [...island].reverse()]), TILE);
    expect(at(a, 128, 128)).toBe(0);
    expect(at(a, 10, 10)).toBe(255);
    expect(b).toEqual(a);
  });

  it('unites overlapping water bodies instead of cancelling them out', () => {
    const river = rect(106.62, S - 1, 106.64, N + 1);
    const lake = rect(106.61, 11.04, 106.66, 11.06);
    const mask = waterMask(bodies([river], [lake]), TILE);
    // Where the lake lies over the river: still water (an even-odd fill would make it land).
    expect(at(mask, 128, Math.floor(0.3 * 256))).toBe(255);
    expect(at(mask, 128, Math.floor(0.55 * 256))).toBe(255);
    expect(at(mask, 10, Math.floor(0.55 * 256))).toBe(0);
  });

  it('anti-aliases the coastline: a pixel half covered is half water', () => {
    // The shore at 100.5 pixels from the west edge.
    const shoreDeg = W + (100.5 / 256) * (E - W);
    const mask = waterMask(bodies([rect(W - 1, S - 1, shoreDeg, N + 1)]), TILE);
    expect(at(mask, 50, 99)).toBe(255);
    expect(at(mask, 50, 100)).toBeGreaterThan(120);
    expect(at(mask, 50, 100)).toBeLessThan(135);
    expect(at(mask, 50, 101)).toBe(0);
  });

  it('keeps the water area: a diagonal half of the tile sums to half the pixels', () => {
    const triangle = [
      [W, S],
      [E, S],
      [W, N],
    ];
    const mask = waterMask(bodies([triangle]), TILE);
    const waterPixels = mask.reduce((sum, v) => sum + v / 255, 0);
    expect(Math.abs(waterPixels - 32768) / 32768).toBeLessThan(0.002);
    expect(at(mask, 255, 0)).toBe(255); // south-west corner
    expect(at(mask, 0, 255)).toBe(0); // north-east corner
  });

  it('ignores rings that are not areas and holes without an outer ring', () => {
    const water = bodies([
      [
        [106.6, 11.0],
        [106.7, 11.1],
      ],
    ]);
    expect(water.count).toBe(0);
    water.addPolygon([
      [
        [106.6, 11.0],
        [Number.NaN, 11.1],
        [106.7, 11.1],
      ],
    ]);
    expect(water.count).toBe(0);
    expect([...waterMask(water, TILE)]).toEqual([0]);
  });
});

import { describe, expect, it } from 'vitest';
import { levelErrors, levelTiles, sagErrorM, sampleGrid, tileId } from './level.js';
import { Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { tileRange } from './tiling.js';

/** Rough terrain: ridges at several scales, so border splits depend on both sides. */
const rough: HeightSource = {
  coverage: { westDeg: 106.6, southDeg: 10.95, eastDeg: 106.7, northDeg: 11.05 },
  resolutionDeg: 1 / 3600,
  heightAt: (lon, lat) =>
    20 +
    8 * Math.sin(lon * 900) * Math.cos(lat * 700) +
    3 * Math.sin(lon * 4100 + lat * 2900) +
    2 * Math.exp(-(((lon - 106.6502) * 4000) ** 2)),
};

/** Rows (or columns) of the border samples a mesh keeps on one side. */
function borderSamples(
  rtin: Rtin,
  errors: Float32Array,
  maxError: number,
  side: 'east' | 'west' | 'north' | 'south',
) {
  const g = rtin.gridSize;
  const n = rtin.size;
  const on = {
    east: (i: number) => i % g === n,
    west: (i: number) => i % g === 0,
    north: (i: number) => i < g,
    south: (i: number) => i >= n * g,
  }[side];
  const along = side === 'east' || side === 'west' ? (i: number) => (i / g) | 0 : (i: number) => i % g;
  return [...new Set([...rtin.triangles(errors, maxError)].filter(on).map(along))].sort((a, b) => a - b);
}

describe('levelErrors', () => {
  const z = 12;
  const rtin = new Rtin(64);
  const tiles = levelTiles(rough.coverage, z);
  const range = tileRange(rough.coverage, z);
  const pairs = tiles.flatMap((t) => [
    ...(t.x < range.x1 ? [[t, { ...t, x: t.x + 1 }, 'east', 'west'] as const] : []),
    ...(t.y < range.y1 ? [[t, { ...t, y: t.y + 1 }, 'north', 'south'] as const] : []),
  ]);

  it('covers the data with a block of tiles', () => {
    expect(tiles.length).toBe((range.x1 - range.x0 + 1) * (range.y1 - range.y0 + 1));
    expect(tiles.length).toBeGreaterThanOrEqual(9);
  });

  it('keeps the same border samples on both sides of every shared border (and would not without settling)', () => {
    const settled = levelErrors(rough, z, tiles, rtin);
    const sag = sagErrorM(z, 64);
    const alone = new Map(tiles.map((t) => [tileId(t), rtin.computeErrors(sampleGrid(rough, t, 64), sag)]));
    let mismatchedAlone = 0;
    for (const maxError of [0.5, 2, 5]) {
      for (const [a, b, sa, sb] of pairs) {
        expect(borderSamples(rtin, settled.get(tileId(a))!, maxError, sa)).toEqual(
          borderSamples(rtin, settled.get(tileId(b))!, maxError, sb),
        );
        const x = borderSamples(rtin, alone.get(tileId(a))!, maxError, sa);
        const y = borderSamples(rtin, alone.get(tileId(b))!, maxError, sb);
        if (x.join() !== y.join()) mismatchedAlone++;
      }
    }
    // Tiles meshed on their own do crack: the check above is not vacuous.
    expect(mismatchedAlone).toBeGreaterThan(0);
  });
});

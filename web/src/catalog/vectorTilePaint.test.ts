import { describe, expect, it } from 'vitest';
import { cutTile } from '../../../tiler/src/catalog/vector-tiles.js';
import type { LayerStyle } from './contracts';
import {
  darken,
  decodeTile,
  featureAt,
  featureOutline,
  isAvailable,
  lonLatToTileUnits,
  OUTLINE_DARKEN,
  type PathSink,
  paintTile,
  sourceTile,
  tileAt,
  tileWindow,
} from './vectorTilePaint';

/**
 * The vector-tile imagery's pure core against tiles cut and encoded by the tiler's own code
 * (tiler/src/catalog/vector-tiles.ts): decoding, the over-zoom window, painting (what reaches
 * the canvas, recorded) and picking.
 */

type Ring = [number, number][];
const Z = 16;
/** Thủ Dầu Một: the tile at z16 holding 106.6575 E, 10.972 N, and its south-west corner. */
const TILE = tileAt(106.6575, 10.972, Z);

function rect(lon: number, lat: number, dLon: number, dLat: number): Ring {
  return [
    [lon, lat],
    [lon + dLon, lat],
    [lon + dLon, lat + dLat],
    [lon, lat + dLat],
    [lon, lat],
  ];
}

// Two adjacent urban parcels, an orchard with a pond (a hole), a 2 m sliver, a parcel that ended in 2024.
const A = rect(106.657, 10.9715, 0.0004, 0.0004);
const B = rect(106.6574, 10.9715, 0.0004, 0.0004);
const C = rect(106.657, 10.972, 0.0008, 0.0006);
const POND = rect(106.6573, 10.9722, 0.0002, 0.0002).reverse() as Ring;
const SLIVER = rect(106.658, 10.9716, 0.00002, 0.00002);
const OLD = rect(106.658, 10.972, 0.0003, 0.0003);
const feature = (properties: Record<string, unknown>, ...rings: Ring[]) => ({
  type: 'Feature' as const,
  properties,
  geometry: { type: 'Polygon', coordinates: rings },
});
const FEATURES = [
  feature({ id: 'A', use: 'ODT' }, A),
  feature({ id: 'B', use: 'ODT' }, B),
  feature({ id: 'C', use: 'CLN' }, C, POND),
  feature({ id: 'S', use: 'ODT' }, SLIVER),
  feature({ id: 'O', use: 'TMD', validFrom: '2020-01-01', validTo: '2024-12-31' }, OLD),
];
const STYLE: LayerStyle = {
  type: 'categorical',
  property: 'use',
  categories: [
    { value: 'ODT', color: '#FFA0FF', label: { vi: 'ODT', en: 'ODT' } },
    { value: 'CLN', color: '#FFD7AA', label: { vi: 'CLN', en: 'CLN' } },
  ],
  otherColor: '#BDBDBD',
};

const bytes = cutTile(FEATURES, TILE, 'thua-dat')!;
const tile = decodeTile(bytes, 'thua-dat');

/** Records what painting does to a canvas. */
function recorder() {
  const calls: [string, ...unknown[]][] = [];
  const sink: PathSink & { calls: typeof calls } = {
    calls,
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    lineJoin: 'miter',
    beginPath: () => calls.push(['beginPath']),
    moveTo: (x, y) => calls.push(['moveTo', x, y]),
    lineTo: (x, y) => calls.push(['lineTo', x, y]),
    closePath: () => calls.push(['closePath']),
    fill: () => calls.push(['fill', sink.fillStyle]),
    stroke: () => calls.push(['stroke', sink.strokeStyle, sink.lineWidth]),
  };
  return sink;
}

describe('vector tile decoding', () => {
  it('reads the tiler’s polygons with their properties, rings open, holes kept', () => {
    expect(tile.extent).toBe(4096);
    expect(tile.features.map((f) => f.properties.id)).toEqual(['A', 'B', 'C', 'S', 'O']);
    expect(tile.features[2]!.properties).toEqual({ id: 'C', use: 'CLN' });
    const c = tile.features[2]!;
    expect(c.rings.map((r) => r.length / 2)).toEqual([4, 4]);
    // Ring vertices are where the lon/lat projects, to the tile unit (≈ 0.15 m at z16).
    const [u, v] = lonLatToTileUnits(C[0]![0], C[0]![1], TILE, 4096);
    const corners = Array.from({ length: 4 }, (_, k) => [c.rings[0]![2 * k]!, c.rings[0]![2 * k + 1]!]);
    expect(Math.min(...corners.map(([x, y]) => Math.hypot(x! - u, y! - v)))).toBeLessThanOrEqual(0.71);
    expect(c.bbox[0]).toBeCloseTo(Math.min(...corners.map((p) => p[0]!)));
  });
});

describe('tile windows (over-zoom)', () => {
  it('maps a tile onto itself at 256 px, and onto a descendant enlarged', () => {
    expect(tileWindow(TILE, TILE, 4096)).toEqual({ scale: 1 / 8, dx: -0, dy: -0 });
    const child = { z: Z + 2, x: TILE.x * 4 + 1, y: TILE.y * 4 + 3 };
    expect(sourceTile(child, Z)).toEqual(TILE);
    expect(sourceTile(TILE, Z)).toBe(TILE);
    expect(tileWindow(child, TILE, 4096)).toEqual({ scale: 0.5, dx: -512, dy: -1536 });
    expect(tileWindow(child, TILE, 4096, 256)).toEqual({ scale: 0.25, dx: -256, dy: -768 });
    expect(() => tileWindow(TILE, child, 4096)).toThrow(/above its source/);
  });

  it('finds a tile in the availability rectangles', () => {
    const available = [[{ startX: 10, startY: 20, endX: 12, endY: 20 }], []];
    expect(isAvailable(available, 15, { z: 15, x: 11, y: 20 })).toBe(true);
    expect(isAvailable(available, 15, { z: 15, x: 13, y: 20 })).toBe(false);
    expect(isAvailable(available, 15, { z: 16, x: 22, y: 40 })).toBe(false);
    expect(isAvailable(available, 15, { z: 14, x: 5, y: 10 })).toBe(false);
  });
});

describe('painting', () => {
  it('fills one path per colour, outlines in a darker shade, skips specks’ outlines and other days', () => {
    const ctx = recorder();
    const painted = paintTile(ctx, tile, tileWindow(TILE, TILE, 4096), { style: STYLE, day: '2025-07-01' });
    expect(painted).toBe(4);
    const fills = ctx.calls.filter((c) => c[0] === 'fill');
    expect(fills).toEqual([
      ['fill', '#FFA0FF'],
      ['fill', '#FFD7AA'],
    ]);
    const strokes = ctx.calls.filter((c) => c[0] === 'stroke');
    expect(strokes).toEqual([
      ['stroke', darken('#FFA0FF', OUTLINE_DARKEN), 1],
      ['stroke', darken('#FFD7AA', OUTLINE_DARKEN), 1],
    ]);
    // ODT: A, B and the sliver filled (4 + 4 + 4 corners); outlined: A and B only (the 2 m sliver
    // is under 2 px). CLN: C and its pond (2 rings).
    const moves = (from: number, to: number) =>
      ctx.calls.slice(from, to).filter((c) => c[0] === 'moveTo').length;
    const at = (name: string, k: number) =>
      ctx.calls.findIndex(
        (c, i) => c[0] === name && ctx.calls.slice(0, i + 1).filter((d) => d[0] === name).length === k,
      );
    expect(moves(0, at('fill', 1))).toBe(3);
    expect(moves(at('fill', 1), at('fill', 2))).toBe(2);
    expect(moves(at('fill', 2), at('stroke', 1))).toBe(2);
    // The first corner of A, in pixels of the 512-px tile.
    const [u, v] = lonLatToTileUnits(A[0]![0], A[0]![1], TILE, 4096);
    const firstA = ctx.calls.find((c) => c[0] === 'moveTo')!;
    expect(Math.abs((firstA[1] as number) - u / 8)).toBeLessThan(0.1);
    expect(Math.abs((firstA[2] as number) - v / 8)).toBeLessThan(0.1);
    // Without a date, the 2020–2024 parcel is painted too, in the catch-all colour.
    const all = recorder();
    expect(paintTile(all, tile, tileWindow(TILE, TILE, 4096), { style: STYLE })).toBe(5);
    expect(all.calls.filter((c) => c[0] === 'fill').map((c) => c[1])).toContain('#BDBDBD');
  });

  it('paints into an over-zoomed child only what falls in it, enlarged', () => {
    // The child four levels deeper (z20, ~37 m across) holding A's south-west corner.
    const [u, v] = lonLatToTileUnits(A[0]![0] + 0.00001, A[0]![1] + 0.00001, TILE, 4096);
    const child = { z: Z + 4, x: TILE.x * 16 + Math.floor(u / 256), y: TILE.y * 16 + Math.floor(v / 256) };
    const w = tileWindow(child, TILE, 4096);
    const ctx = recorder();
    const painted = paintTile(ctx, tile, w, { style: STYLE });
    expect(painted).toBeGreaterThanOrEqual(1);
    expect(painted).toBeLessThan(5);
    // A's first corner, 16× larger than at z16: the tile unit's rounding shows as a pixel at most.
    const [ua, va] = lonLatToTileUnits(A[0]![0], A[0]![1], TILE, 4096);
    const first = ctx.calls.find((c) => c[0] === 'moveTo')!;
    expect(Math.abs((first[1] as number) - (ua * w.scale + w.dx))).toBeLessThanOrEqual(1);
    expect(Math.abs((first[2] as number) - (va * w.scale + w.dy))).toBeLessThanOrEqual(1);
  });
});

describe('picking', () => {
  const pick = (lon: number, lat: number, day?: string) => {
    const [u, v] = lonLatToTileUnits(lon, lat, TILE, tile.extent);
    return featureAt(tile, u, v, day)?.properties.id;
  };

  it('finds the parcel under a point, not in its hole, nothing outside, and respects the date', () => {
    expect(pick(106.6572, 10.9717)).toBe('A');
    expect(pick(106.6576, 10.9717)).toBe('B');
    expect(pick(106.6571, 10.9725)).toBe('C');
    // In the pond.
    expect(pick(106.6574, 10.9723)).toBeUndefined();
    expect(pick(106.659, 10.97)).toBeUndefined();
    expect(pick(106.6581, 10.9721)).toBe('O');
    expect(pick(106.6581, 10.9721, '2025-07-01')).toBeUndefined();
  });

  it('outlines the picked parcel where it is, in degrees, hole included (to within a tile unit)', () => {
    const [u, v] = lonLatToTileUnits(106.6571, 10.9725, TILE, tile.extent);
    const c = featureAt(tile, u, v)!;
    const rings = featureOutline(c, TILE, tile.extent);
    expect(rings).toHaveLength(2);
    // One tile unit at z16 is 2.4 cm: 1e-6° (~11 cm) is well within it plus clipping.
    const near = (ring: number[], expected: Ring) => {
      for (const [lon, lat] of expected.slice(0, -1)) {
        const d = Math.min(
          ...ring.filter((_, k) => k % 2 === 0).map((x, k) => Math.hypot(x - lon, ring[2 * k + 1]! - lat)),
        );
        expect(d).toBeLessThan(1e-6);
      }
    };
    near(rings[0]!, C);
    near(rings[1]!, POND);
  });
});

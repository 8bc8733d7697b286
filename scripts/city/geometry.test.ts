import { describe, expect, it } from 'vitest';
import {
  clipPolylineToRing,
  type Obb,
  obbCorners,
  obbsOverlap,
  pointInPolygon,
  ringSignedAreaM2,
  SpatialHash,
  segmentObbDistanceM,
} from './geometry.js';
import { createProjection, roundDeg } from './projection.js';
import { createRng, deriveSeed, mulberry32, valueNoise2d } from './rng.js';

const box = (cxM: number, cyM: number, halfLengthM: number, halfWidthM: number, angleDeg = 0): Obb => ({
  cxM,
  cyM,
  halfLengthM,
  halfWidthM,
  angleRad: (angleDeg * Math.PI) / 180,
});

describe('oriented rectangles', () => {
  it('lets row houses share a wall but not interpenetrate', () => {
    const a = box(0, 0, 2.5, 10);
    expect(obbsOverlap(a, box(5, 0, 2.5, 10))).toBe(false); // shared wall at x = 2.5
    expect(obbsOverlap(a, box(4.8, 0, 2.5, 10))).toBe(true); // 20 cm into the neighbour
    expect(obbsOverlap(a, box(5.5, 0, 2.5, 10))).toBe(false); // a 50 cm gap
  });

  it('finds overlaps between rotated rectangles that axis-aligned boxes would miss or invent', () => {
    // A diamond whose bounding box overlaps the square, but which does not touch it.
    expect(obbsOverlap(box(0, 0, 5, 5), box(9, 9, 5, 1, 45))).toBe(false);
    expect(obbsOverlap(box(0, 0, 5, 5), box(6, 6, 5, 1, 45))).toBe(true);
  });

  it('returns corners counter-clockwise', () => {
    expect(ringSignedAreaM2(obbCorners(box(3, 4, 10, 2, 30)))).toBeCloseTo(80, 6);
  });

  it('measures the distance from a street centre line to a building', () => {
    const house = box(0, 0, 2, 8);
    expect(segmentObbDistanceM(-10, 12, 10, 12, house)).toBeCloseTo(4, 9);
    expect(segmentObbDistanceM(-10, 0, 10, 0, house)).toBe(0);
    expect(segmentObbDistanceM(5, 11, 8, 15, house)).toBeCloseTo(Math.hypot(3, 3), 9);
  });
});

describe('polygons', () => {
  const square: [number, number][] = [
    [0, 0],
    [10, 0],
    [10, 10],
    [0, 10],
  ];
  const hole: [number, number][] = [
    [3, 3],
    [3, 7],
    [7, 7],
    [7, 3],
  ];

  it('treats points in a courtyard as outside the building', () => {
    expect(pointInPolygon(1, 1, [square, hole])).toBe(true);
    expect(pointInPolygon(5, 5, [square, hole])).toBe(false);
    expect(pointInPolygon(11, 5, [square, hole])).toBe(false);
  });

  it('clips a street at the ward boundary, ending exactly on it', () => {
    const pieces = clipPolylineToRing(
      [
        [-5, 5],
        [15, 5],
      ],
      [...square, square[0]!],
    );
    expect(pieces).toEqual([
      [
        [0, 5],
        [10, 5],
      ],
    ]);
  });

  it('indexes boxes and returns each id once', () => {
    const h = new SpatialHash(10);
    h.insert(0, 0, 0, 25, 25);
    h.insert(1, 100, 100, 101, 101);
    expect(h.query(-1, -1, 30, 30)).toEqual([0]);
    expect(h.query(95, 95, 105, 105)).toEqual([1]);
  });
});

describe('seeded randomness and projection', () => {
  it('repeats for a seed and differs between seeds and stages', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(mulberry32(43)()).not.toBe(xs[0]);
    expect(deriveSeed(1, 'streets')).not.toBe(deriveSeed(1, 'buildings'));
    const r = createRng(7);
    for (let i = 0; i < 100; i++) {
      const v = r.int(2, 5);
      expect(v >= 2 && v <= 5 && Number.isInteger(v)).toBe(true);
    }
    const n = valueNoise2d(3, 100);
    expect(n(10, 10)).toBe(valueNoise2d(3, 100)(10, 10));
    expect(Math.abs(n(10, 10) - n(11, 10))).toBeLessThan(0.1); // smooth
  });

  it('round-trips lon/lat through local metres to well under the 1 cm output precision', () => {
    const p = createProjection();
    const [x, y] = p.toLocal(106.6705, 10.9758);
    // Becamex Tower is ~1.15 km east and ~2.68 km south of the origin.
    expect(x).toBeGreaterThan(1100);
    expect(x).toBeLessThan(1200);
    expect(y).toBeLessThan(-2600);
    expect(y).toBeGreaterThan(-2750);
    const [lon, lat] = p.toLonLat(x, y);
    expect(roundDeg(lon)).toBe(106.6705);
    expect(roundDeg(lat)).toBe(10.9758);
  });
});

import { describe, expect, it } from 'vitest';
import { localFrame, type Polygons } from './geometry.js';
import { sunDay } from './sun.js';
import { type ShadowCaster, sunHoursGrid } from './sun-hours.js';

// A point in Bình Dương New City; 21 December 2025 (the solstice: declination −23.44°, the
// sun south of the zenith all day at 11° N).
const LON = 106.685;
const LAT = 11.055;
const DATE = '2025-12-21';
const DECLINATION = (-23.44 * Math.PI) / 180;
const PHI = (LAT * Math.PI) / 180;
const FRAME = localFrame(LON, LAT);

function box(x0: number, y0: number, x1: number, y1: number, heightM: number): ShadowCaster {
  const ring: number[] = [];
  for (const [x, y] of [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ] as const)
    ring.push(...FRAME.toLonLat(x, y));
  return { polygons: [[ring]] as Polygons, heightM };
}

/** A one-cell grid centred on (x, y) metres from the frame origin. */
function at(x: number, y: number): [number, number, number, number] {
  const [w, s] = FRAME.toLonLat(x - 0.5, y - 0.5);
  const [e, n] = FRAME.toLonLat(x + 0.5, y + 0.5);
  return [w, s, e, n];
}

/** Hours a point at distance d north of an infinite east–west wall of height H is sunlit. */
function northOfWallHours(heightM: number, distanceM: number): number {
  // The sun clears the wall when its altitude seen in the north–south plane exceeds atan(H/d):
  // like sunrise over a horizon tilted by α = atan(H/d), i.e. at latitude φ + α:
  // cos h = −tan δ · tan(φ + α); sunlit for 2h (hour angle, 15° per hour).
  const alpha = Math.atan(heightM / distanceM);
  const h = Math.acos(-Math.tan(DECLINATION) * Math.tan(PHI + alpha));
  return (2 * ((h * 180) / Math.PI)) / 15;
}

describe('sun hours', () => {
  it('the day is as long as the sunrise equation says (−0.833°: upper limb, refraction)', () => {
    const day = sunDay(DATE, LON, LAT, 15);
    const h0 = Math.acos(
      (Math.sin((-0.833 * Math.PI) / 180) - Math.sin(PHI) * Math.sin(DECLINATION)) /
        (Math.cos(PHI) * Math.cos(DECLINATION)),
    );
    expect(day.daylightHours).toBeCloseTo((2 * ((h0 * 180) / Math.PI)) / 15, 1);
    expect(day.daylightHours).toBeGreaterThan(11.3);
    expect(day.daylightHours).toBeLessThan(11.6);
    expect(day.samples.reduce((s, x) => s + x.weightH, 0)).toBeCloseTo(day.daylightHours, 9);
  });

  it('an open field gets the full daylight hours, even with a tower just north of it', () => {
    // In December the sun stays south: a 60 m tower 30 m north casts no shadow here.
    const grid = sunHoursGrid([box(-20, 30, 20, 60, 60)], at(0, 0), DATE);
    expect(grid.cols * grid.rows).toBe(1);
    expect(grid.hours[0]).toBeCloseTo(grid.daylightHours, 2);
    expect(sunHoursGrid([], at(0, 0), DATE).hours[0]).toBeCloseTo(grid.daylightHours, 2);
  });

  it('a point north of a tall east–west wall gets fewer hours, as computed analytically', () => {
    // A 10 m wall, 400 m long (effectively infinite here), its north face 10 m (H/d = 1) and
    // 20 m (H/d = ½) south of the point. 1-minute steps: each transition within 30 s.
    const options = { spacingM: 1, stepMinutes: 1, groundOffsetM: 0, reachM: 600 };
    const near = sunHoursGrid([box(-200, -11, 200, -10, 10)], at(0, 0), DATE, options);
    const far = sunHoursGrid([box(-200, -21, 200, -20, 10)], at(0, 0), DATE, options);
    expect(northOfWallHours(10, 10)).toBeCloseTo(6.65, 2); // vs ~11.45 h of daylight
    expect(near.hours[0]).toBeCloseTo(northOfWallHours(10, 10), 1);
    expect(Math.abs(near.hours[0]! - northOfWallHours(10, 10))).toBeLessThan(1 / 30);
    expect(Math.abs(far.hours[0]! - northOfWallHours(10, 20))).toBeLessThan(1 / 30);
    expect(far.hours[0]).toBeGreaterThan(near.hours[0]!);
  });

  it('marks cells inside a building and lays the grid out by spacing', () => {
    const [w, s] = FRAME.toLonLat(-10, -10);
    const [e, n] = FRAME.toLonLat(10, 10);
    const grid = sunHoursGrid([box(-3, -3, 3, 3, 10)], [w, s, e, n], DATE, {
      spacingM: 2,
      stepMinutes: 30,
      groundOffsetM: 0.05,
      reachM: 600,
    });
    expect([grid.cols, grid.rows]).toEqual([10, 10]);
    // Cells (4..5, 4..5) have centres at ±1 m: inside the 6 × 6 m building.
    expect(grid.hours[4 * 10 + 4]).toBe(-1);
    expect(grid.hours[5 * 10 + 5]).toBe(-1);
    // Just north of it (row 7, centre 5 m north) it is shaded part of the day.
    expect(grid.hours[7 * 10 + 5]).toBeLessThan(grid.daylightHours - 0.5);
    expect(grid.sunrise).toMatch(/^06:\d\d$/);
  });
});

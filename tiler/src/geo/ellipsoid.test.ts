import { describe, expect, it } from 'vitest';
import { EnuFrame, ecefToGeodetic, geodeticToEcef, metresPerDegree } from './ellipsoid.js';

describe('WGS 84 conversions', () => {
  it('round-trips geodetic → ECEF → geodetic to well under a millimetre', () => {
    for (const [lon, lat, h] of [
      [106.65, 10.98, 0],
      [106.7, 11.1, 250],
      [-70, -45, 8000],
      [0, 89.9, 10],
    ] as const) {
      const [x, y, z] = geodeticToEcef(lon, lat, h);
      const [lon2, lat2, h2] = ecefToGeodetic(x, y, z);
      expect(lon2).toBeCloseTo(lon, 9);
      expect(lat2).toBeCloseTo(lat, 9);
      expect(h2).toBeCloseTo(h, 4);
    }
  });

  it('puts a point 5 km east of the frame origin about 2 m below the tangent plane', () => {
    const frame = new EnuFrame(106.65, 10.98, 0);
    const { lonM } = metresPerDegree(10.98);
    const [e, n, u] = frame.fromGeodetic(106.65 + 5000 / lonM, 10.98, 0);
    expect(e).toBeCloseTo(5000, 0);
    expect(Math.abs(n!)).toBeLessThan(0.5);
    // 5000² / (2 · 6,378 km) ≈ 1.96 m
    expect(u).toBeCloseTo(-1.96, 1);
  });
});

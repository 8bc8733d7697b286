import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ecefToGeodetic, geodeticToEcef, metresPerDegree, WGS84_A, WGS84_E2 } from '../geo/ellipsoid.js';
import { type Crs, VN2000_GEOGRAPHIC, vn2000Tm3, vn2000Utm, WGS84, wgs84Utm } from './crs.js';
import { parseCrs } from './parse.js';
import { fromWgs84, toWgs84 } from './transform.js';
import { VN2000_TO_WGS84_CF } from './vn2000.js';

/** Every vertex of the 705 real OSM buildings of central Hồ Chí Minh City, as [lonDeg, latDeg]. */
function osmVertices(): [number, number][] {
  const url = new URL('../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson', import.meta.url);
  const fc = JSON.parse(readFileSync(url, 'utf8')) as {
    features: { geometry: { type: string; coordinates: unknown } }[];
  };
  expect(fc.features).toHaveLength(705);
  const out: [number, number][] = [];
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') out.push([c[0], c[1] as number]);
    else if (Array.isArray(c)) for (const d of c) walk(d);
  };
  for (const f of fc.features) walk(f.geometry.coordinates);
  return out;
}

/** Horizontal distance in metres between two nearby lon/lat points. */
function distanceM(a: readonly [number, number], b: readonly [number, number]): number {
  const { lonM, latM } = metresPerDegree(a[1]);
  return Math.hypot((b[0] - a[0]) * lonM, (b[1] - a[1]) * latM);
}

/** Thủ Dầu Một city centre (WGS 84). */
const TDM: [number, number] = [106.6528, 10.9804];

describe('toWgs84 / fromWgs84 on the real OSM buildings of Hồ Chí Minh City', () => {
  const vertices = osmVertices();

  it.each([
    ['VN-2000 / TM-3 105°45′', vn2000Tm3(105.75), [580_000, 615_000]],
    ['VN-2000 / UTM 48N', vn2000Utm(48), [660_000, 700_000]],
    ['WGS 84 / UTM 48N', wgs84Utm(48), [660_000, 700_000]],
  ] as [string, Crs, [number, number]][])(
    '%s: to metres and back lands within 0.05 m',
    (_, crs, eastings) => {
      const forward = fromWgs84(crs);
      const back = toWgs84(crs);
      let worstM = 0;
      for (const v of vertices) {
        const [x, y] = forward(v[0], v[1]);
        // Really projected: the buildings lie 80–110 km east of 105°45' and 165–195 km east of 105°.
        expect(x).toBeGreaterThan(eastings[0]);
        expect(x).toBeLessThan(eastings[1]);
        expect(y).toBeGreaterThan(1_170_000);
        expect(y).toBeLessThan(1_205_000);
        worstM = Math.max(worstM, distanceM(v, back(x, y)));
      }
      expect(vertices.length).toBeGreaterThan(4000);
      expect(worstM).toBeLessThan(0.05);
    },
  );

  it('leaves WGS 84 degrees exactly as they are', () => {
    const [lon, lat] = toWgs84(WGS84)(TDM[0], TDM[1]);
    expect([lon, lat]).toEqual(TDM);
  });
});

describe('the VN-2000 datum shift', () => {
  it('moves VN-2000 coordinates at Thủ Dầu Một by ~225 m: 195 m east and 112 m south', () => {
    const tm3 = vn2000Tm3(105.75);
    const noShift = parseCrs(
      '+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +units=m',
    );
    const [x, y] = fromWgs84(tm3)(TDM[0], TDM[1]);
    const shifted = toWgs84(tm3)(x, y);
    const naive = toWgs84(noShift)(x, y);
    const { lonM, latM } = metresPerDegree(TDM[1]);
    const eastM = (shifted[0] - naive[0]) * lonM;
    const northM = (shifted[1] - naive[1]) * latM;
    expect(distanceM(naive, shifted)).toBeGreaterThan(200);
    expect(distanceM(naive, shifted)).toBeLessThan(400);
    // Direction too: taking VN-2000 as WGS 84 puts buildings west-north-west of where they are.
    expect(eastM).toBeGreaterThan(185);
    expect(eastM).toBeLessThan(205);
    expect(northM).toBeGreaterThan(-120);
    expect(northM).toBeLessThan(-105);
    // The shifted result is where the point really is.
    expect(distanceM(shifted, TDM)).toBeLessThan(0.001);
  });

  /**
   * Independent of proj4: Decision 05/2007's parameters applied by hand with the EPSG Guidance
   * Note 7-2 Coordinate Frame formula (method 9607, as EPSG transformation 6960 records them).
   */
  function helmertCoordinateFrame(lonDeg: number, latDeg: number): [number, number] {
    const p = VN2000_TO_WGS84_CF;
    const arcsec = Math.PI / 180 / 3600;
    const [rx, ry, rz] = [p.rxArcSec * arcsec, p.ryArcSec * arcsec, p.rzArcSec * arcsec];
    const m = 1 + p.scalePpm * 1e-6;
    const [x, y, z] = geodeticToEcef(lonDeg, latDeg, 0);
    const xt = m * (x + rz * y - ry * z) + p.dxM;
    const yt = m * (-rz * x + y + rx * z) + p.dyM;
    const zt = m * (ry * x - rx * y + z) + p.dzM;
    const [lon, lat] = ecefToGeodetic(xt, yt, zt);
    return [lon!, lat!];
  }

  it('matches the national parameters applied by hand (EPSG 6960, Coordinate Frame) to 1 mm', () => {
    for (const [lon, lat] of [
      TDM,
      [105.85, 21.03],
      [108.22, 16.07],
      [104.73, 8.6],
      [103.02, 21.38],
    ] as const) {
      const expected = helmertCoordinateFrame(lon, lat);
      expect(distanceM(toWgs84(VN2000_GEOGRAPHIC)(lon, lat), expected)).toBeLessThan(0.001);
    }
  });

  it('differs by ~0.5 m from the common mistake of copying the rotations into +towgs84 unchanged', () => {
    const copied = parseCrs(
      '+proj=longlat +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278',
    );
    const d = distanceM(toWgs84(copied)(TDM[0], TDM[1]), toWgs84(VN2000_GEOGRAPHIC)(TDM[0], TDM[1]));
    expect(d).toBeGreaterThan(0.4);
    expect(d).toBeLessThan(0.7);
  });
});

describe('the Transverse Mercator projection', () => {
  /** Meridian arc length from the equator in metres (Simpson's rule; independent of proj4). */
  function meridianArcM(latDeg: number): number {
    const n = 2000;
    const h = (latDeg * Math.PI) / 180 / n;
    const f = (phi: number) => (WGS84_A * (1 - WGS84_E2)) / (1 - WGS84_E2 * Math.sin(phi) ** 2) ** 1.5;
    let sum = f(0) + f(n * h);
    for (let i = 1; i < n; i++) sum += f(i * h) * (i % 2 ? 4 : 2);
    return (sum * h) / 3;
  }

  it('puts points on the central meridian at easting 500,000 and northing k0 × meridian arc', () => {
    const utm = fromWgs84(wgs84Utm(48));
    const tm3 = fromWgs84(
      parseCrs('+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84'),
    );
    for (const lat of [8.6, 10.98, 16.07, 23.39]) {
      const [xu, yu] = utm(105, lat);
      expect(xu).toBeCloseTo(500_000, 3);
      expect(yu).toBeCloseTo(0.9996 * meridianArcM(lat), 2);
      const [xt, yt] = tm3(105.75, lat);
      expect(xt).toBeCloseTo(500_000, 3);
      expect(yt).toBeCloseTo(0.9999 * meridianArcM(lat), 2);
    }
  });

  it('is symmetric about the central meridian', () => {
    const tm3 = fromWgs84(
      parseCrs('+proj=tmerc +lat_0=0 +lon_0=105.75 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84'),
    );
    const [xe, ye] = tm3(106.65, 10.98);
    const [xw, yw] = tm3(104.85, 10.98);
    expect(xe - 500_000).toBeGreaterThan(98_000);
    expect(xe - 500_000).toBeCloseTo(500_000 - xw, 6);
    expect(ye).toBeCloseTo(yw, 6);
  });
});

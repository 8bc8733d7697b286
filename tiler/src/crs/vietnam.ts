/**
 * Where data in a Vietnamese CRS can plausibly lie: a coarse outline of Vietnam — mainland, the
 * near-shore islands (Phú Quốc, Thổ Chu, Côn Đảo, Phú Quý, Lý Sơn, Cồn Cỏ, Bạch Long Vĩ, Cô Tô) —
 * drawn by hand 25–40 km outside the real border and coast. It is deliberately generous: it exists
 * to catch data put in the sea or in Laos/Cambodia by a wrong central meridian or zone, never to
 * reject real data near a border. Hoàng Sa and Trường Sa lie outside it.
 */

/** Longitude/latitude bounding box of Vietnam, in degrees. */
export const VIETNAM_BBOX = { minLonDeg: 102, maxLonDeg: 110, minLatDeg: 8, maxLatDeg: 24 } as const;

/** [lonDeg, latDeg] vertices, clockwise from the north-west. */
const OUTLINE: readonly (readonly [number, number])[] = [
  // Border with China, west to east.
  [101.8, 22.5],
  [102.0, 22.95],
  [103.0, 23.0],
  [103.9, 22.9],
  [104.7, 23.1],
  [105.3, 23.7],
  [106.0, 23.3],
  [106.8, 23.1],
  [107.2, 22.4],
  [107.8, 21.9],
  [108.4, 21.7],
  // Coast and islands, north to south.
  [108.4, 20.8],
  [108.1, 19.9],
  [106.3, 19.3],
  [106.2, 18.6],
  [106.7, 18.0],
  [107.0, 17.45],
  [107.7, 17.25],
  [108.0, 16.6],
  [108.65, 16.15],
  [109.5, 15.4],
  [109.4, 14.6],
  [109.6, 13.8],
  [109.7, 13.0],
  [109.8, 12.65],
  [109.55, 12.0],
  [109.35, 11.45],
  [109.25, 10.45],
  [107.6, 10.1],
  [107.0, 8.3],
  [104.6, 8.1],
  [103.2, 9.0],
  [103.5, 10.6],
  // Border with Cambodia, then Laos, south to north.
  [104.3, 10.65],
  [104.8, 10.95],
  [105.3, 11.25],
  [105.7, 11.25],
  [105.55, 11.6],
  [105.9, 12.1],
  [106.5, 12.2],
  [107.1, 12.55],
  [107.2, 13.2],
  [107.15, 14.0],
  [107.25, 14.85],
  [106.95, 15.6],
  [106.8, 16.3],
  [106.3, 16.75],
  [106.0, 17.05],
  [105.4, 17.7],
  [104.8, 18.45],
  [103.55, 19.25],
  [104.3, 20.0],
  [104.15, 20.6],
  [103.3, 20.75],
  [102.65, 21.2],
  [101.85, 21.9],
];

/** True when the point lies within Vietnam's plausible extent (ray casting on the outline). */
export function inVietnam(lonDeg: number, latDeg: number): boolean {
  const b = VIETNAM_BBOX;
  if (!(lonDeg >= b.minLonDeg && lonDeg <= b.maxLonDeg && latDeg >= b.minLatDeg && latDeg <= b.maxLatDeg)) {
    return false;
  }
  let inside = false;
  for (let i = 0, j = OUTLINE.length - 1; i < OUTLINE.length; j = i++) {
    const [xi, yi] = OUTLINE[i]!;
    const [xj, yj] = OUTLINE[j]!;
    if (yi > latDeg !== yj > latDeg && lonDeg < ((xj - xi) * (latDeg - yi)) / (yj - yi) + xi)
      inside = !inside;
  }
  return inside;
}

/** True when the point is inside the longitude/latitude box of Vietnam (102–110°E, 8–24°N). */
export function inVietnamBbox(lonDeg: number, latDeg: number): boolean {
  const b = VIETNAM_BBOX;
  return lonDeg >= b.minLonDeg && lonDeg <= b.maxLonDeg && latDeg >= b.minLatDeg && latDeg <= b.maxLatDeg;
}

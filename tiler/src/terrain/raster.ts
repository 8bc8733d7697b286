/**
 * A DEM as the tiler holds it: a north-up grid in WGS 84 longitude/latitude, heights in metres
 * as Float32 with NaN for "no data". Readers (`dem.ts`) turn GeoTIFF and SRTM files into this,
 * reprojecting projected rasters, so everything after reading is geographic.
 */
export interface GeoRaster {
  width: number;
  height: number;
  /** Centre of the north-west pixel. */
  lon0Deg: number;
  lat0Deg: number;
  /** Pixel spacing (positive; rows go south). */
  dLonDeg: number;
  dLatDeg: number;
  /** Row-major, row 0 at the north; NaN = no data. */
  heights: Float32Array;
}

/** The area a raster's pixels cover (pixel centres ± half a pixel). */
export function rasterBox(r: GeoRaster) {
  return {
    westDeg: r.lon0Deg - r.dLonDeg / 2,
    eastDeg: r.lon0Deg + (r.width - 0.5) * r.dLonDeg,
    northDeg: r.lat0Deg + r.dLatDeg / 2,
    southDeg: r.lat0Deg - (r.height - 0.5) * r.dLatDeg,
  };
}

/**
 * Bilinear height at a point, NaN outside the raster or where the nearest pixel has no data.
 * Within the outer half pixel the edge value is held (pixel-is-area rasters cover it). Pixels
 * without data next to the point are left out of the weights, so a coast does not drag the
 * height towards a fill value.
 */
export function sampleRaster(r: GeoRaster, lonDeg: number, latDeg: number): number {
  const fx = (lonDeg - r.lon0Deg) / r.dLonDeg;
  const fy = (r.lat0Deg - latDeg) / r.dLatDeg;
  if (!(fx >= -0.5 && fy >= -0.5 && fx <= r.width - 0.5 && fy <= r.height - 0.5)) return Number.NaN;
  const x = Math.min(Math.max(fx, 0), r.width - 1);
  const y = Math.min(Math.max(fy, 0), r.height - 1);
  const x0 = Math.min(Math.floor(x), Math.max(0, r.width - 2));
  const y0 = Math.min(Math.floor(y), Math.max(0, r.height - 2));
  const x1 = Math.min(x0 + 1, r.width - 1);
  const y1 = Math.min(y0 + 1, r.height - 1);
  const tx = x - x0;
  const ty = y - y0;
  const h = r.heights;
  const w = r.width;
  const nearest = h[(ty < 0.5 ? y0 : y1) * w + (tx < 0.5 ? x0 : x1)]!;
  if (Number.isNaN(nearest)) return Number.NaN;
  const a = h[y0 * w + x0]!;
  const b = h[y0 * w + x1]!;
  const c = h[y1 * w + x0]!;
  const d = h[y1 * w + x1]!;
  if (!Number.isNaN(a + b + c + d)) {
    return (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
  }
  let sum = 0;
  let weight = 0;
  for (const [value, wt] of [
    [a, (1 - tx) * (1 - ty)],
    [b, tx * (1 - ty)],
    [c, (1 - tx) * ty],
    [d, tx * ty],
  ] as const) {
    if (!Number.isNaN(value)) {
      sum += value * wt;
      weight += wt;
    }
  }
  return weight > 0 ? sum / weight : nearest;
}

export interface FillReport {
  /** Pixels filled inside holes. */
  filled: number;
  /** Pixels without data connected to the raster's edge, left as no data. */
  outside: number;
  /** Largest hole, in pixels. */
  largestHole: number;
}

/**
 * Fills nodata holes in place. A hole is nodata not connected to the raster's edge (nodata
 * touching the edge is a collar or the sea: left as no data, so another DEM or the fallback
 * applies there). Filling works inwards from the rim: each pass sets every hole pixel that has
 * known 8-neighbours to their mean (diagonals weighted 1/√2), then 20 smoothing passes over the
 * filled pixels alone relax the onion rings. Every filled value is an average of its
 * neighbours, so it lies between the rim's lowest and highest height: never a spike or a pit.
 */
export function fillHoles(r: GeoRaster): FillReport {
  const { width: w, height: hgt, heights } = r;
  const n = w * hgt;
  // 0 = data, 1 = hole, 2 = outside (nodata reachable from the edge).
  const state = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (Number.isNaN(heights[i]!)) state[i] = 1;
  const stack: number[] = [];
  const pushOutside = (i: number) => {
    if (state[i] === 1) {
      state[i] = 2;
      stack.push(i);
    }
  };
  for (let x = 0; x < w; x++) {
    pushOutside(x);
    pushOutside((hgt - 1) * w + x);
  }
  for (let y = 0; y < hgt; y++) {
    pushOutside(y * w);
    pushOutside(y * w + w - 1);
  }
  let outside = 0;
  while (stack.length) {
    const i = stack.pop()!;
    outside++;
    const x = i % w;
    const y = (i / w) | 0;
    if (x > 0) pushOutside(i - 1);
    if (x < w - 1) pushOutside(i + 1);
    if (y > 0) pushOutside(i - w);
    if (y < hgt - 1) pushOutside(i + w);
  }
  let hole: number[] = [];
  for (let i = 0; i < n; i++) if (state[i] === 1) hole.push(i);
  const filledPixels = [...hole];
  const largestHole = largestComponent(state, w, hgt);
  const D = Math.SQRT1_2;
  const neighbours = (i: number, visit: (j: number, weight: number) => void) => {
    const x = i % w;
    const y = (i / w) | 0;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if ((dx || dy) && x + dx >= 0 && x + dx < w && y + dy >= 0 && y + dy < hgt) {
          visit(i + dy * w + dx, dx && dy ? D : 1);
        }
      }
    }
  };
  // Onion peeling: a ring per pass.
  while (hole.length) {
    const ring: [number, number][] = [];
    const rest: number[] = [];
    for (const i of hole) {
      let sum = 0;
      let weight = 0;
      neighbours(i, (j, wt) => {
        if (state[j] === 0) {
          sum += heights[j]! * wt;
          weight += wt;
        }
      });
      if (weight > 0) ring.push([i, sum / weight]);
      else rest.push(i);
    }
    for (const [i, value] of ring) {
      heights[i] = value;
      state[i] = 0;
    }
    hole = rest;
  }
  for (let pass = 0; pass < 20; pass++) {
    for (const i of filledPixels) {
      let sum = 0;
      let weight = 0;
      neighbours(i, (j, wt) => {
        if (state[j] === 0) {
          sum += heights[j]! * wt;
          weight += wt;
        }
      });
      heights[i] = sum / weight;
    }
  }
  return { filled: filledPixels.length, outside, largestHole };
}

function largestComponent(state: Uint8Array, w: number, h: number): number {
  const seen = new Uint8Array(state.length);
  let largest = 0;
  for (let start = 0; start < state.length; start++) {
    if (state[start] !== 1 || seen[start]) continue;
    let size = 0;
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % w;
      const y = (i / w) | 0;
      for (const j of [
        x > 0 ? i - 1 : -1,
        x < w - 1 ? i + 1 : -1,
        y > 0 ? i - w : -1,
        y < h - 1 ? i + w : -1,
      ]) {
        if (j >= 0 && state[j] === 1 && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    largest = Math.max(largest, size);
  }
  return largest;
}

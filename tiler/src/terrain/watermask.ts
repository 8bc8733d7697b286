import type { LonLatBox } from './tiling.js';

/**
 * The quantized-mesh `watermask` extension: per tile, where the water is, so CesiumJS draws
 * its water effect (waves, specular sun glint) on rivers and lakes and not on land.
 *
 * The spec's layout: either **1 byte** for a tile that is all land (0) or all water (255), or
 * **256 × 256 bytes**, rows from north to south, each row west to east (the first byte is
 * the tile's north-west corner). Values in between are allowed "to support anti-aliasing of
 * the coastline"; we use them: each pixel holds the share of its area that is water, found
 * by exact horizontal coverage on `subRows` scanlines per pixel row.
 *
 * Pure: polygons in, bytes out. Reading the polygons from files is water.ts.
 *
 * Limits: polygons are in longitude/latitude degrees and treated as planar in them (fine at a
 * tile's scale; a polygon crossing the antimeridian is not supported).
 */

/** Width = height of a mixed tile's mask, fixed by the spec. */
export const WATER_MASK_SIZE = 256;

export interface WaterMaskOptions {
  /** Scanlines per pixel row for anti-aliasing (horizontal coverage is exact). */
  subRows: number;
}

export const WATER_MASK_DEFAULTS: WaterMaskOptions = { subRows: 4 };

/** One polygon: outer ring and holes, each a flat [lon, lat, lon, lat, …] ring in degrees. */
interface WaterPolygon {
  rings: Float64Array[];
  box: LonLatBox;
}

/**
 * Water polygons prepared for rasterising. Overlapping polygons are united (a river polygon
 * and a lake polygon over it are one water body), holes are land (islands).
 */
export class WaterBodies {
  private readonly polygons: WaterPolygon[] = [];
  /** Total area covered by the polygons' boxes, for reports. */
  readonly box: LonLatBox = {
    westDeg: Number.POSITIVE_INFINITY,
    southDeg: Number.POSITIVE_INFINITY,
    eastDeg: Number.NEGATIVE_INFINITY,
    northDeg: Number.NEGATIVE_INFINITY,
  };

  get count(): number {
    return this.polygons.length;
  }

  /**
   * Adds a GeoJSON Polygon's rings (outer first, then holes) in lon/lat degrees. Rings need
   * not be closed or in any particular winding: outer rings are made counter-clockwise and
   * holes clockwise here, so the non-zero rule gives the union of polygons minus their holes.
   */
  addPolygon(rings: readonly (readonly (readonly number[])[])[]): void {
    const flat: Float64Array[] = [];
    const box = { westDeg: Infinity, southDeg: Infinity, eastDeg: -Infinity, northDeg: -Infinity };
    rings.forEach((ring, r) => {
      let n = ring.length;
      const first = ring[0];
      const last = ring[n - 1];
      if (n > 1 && first && last && first[0] === last[0] && first[1] === last[1]) n--;
      if (n < 3) return;
      const xy = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        const p = ring[i]!;
        const x = Number(p[0]);
        const y = Number(p[1]);
        if (!Number.isFinite(x) || !Number.isFinite(y)) return;
        xy[i * 2] = x;
        xy[i * 2 + 1] = y;
      }
      const ccw = signedArea(xy) > 0;
      // Outer ring (r = 0) counter-clockwise, holes clockwise.
      if (ccw !== (r === 0)) reverseRing(xy);
      if (r === 0) {
        for (let i = 0; i < n; i++) {
          box.westDeg = Math.min(box.westDeg, xy[i * 2]!);
          box.eastDeg = Math.max(box.eastDeg, xy[i * 2]!);
          box.southDeg = Math.min(box.southDeg, xy[i * 2 + 1]!);
          box.northDeg = Math.max(box.northDeg, xy[i * 2 + 1]!);
        }
      } else if (flat.length === 0) {
        return; // a hole without its outer ring
      }
      flat.push(xy);
    });
    if (flat.length === 0) return;
    this.polygons.push({ rings: flat, box });
    this.box.westDeg = Math.min(this.box.westDeg, box.westDeg);
    this.box.southDeg = Math.min(this.box.southDeg, box.southDeg);
    this.box.eastDeg = Math.max(this.box.eastDeg, box.eastDeg);
    this.box.northDeg = Math.max(this.box.northDeg, box.northDeg);
  }

  /** The polygons whose boxes overlap `box` (touching an edge does not count). */
  overlapping(box: LonLatBox): readonly WaterPolygon[] {
    return this.polygons.filter(
      (p) =>
        p.box.westDeg < box.eastDeg &&
        p.box.eastDeg > box.westDeg &&
        p.box.southDeg < box.northDeg &&
        p.box.northDeg > box.southDeg,
    );
  }
}

/** Twice the signed area (shoelace); positive for counter-clockwise (x east, y north). */
function signedArea(xy: Float64Array): number {
  let sum = 0;
  const n = xy.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) sum += xy[j * 2]! * xy[i * 2 + 1]! - xy[i * 2]! * xy[j * 2 + 1]!;
  return sum;
}

function reverseRing(xy: Float64Array): void {
  const n = xy.length / 2;
  for (let i = 0, j = n - 1; i < j; i++, j--) {
    const x = xy[i * 2]!;
    const y = xy[i * 2 + 1]!;
    xy[i * 2] = xy[j * 2]!;
    xy[i * 2 + 1] = xy[j * 2 + 1]!;
    xy[j * 2] = x;
    xy[j * 2 + 1] = y;
  }
}

/** 1 byte (0 all land, 255 all water) or 256 × 256 bytes, north-west first. */
export function waterMask(
  water: WaterBodies,
  box: LonLatBox,
  options: WaterMaskOptions = WATER_MASK_DEFAULTS,
): Uint8Array {
  const polygons = water.overlapping(box);
  if (polygons.length === 0) return Uint8Array.of(0);
  const size = WATER_MASK_SIZE;
  const sub = Math.max(1, Math.floor(options.subRows));
  const lines = size * sub;
  const widthDeg = box.eastDeg - box.westDeg;
  const lineDeg = (box.northDeg - box.southDeg) / lines;
  // Crossings per scanline: x in pixel units (0…size across the tile) and winding direction.
  const xs: number[][] = Array.from({ length: lines }, () => []);
  const dirs: number[][] = Array.from({ length: lines }, () => []);
  for (const polygon of polygons) {
    for (const ring of polygon.rings) {
      const n = ring.length / 2;
      for (let i = 0, j = n - 1; i < n; j = i++) {
        const x1 = ring[j * 2]!;
        const y1 = ring[j * 2 + 1]!;
        const x2 = ring[i * 2]!;
        const y2 = ring[i * 2 + 1]!;
        if (y1 === y2) continue;
        const yLo = Math.min(y1, y2);
        const yHi = Math.max(y1, y2);
        if (yHi <= box.southDeg || yLo >= box.northDeg) continue;
        // Scanline s sits at northDeg − (s + ½)·lineDeg; the edge covers yLo ≤ y < yHi.
        const sFirst = Math.max(0, Math.ceil((box.northDeg - yHi) / lineDeg - 0.5));
        const sLast = Math.min(lines - 1, Math.floor((box.northDeg - yLo) / lineDeg - 0.5));
        const dir = y2 > y1 ? 1 : -1;
        const slope = (x2 - x1) / (y2 - y1);
        for (let s = sFirst; s <= sLast; s++) {
          const y = box.northDeg - (s + 0.5) * lineDeg;
          if (y < yLo || y >= yHi) continue;
          xs[s]!.push(((x1 + (y - y1) * slope - box.westDeg) / widthDeg) * size);
          dirs[s]!.push(dir);
        }
      }
    }
  }
  const cover = new Float32Array(size * size);
  const order: number[] = [];
  for (let s = 0; s < lines; s++) {
    const x = xs[s]!;
    if (x.length === 0) continue;
    const d = dirs[s]!;
    order.length = 0;
    for (let k = 0; k < x.length; k++) order.push(k);
    order.sort((a, b) => x[a]! - x[b]!);
    const row = Math.floor(s / sub) * size;
    let winding = 0;
    let start = 0;
    for (const k of order) {
      const before = winding;
      winding += d[k]!;
      if (before === 0 && winding !== 0) start = x[k]!;
      else if (before !== 0 && winding === 0) addSpan(cover, row, start, x[k]!, size);
    }
  }
  const mask = new Uint8Array(size * size);
  let land = true;
  let wet = true;
  const scale = 255 / sub;
  for (let i = 0; i < mask.length; i++) {
    const v = Math.min(255, Math.round(cover[i]! * scale));
    mask[i] = v;
    if (v !== 0) land = false;
    if (v !== 255) wet = false;
  }
  if (land) return Uint8Array.of(0);
  if (wet) return Uint8Array.of(255);
  return mask;
}

/** Adds the covered share of each pixel of one scanline between x0 and x1 (pixel units). */
function addSpan(cover: Float32Array, row: number, x0: number, x1: number, size: number): void {
  const a = Math.max(0, x0);
  const b = Math.min(size, x1);
  if (b <= a) return;
  const first = Math.floor(a);
  const last = Math.min(size - 1, Math.ceil(b) - 1);
  if (first === last) {
    cover[row + first]! += b - a;
    return;
  }
  cover[row + first]! += first + 1 - a;
  for (let c = first + 1; c < last; c++) cover[row + c]! += 1;
  cover[row + last]! += b - last;
}

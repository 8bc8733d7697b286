/**
 * Synthetic cadastral parcels (thửa đất): a jittered grid, so parcels share their corners and
 * never overlap, like a real cadastral map's tiling, grouped into map sheets (tờ bản đồ) of
 * SHEET_M × SHEET_M. Invented, deterministic for a seed; the land use of each parcel comes from
 * the demo buildings standing on it (its dominant cadastral code), else a rural mix.
 * Used by the demo catalogue (the five wards, partly digitised) and by the benchmark (500,000
 * parcels over the whole former province).
 */
import { createProjection, roundDeg } from '../city/projection.js';
import { deriveSeed } from '../city/rng.js';

export const PARCEL_W_M = 36;
export const PARCEL_H_M = 48;
export const SHEET_M = 600;
/** How far a grid corner may move, as a share of the parcel size: irregular but never folded. */
const JITTER = 0.28;

/** A deterministic value in [0, 1) for integer coordinates and a seed. */
export function hash01(seed: number, i: number, j: number): number {
  let h = deriveSeed(seed, `${i},${j}`);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

/** Land use where no demo building stands: fruit orchards and rubber dominate Bình Dương's countryside. */
const RURAL: readonly [code: string, weight: number][] = [
  ['CLN', 0.55],
  ['BHK', 0.15],
  ['LUK', 0.08],
  ['RSX', 0.07],
  ['NTS', 0.04],
  ['BCS', 0.06],
  ['DGT', 0.05],
];

export function ruralUse(u: number): string {
  let acc = 0;
  for (const [code, w] of RURAL) {
    acc += w;
    if (u < acc) return code;
  }
  return 'CLN';
}

export interface ParcelGridOptions {
  seed: number;
  /** Grid origin (lon/lat) and extent in metres east/north of it. */
  originLonDeg: number;
  originLatDeg: number;
  minXM: number;
  minYM: number;
  maxXM: number;
  maxYM: number;
  cellWM?: number;
  cellHM?: number;
  /**
   * Whether a parcel (by its centre, lon/lat, and its sheet) is on the map, and its ward; null
   * leaves it out (outside the area, or a sheet not yet digitised).
   */
  accept(
    lonDeg: number,
    latDeg: number,
    sheetI: number,
    sheetJ: number,
  ): { ward: string; wardCode: string } | null;
  /** Land-use code at a parcel (grid indices), or undefined for the rural mix. */
  useAt?(i: number, j: number): string | undefined;
}

export interface ParcelFeature {
  type: 'Feature';
  properties: {
    id: string;
    name: string;
    use: string;
    ward: string;
    so_to: number;
    so_thua: number;
  };
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
}

/** Parcels row by row; lazily, so 500,000 of them never sit in memory at once. */
export function* parcelGrid(options: ParcelGridOptions): Generator<ParcelFeature> {
  const w = options.cellWM ?? PARCEL_W_M;
  const h = options.cellHM ?? PARCEL_H_M;
  const projection = createProjection(options.originLonDeg, options.originLatDeg);
  const i0 = Math.floor(options.minXM / w);
  const i1 = Math.ceil(options.maxXM / w);
  const j0 = Math.floor(options.minYM / h);
  const j1 = Math.ceil(options.maxYM / h);
  const corner = (i: number, j: number): [number, number] => {
    const dx = (hash01(options.seed, i, j) - 0.5) * 2 * JITTER * w;
    const dy = (hash01(options.seed + 1, i, j) - 0.5) * 2 * JITTER * h;
    const [lon, lat] = projection.toLonLat(i * w + dx, j * h + dy);
    return [roundDeg(lon), roundDeg(lat)];
  };
  // Parcel numbers (số thửa) count up within each ward's sheet, as on a cadastral sheet.
  const sheetNumbers = new Map<string, number>();
  const sheetsPerWard = new Map<string, number>();
  const parcelNumbers = new Map<string, number>();
  for (let j = j0; j < j1; j++) {
    for (let i = i0; i < i1; i++) {
      const [lon, lat] = projection.toLonLat((i + 0.5) * w, (j + 0.5) * h);
      const si = Math.floor(((i + 0.5) * w) / SHEET_M);
      const sj = Math.floor(((j + 0.5) * h) / SHEET_M);
      const where = options.accept(lon, lat, si, sj);
      if (!where) continue;
      const sheetKey = `${where.wardCode}:${si},${sj}`;
      let soTo = sheetNumbers.get(sheetKey);
      if (soTo === undefined) {
        soTo = (sheetsPerWard.get(where.wardCode) ?? 0) + 1;
        sheetsPerWard.set(where.wardCode, soTo);
        sheetNumbers.set(sheetKey, soTo);
      }
      const soThua = (parcelNumbers.get(sheetKey) ?? 0) + 1;
      parcelNumbers.set(sheetKey, soThua);
      const ring = [corner(i, j), corner(i + 1, j), corner(i + 1, j + 1), corner(i, j + 1)];
      ring.push(ring[0]!);
      yield {
        type: 'Feature',
        properties: {
          id: `${where.wardCode}-${String(soTo).padStart(3, '0')}-${String(soThua).padStart(4, '0')}`,
          name: `Tờ ${soTo}, thửa ${soThua}`,
          use: options.useAt?.(i, j) ?? ruralUse(hash01(options.seed + 2, i, j)),
          ward: where.ward,
          so_to: soTo,
          so_thua: soThua,
        },
        geometry: { type: 'Polygon', coordinates: [ring] },
      };
    }
  }
}

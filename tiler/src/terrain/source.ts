import type { LonLatBox } from './tiling.js';

/**
 * What the terrain tiler samples: ellipsoid heights (WGS 84, metres) as a function of position,
 * defined everywhere (a fallback outside the data), plus where the data is and how fine it is.
 * Tiles and building clamping both read heights only through `heightAt`, so a shared tile
 * border gets the same heights from both tiles.
 */
export interface HeightSource {
  /** WGS 84 ellipsoid height in metres; finite everywhere. */
  heightAt(lonDeg: number, latDeg: number): number;
  /** The part of the world with data (outside it `heightAt` gives the fallback). */
  coverage: LonLatBox;
  /** Finest sample spacing of the data, in degrees of latitude. */
  resolutionDeg: number;
}

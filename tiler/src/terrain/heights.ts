import { fallbackHeightM, type VerticalDatum } from './datum.js';
import type { Dem } from './dem.js';
import { rasterBox, sampleRaster } from './raster.js';
import type { HeightSource } from './source.js';

/**
 * The height source of one or more DEMs: at each point the first DEM (in the order given) that
 * has data there, else "sea level" (the geoid, or 0 for ellipsoidal DEMs). Put the finest or
 * most trusted DEM first.
 */
export function demHeightSource(dems: readonly Dem[], datum: VerticalDatum): HeightSource {
  if (dems.length === 0) throw new Error('demHeightSource: no DEMs');
  const layers = dems.map((d) => ({ raster: d.raster, box: rasterBox(d.raster) }));
  const coverage = {
    westDeg: Math.min(...layers.map((l) => l.box.westDeg)),
    southDeg: Math.min(...layers.map((l) => l.box.southDeg)),
    eastDeg: Math.max(...layers.map((l) => l.box.eastDeg)),
    northDeg: Math.max(...layers.map((l) => l.box.northDeg)),
  };
  return {
    coverage,
    resolutionDeg: Math.min(...dems.map((d) => d.info.resolutionDeg)),
    heightAt(lonDeg, latDeg) {
      for (const { raster, box } of layers) {
        if (lonDeg < box.westDeg || lonDeg > box.eastDeg || latDeg < box.southDeg || latDeg > box.northDeg)
          continue;
        const h = sampleRaster(raster, lonDeg, latDeg);
        if (!Number.isNaN(h)) return h;
      }
      return fallbackHeightM(datum, lonDeg, latDeg);
    },
  };
}

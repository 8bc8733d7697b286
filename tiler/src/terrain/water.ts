import { checkPlausible, resolveCrs, toWgs84 } from '../crs/index.js';
import { InputError } from '../errors.js';
import { openSource, type SourceFeature } from '../sources/index.js';
import { reprojectFeature, sampleVertices } from '../sources/reproject.js';
import { WaterBodies } from './watermask.js';

/**
 * Reads water polygons (rivers, lakes, canals as areas) for the terrain's water mask from any
 * format the tiler reads (GeoJSON, Shapefile, GeoPackage, FlatGeobuf…), in any CRS it knows:
 * the file's own declaration, else `crs`, else WGS 84; refused when the coordinates are
 * implausible for that CRS, as the building reader does.
 *
 * Polygons and MultiPolygons are used; lines and points (a river's centre line) are skipped and
 * counted, since the mask needs areas. An empty result is an error: the user asked for water.
 */

export interface WaterSourceReport {
  file: string;
  crs: string;
  polygons: number;
  /** Features that were not (Multi)Polygons, or had no usable ring. */
  skipped: number;
}

export interface ReadWaterResult {
  water: WaterBodies;
  sources: WaterSourceReport[];
}

export async function readWater(
  files: readonly string[],
  options: { crs?: string } = {},
): Promise<ReadWaterResult> {
  const water = new WaterBodies();
  const sources: WaterSourceReport[] = [];
  for (const file of files) {
    const source = await openSource(file);
    try {
      const resolved = resolveCrs(options.crs, source.info.crs, file);
      const project = toWgs84(resolved.crs);
      const identity = resolved.crs.geographic && resolved.crs.datum === 'WGS84';
      const features: SourceFeature[] = [];
      for await (const feature of source.features()) features.push(feature);
      checkPlausible(sampleVertices(features), resolved.crs, file);
      const before = water.count;
      let skipped = 0;
      for (const feature of features) {
        if (!identity) reprojectFeature(feature, project);
        const g = feature.geometry;
        const polygons =
          g?.type === 'Polygon'
            ? [g.coordinates]
            : g?.type === 'MultiPolygon' && Array.isArray(g.coordinates)
              ? g.coordinates
              : undefined;
        const added = water.count;
        for (const rings of polygons ?? []) {
          if (Array.isArray(rings)) water.addPolygon(rings as number[][][]);
        }
        if (water.count === added) skipped++;
      }
      if (water.count === before) {
        throw new InputError(
          file,
          `has no water polygons (${features.length} feature(s), none a Polygon or MultiPolygon with a ring of 3 or more points); the water mask needs areas, not centre lines`,
        );
      }
      sources.push({ file, crs: resolved.crs.name, polygons: water.count - before, skipped });
    } finally {
      await source.close();
    }
  }
  return { water, sources };
}

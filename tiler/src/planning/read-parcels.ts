import { checkPlausible, resolveCrs, toWgs84 } from '../crs/index.js';
import { describeFeature, InputError } from '../errors.js';
import type { SourceReport } from '../read.js';
import { type OpenOptions, openSource, type SourceFeature } from '../sources/index.js';
import { reprojectFeature, sampleVertices } from '../sources/reproject.js';
import { type Parcel, parcelFromFeature } from './parcel.js';

/**
 * Reads zoning parcels from any format `openSource` reads (GeoJSON, Shapefile, GeoPackage,
 * FlatGeobuf…) in any CRS the tiler knows, as the building reader does: CRS from the option,
 * else the file's declaration, else WGS 84; refused when the first features are implausible.
 * A bad parcel stops the read: a zoning plan with a wrong limit must not be half-checked.
 */

export interface ReadParcelsOptions extends Pick<OpenOptions, 'layer' | 'encoding'> {
  crs?: string;
}

export interface ReadParcelsResult {
  parcels: Parcel[];
  source: SourceReport;
}

const SAMPLE_FEATURES = 200;

export async function readParcels(
  file: string,
  options: ReadParcelsOptions = {},
): Promise<ReadParcelsResult> {
  const source = await openSource(file, {
    ...(options.layer ? { layer: options.layer } : {}),
    ...(options.encoding ? { encoding: options.encoding } : {}),
  });
  try {
    const resolved = resolveCrs(options.crs, source.info.crs, file);
    const notes = [...source.info.notes, ...resolved.warnings];
    if (resolved.crs.warning) notes.push(resolved.crs.warning);
    const project = toWgs84(resolved.crs);
    const identity = resolved.crs.geographic && resolved.crs.datum === 'WGS84';
    const parcels: Parcel[] = [];
    const seen = new Map<string, number>();
    let index = 0;
    const take = (feature: SourceFeature) => {
      if (!identity) reprojectFeature(feature, project);
      const i = index++;
      const result = parcelFromFeature(feature, file, i);
      if (!result.ok) throw new InputError(file, result.reason, { index: i, id: result.id });
      const before = seen.get(result.parcel.id);
      if (before !== undefined) {
        throw new InputError(
          file,
          `parcel id ${JSON.stringify(result.parcel.id)} is used again (first by ${describeFeature(before)}); parcel ids must be unique`,
          { index: i, id: result.parcel.id },
        );
      }
      seen.set(result.parcel.id, i);
      parcels.push(result.parcel);
    };
    let sample: SourceFeature[] | undefined = [];
    for await (const feature of source.features()) {
      if (sample) {
        sample.push(feature);
        if (sample.length < SAMPLE_FEATURES) continue;
        checkPlausible(sampleVertices(sample), resolved.crs, file);
        for (const f of sample) take(f);
        sample = undefined;
        continue;
      }
      take(feature);
    }
    if (sample) {
      if (sample.length === 0) throw new InputError(file, 'has no parcels');
      checkPlausible(sampleVertices(sample), resolved.crs, file);
      for (const f of sample) take(f);
    }
    const unknown = parcels.filter((p) => !p.landUseKnown);
    if (unknown.length > 0) {
      const codes = [...new Set(unknown.map((p) => p.landUse))].slice(0, 8).join(', ');
      notes.push(
        `${unknown.length} parcel(s) have a land-use category that is not a Circular 16/2025 symbol (${codes}); they count as "other"`,
      );
    }
    return {
      parcels,
      source: {
        file,
        format: source.info.format,
        ...(source.info.layer ? { layer: source.info.layer } : {}),
        crs: resolved.crs.name,
        crsFrom: resolved.from,
        features: index,
        notes,
      },
    };
  } finally {
    await source.close();
  }
}

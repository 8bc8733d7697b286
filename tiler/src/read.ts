import type { Rejection } from './buildings/footprint.js';
import { type NormaliseOptions, normaliseFeature } from './buildings/normalise.js';
import { FootprintStore, type FootprintStoreOptions } from './buildings/store.js';
import { checkPlausible, resolveCrs, toWgs84 } from './crs/index.js';
import { type OpenOptions, openSource, type SourceFeature } from './sources/index.js';
import { reprojectFeature, sampleVertices } from './sources/reproject.js';
import type { TerrainSampler } from './terrain/sample.js';

/**
 * The read stage: each input file streamed through its format's reader, its CRS resolved
 * (flag > the file's own declaration > WGS 84) and checked for plausibility on the first
 * features, coordinates converted to WGS 84 degrees, then every feature normalised (repaired)
 * into a Footprint or a Rejection. Nothing is kept but compact footprints.
 */

export interface ReadOptions extends Pick<OpenOptions, 'layer' | 'encoding' | 'unzip'> {
  /** `--crs` value overriding what the files declare (EPSG:nnnn, vn2000:105.75, proj4…). */
  crs?: string;
  normalise: NormaliseOptions;
  /** Terrain to stand buildings on: each base is the lowest terrain height under its footprint. */
  terrain?: TerrainSampler;
  /** How the footprints are held: past `spillBytes`, rings and text move to a file (store.ts). */
  store?: FootprintStoreOptions;
}

/** What was learnt about one input, for report.json and the summary. */
export interface SourceReport {
  file: string;
  format: string;
  layer?: string;
  /** CRS used, e.g. "VN-2000 / TM-3 105°45'…", and where it came from. */
  crs: string;
  crsFrom: 'flag' | 'file' | 'default';
  features: number;
  /** Notes and warnings worth a user's attention (encoding guessed, CRS doubts, …). */
  notes: string[];
}

export interface ReadResult {
  /** Accepted footprints, compactly stored. */
  store: FootprintStore;
  rejected: Rejection[];
  sources: SourceReport[];
  featuresRead: number;
}

/** Features buffered before the plausibility check: enough vertices for a robust median. */
const SAMPLE_FEATURES = 200;

export async function readFootprints(
  inputs: readonly string[],
  options: ReadOptions,
  onProgress?: (done: number) => void,
): Promise<ReadResult> {
  const store = new FootprintStore(options.store);
  try {
    return await readInto(store, inputs, options, onProgress);
  } catch (error) {
    store.dispose();
    throw error;
  }
}

async function readInto(
  store: FootprintStore,
  inputs: readonly string[],
  options: ReadOptions,
  onProgress?: (done: number) => void,
): Promise<ReadResult> {
  const rejected: Rejection[] = [];
  const sources: SourceReport[] = [];
  let featuresRead = 0;
  for (const input of inputs) {
    const source = await openSource(input, {
      ...(options.layer ? { layer: options.layer } : {}),
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.unzip ? { unzip: options.unzip } : {}),
    });
    try {
      const { file } = source.info;
      const resolved = resolveCrs(options.crs, source.info.crs, file);
      const notes = [...source.info.notes, ...resolved.warnings];
      if (resolved.crs.warning) notes.push(resolved.crs.warning);
      const project = toWgs84(resolved.crs);
      const identity = resolved.crs.geographic && resolved.crs.datum === 'WGS84';
      let index = 0;
      const take = (feature: SourceFeature) => {
        if (!identity) reprojectFeature(feature, project);
        const result = normaliseFeature(feature, file, index++, options.normalise);
        if (result.ok) {
          // Clamped to the surface the viewer draws, at its lowest point: no building floats,
          // none is buried deeper than its lowest corner needs. Bases may be negative
          // (ellipsoid heights of a river valley).
          if (options.terrain)
            result.footprint.baseM = options.terrain.footprintBaseM(result.footprint.polygons);
          store.add(result.footprint);
        } else rejected.push(result.rejection);
        if (++featuresRead % 10_000 === 0) onProgress?.(featuresRead);
      };
      let sample: SourceFeature[] | undefined = [];
      for await (const feature of source.features()) {
        if (sample) {
          sample.push(feature);
          if (sample.length < SAMPLE_FEATURES) continue;
          // Refuse a wrong CRS before a single building is placed 10,000 km away.
          checkPlausible(sampleVertices(sample), resolved.crs, file);
          for (const f of sample) take(f);
          sample = undefined;
          continue;
        }
        take(feature);
      }
      if (sample) {
        checkPlausible(sampleVertices(sample), resolved.crs, file);
        for (const f of sample) take(f);
      }
      sources.push({
        file,
        format: source.info.format,
        ...(source.info.layer ? { layer: source.info.layer } : {}),
        crs: resolved.crs.name,
        crsFrom: resolved.from,
        features: index,
        notes,
      });
    } finally {
      await source.close();
    }
  }
  onProgress?.(featuresRead);
  store.trim();
  return { store, rejected, sources, featuresRead };
}

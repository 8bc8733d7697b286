import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  CATALOG_LAYERS_DIR,
  type CatalogFile,
  type CatalogLayer,
  type CatalogLayerKind,
  type CoverageMethod,
  type LayerStyle,
  type LocalText,
  type SectorId,
  type Visibility,
} from '../api/catalog.js';
import { ATTRIBUTE_DEFAULTS } from '../buildings/attributes.js';
import { NORMALISE_DEFAULTS } from '../buildings/normalise.js';
import { checkPlausible, resolveCrs, toWgs84, type XY } from '../crs/index.js';
import { InputError } from '../errors.js';
import { openSource, type SourceFeature, type UnzipOptions } from '../sources/index.js';
import type { VerticalDatum } from '../terrain/datum.js';
import { openTerrainSampler, type TerrainSampler } from '../terrain/sample.js';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { CoverageAccumulator, DEFAULT_CELL_M, PreparedUnit } from './coverage.js';
import { type BBox, type GeometryLike, geometryFamily, polygonsOf, positionsOf } from './geometry.js';
import { defaultCoverageMethod, readUnits } from './service.js';
import { readCatalog, updateCatalog } from './store.js';
import { AttributeStats, chooseStyle } from './style.js';
import { VectorTilePlanner } from './vector-tile-plan.js';
import { type VectorTileReport, writeVectorTiles } from './vector-tiles.js';

/**
 * `bdtwin add`: one file of any format and CRS the tiler reads (a dataset in a ZIP archive too)
 * → a catalogue layer.
 *
 * One streaming pass reads the file, converts it to WGS 84 (the CRS checked for plausibility on
 * the first features, as `bdtwin tile` does), writes it to a staging GeoJSONSeq, and on the way
 * counts features, measures the extent, gathers attribute statistics for a first style and
 * measures the layer's coverage of the catalogue's wards. Then:
 * - up to `tileThreshold` features (or any line/point layer): a GeoJSON FeatureCollection,
 *   `<data>/catalog/<id>.geojson`, which the viewer loads whole and drapes on the terrain;
 * - more polygons: tiled, in one of two forms (`tiles`; docs/catalog.md says which is the default
 *   and why, with the measurements):
 *   - `mvt`: Mapbox Vector Tiles (`<data>/catalog/<id>/tiles.json` + `{z}/{x}/{y}.pbf`, see
 *     vector-tiles.ts), which the viewer paints into imagery tiles on the terrain;
 *   - `3dtiles`: 3D Tiles through the building tiler (`<data>/catalog/<id>/tileset.json`): each
 *     polygon a prism straddling the terrain, which the viewer draws as a classification volume,
 *     with `id, name, use, ward` as metadata and level of detail by size.
 * Last, the entry is written into `catalog.json` under the lock (replacing one with the same id).
 * A failure leaves the data folder as it was.
 */

export interface AddOptions {
  dataDir: string;
  sector: SectorId;
  /** Default: from the file name. */
  id?: string;
  title?: string;
  titleEn?: string;
  /** `--crs` as for `bdtwin tile`. */
  crs?: string;
  layer?: string;
  encoding?: string;
  /** ZIP files: unpacking limits (`--max-unzipped`, `--max-zip-ratio`) and temporary folder. */
  unzip?: UnzipOptions;
  validFrom?: string;
  validTo?: string | null;
  visibility?: Visibility;
  source?: string;
  licence?: string;
  /** Override the kind picked from the geometry (e.g. `boundaries` for administrative units). */
  kind?: CatalogLayerKind;
  styleBy?: string;
  /** A style to use as given (the demo's hand-made ones) instead of one chosen from the data. */
  style?: LayerStyle;
  description?: LocalText;
  attribution?: string;
  defaultOn?: boolean;
  timeFeatures?: boolean;
  labelProperty?: string;
  /** Polygon layers with more features are tiled. */
  tileThreshold?: number;
  /** The form of a tiled layer: vector tiles or 3D Tiles (default ADD_DEFAULTS.tiles). */
  tiles?: TiledForm;
  /** DEMs the tiled volumes straddle (as `bdtwin tile --terrain`). */
  terrain?: string[];
  verticalDatum?: VerticalDatum;
  /**
   * Without `terrain`: the ellipsoid heights the volumes of a tiled layer span (default
   * ADD_DEFAULTS.blindVolume: −100 … +300 m, any ground in Vietnam). Thinner is cheaper to draw.
   */
  volume?: { bottomM: number; heightM: number };
  coverage?: CoverageMethod;
  cellM?: number;
  /** Features that may be skipped (no geometry, another geometry type) before the run fails. */
  maxRejected?: number;
  /** Now, for `updatedAt` (tests pin it). */
  now?: Date;
  onProgress?: (featuresRead: number) => void;
}

/** `mvt`: kind `polygon-vector-tiles`; `3dtiles`: kind `polygon-tiles`. */
export type TiledForm = 'mvt' | '3dtiles';
export const TILED_FORMS: readonly TiledForm[] = ['mvt', '3dtiles'];

export const ADD_DEFAULTS = {
  tileThreshold: 20_000,
  /** Measured (docs/benchmarks.md "Catalogue"): see docs/catalog.md. */
  tiles: 'mvt' as TiledForm,
  visibility: 'public' as Visibility,
  maxRejected: 0,
  /**
   * Tiled polygons are classification volumes (docs/catalog.md): each reaches this far below the
   * lowest and above the highest terrain under it, so that whatever level of detail of the
   * terrain the viewer draws passes through it (coarse terrain tiles are metres off the finest).
   */
  volumeMarginM: 15,
  /** Without a DEM the ground height is unknown: volumes from −100 m to +300 m (ellipsoid). */
  blindVolume: { bottomM: -100, heightM: 400 },
};

export interface AddReport {
  layer: CatalogLayer;
  tiled: boolean;
  featuresRead: number;
  featuresWritten: number;
  rejected: { index: number; reason: string }[];
  notes: string[];
  styleNote: string;
  seconds: number;
  stageSeconds: { read: number; write: number };
  /** For `polygon-vector-tiles`: what the vector tiler wrote. */
  vectorTiles?: VectorTileReport;
}

/** `Bản đồ địa chính 2024.shp` → `ban-do-dia-chinh-2024`. */
export function slugify(text: string): string {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'layer'
  );
}

const SAMPLE_FEATURES = 200;
/** 1e-7° ≈ 1 cm: what a catalogue layer needs, and a third smaller than full doubles. */
const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

/** Volume height attribute written into the staging file for the tiler (not kept elsewhere). */
const SLAB_ATTRIBUTE = 'bdtwin_volume_m';
const FLOOR_ATTRIBUTE = 'bdtwin_floor_m';

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

function sampleVertices(features: readonly SourceFeature[]): XY[] {
  const out: XY[] = [];
  for (const f of features) {
    for (const [x, y] of positionsOf(f.geometry as GeometryLike | null)) {
      out.push({ x, y });
      if (out.length >= 1000) return out;
    }
  }
  return out;
}

/**
 * Converts every position to lon/lat (rounded), dropping z, and grows `box` by them; throws when a
 * coordinate is not a number. One pass: at 500,000 features this loop is the read stage.
 */
function reproject(
  c: unknown,
  project: ((x: number, y: number) => [number, number]) | undefined,
  box: BBox,
): unknown {
  if (!Array.isArray(c)) return c;
  if (typeof c[0] === 'number') {
    const x = c[0];
    const y = c[1] as number;
    if (!Number.isFinite(x) || !Number.isFinite(y))
      throw new Error(`coordinate [${c.join(', ')}] is not a number`);
    let lon = x;
    let lat = y;
    if (project) [lon, lat] = project(x, y);
    lon = round7(lon);
    lat = round7(lat);
    if (lon < box[0]) box[0] = lon;
    if (lat < box[1]) box[1] = lat;
    if (lon > box[2]) box[2] = lon;
    if (lat > box[3]) box[3] = lat;
    return [lon, lat];
  }
  const out = new Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = reproject(c[i], project, box);
  return out;
}

function kindFor(
  family: 'polygon' | 'line' | 'point',
  count: number,
  threshold: number,
  form: TiledForm = ADD_DEFAULTS.tiles,
): CatalogLayerKind {
  if (family === 'polygon') {
    if (count <= threshold) return 'polygons';
    return form === 'mvt' ? 'polygon-vector-tiles' : 'polygon-tiles';
  }
  return family === 'line' ? 'lines' : 'points';
}

/**
 * The feature number in the source of the n-th feature written (0-based), given the source
 * numbers of the features refused on the way (ascending).
 */
export function sourceIndexOf(written: number, refused: readonly number[]): number {
  let index = written;
  for (const r of refused) {
    if (r <= index) index++;
    else break;
  }
  return index;
}

function highestUnder(sampler: TerrainSampler, geometry: GeometryLike): number {
  let highest = Number.NEGATIVE_INFINITY;
  for (const poly of polygonsOf(geometry)) {
    for (const [lon, lat] of poly[0] ?? []) highest = Math.max(highest, sampler.heightAt(lon, lat));
  }
  return highest;
}

function lowestUnder(sampler: TerrainSampler, geometry: GeometryLike): number {
  const flat = polygonsOf(geometry).map((poly) => poly.map((ring) => ring.flat()));
  return sampler.footprintBaseM(flat);
}

interface TilesetNode {
  boundingVolume?: { region?: number[] };
  transform?: number[];
  children?: TilesetNode[];
}

/**
 * Moves a tileset `byM` metres along its root frame's up axis: the root transform's translation
 * and every region's heights (regions are absolute, content is in the root frame).
 */
export async function shiftTilesetUp(file: string, byM: number): Promise<void> {
  const tileset = JSON.parse(await readFile(file, 'utf8')) as { root: TilesetNode };
  const t = tileset.root.transform;
  if (t?.length !== 16) throw new Error(`${file}: root has no transform to shift`);
  for (let k = 0; k < 3; k++) t[12 + k] = t[12 + k]! + byM * t[8 + k]!;
  const visit = (node: TilesetNode) => {
    const r = node.boundingVolume?.region;
    if (r && r.length === 6) {
      r[4] = r[4]! + byM;
      r[5] = r[5]! + byM;
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tileset.root);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(tileset));
  await rename(tmp, file);
}

export async function addLayer(file: string, options: AddOptions): Promise<AddReport> {
  const started = performance.now();
  const dataDir = path.resolve(options.dataDir);
  const threshold = options.tileThreshold ?? ADD_DEFAULTS.tileThreshold;
  // `--kind` names the form too (a kind given overrides the one picked from the data).
  const form: TiledForm =
    options.kind === 'polygon-tiles'
      ? '3dtiles'
      : options.kind === 'polygon-vector-tiles'
        ? 'mvt'
        : (options.tiles ?? ADD_DEFAULTS.tiles);
  const maxRejected = options.maxRejected ?? ADD_DEFAULTS.maxRejected;
  const baseName = path.basename(file).replace(/\.[^.]+$/, '');
  const id = options.id ?? slugify(options.title ?? baseName);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id) || id.length > 64) {
    throw new InputError(
      file,
      `--id "${id}" must be lower-case letters, digits and dashes (it names a folder)`,
    );
  }

  // The wards to measure coverage against, when the catalogue names them.
  const existing = await readCatalog(dataDir);
  const units = existing?.units && existing.units.layer !== id ? await readUnits(dataDir, existing) : [];
  const prepared = units.map((u) => new PreparedUnit(u));
  // Only prisms need the ground's height: vector tiles are painted on whatever terrain is drawn.
  const sampler =
    options.terrain?.length && form === '3dtiles'
      ? await openTerrainSampler(options.terrain, { verticalDatum: options.verticalDatum ?? 'egm96' })
      : undefined;

  const layersDir = path.join(dataDir, CATALOG_LAYERS_DIR);
  await mkdir(layersDir, { recursive: true });
  const staging = path.join(layersDir, `.${id}.${process.pid}.staging.geojsonl`);
  const notes: string[] = [];
  if (options.terrain?.length && form === 'mvt')
    notes.push(
      '--terrain is not needed for vector tiles: they are drawn on whatever terrain the viewer shows',
    );
  const rejected: AddReport['rejected'] = [];
  const stats = new AttributeStats();
  const planner = new VectorTilePlanner();
  let bbox: BBox | undefined;
  let family: 'polygon' | 'line' | 'point' | undefined;
  let written = 0;
  let read = 0;
  let crsName = '';
  let coverage: CoverageAccumulator | undefined;
  let coverageMethod = 'none' as CoverageMethod;
  const readStarted = performance.now();
  const out = createWriteStream(staging);
  try {
    const source = await openSource(file, {
      ...(options.layer ? { layer: options.layer } : {}),
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.unzip ? { unzip: options.unzip } : {}),
    });
    try {
      const resolved = resolveCrs(options.crs, source.info.crs, source.info.file);
      notes.push(...source.info.notes, ...resolved.warnings);
      if (resolved.crs.warning) notes.push(resolved.crs.warning);
      crsName = resolved.crs.name;
      const identity = resolved.crs.geographic && resolved.crs.datum === 'WGS84';
      const project = identity ? undefined : toWgs84(resolved.crs);

      const take = async (feature: SourceFeature, index: number) => {
        const reject = (reason: string) => {
          rejected.push({ index, reason });
          if (rejected.length > maxRejected) {
            throw new InputError(
              source.info.file,
              `${reason}; ${rejected.length} feature(s) skipped (allowed: ${maxRejected}): fix the source or pass --max-rejected <n>`,
              { index },
            );
          }
        };
        const g = feature.geometry as GeometryLike | null;
        const f = geometryFamily(g);
        if (!g || !f) return reject(`has no usable geometry (${g ? g.type : 'null'})`);
        family ??= f;
        if (f !== family) return reject(`is a ${g.type} in a layer of ${family}s`);
        let coordinates: unknown;
        const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
        try {
          coordinates = reproject(g.coordinates, project, box);
        } catch (error) {
          return reject((error as Error).message);
        }
        const geometry = { type: g.type, coordinates } as GeometryLike;
        const properties: Record<string, unknown> = { ...(feature.properties ?? {}) };
        if (feature.id !== undefined && properties.id === undefined) properties.id = feature.id;
        stats.add(properties);
        bbox = bbox
          ? [
              Math.min(bbox[0], box[0]),
              Math.min(bbox[1], box[1]),
              Math.max(bbox[2], box[2]),
              Math.max(bbox[3], box[3]),
            ]
          : box;
        if (!coverage) {
          coverageMethod =
            options.coverage ?? defaultCoverageMethod({ kind: options.kind ?? kindFor(f, 0, Infinity) });
          coverage = new CoverageAccumulator(prepared, coverageMethod, options.cellM ?? DEFAULT_CELL_M);
        }
        coverage.add(geometry);
        if (f === 'polygon') planner.add(box);
        if (sampler && f === 'polygon') {
          // The tiler stands it on the lowest terrain under the polygon; shifted down by the margin
          // afterwards, it reaches the margin above the highest.
          properties[SLAB_ATTRIBUTE] =
            Math.round(
              (highestUnder(sampler, geometry) -
                lowestUnder(sampler, geometry) +
                2 * ADD_DEFAULTS.volumeMarginM) *
                100,
            ) / 100;
        }
        if (f === 'polygon') properties[FLOOR_ATTRIBUTE] = 0.01;
        written++;
        await write(out, `${JSON.stringify({ type: 'Feature', properties, geometry })}\n`);
      };

      let sample: SourceFeature[] | undefined = [];
      for await (const feature of source.features()) {
        read++;
        if (read % 10_000 === 0) options.onProgress?.(read);
        if (sample) {
          sample.push(feature);
          if (sample.length < SAMPLE_FEATURES) continue;
          // Refuse a wrong CRS before anything is placed 200 m (or 10,000 km) off.
          checkPlausible(sampleVertices(sample), resolved.crs, source.info.file);
          for (const [k, f] of sample.entries()) await take(f, k);
          sample = undefined;
          continue;
        }
        await take(feature, read - 1);
      }
      if (sample) {
        if (sample.length) checkPlausible(sampleVertices(sample), resolved.crs, source.info.file);
        for (const [k, f] of sample.entries()) await take(f, k);
      }
    } finally {
      await source.close();
    }
    await close(out);
    options.onProgress?.(read);
    if (written === 0 || !family || !bbox)
      throw new InputError(file, 'has no features with a usable geometry');
    const readSeconds = (performance.now() - readStarted) / 1000;

    const writeStarted = performance.now();
    const kind = options.kind ?? kindFor(family, written, threshold, form);
    const tiled = kind === 'polygon-tiles' || kind === 'polygon-vector-tiles';
    let vectorTiles: VectorTileReport | undefined;
    if (family !== 'polygon' && written > threshold) {
      notes.push(
        `${written.toLocaleString('en')} ${family}s are written as one GeoJSON file: only polygon layers are tiled`,
      );
    }
    const { style, note: styleNote } = options.style
      ? { style: options.style, note: 'as given' }
      : chooseStyle(stats, { ...(options.styleBy ? { by: options.styleBy } : {}), sector: options.sector });
    let relative: string;
    if (kind === 'polygon-vector-tiles') {
      if (family !== 'polygon') throw new InputError(file, `--kind ${kind} needs polygons, not ${family}s`);
      relative = `${CATALOG_LAYERS_DIR}/${id}/tiles.json`;
      const style1 = style.type === 'simple' ? undefined : stats.find(style.property);
      const find = (...names: string[]) => names.map((n) => stats.find(n)).find((k) => k !== undefined);
      // What the 3D Tiles path keeps (id, name, land use, ward), under the data's own names, plus
      // the style's attribute, the label and the feature dates.
      const timeFields = options.timeFeatures ? [find('validFrom'), find('validTo')] : [];
      const styleFields = [style1, ...timeFields].filter((k): k is string => k !== undefined);
      const fields = [
        ...new Set(
          [
            // The id as the 3D Tiles path reads it (buildings/normalise.ts featureId): `id`, else OSM's.
            find('id', '@id', '@osmId', 'osm_id'),
            find('name', 'ten', 'so_thua'),
            style1,
            stats.landUseAttribute(),
            find('ward', 'phuong', 'ward_name'),
            options.labelProperty ? stats.find(options.labelProperty) : undefined,
            ...timeFields,
          ].filter((k): k is string => k !== undefined),
        ),
      ];
      const refused = rejected.map((r) => r.index).sort((a, b) => a - b);
      vectorTiles = await writeVectorTiles({
        input: staging,
        out: path.join(layersDir, id),
        layerName: id,
        fields,
        styleFields,
        plan: planner.plan(),
        source: { file, indexOf: (line) => sourceIndexOf(line, refused) },
        maxRejected: Math.max(0, maxRejected - rejected.length),
      });
      rejected.push(...vectorTiles.rejected);
      written = vectorTiles.featuresWritten;
    } else if (tiled) {
      relative = `${CATALOG_LAYERS_DIR}/${id}/tileset.json`;
      const useAttribute = style.type === 'categorical' ? style.property : stats.landUseAttribute();
      const nameAttribute = stats.find('name') ?? stats.find('ten') ?? stats.find('so_thua');
      await tileBuildings([staging], {
        ...TILE_DEFAULTS,
        out: path.join(layersDir, id),
        crs: 'EPSG:4326',
        force: true,
        ...(options.terrain?.length ? { terrain: options.terrain } : {}),
        ...(options.verticalDatum ? { verticalDatum: options.verticalDatum } : {}),
        normalise: {
          ...NORMALISE_DEFAULTS,
          attributes: {
            ...ATTRIBUTE_DEFAULTS,
            // Volumes, not buildings: the height is the volume's, never a storey count.
            height: sampler ? [SLAB_ATTRIBUTE] : ['bdtwin_no_such_attribute'],
            storeys: [],
            // A part raised by 1 cm gets a floor: a classification volume must be closed.
            minHeight: [FLOOR_ATTRIBUTE],
            minLevel: [],
            ...(useAttribute ? { use: [useAttribute] } : {}),
            ...(nameAttribute ? { name: [nameAttribute] } : {}),
          },
          height: {
            ...NORMALISE_DEFAULTS.height,
            defaultHeightM: (options.volume ?? ADD_DEFAULTS.blindVolume).heightM,
            defaultHeightByUseM: {},
          },
        },
        maxRejected: Math.max(0, maxRejected - rejected.length),
      });
      // The tiler stands each volume on the lowest terrain under it (or on the ellipsoid): lower
      // the whole tileset so the volumes straddle the ground.
      await shiftTilesetUp(
        path.join(layersDir, id, 'tileset.json'),
        sampler ? -ADD_DEFAULTS.volumeMarginM : (options.volume ?? ADD_DEFAULTS.blindVolume).bottomM,
      );
    } else {
      relative = `${CATALOG_LAYERS_DIR}/${id}.geojson`;
      const target = path.join(dataDir, relative);
      const tmp = `${target}.${process.pid}.tmp`;
      const fc = createWriteStream(tmp);
      try {
        await write(fc, '{"type":"FeatureCollection","features":[\n');
        let first = true;
        for await (const line of createInterface({ input: createReadStream(staging), crlfDelay: Infinity })) {
          if (!line) continue;
          // The tiler's helper attributes are not the data's.
          const feature = JSON.parse(line) as { properties: Record<string, unknown> };
          delete feature.properties[SLAB_ATTRIBUTE];
          delete feature.properties[FLOOR_ATTRIBUTE];
          const text = JSON.stringify(feature);
          await write(fc, first ? text : `,\n${text}`);
          first = false;
        }
        await write(fc, '\n]}\n');
        await close(fc);
        await rename(tmp, target);
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    }
    const writeSeconds = (performance.now() - writeStarted) / 1000;

    const title: LocalText = {
      vi: options.title ?? baseName,
      en: options.titleEn ?? options.title ?? baseName,
    };
    const today = (options.now ?? new Date()).toISOString().slice(0, 10);
    if (!options.validFrom) notes.push(`--valid-from not given: the layer is valid from today (${today})`);
    if (!options.licence) notes.push('--licence not given: recorded as "unknown"; the viewer says so');
    const layer: CatalogLayer = {
      id,
      kind,
      title,
      sector: options.sector,
      path: relative,
      source: options.source ?? `${path.basename(file)} (bdtwin add)`,
      licence: options.licence ?? 'unknown',
      crsOfOrigin: crsName,
      validFrom: options.validFrom ?? today,
      validTo: options.validTo ?? null,
      updatedAt: (options.now ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
      visibility: options.visibility ?? ADD_DEFAULTS.visibility,
      style,
      featureCount: written,
      bbox: bbox.map((v) => round7(v)) as BBox,
      ...(options.description ? { description: options.description } : {}),
      ...(options.attribution ? { attribution: options.attribution } : {}),
      ...(options.defaultOn ? { defaultOn: true } : {}),
      ...(options.timeFeatures ? { timeFeatures: true } : {}),
      ...(options.labelProperty ? { labelProperty: options.labelProperty } : {}),
      coverage: {
        method: coverageMethod,
        ...(coverageMethod === 'cells' ? { cellM: options.cellM ?? DEFAULT_CELL_M } : {}),
        ...(existing?.units && prepared.length && coverage && coverageMethod !== 'none'
          ? { byUnit: coverage.result(), unitsLayer: existing.units.layer }
          : {}),
      },
    };
    await updateCatalog(dataDir, (catalog: CatalogFile) => {
      const at = catalog.layers.findIndex((l) => l.id === id);
      const layers = [...catalog.layers];
      if (at >= 0) {
        notes.push(`replaced the catalogue's layer "${id}"`);
        layers[at] = layer;
      } else layers.push(layer);
      return { ...catalog, layers };
    });
    return {
      layer,
      tiled,
      featuresRead: read,
      featuresWritten: written,
      rejected,
      notes,
      styleNote,
      seconds: (performance.now() - started) / 1000,
      stageSeconds: { read: readSeconds, write: writeSeconds },
      ...(vectorTiles ? { vectorTiles } : {}),
    };
  } finally {
    if (!out.closed) out.destroy();
    await rm(staging, { force: true });
  }
}

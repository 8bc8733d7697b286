import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  type CatalogFile,
  type CatalogLayer,
  type CatalogLayerInfo,
  type CatalogLayerListEntry,
  type CatalogResponse,
  type CompletenessResponse,
  type CoverageMethod,
  SECTORS,
  type Visibility,
  validOn,
  visibleTo,
} from '../api/catalog.js';
import { InputError } from '../errors.js';
import { DATA_URL_PREFIX } from '../serve/layers.js';
import { completenessTable, type LayerCoverageInput, type UnitInfo } from './completeness.js';
import { CoverageAccumulator, PreparedUnit, type Unit } from './coverage.js';
import { type GeometryLike, polygonsOf } from './geometry.js';
import { readCatalog } from './store.js';

/**
 * What the service answers from a data folder's catalogue: the catalogue by sector, the layers to
 * add to `/api/layers`, and the completeness table. Coverage the catalogue stores (written by
 * `bdtwin add`) is used as is; for a GeoJSON layer without it (a catalogue written by hand) it is
 * measured here from the file, once per file version.
 */

export function layerUrl(relative: string): string {
  return DATA_URL_PREFIX + relative.split(/[\\/]/).map(encodeURIComponent).join('/');
}

/** How a layer counts when the catalogue does not say (docs/catalog.md). */
export function defaultCoverageMethod(layer: Pick<CatalogLayer, 'kind'>): CoverageMethod {
  switch (layer.kind) {
    case 'polygons':
    case 'polygon-tiles':
    case 'polygon-vector-tiles':
      return 'area';
    case 'lines':
    case 'roads':
    case 'points':
    case 'buildings':
      return 'cells';
    default:
      return 'none';
  }
}

export function coverageMethodOf(layer: CatalogLayer): CoverageMethod {
  return layer.coverage?.method ?? defaultCoverageMethod(layer);
}

export function toLayerInfo(layer: CatalogLayer): CatalogLayerInfo {
  const { path: p, coverage: _coverage, ...rest } = layer;
  return { ...rest, url: layerUrl(p), coverageMethod: coverageMethodOf(layer) };
}

export interface CatalogQuery {
  /** Only layers this audience may see. */
  audience?: Visibility;
  /** Only layers valid on this day (`YYYY-MM-DD`). */
  date?: string;
}

/** `GET /api/catalog`: every sector (empty ones too), its layers in catalogue order. */
export function catalogResponse(catalog: CatalogFile | undefined, query: CatalogQuery = {}): CatalogResponse {
  const layers = (catalog?.layers ?? []).filter(
    (l) =>
      (!query.audience || visibleTo(l.visibility, query.audience)) && (!query.date || validOn(l, query.date)),
  );
  return {
    ...(catalog?.title ? { title: catalog.title } : {}),
    sectors: SECTORS.map((s) => ({
      id: s.id,
      title: s.title,
      layers: layers.filter((l) => l.sector === s.id).map(toLayerInfo),
    })),
    ...(catalog?.units ? { units: catalog.units } : {}),
  };
}

/** Catalogue layers `/api/layers` does not list yet (by id), in its shape. */
export function extraLayerEntries(catalog: CatalogFile | undefined, listedIds: ReadonlySet<string>) {
  return (catalog?.layers ?? [])
    .filter((l) => !listedIds.has(l.id))
    .map(
      (l): CatalogLayerListEntry => ({
        id: l.id,
        kind: l.kind,
        title: l.title.vi,
        url: layerUrl(l.path),
        ...(l.attribution ? { attribution: l.attribution } : {}),
        origin: 'catalog',
        sector: l.sector,
        visibility: l.visibility,
        validFrom: l.validFrom,
        validTo: l.validTo,
      }),
    );
}

interface GeoJsonLike {
  features?: { properties?: Record<string, unknown> | null; geometry?: GeometryLike | null }[];
}

async function readGeoJson(file: string): Promise<GeoJsonLike> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new InputError(file, `cannot be read as GeoJSON (${(error as Error).message})`);
  }
  const fc = json as GeoJsonLike;
  if (!Array.isArray(fc?.features)) throw new InputError(file, 'is not a GeoJSON FeatureCollection');
  return fc;
}

/** The units (wards) of a catalogue: polygons with an id and a name. */
export async function readUnits(dataDir: string, catalog: CatalogFile): Promise<Unit[]> {
  const spec = catalog.units;
  if (!spec) return [];
  const layer = catalog.layers.find((l) => l.id === spec.layer);
  if (!layer) return [];
  const fc = await readGeoJson(path.join(dataDir, layer.path));
  return (fc.features ?? []).flatMap((f, i) => {
    const polygons = polygonsOf(f.geometry);
    if (polygons.length === 0) return [];
    const props = f.properties ?? {};
    return [
      {
        id: String(props[spec.idProperty] ?? i),
        name: String(props[spec.nameProperty] ?? props[spec.idProperty] ?? i),
        polygons,
      },
    ];
  });
}

/** Measures one GeoJSON layer's coverage of the units. */
export async function measureGeoJsonCoverage(
  file: string,
  units: readonly PreparedUnit[],
  method: CoverageMethod,
  cellM?: number,
): Promise<Record<string, number>> {
  const fc = await readGeoJson(file);
  const acc = new CoverageAccumulator(units, method, cellM);
  for (const f of fc.features ?? []) acc.add(f.geometry);
  return acc.result();
}

/** Caches what is costly (units, measured coverage) by file and modification time. */
export class CatalogService {
  readonly dataDir: string;
  private readonly measured = new Map<string, Record<string, number>>();
  private units?: { key: string; prepared: PreparedUnit[] };

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  catalog(): Promise<CatalogFile | undefined> {
    return readCatalog(this.dataDir);
  }

  private async mtimeKey(relative: string): Promise<string | undefined> {
    const s = await stat(path.join(this.dataDir, relative)).catch(() => undefined);
    return s ? `${relative}@${s.mtimeMs}:${s.size}` : undefined;
  }

  /** `visible`: which layers the caller may see (hidden ones neither listed nor counted). */
  async completeness(visible: (layer: CatalogLayer) => boolean = () => true): Promise<CompletenessResponse> {
    const catalog = await this.catalog();
    const spec = catalog?.units;
    if (!catalog || !spec) return completenessTable(null, [], []);
    const unitsLayer = catalog.layers.find((l) => l.id === spec.layer)!;
    const unitsKey = `${(await this.mtimeKey(unitsLayer.path)) ?? ''}|${JSON.stringify(spec)}`;
    if (this.units?.key !== unitsKey) {
      const units = await readUnits(this.dataDir, catalog);
      this.units = { key: unitsKey, prepared: units.map((u) => new PreparedUnit(u)) };
      this.measured.clear();
    }
    const prepared = this.units.prepared;
    const inputs: LayerCoverageInput[] = [];
    const skipped: { id: string; reason: string }[] = [];
    for (const layer of catalog.layers.filter(visible)) {
      const method = coverageMethodOf(layer);
      if (method === 'none') {
        skipped.push({ id: layer.id, reason: 'reference layer (coverage: none)' });
        continue;
      }
      const stored = layer.coverage;
      if (stored?.byUnit && stored.unitsLayer === spec.layer) {
        inputs.push({ layer, method, byUnit: stored.byUnit });
        continue;
      }
      if (!/\.(geo)?json$/i.test(layer.path)) {
        skipped.push({
          id: layer.id,
          reason: 'tiled layer without stored coverage (re-add it with bdtwin add)',
        });
        continue;
      }
      const key = `${(await this.mtimeKey(layer.path)) ?? ''}|${method}|${stored?.cellM ?? ''}`;
      let byUnit = this.measured.get(key);
      if (!byUnit) {
        try {
          byUnit = await measureGeoJsonCoverage(
            path.join(this.dataDir, layer.path),
            prepared,
            method,
            stored?.cellM,
          );
        } catch (error) {
          skipped.push({ id: layer.id, reason: (error as Error).message });
          continue;
        }
        this.measured.set(key, byUnit);
      }
      inputs.push({ layer, method, byUnit });
    }
    const units: UnitInfo[] = prepared.map((u) => ({ id: u.id, name: u.name, areaM2: Math.round(u.areaM2) }));
    return completenessTable(spec.layer, units, inputs, skipped);
  }
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  metricsCsvRows,
  type ScenarioIndexEntry,
  type ScenarioMetrics,
  type SunHoursGrid,
  toCsv,
} from '../api/planning.js';
import type { Footprint } from '../buildings/footprint.js';
import { NORMALISE_DEFAULTS, type NormaliseOptions } from '../buildings/normalise.js';
import { InputError } from '../errors.js';
import { readFootprints } from '../read.js';
import { RejectedFeaturesError, TILE_DEFAULTS, type TileOptions, tileBuildings } from '../tile.js';
import { StagedFolder } from '../tiles/publish.js';
import { ENVELOPE_TILES_DEFAULTS, writeEnvelopeTileset } from './envelope-tiles.js';
import { type BBox, type Polygons, polygonsBBox, polygonsCentroid } from './geometry.js';
import {
  type LayerRef,
  layerPath,
  loadManifest,
  type ResolvedManifest,
  type ScenarioSpec,
  type SunHoursSpec,
  scenarioMetricsOptions,
} from './manifest.js';
import { computeMetrics, type PlanBuilding } from './metrics.js';
import type { Parcel } from './parcel.js';
import { PolygonIndex } from './parcel-index.js';
import { readParcels } from './read-parcels.js';
import { SCENARIOS_INDEX } from './routes.js';
import { castersNear, SUN_HOURS_DEFAULTS, sunHoursGrid } from './sun-hours.js';

/**
 * `bdtwin plan`: a planning manifest → per scenario an envelopes tileset, a proposals tileset,
 * parcels GeoJSON, metrics (JSON + CSV) and optionally a sun-hours grid, plus `scenarios.json`
 * (what `GET /api/scenarios` serves). Everything is written into a staging folder and swapped
 * into place when complete, as `bdtwin tile` does.
 */

/** What planning needs of terrain; the terrain module's `TerrainSampler` has this shape. */
export interface PlanTerrain {
  /** Ground height (ellipsoid m) at a point. */
  heightAt(lonDeg: number, latDeg: number): number;
  /** Lowest ground under a polygon (ellipsoid m): the base of an envelope or building. */
  footprintBaseM(polygons: Polygons): number;
}

export interface PlanOptions {
  out: string;
  /** Sun hours: override the manifest's date, or `false` to skip; area/spacing from the manifest. */
  sunHours?: Partial<SunHoursSpec> | false;
  /** Terrain to stand envelopes and sun-hours ground on (the terrain hook; see docs/planning.md). */
  terrain?: PlanTerrain;
  /**
   * Options passed on to `tileBuildings` for the proposals (threads, compression, and terrain
   * clamping once the building tiler takes it).
   */
  tile?: Partial<Omit<TileOptions, 'out'>>;
  onProgress?: (line: string) => void;
}

export interface PlanScenarioReport {
  id: string;
  parcels: number;
  buildings: number;
  violatingParcels: number;
  envelopeTiles: number;
  buildingTiles: number;
  sunHoursCells: number;
  seconds: number;
}

export interface PlanReport {
  manifest: string;
  out: string;
  scenarios: PlanScenarioReport[];
  notes: string[];
  seconds: number;
}

function readOptions(ref: LayerRef) {
  if (typeof ref === 'string') return {};
  return {
    ...(ref.crs ? { crs: ref.crs } : {}),
    ...(ref.layer ? { layer: ref.layer } : {}),
    ...(ref.encoding ? { encoding: ref.encoding } : {}),
  };
}

export async function buildPlan(manifestFile: string, options: PlanOptions): Promise<PlanReport> {
  const started = performance.now();
  const log = options.onProgress ?? (() => {});
  const manifest = await loadManifest(manifestFile);
  const notes: string[] = [];
  const storeyHeightM = manifest.defaults?.storeyHeightM ?? NORMALISE_DEFAULTS.height.storeyHeightM;
  const normalise: NormaliseOptions = {
    ...NORMALISE_DEFAULTS,
    height: { ...NORMALISE_DEFAULTS.height, storeyHeightM },
  };

  // Zoning files are often shared between scenarios: read each once.
  const zoningCache = new Map<string, Promise<Parcel[]>>();
  const wards = manifest.wards ? await readWards(manifest.wards, normalise) : undefined;
  const zoningOf = (ref: LayerRef) => {
    const key = JSON.stringify(ref);
    let p = zoningCache.get(key);
    if (!p) {
      p = readParcels(layerPath(ref), readOptions(ref)).then(({ parcels, source }) => {
        for (const n of source.notes) notes.push(`${path.basename(source.file)}: ${n}`);
        if (wards) assignWards(parcels, wards);
        return parcels;
      });
      zoningCache.set(key, p);
    }
    return p;
  };

  // A killed earlier run may have left a staging folder, or its previous output moved aside.
  const leftovers = await StagedFolder.recover(options.out);
  const staged = await StagedFolder.create(options.out);
  try {
    const index: ScenarioIndexEntry[] = [];
    const reports: PlanScenarioReport[] = [];
    const sunSpec = sunHoursSpec(manifest, options.sunHours);
    let sunArea: BBox | undefined;
    for (const scenario of manifest.scenarios) {
      const t0 = performance.now();
      log(`scenario ${scenario.id}: reading`);
      const parcels = await zoningOf(scenario.layers.zoning);
      const footprints = await readProposals(scenario, normalise);
      const buildings: PlanBuilding[] = footprints.map((f) => ({
        id: f.properties.id,
        polygons: f.polygons,
        heightM: f.heightM,
        storeys: f.properties.storeys,
        use: f.properties.use,
      }));
      log(`scenario ${scenario.id}: metrics for ${parcels.length} parcels, ${buildings.length} buildings`);
      const result = computeMetrics(parcels, buildings, scenarioMetricsOptions(manifest, scenario));
      const metrics: ScenarioMetrics = {
        scenarioId: scenario.id,
        title: scenario.title,
        floorAreaPerPersonM2: scenarioMetricsOptions(manifest, scenario).floorAreaPerPersonM2,
        storeyHeightM,
        totals: result.totals,
        wards: result.wards,
        parcels: result.parcels,
      };
      const dir = staged.file(scenario.id);
      await mkdir(dir, { recursive: true });
      const layers: ScenarioIndexEntry['layers'] = [];

      const envelopes = await writeEnvelopeTileset(
        result.envelopes,
        result.parcels,
        path.join(dir, 'envelopes'),
        {
          ...ENVELOPE_TILES_DEFAULTS,
          ...(options.tile?.glb ? { glb: options.tile.glb } : {}),
          ...(options.terrain ? { baseHeightM: (p: Polygons) => options.terrain!.footprintBaseM(p) } : {}),
        },
      );
      layers.push({
        id: 'envelopes',
        kind: 'envelopes',
        path: `${scenario.id}/envelopes/tileset.json`,
        title: 'Khối bao quy hoạch',
      });

      let buildingTiles = 0;
      if (footprints.length > 0) {
        log(`scenario ${scenario.id}: tiling ${footprints.length} buildings`);
        const report = await tileBuildings(scenario.layers.proposals.map(layerPath), {
          ...TILE_DEFAULTS,
          normalise,
          ...options.tile,
          ...readOptions(scenario.layers.proposals[0]!),
          out: path.join(dir, 'buildings'),
        });
        buildingTiles = report.tiles;
        layers.push({
          id: 'buildings',
          kind: 'buildings',
          path: `${scenario.id}/buildings/tileset.json`,
          title: 'Công trình đề xuất',
        });
      }

      await writeFile(path.join(dir, 'parcels.geojson'), parcelsGeoJson(parcels, metrics));
      layers.push({
        id: 'parcels',
        kind: 'parcels',
        path: `${scenario.id}/parcels.geojson`,
        title: 'Lô đất quy hoạch',
      });

      let sunHoursCells = 0;
      if (sunSpec) {
        sunArea ??= sunAreaOf(sunSpec, parcels, manifest.file);
        const near = castersNear(
          footprints.map((f) => ({
            polygons: f.polygons,
            heightM: f.heightM,
            baseM: options.terrain ? options.terrain.footprintBaseM(f.polygons) : 0,
          })),
          sunArea,
          SUN_HOURS_DEFAULTS.reachM,
        );
        log(`scenario ${scenario.id}: sun hours on ${sunSpec.date} against ${near.length} buildings`);
        const grid: SunHoursGrid = sunHoursGrid(near, sunArea, sunSpec.date!, {
          ...SUN_HOURS_DEFAULTS,
          ...(sunSpec.spacingM ? { spacingM: sunSpec.spacingM } : {}),
          ...(sunSpec.stepMinutes ? { stepMinutes: sunSpec.stepMinutes } : {}),
          ...(options.terrain
            ? { groundHeightM: (lon: number, lat: number) => options.terrain!.heightAt(lon, lat) }
            : {}),
        });
        sunHoursCells = grid.cols * grid.rows;
        await writeFile(path.join(dir, 'sun-hours.json'), JSON.stringify(grid));
        layers.push({
          id: 'sun-hours',
          kind: 'sun-hours',
          path: `${scenario.id}/sun-hours.json`,
          title: `Số giờ nắng ${sunSpec.date}`,
        });
      }

      await writeFile(path.join(dir, 'metrics.json'), `${JSON.stringify(metrics, null, 1)}\n`);
      await writeFile(path.join(dir, 'metrics.csv'), toCsv(metricsCsvRows(metrics)));
      index.push({
        id: scenario.id,
        title: scenario.title,
        description: scenario.description ?? '',
        ...(scenario.en ? { en: scenario.en } : {}),
        ...(scenario.baseYear !== undefined ? { baseYear: scenario.baseYear } : {}),
        layers,
        metricsPath: `${scenario.id}/metrics.json`,
        metricsCsvPath: `${scenario.id}/metrics.csv`,
      });
      reports.push({
        id: scenario.id,
        parcels: parcels.length,
        buildings: buildings.length,
        violatingParcels: result.totals.violatingParcels,
        envelopeTiles: envelopes.tiles,
        buildingTiles,
        sunHoursCells,
        seconds: (performance.now() - t0) / 1000,
      });
    }
    await writeFile(staged.file(SCENARIOS_INDEX), `${JSON.stringify(index, null, 2)}\n`);
    const report: PlanReport = {
      manifest: manifest.file,
      out: path.resolve(options.out),
      scenarios: reports,
      notes,
      seconds: (performance.now() - started) / 1000,
    };
    await writeFile(staged.file('report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await staged.commit();
    await StagedFolder.removeLeftovers(leftovers);
    return report;
  } catch (error) {
    await staged.abort();
    throw error;
  }
}

async function readProposals(scenario: ScenarioSpec, normalise: NormaliseOptions): Promise<Footprint[]> {
  const refs = scenario.layers.proposals;
  if (refs.length === 0) return [];
  const opts = JSON.stringify(readOptions(refs[0]!));
  if (refs.some((r) => JSON.stringify(readOptions(r)) !== opts)) {
    throw new InputError(
      layerPath(refs[0]!),
      `scenario "${scenario.id}": all proposal layers must share crs/layer/encoding (they are tiled together)`,
    );
  }
  const { store, rejected } = await readFootprints(refs.map(layerPath), {
    normalise,
    ...readOptions(refs[0]!),
  });
  if (rejected.length > 0) throw new RejectedFeaturesError(rejected, 0);
  return Array.from({ length: store.length }, (_, i) => store.get(i));
}

interface Wards {
  index: PolygonIndex;
  names: string[];
}

async function readWards(ref: LayerRef, normalise: NormaliseOptions): Promise<Wards> {
  const { store } = await readFootprints([layerPath(ref)], { normalise, ...readOptions(ref) });
  const all = Array.from({ length: store.length }, (_, i) => store.get(i));
  return { index: new PolygonIndex(all.map((f) => f.polygons)), names: all.map((f) => f.properties.name) };
}

/** Parcels whose data names no ward get the ward containing their centroid. */
function assignWards(parcels: Parcel[], wards: Wards) {
  for (const p of parcels) {
    if (p.ward) continue;
    const [x, y] = polygonsCentroid(p.polygons);
    const i = wards.index.find(x, y);
    if (i >= 0) p.ward = wards.names[i] ?? '';
  }
}

function sunHoursSpec(
  manifest: ResolvedManifest,
  override: PlanOptions['sunHours'],
): SunHoursSpec | undefined {
  if (override === false) return undefined;
  const spec = { ...manifest.sunHours, ...override } as Partial<SunHoursSpec>;
  if (!spec.date && !spec.area) return undefined;
  if (!spec.date) throw new InputError(manifest.file, 'sunHours.date: is required to compute sun hours');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(spec.date))
    throw new InputError(manifest.file, `sun-hours date must be YYYY-MM-DD, got "${spec.date}"`);
  if (!spec.area)
    throw new InputError(manifest.file, 'sunHours.area: give {"bbox": [w, s, e, n]} or {"parcels": [ids]}');
  return spec as SunHoursSpec;
}

/** The sun-hours area: the bbox, or the bbox of the named parcels. */
function sunAreaOf(spec: SunHoursSpec, parcels: readonly Parcel[], file: string): BBox {
  if ('bbox' in spec.area) return spec.area.bbox;
  const wanted = new Set(spec.area.parcels);
  const found = parcels.filter((p) => wanted.has(p.id));
  const missing = [...wanted].filter((id) => !found.some((p) => p.id === id));
  if (missing.length)
    throw new InputError(
      file,
      `sunHours.area.parcels: no parcel ${missing.map((m) => JSON.stringify(m)).join(', ')} in the zoning plan`,
    );
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const p of found) {
    const b = polygonsBBox(p.polygons);
    w = Math.min(w, b[0]);
    s = Math.min(s, b[1]);
    e = Math.max(e, b[2]);
    n = Math.max(n, b[3]);
  }
  return [w, s, e, n];
}

/** Parcels with their limits and this scenario's metrics, for drawing and picking on the ground. */
function parcelsGeoJson(parcels: readonly Parcel[], metrics: ScenarioMetrics): string {
  const features = parcels.map((p, i) => {
    const m = metrics.parcels[i]!;
    const { violations, ...rest } = m;
    const close = (ring: number[]) => {
      const out: number[][] = [];
      for (let k = 0; k < ring.length; k += 2) out.push([round7(ring[k]!), round7(ring[k + 1]!)]);
      out.push(out[0]!);
      return out;
    };
    return JSON.stringify({
      type: 'Feature',
      id: p.id,
      properties: { ...rest, name: p.name, violations: violations.map((v) => v.rule).join(';') },
      geometry:
        p.polygons.length === 1
          ? { type: 'Polygon', coordinates: p.polygons[0]!.map(close) }
          : { type: 'MultiPolygon', coordinates: p.polygons.map((rings) => rings.map(close)) },
    });
  });
  return `{"type":"FeatureCollection","features":[\n${features.join(',\n')}\n]}\n`;
}

const round7 = (v: number) => Math.round(v * 1e7) / 1e7;

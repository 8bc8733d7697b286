/**
 * generateCity: a deterministic, seeded demo city for the five wards of former Thủ Dầu Một.
 * Real: ward polygons, national roads, bus-stop landmark positions. Invented: the street grid,
 * every footprint and height. See README.md.
 */
import { BUILDING_FORMS, type BuildingForm, Placer, type PlannedBuilding } from './buildings.js';
import { developBlock } from './develop.js';
import { type FormContext, fillRow, shophouseLot } from './forms.js';
import { pointInRing, pointSegmentDistanceM, ringSignedAreaM2, SpatialHash } from './geometry.js';
import type {
  CityInputs,
  GeoJsonFeature,
  LineStringGeometry,
  MultiPolygonGeometry,
  PolygonGeometry,
  Position,
} from './inputs.js';
import { type BusStop, LANDMARKS, placeLandmark, stopPosition } from './landmarks.js';
import { PublicNamer, StreetNamer } from './names.js';
import {
  createProjection,
  DEFAULT_ORIGIN_LAT_DEG,
  DEFAULT_ORIGIN_LON_DEG,
  type Projection,
  roundDeg,
  type XY,
} from './projection.js';
import { createRng, deriveSeed, type Rng, valueNoise2d } from './rng.js';
import { ROAD_SOURCE_NATIONAL, type RoadClass, type RoadSource } from './roads.js';
import {
  arterialLines,
  type Block,
  buildStreets,
  frameToLocal,
  gridFrame,
  type NationalRoadInput,
  type StreetNetwork,
  type WardGeometry,
} from './streets.js';
import {
  createZoneClassifier,
  WARD_GRID_ANGLE_DEG,
  ZONE_KINDS,
  ZONE_TARGET_BUILDINGS_PER_KM2,
  type ZoneClassifier,
  type ZoneKind,
} from './zones.js';

/** Bump whenever the output for a given seed changes (data/generated is regenerated). */
export const CITY_GENERATOR_VERSION = '1';

export interface GenerateCityOptions {
  seed: number;
  /** The real inputs (see inputs.ts, loadCityInputs). */
  inputs: CityInputs;
  /** Hard cap on buildings; the zone targets normally stay well below it. */
  maxBuildings?: number;
  /** Share of ordinary houses (shophouse, villa) written with storeys but no height. */
  storeysOnlyShare?: number;
  /** Multiplies every zone's target density (tests use < 1 for speed). */
  densityScale?: number;
  originLonDeg?: number;
  originLatDeg?: number;
}

export const GENERATE_CITY_DEFAULTS = {
  seed: 20250701,
  // Browser tests render every building under software WebGL.
  maxBuildings: 60000,
  // Exercises the tiler's height = storeys × storey-height path.
  storeysOnlyShare: 0.1,
  densityScale: 1,
  originLonDeg: DEFAULT_ORIGIN_LON_DEG,
  originLatDeg: DEFAULT_ORIGIN_LAT_DEG,
  // A dead end may be extended this far to meet a street across a ward boundary.
  connectSearchM: 150,
  // Dead ends this close to a ward boundary are streets leaving the map; others are pruned.
  boundaryDeadEndM: 60,
} as const;

export interface BuildingProperties {
  id: string;
  height?: number;
  storeys: number;
  use: string;
  ward: string;
  name?: string;
  form: BuildingForm;
}

export interface RoadProperties {
  id: string;
  name: string;
  class: RoadClass;
  lanes: number;
  oneway: boolean;
  maxspeedKmh: number;
  source: RoadSource;
}

export interface GeneratorStamp {
  seed: number;
  version: string;
}

export interface CityCollection<G, P> {
  type: 'FeatureCollection';
  generator: GeneratorStamp;
  attribution: string;
  features: GeoJsonFeature<G, P>[];
}

export interface CitySummary {
  buildings: number;
  roads: number;
  roadLengthKm: number;
  /** Small disconnected street pieces removed (the network written is connected). */
  roadIslandsDropped: number;
  buildingsByWard: Record<string, number>;
  buildingsByForm: Record<BuildingForm, number>;
  buildingsByWardAndForm: Record<string, Record<BuildingForm, number>>;
  /** Built-up density per ward, buildings per km² of ward area. */
  densityByWard: Record<string, number>;
  landmarksPlaced: string[];
  landmarksMissing: string[];
  elapsedMs: number;
}

export interface GeneratedCity {
  buildings: CityCollection<PolygonGeometry | MultiPolygonGeometry, BuildingProperties>;
  roads: CityCollection<LineStringGeometry, RoadProperties>;
  summary: CitySummary;
}

const BUILDINGS_ATTRIBUTION =
  'Generated demo city (bdtwin), not real footprints. Ward limits: vietnam-3d-map (MIT). ' +
  'Landmark positions from Kaze bus stops, © OpenStreetMap contributors (ODbL).';
const ROADS_ATTRIBUTION =
  'Generated streets (bdtwin), not a real network. National roads: CTU-SematX/LegoCity ' +
  'opendata/giaothong (CC-BY-SA-4.0); features with that source are derived from it.';

function wardGeometries(inputs: CityInputs, projection: Projection, rng: Rng): WardGeometry[] {
  return inputs.wards.features.map((f) => {
    const g = f.geometry;
    // Each ward is one polygon; for a MultiPolygon the largest part carries the streets.
    const outer =
      g.type === 'Polygon'
        ? g.coordinates[0]!
        : g.coordinates
            .map((p) => p[0]!)
            .sort((a, b) => Math.abs(ringSignedAreaM2(b)) - Math.abs(ringSignedAreaM2(a)))[0]!;
    const ring: XY[] = outer.map(([lon, lat]) => projection.toLocal(lon, lat));
    const first = ring[0]!;
    const last = ring[ring.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) ring.push(first);
    const baseDeg = WARD_GRID_ANGLE_DEG[f.properties.name] ?? 0;
    return { name: f.properties.name, ring, gridAngleRad: ((baseDeg + rng.range(-3, 3)) * Math.PI) / 180 };
  });
}

/** Area of each zone kind in each ward, km², by sampling a 50 m lattice. */
function zoneAreasKm2(wards: readonly WardGeometry[], zones: ZoneClassifier): Map<string, number> {
  const stepM = 50;
  const out = new Map<string, number>();
  wards.forEach((w, wi) => {
    let x0 = Number.POSITIVE_INFINITY;
    let y0 = Number.POSITIVE_INFINITY;
    let x1 = Number.NEGATIVE_INFINITY;
    let y1 = Number.NEGATIVE_INFINITY;
    for (const [x, y] of w.ring) {
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
    for (let x = Math.ceil(x0 / stepM) * stepM; x <= x1; x += stepM) {
      for (let y = Math.ceil(y0 / stepM) * stepM; y <= y1; y += stepM) {
        if (!pointInRing(x, y, w.ring)) continue;
        const key = `${wi}|${zones.kindAt(x, y, w.name)}`;
        out.set(key, (out.get(key) ?? 0) + (stepM * stepM) / 1e6);
      }
    }
  });
  return out;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function heightModel(rng: Rng, storeysOnlyShare: number): FormContext['height'] {
  return (form, storeys) => {
    if ((form === 'shophouse' || form === 'villa') && rng.chance(storeysOnlyShare)) return null;
    if (form === 'factory') return round1(rng.range(8, 15));
    // Floor-to-floor 3.3–3.8 m for houses (tall shop ground floors), ~3.3 m in towers, plus
    // a parapet or roof structure.
    const storeyM = form === 'tower' ? rng.range(3.2, 3.5) : rng.range(3.3, 3.8);
    const roofM = form === 'tower' ? rng.range(2, 5) : rng.range(0.5, 1.5);
    return round1(storeys * storeyM + roofM);
  };
}

/** Street-front tube houses along the national roads (Đại lộ Bình Dương is lined with them). */
const ARTERIAL_FILL: Readonly<Record<ZoneKind, number>> = {
  oldCentre: 0.92,
  urban: 0.85,
  suburban: 0.6,
  newCity: 0.3,
  industrial: 0,
  rural: 0.3,
};

function fillArterials(
  ctx: FormContext,
  network: StreetNetwork,
  wards: readonly WardGeometry[],
  zones: ZoneClassifier,
  count: (wardIndex: number, kind: ZoneKind, n: number) => void,
): void {
  const chunkM = 100;
  for (const e of network.edges) {
    if (e.source !== ROAD_SOURCE_NATIONAL) continue;
    for (let i = 0; i + 1 < e.points.length; i++) {
      const a = e.points[i]!;
      const b = e.points[i + 1]!;
      const len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (len < 40) continue;
      const t: XY = [(b[0] - a[0]) / len, (b[1] - a[1]) / len];
      for (const side of [1, -1]) {
        const n: XY = [-t[1] * side, t[0] * side];
        const off = e.halfWidthM + 0.4;
        for (let s = 15; s + 20 < len - 15; s += chunkM) {
          const chunk = Math.min(chunkM, len - 15 - s);
          const mx = a[0] + t[0] * (s + chunk / 2) + n[0] * (off + 10);
          const my = a[1] + t[1] * (s + chunk / 2) + n[1] * (off + 10);
          const wi = ctx.placer.wardAt(mx, my);
          if (wi < 0) continue;
          const kind = zones.kindAt(mx, my, wards[wi]!.name);
          const origin: XY = [a[0] + t[0] * s + n[0] * off, a[1] + t[1] * s + n[1] * off];
          const placed = fillRow(ctx, { origin, t, n, lengthM: chunk }, wi, kind, shophouseLot(true), {
            maxDepthM: 25,
            fill: ARTERIAL_FILL[kind],
            alleyChance: 0.05,
          });
          count(wi, kind, placed);
        }
      }
    }
  }
}

/** Rings closed, rounded to 7 decimals, outer counter-clockwise and holes clockwise (RFC 7946). */
function ringToLonLat(ring: readonly XY[], projection: Projection, outer: boolean): Position[] {
  const pts: Position[] = [];
  for (const [x, y] of ring) {
    const [lon, lat] = projection.toLonLat(x, y);
    const p: Position = [roundDeg(lon), roundDeg(lat)];
    const prev = pts[pts.length - 1];
    if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) pts.push(p);
  }
  const area = ringSignedAreaM2(pts);
  if ((outer && area < 0) || (!outer && area > 0)) pts.reverse();
  pts.push([pts[0]![0], pts[0]![1]]);
  return pts;
}

function buildingFeature(
  b: PlannedBuilding,
  index: number,
  wardName: string,
  projection: Projection,
): GeoJsonFeature<PolygonGeometry | MultiPolygonGeometry, BuildingProperties> {
  const polygons = b.polygons.map((rings) => rings.map((r, i) => ringToLonLat(r, projection, i === 0)));
  // Keys in a fixed order so the JSON text is stable and readable.
  const props: BuildingProperties = {
    id: `TDM-${String(index + 1).padStart(6, '0')}`,
    ...(b.heightM !== null ? { height: b.heightM } : {}),
    storeys: b.storeys,
    use: b.use,
    ward: wardName,
    ...(b.name !== undefined ? { name: b.name } : {}),
    form: b.form,
  };
  const geometry: PolygonGeometry | MultiPolygonGeometry =
    polygons.length === 1
      ? { type: 'Polygon', coordinates: polygons[0]! }
      : { type: 'MultiPolygon', coordinates: polygons };
  return { type: 'Feature', properties: props, geometry };
}

export function generateCity(options: GenerateCityOptions): GeneratedCity {
  const started = performance.now();
  const seed = options.seed >>> 0;
  const maxBuildings = options.maxBuildings ?? GENERATE_CITY_DEFAULTS.maxBuildings;
  const densityScale = options.densityScale ?? GENERATE_CITY_DEFAULTS.densityScale;
  const projection = createProjection(
    options.originLonDeg ?? GENERATE_CITY_DEFAULTS.originLonDeg,
    options.originLatDeg ?? GENERATE_CITY_DEFAULTS.originLatDeg,
  );
  const { inputs } = options;
  const stream = (label: string) => createRng(deriveSeed(seed, label));

  const wards = wardGeometries(inputs, projection, stream('wards'));
  const wardNames = wards.map((w) => w.name);
  const zones = createZoneClassifier(projection);
  const namer = new StreetNamer(stream('street-names'));
  const nationalRoads: NationalRoadInput[] = inputs.nationalRoads.features.map((f) => ({
    name: f.properties.ten,
    roadType: f.properties.loai_duong,
    parts: (f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates).map(
      (part) => part.map(([lon, lat]) => projection.toLocal(lon, lat) as XY),
    ),
  }));
  const arterials = arterialLines(wards, nationalRoads, namer);
  const corridorsOf = (lines: readonly { points: XY[]; halfWidthM: number }[]) =>
    lines.flatMap((l) => l.points.slice(1).map((b, i) => ({ a: l.points[i]!, b, halfWidthM: l.halfWidthM })));

  // 1. Landmarks first, against the arterials only, so the street grid can avoid them.
  const stops: BusStop[] = inputs.busStops.features
    .filter((f) => typeof f.properties.name === 'string')
    .map((f) => ({
      name: f.properties.name as string,
      position: projection.toLocal(f.geometry.coordinates[0], f.geometry.coordinates[1]),
    }));
  const landmarkRng = stream('landmarks');
  const arterialCorridors = corridorsOf(
    arterials.map((l) => ({ points: l.points, halfWidthM: (l.lanes * 3.5) / 2 + 6 })),
  );
  const draft = new Placer(wards, arterialCorridors);
  const drafts = LANDMARKS.map((spec) => {
    const ref = spec.anchorLonLat
      ? projection.toLocal(spec.anchorLonLat[0], spec.anchorLonLat[1])
      : stopPosition(spec, stops);
    if (!ref) return null;
    const wi = draft.wardAt(ref[0], ref[1]);
    if (wi < 0) return null;
    const gaps = spec.anchorLonLat ? [0, 20, 40, 60, 80] : [30, 40, 50, 60, 75, 90];
    const angle = wards[wi]!.gridAngleRad;
    const placed = placeLandmark(spec, ref, angle, gaps, landmarkRng, (shapes, c) => {
      const w = draft.wardAt(c[0], c[1]);
      return w >= 0 && draft.fits(shapes, w, 12) ? w : -1;
    });
    if (placed) draft.commit(placed.shapes, placed.buildings);
    return placed ? { spec, ref, angle, gaps, placed } : null;
  });

  // 2. Streets.
  const network = buildStreets({
    wards,
    arterials,
    zones,
    namer,
    rng: stream('streets'),
    reserved: drafts.flatMap((d) => d?.placed.shapes ?? []),
    connectSearchM: GENERATE_CITY_DEFAULTS.connectSearchM,
    boundaryDeadEndM: GENERATE_CITY_DEFAULTS.boundaryDeadEndM,
  });

  // 3. Buildings: landmarks (re-checked against the final streets), arterial frontage, blocks.
  const placer = new Placer(wards, corridorsOf(network.edges));
  const landmarksPlaced: string[] = [];
  const landmarksMissing: string[] = [];
  for (const [i, d] of drafts.entries()) {
    const spec = LANDMARKS[i]!;
    let placed = d?.placed ?? null;
    if (d && placed && !placer.fits(placed.shapes, placed.buildings[0]!.wardIndex, 3)) {
      placed = placeLandmark(spec, d.ref, d.angle, d.gaps, landmarkRng, (shapes, c) => {
        const w = placer.wardAt(c[0], c[1]);
        return w >= 0 && placer.fits(shapes, w, 3) ? w : -1;
      });
    }
    if (placed) {
      placer.commit(placed.shapes, placed.buildings);
      landmarksPlaced.push(spec.name);
    } else {
      landmarksMissing.push(spec.name);
    }
  }

  const buildingRng = stream('buildings');
  const ctx: FormContext = {
    placer,
    rng: buildingRng,
    height: heightModel(
      stream('heights'),
      options.storeysOnlyShare ?? GENERATE_CITY_DEFAULTS.storeysOnlyShare,
    ),
    publicNamer: new PublicNamer(stream('public-names')),
    wardNames,
  };
  const counts = new Map<string, number>();
  const count = (wi: number, kind: ZoneKind, n: number) => {
    const key = `${wi}|${kind}`;
    counts.set(key, (counts.get(key) ?? 0) + n);
  };
  fillArterials(ctx, network, wards, zones, count);

  // Blocks grouped by ward and zone, developed nearest-to-main-road first until the zone's target.
  const areas = zoneAreasKm2(wards, zones);
  const majorHash = new SpatialHash(500);
  const majorSegments: [XY, XY][] = [];
  for (const e of network.edges) {
    if (e.roadClass !== 'trunk' && e.roadClass !== 'primary' && e.roadClass !== 'secondary') continue;
    for (let i = 0; i + 1 < e.points.length; i++) {
      const a = e.points[i]!;
      const b = e.points[i + 1]!;
      majorHash.insert(
        majorSegments.length,
        Math.min(a[0], b[0]),
        Math.min(a[1], b[1]),
        Math.max(a[0], b[0]),
        Math.max(a[1], b[1]),
      );
      majorSegments.push([a, b]);
    }
  }
  const priorityRng = stream('priority');
  const noise = valueNoise2d(deriveSeed(seed, 'neighbourhoods'), 900);
  const groups = new Map<string, { block: Block; key: number }[]>();
  for (const block of network.blocks) {
    const [cx, cy] = frameToLocal(
      gridFrame(block.angleRad),
      (block.u0 + block.u1) / 2,
      (block.v0 + block.v1) / 2,
    );
    let d = 1500;
    for (const id of majorHash.query(cx - d, cy - d, cx + d, cy + d)) {
      const [a, b] = majorSegments[id]!;
      d = Math.min(d, pointSegmentDistanceM(cx, cy, a[0], a[1], b[0], b[1]));
    }
    let dStop = 1500;
    for (const stop of stops)
      dStop = Math.min(dStop, Math.hypot(stop.position[0] - cx, stop.position[1] - cy));
    // Low key = developed first: near a main road and near the real bus routes (which run
    // along the busiest streets), in a "developed" patch of the noise, with some randomness so
    // the edge of a neighbourhood is ragged.
    const key = 0.4 * (d / 1500) + 0.25 * (dStop / 1500) + 0.2 * noise(cx, cy) + 0.15 * priorityRng.next();
    const gk = `${block.wardIndex}|${block.kind}`;
    const list = groups.get(gk);
    if (list) list.push({ block, key });
    else groups.set(gk, [{ block, key }]);
  }
  for (let wi = 0; wi < wards.length; wi++) {
    for (const kind of ZONE_KINDS) {
      const gk = `${wi}|${kind}`;
      const list = groups.get(gk);
      if (!list) continue;
      const target = ZONE_TARGET_BUILDINGS_PER_KM2[kind] * densityScale * (areas.get(gk) ?? 0);
      list.sort((p, q) => p.key - q.key);
      for (const { block } of list) {
        if ((counts.get(gk) ?? 0) >= target || placer.buildings.length >= maxBuildings) break;
        count(wi, kind, developBlock(ctx, block));
      }
    }
  }

  // 4. Output.
  const planned = placer.buildings.slice(0, maxBuildings);
  const buildingFeatures = planned.map((b, i) =>
    buildingFeature(b, i, wardNames[b.wardIndex] ?? '', projection),
  );
  const roadFeatures: GeoJsonFeature<LineStringGeometry, RoadProperties>[] = network.edges.map((e, i) => {
    const coordinates: Position[] = [];
    for (const [x, y] of e.points) {
      const [lon, lat] = projection.toLonLat(x, y);
      const p: Position = [roundDeg(lon), roundDeg(lat)];
      const prev = coordinates[coordinates.length - 1];
      if (!prev || prev[0] !== p[0] || prev[1] !== p[1]) coordinates.push(p);
    }
    return {
      type: 'Feature',
      properties: {
        id: `R-${String(i + 1).padStart(6, '0')}`,
        name: e.name,
        class: e.roadClass,
        lanes: e.lanes,
        oneway: e.oneway,
        maxspeedKmh: e.maxspeedKmh,
        source: e.source,
      },
      geometry: { type: 'LineString', coordinates },
    };
  });

  const byWard: Record<string, number> = Object.fromEntries(wardNames.map((n) => [n, 0]));
  const emptyForms = () =>
    Object.fromEntries(BUILDING_FORMS.map((f) => [f, 0])) as Record<BuildingForm, number>;
  const byForm = emptyForms();
  const byWardForm: Record<string, Record<BuildingForm, number>> = Object.fromEntries(
    wardNames.map((n) => [n, emptyForms()]),
  );
  for (const f of buildingFeatures) {
    const p = f.properties;
    byWard[p.ward] = (byWard[p.ward] ?? 0) + 1;
    byForm[p.form]++;
    const wf = byWardForm[p.ward];
    if (wf) wf[p.form]++;
  }
  const densityByWard: Record<string, number> = {};
  for (const f of inputs.wards.features) {
    densityByWard[f.properties.name] = Math.round((byWard[f.properties.name] ?? 0) / f.properties.area_km2);
  }
  let roadLengthM = 0;
  for (const e of network.edges) {
    for (let i = 0; i + 1 < e.points.length; i++) {
      roadLengthM += Math.hypot(e.points[i + 1]![0] - e.points[i]![0], e.points[i + 1]![1] - e.points[i]![1]);
    }
  }
  const generator: GeneratorStamp = { seed, version: CITY_GENERATOR_VERSION };
  return {
    buildings: {
      type: 'FeatureCollection',
      generator,
      attribution: BUILDINGS_ATTRIBUTION,
      features: buildingFeatures,
    },
    roads: { type: 'FeatureCollection', generator, attribution: ROADS_ATTRIBUTION, features: roadFeatures },
    summary: {
      buildings: buildingFeatures.length,
      roads: roadFeatures.length,
      roadLengthKm: Math.round(roadLengthM / 100) / 10,
      roadIslandsDropped: network.islandsDropped,
      buildingsByWard: byWard,
      buildingsByForm: byForm,
      buildingsByWardAndForm: byWardForm,
      densityByWard,
      landmarksPlaced,
      landmarksMissing,
      elapsedMs: Math.round(performance.now() - started),
    },
  };
}

/**
 * GeoJSON text with one feature per line (small diffs, streamable) and the generator stamp on
 * the first line, so a reader can check staleness without parsing the whole file.
 */
export function featureCollectionText(fc: CityCollection<unknown, unknown>): string {
  const head = `{"type":"FeatureCollection","generator":${JSON.stringify(fc.generator)},"attribution":${JSON.stringify(fc.attribution)},"features":[\n`;
  return `${head}${fc.features.map((f) => JSON.stringify(f)).join(',\n')}\n]}\n`;
}

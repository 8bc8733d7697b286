import type {
  AggregateMetrics,
  ParcelMetrics,
  ScenarioTotals,
  Violation,
  ViolationRule,
  WardMetrics,
} from '../api/planning.js';
import { VIOLATION_RULES } from '../api/planning.js';
import { areaOutsideM2 } from './clipper.js';
import { ENVELOPE_DEFAULTS, type Envelope, parcelEnvelope } from './envelope.js';
import {
  type Polygons,
  pointInPolygons,
  polygonsArea,
  polygonsCentroid,
  toLocalPolygons,
} from './geometry.js';
import { isGreenLandUse } from './landuse.js';
import { effectiveLimits, type Parcel } from './parcel.js';
import { PolygonIndex } from './parcel-index.js';

/**
 * Planning metrics of a scenario, per parcel, ward and in total (pure: parcels and buildings
 * in, numbers out). Definitions, with the Vietnamese terms of QCVN 01:2021/BXD:
 * - GFA (tổng diện tích sàn) = Σ footprint area × storeys; storeys from height ÷ storey height
 *   when a building has none;
 * - FAR (hệ số sử dụng đất) = GFA ÷ parcel area;
 * - coverage (mật độ xây dựng) = Σ footprint area ÷ parcel area;
 * - residents = residential GFA ÷ floor area per person;
 * - green-space share = area of green land-use parcels ÷ total parcel area.
 * A building belongs to the parcel containing its (area) centroid.
 */

/** A proposed building as the metrics need it (a Footprint fits). */
export interface PlanBuilding {
  id: string;
  /** lon/lat degrees, Footprint layout. */
  polygons: Polygons;
  heightM: number;
  /** Storeys above ground; 0 when unknown. */
  storeys: number;
  /** Cadastral land-use code of the building (`ODT`, `TMD`…). */
  use: string;
}

export interface MetricsOptions {
  storeyHeightM: number;
  /** Floor area per resident, m² (định mức diện tích sàn nhà ở bình quân đầu người). */
  floorAreaPerPersonM2: number;
  /** Share of a building's GFA that is housing, by its use code; uses not listed count 0. */
  residentialShareByUse: Readonly<Record<string, number>>;
  /** Footprint area outside the envelope tolerated before a setback violation, m². */
  setbackToleranceM2: number;
  /** Height over the limit tolerated, m (survey rounding). */
  heightToleranceM: number;
}

export const METRICS_DEFAULTS: MetricsOptions = {
  storeyHeightM: ENVELOPE_DEFAULTS.storeyHeightM,
  // Bình Dương's housing programme targets ~30 m² per person by 2030; the national average is
  // ~25 m² (2023). A scenario's manifest can change it.
  floorAreaPerPersonM2: 25,
  residentialShareByUse: { ODT: 1, ONT: 1, OCT: 1 },
  setbackToleranceM2: 0.5,
  heightToleranceM: 0.05,
};

export interface MetricsResult {
  totals: ScenarioTotals;
  wards: WardMetrics[];
  parcels: ParcelMetrics[];
  /** Envelope of each parcel (same order as the input), for the envelope tiles. */
  envelopes: Envelope[];
  /** Index of each building's parcel (input order), −1 when in none. */
  buildingParcel: Int32Array;
}

/** Storeys for GFA: as given, else height ÷ storey height (at least one). */
export function storeysOf(b: Pick<PlanBuilding, 'storeys' | 'heightM'>, storeyHeightM: number): number {
  if (b.storeys > 0) return b.storeys;
  return Math.max(1, Math.round(b.heightM / storeyHeightM));
}

const round = (v: number, digits: number) => {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
};

interface Acc {
  footprintM2: number;
  gfaM2: number;
  residentialGfaM2: number;
  buildings: number;
  tallestM: number;
  mostStoreys: number;
  tooTall: string[];
  tooManyStoreys: string[];
  outside: string[];
  outsideM2: number;
}

/** True when a single ring without holes turns the same way at every vertex. */
function isConvex(polygons: Polygons): boolean {
  if (polygons.length !== 1 || polygons[0]!.length !== 1) return false;
  const ring = polygons[0]![0]!;
  const n = ring.length / 2;
  let sign = 0;
  for (let i = 0; i < n; i++) {
    const a = i * 2;
    const b = ((i + 1) % n) * 2;
    const c = ((i + 2) % n) * 2;
    const cross =
      (ring[b]! - ring[a]!) * (ring[c + 1]! - ring[b + 1]!) -
      (ring[b + 1]! - ring[a + 1]!) * (ring[c]! - ring[b]!);
    if (Math.abs(cross) < 1e-9) continue;
    const s = Math.sign(cross);
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function allVerticesInside(building: Polygons, envelope: Polygons): boolean {
  for (const rings of building) {
    const outer = rings[0]!;
    for (let i = 0; i < outer.length; i += 2) {
      if (!pointInPolygons(outer[i]!, outer[i + 1]!, envelope)) return false;
    }
  }
  return true;
}

export function computeMetrics(
  parcels: readonly Parcel[],
  buildings: readonly PlanBuilding[],
  options: MetricsOptions = METRICS_DEFAULTS,
): MetricsResult {
  const envelopes = parcels.map((p) =>
    parcelEnvelope(p, { ...ENVELOPE_DEFAULTS, storeyHeightM: options.storeyHeightM }),
  );
  const convex = envelopes.map((e) => isConvex(e.insetLocal));
  const index = new PolygonIndex(parcels.map((p) => p.polygons));
  const acc: Acc[] = parcels.map(() => ({
    footprintM2: 0,
    gfaM2: 0,
    residentialGfaM2: 0,
    buildings: 0,
    tallestM: 0,
    mostStoreys: 0,
    tooTall: [],
    tooManyStoreys: [],
    outside: [],
    outsideM2: 0,
  }));
  const limits = parcels.map((p) => effectiveLimits(p.limits, options.storeyHeightM));
  const buildingParcel = new Int32Array(buildings.length).fill(-1);
  let unassignedBuildings = 0;
  let unassignedGfaM2 = 0;

  buildings.forEach((b, bi) => {
    const [cx, cy] = polygonsCentroid(b.polygons);
    const pi = index.find(cx, cy);
    const storeys = storeysOf(b, options.storeyHeightM);
    if (pi < 0) {
      // Measured on its own tangent plane: it has no parcel's.
      const frame = envelopes[0]?.frame;
      const area = frame ? polygonsArea(toLocalPolygons(b.polygons, frame)) : 0;
      unassignedBuildings++;
      unassignedGfaM2 += area * storeys;
      return;
    }
    buildingParcel[bi] = pi;
    const env = envelopes[pi]!;
    const lim = limits[pi]!;
    const a = acc[pi]!;
    const local = toLocalPolygons(b.polygons, env.frame);
    const area = polygonsArea(local);
    const gfa = area * storeys;
    a.footprintM2 += area;
    a.gfaM2 += gfa;
    a.residentialGfaM2 += gfa * (options.residentialShareByUse[b.use] ?? 0);
    a.buildings++;
    a.tallestM = Math.max(a.tallestM, b.heightM);
    a.mostStoreys = Math.max(a.mostStoreys, storeys);
    // Heights are checked against a stated height limit only: plans that state storeys (tầng cao)
    // are checked by storeys, as parapets and taller ground floors make storeys × 3.5 m no rule.
    const statedHeightM = parcels[pi]!.limits.maxHeightM;
    if (statedHeightM !== null && b.heightM > statedHeightM + options.heightToleranceM) a.tooTall.push(b.id);
    if (lim.maxStoreys !== null && storeys > lim.maxStoreys) a.tooManyStoreys.push(b.id);
    // Inside a convex envelope when every vertex is: the common case, without a polygon clip.
    if (convex[pi] && allVerticesInside(local, env.insetLocal)) return;
    const outside = env.insetLocal.length ? areaOutsideM2(local, env.insetLocal) : area;
    if (outside > options.setbackToleranceM2) {
      a.outside.push(b.id);
      a.outsideM2 += outside;
    }
  });

  const parcelMetrics: ParcelMetrics[] = parcels.map((p, i) => {
    const a = acc[i]!;
    const env = envelopes[i]!;
    const lim = limits[i]!;
    const far = env.areaM2 > 0 ? a.gfaM2 / env.areaM2 : 0;
    const coverage = env.areaM2 > 0 ? a.footprintM2 / env.areaM2 : 0;
    const violations: Violation[] = [];
    if (a.tooTall.length)
      violations.push({
        rule: 'height',
        limit: p.limits.maxHeightM!,
        actual: round(a.tallestM, 2),
        buildingIds: a.tooTall,
      });
    if (a.tooManyStoreys.length)
      violations.push({
        rule: 'storeys',
        limit: lim.maxStoreys!,
        actual: a.mostStoreys,
        buildingIds: a.tooManyStoreys,
      });
    // Tiny tolerances: a ratio exactly at its limit is allowed, float noise is not a violation.
    if (lim.maxCoverage !== null && coverage > lim.maxCoverage + 1e-6)
      violations.push({ rule: 'coverage', limit: lim.maxCoverage, actual: round(coverage, 4) });
    if (lim.maxFar !== null && far > lim.maxFar + 1e-6)
      violations.push({ rule: 'far', limit: lim.maxFar, actual: round(far, 3) });
    if (a.outside.length)
      violations.push({
        rule: 'setback',
        limit: lim.setbackM,
        actual: round(a.outsideM2, 2),
        buildingIds: a.outside,
      });
    return {
      parcelId: p.id,
      landUse: p.landUse,
      ward: p.ward,
      ...lim,
      areaM2: round(env.areaM2, 2),
      envelopeAreaM2: round(env.envelopeAreaM2, 2),
      footprintM2: round(a.footprintM2, 2),
      gfaM2: round(a.gfaM2, 2),
      residentialGfaM2: round(a.residentialGfaM2, 2),
      far: round(far, 3),
      coverage: round(coverage, 4),
      buildings: a.buildings,
      residents: Math.round(a.residentialGfaM2 / options.floorAreaPerPersonM2),
      tallestM: round(a.tallestM, 2),
      violations,
    };
  });

  const aggregate = (
    items: readonly { metrics: ParcelMetrics; raw: Acc; areaM2: number }[],
  ): AggregateMetrics => {
    let areaM2 = 0;
    let footprintM2 = 0;
    let gfaM2 = 0;
    let residentialGfaM2 = 0;
    let buildingsN = 0;
    let greenAreaM2 = 0;
    let violatingParcels = 0;
    const violations = Object.fromEntries(VIOLATION_RULES.map((r) => [r, 0])) as Record<
      ViolationRule,
      number
    >;
    for (const { metrics, raw, areaM2: area } of items) {
      areaM2 += area;
      footprintM2 += raw.footprintM2;
      gfaM2 += raw.gfaM2;
      residentialGfaM2 += raw.residentialGfaM2;
      buildingsN += raw.buildings;
      if (isGreenLandUse(metrics.landUse)) greenAreaM2 += area;
      if (metrics.violations.length) violatingParcels++;
      for (const v of metrics.violations) violations[v.rule]++;
    }
    return {
      parcels: items.length,
      areaM2: round(areaM2, 2),
      footprintM2: round(footprintM2, 2),
      gfaM2: round(gfaM2, 2),
      residentialGfaM2: round(residentialGfaM2, 2),
      far: round(areaM2 > 0 ? gfaM2 / areaM2 : 0, 3),
      coverage: round(areaM2 > 0 ? footprintM2 / areaM2 : 0, 4),
      buildings: buildingsN,
      residents: Math.round(residentialGfaM2 / options.floorAreaPerPersonM2),
      greenAreaM2: round(greenAreaM2, 2),
      greenShare: round(areaM2 > 0 ? greenAreaM2 / areaM2 : 0, 4),
      violatingParcels,
      violations,
    };
  };
  const items = parcelMetrics.map((metrics, i) => ({ metrics, raw: acc[i]!, areaM2: envelopes[i]!.areaM2 }));
  const byWard = new Map<string, typeof items>();
  for (const item of items) {
    const list = byWard.get(item.metrics.ward);
    if (list) list.push(item);
    else byWard.set(item.metrics.ward, [item]);
  }
  const wards: WardMetrics[] = [...byWard.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'vi'))
    .map(([ward, list]) => ({ ward, ...aggregate(list) }));
  return {
    totals: {
      ...aggregate(items),
      unassignedBuildings,
      unassignedGfaM2: round(unassignedGfaM2, 2),
    },
    wards,
    parcels: parcelMetrics,
    envelopes,
    buildingParcel,
  };
}

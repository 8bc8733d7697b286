import type { ParcelLimits } from '../api/planning.js';
import { normaliseFeature } from '../buildings/normalise.js';
import type { SourceFeature } from '../sources/index.js';
import type { Polygons } from './geometry.js';
import { planningLandUse } from './landuse.js';

/**
 * A zoning parcel (lô đất of a 1:2,000 zoning plan) from one feature: its id, planning
 * category, ward and limits, with its geometry repaired as building footprints are.
 */

export interface Parcel {
  id: string;
  /** Planning category symbol (Circular 16/2025), or the value as written when unknown. */
  landUse: string;
  /** False when `landUse` is not a category of the circular (kept, and reported). */
  landUseKnown: boolean;
  ward: string;
  name: string;
  /** lon/lat degrees, Footprint layout (outer counter-clockwise, holes clockwise). */
  polygons: Polygons;
  /** As stated; `maxHeightM` stays null here when only storeys are given (see effectiveLimits). */
  limits: ParcelLimits;
  source: { file: string; index: number };
}

/** Source attribute names per field, matched ignoring case; the first non-empty one wins. */
export const PARCEL_ATTRIBUTES = {
  id: ['parcel_id', 'parcelid', 'ma_lo', 'malo', 'ky_hieu', 'kyhieu', 'lot_id', 'id'],
  landUse: ['land_use', 'landuse', 'chuc_nang', 'chucnang', 'loai_dat', 'ma_chuc_nang', 'symbol', 'use'],
  maxStoreys: ['max_storeys', 'tang_cao_max', 'tang_cao', 'tangcao', 'max_floors', 'max_levels'],
  maxHeightM: ['max_height_m', 'max_height', 'chieu_cao_max', 'chieucao_max', 'cao_max'],
  maxCoverage: ['max_coverage', 'mat_do_xd', 'matdo_xd', 'mat_do', 'mdxd', 'coverage'],
  maxFar: ['max_far', 'hsd_dat', 'hsdd', 'he_so_sdd', 'far'],
  setbackM: ['setback_m', 'setback', 'khoang_lui', 'khoanglui'],
  ward: ['ward', 'phuong', 'ward_name'],
  name: ['name', 'ten'],
} as const;

type Field = keyof typeof PARCEL_ATTRIBUTES;

export type ParcelResult = { ok: true; parcel: Parcel } | { ok: false; reason: string; id?: string };

function lookup(props: Record<string, unknown>): Partial<Record<Field, { key: string; value: unknown }>> {
  const lower = new Map<string, string>();
  for (const k of Object.keys(props)) lower.set(k.toLowerCase(), k);
  const out: Partial<Record<Field, { key: string; value: unknown }>> = {};
  for (const field of Object.keys(PARCEL_ATTRIBUTES) as Field[]) {
    for (const name of PARCEL_ATTRIBUTES[field]) {
      const key = lower.get(name);
      if (key === undefined) continue;
      const value = props[key];
      if (value === null || value === undefined || value === '') continue;
      out[field] = { key, value };
      break;
    }
  }
  return out;
}

/** "40", "40%", "12,5", "12.5 m" → number; "" / null → null; anything else → NaN. */
function parseNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  const m = /^\s*(-?\d+(?:[.,]\d+)?)\s*(%|m|mét|tầng|tang)?\s*$/i.exec(value);
  return m ? Number(m[1]!.replace(',', '.')) : Number.NaN;
}

/**
 * One feature (already in WGS 84 degrees) → a Parcel, or why not. Coverage is read as a
 * percentage (`40`, `"40%"`) when above 1 and as a fraction (`0.4`) otherwise: plans state
 * mật độ xây dựng in percent, GIS layers often store fractions, and a 1 % limit is no real case.
 */
export function parcelFromFeature(feature: SourceFeature, file: string, index: number): ParcelResult {
  const props = feature.properties ?? {};
  const attrs = lookup(props);
  const id =
    attrs.id !== undefined
      ? String(attrs.id.value)
      : feature.id !== undefined
        ? String(feature.id)
        : `${file}#${index}`;
  const fail = (reason: string): ParcelResult => ({ ok: false, reason, id });
  // Geometry only: the building attributes (height, storeys) must not be read from a parcel.
  const geometryOnly = normaliseFeature(
    { type: 'Feature', geometry: feature.geometry, properties: {} },
    file,
    index,
  );
  if (!geometryOnly.ok) return fail(geometryOnly.rejection.reason);

  const number = (field: Field, min: number, max: number, what: string): number | null | string => {
    const a = attrs[field];
    if (!a) return null;
    const n = parseNumber(a.value);
    if (n === null) return null;
    if (!Number.isFinite(n)) return `"${a.key}" (${what}) is ${JSON.stringify(a.value)}, not a number`;
    if (n < min || n > max) return `"${a.key}" (${what}) is ${n}; expected ${min}–${max}`;
    return n;
  };
  const maxStoreys = number('maxStoreys', 0, 200, 'max storeys');
  const maxHeightM = number('maxHeightM', 0, 1000, 'max height, m');
  const coverage = number('maxCoverage', 0, 100, 'max coverage, %');
  const maxFar = number('maxFar', 0, 100, 'max FAR');
  const setbackM = number('setbackM', 0, 500, 'setback, m');
  for (const v of [maxStoreys, maxHeightM, coverage, maxFar, setbackM])
    if (typeof v === 'string') return fail(v);

  const rawUse = attrs.landUse ? String(attrs.landUse.value) : '';
  if (rawUse === '')
    return fail(`has no land-use category (one of: ${PARCEL_ATTRIBUTES.landUse.join(', ')})`);
  const use = planningLandUse(rawUse);
  const cov = coverage as number | null;
  return {
    ok: true,
    parcel: {
      id,
      landUse: use?.code ?? rawUse.trim(),
      landUseKnown: use !== undefined,
      ward: attrs.ward ? String(attrs.ward.value) : '',
      name: attrs.name ? String(attrs.name.value) : '',
      polygons: geometryOnly.footprint.polygons,
      limits: {
        maxHeightM: maxHeightM as number | null,
        maxStoreys: maxStoreys as number | null,
        maxCoverage: cov === null ? null : cov > 1 ? cov / 100 : cov,
        maxFar: maxFar as number | null,
        setbackM: (setbackM as number | null) ?? 0,
      },
      source: { file, index },
    },
  };
}

/**
 * Limits with the height limit filled in from storeys × storey height when the plan gives only
 * storeys (tầng cao tối đa), which is how most Vietnamese zoning plans state it.
 */
export function effectiveLimits(limits: ParcelLimits, storeyHeightM: number): ParcelLimits {
  if (limits.maxHeightM !== null || limits.maxStoreys === null) return limits;
  return { ...limits, maxHeightM: limits.maxStoreys * storeyHeightM };
}

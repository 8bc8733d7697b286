/**
 * Planning-scenario contracts shared by `bdtwin plan`, the service (`GET /api/scenarios`) and
 * the planner mode of the viewer (extend, don't break). Browser-safe: no Node imports.
 *
 * Units are in the names: `areaM2`, `gfaM2`, `heightM`. Ratios are plain numbers: `far`
 * (hệ số sử dụng đất, GFA ÷ parcel area) and `coverage` (mật độ xây dựng, footprint ÷ parcel
 * area, a fraction 0–1, not a percentage). A limit that a parcel does not have is `null`.
 */

// ---- Planning land-use categories (Circular 16/2025/TT-BXD) ---------------------------------

export interface PlanningLandUse {
  /** Symbol on 1:2,000 zoning plans (QHPK), e.g. `NO`, `HH`, `CXCC`: the parcel's `landUse`. */
  code: string;
  nameVi: string;
  /** What the category counts as in the metrics. */
  group: 'residential' | 'mixed' | 'public' | 'commercial' | 'green' | 'industrial' | 'transport' | 'other';
}

/**
 * The QHPK 1:2,000 categories of `data/landuse/vn_planning_landuse_categories_tt16_2025.csv`
 * (symbol column). Inputs may also use the circular's layer codes (`DAT_O_NHOMNHAO`…), which the
 * reader maps to these symbols. A rail station site is `HTK` (other technical infrastructure), as
 * the circular files it; its parcel name says what it is.
 */
export const PLANNING_LAND_USES: readonly PlanningLandUse[] = [
  { code: 'NO', nameVi: 'Nhóm nhà ở', group: 'residential' },
  { code: 'HH', nameVi: 'Hỗn hợp nhóm nhà ở và dịch vụ', group: 'mixed' },
  { code: 'LX', nameVi: 'Khu làng xóm, dân cư nông thôn', group: 'residential' },
  { code: 'YT', nameVi: 'Y tế', group: 'public' },
  { code: 'VH', nameVi: 'Văn hóa', group: 'public' },
  { code: 'TDTT', nameVi: 'Thể dục thể thao', group: 'public' },
  { code: 'GD', nameVi: 'Giáo dục', group: 'public' },
  { code: 'CXCC', nameVi: 'Cây xanh sử dụng công cộng', group: 'green' },
  { code: 'CXHC', nameVi: 'Cây xanh sử dụng hạn chế', group: 'green' },
  { code: 'CXCD', nameVi: 'Cây xanh chuyên dụng', group: 'green' },
  { code: 'SX', nameVi: 'Sản xuất, kho bãi', group: 'industrial' },
  { code: 'KS', nameVi: 'Khai thác, chế biến khoáng sản, sản xuất vật liệu xây dựng', group: 'industrial' },
  { code: 'DTNC', nameVi: 'Đào tạo, nghiên cứu', group: 'public' },
  { code: 'CQ', nameVi: 'Cơ quan, trụ sở', group: 'public' },
  { code: 'DV', nameVi: 'Khu dịch vụ (chợ, trung tâm thương mại, dịch vụ khác)', group: 'commercial' },
  { code: 'DL', nameVi: 'Khu dịch vụ - du lịch', group: 'commercial' },
  { code: 'DTTG', nameVi: 'Di tích, tôn giáo', group: 'public' },
  { code: 'AN', nameVi: 'An ninh', group: 'public' },
  { code: 'QP', nameVi: 'Quốc phòng', group: 'public' },
  { code: 'GT', nameVi: 'Đường giao thông', group: 'transport' },
  { code: 'BDX', nameVi: 'Bãi đỗ xe', group: 'transport' },
  { code: 'NTR', nameVi: 'Nghĩa trang', group: 'other' },
  { code: 'HTK', nameVi: 'Hạ tầng kỹ thuật khác', group: 'other' },
  { code: 'NN', nameVi: 'Sản xuất nông nghiệp', group: 'other' },
  { code: 'RSX', nameVi: 'Rừng sản xuất', group: 'green' },
  { code: 'RPH', nameVi: 'Rừng phòng hộ', group: 'green' },
  { code: 'RDD', nameVi: 'Rừng đặc dụng', group: 'green' },
  { code: 'TS', nameVi: 'Nuôi trồng thủy sản', group: 'other' },
  { code: 'CSD', nameVi: 'Đất chưa sử dụng', group: 'other' },
  { code: 'HO', nameVi: 'Hồ, ao, đầm', group: 'other' },
  { code: 'SS', nameVi: 'Sông, suối, kênh, rạch', group: 'other' },
  { code: 'MNB', nameVi: 'Mặt nước ven biển', group: 'other' },
];

/** Code → category. */
export const PLANNING_LAND_USE_BY_CODE: Readonly<Record<string, PlanningLandUse>> = Object.fromEntries(
  PLANNING_LAND_USES.map((u) => [u.code, u]),
);

// ---- Metrics (`metrics.json`) ------------------------------------------------------------------

export type ViolationRule = 'height' | 'storeys' | 'coverage' | 'far' | 'setback';
export const VIOLATION_RULES: readonly ViolationRule[] = ['height', 'storeys', 'coverage', 'far', 'setback'];

export interface Violation {
  rule: ViolationRule;
  /** The limit (m, storeys, fraction, ratio; setback: metres). */
  limit: number;
  /** What is proposed: tallest height / most storeys / coverage / FAR; setback: m² outside the envelope. */
  actual: number;
  /** Offending buildings (height, storeys, setback), by id. */
  buildingIds?: string[];
}

/** A parcel's limits as the zoning plan states them (null: no limit). */
export interface ParcelLimits {
  /**
   * Height limit in metres. In metrics, when the plan gives only storeys: storeys × storey height,
   * the height the envelope is drawn to. The `height` rule checks only a height the plan states;
   * a storey limit is checked by storeys (parapets and tall ground floors are not violations).
   */
  maxHeightM: number | null;
  maxStoreys: number | null;
  /** Mật độ xây dựng tối đa, fraction 0–1. */
  maxCoverage: number | null;
  /** Hệ số sử dụng đất tối đa. */
  maxFar: number | null;
  /** Khoảng lùi: the same on every side of the parcel, metres (0: none). */
  setbackM: number;
}

export interface ParcelMetrics extends ParcelLimits {
  parcelId: string;
  /** Planning category code (see PLANNING_LAND_USES). */
  landUse: string;
  ward: string;
  areaM2: number;
  /** Buildable area left after the setback. */
  envelopeAreaM2: number;
  footprintM2: number;
  /** Gross floor area: Σ footprint × storeys. */
  gfaM2: number;
  residentialGfaM2: number;
  far: number;
  coverage: number;
  buildings: number;
  /** Estimated residents: residential GFA ÷ floor area per person. */
  residents: number;
  /** Tallest building, metres (0 when empty). */
  tallestM: number;
  violations: Violation[];
}

/** Sums over a set of parcels (a ward, the scenario). */
export interface AggregateMetrics {
  parcels: number;
  areaM2: number;
  footprintM2: number;
  gfaM2: number;
  residentialGfaM2: number;
  far: number;
  coverage: number;
  buildings: number;
  residents: number;
  greenAreaM2: number;
  /** Green land-use area ÷ total parcel area. */
  greenShare: number;
  /** Parcels with at least one violation. */
  violatingParcels: number;
  /** Parcels violating each rule. */
  violations: Record<ViolationRule, number>;
}

export interface WardMetrics extends AggregateMetrics {
  ward: string;
}

export interface ScenarioTotals extends AggregateMetrics {
  /** Buildings whose centroid is in no parcel: counted here, in no parcel or ward. */
  unassignedBuildings: number;
  unassignedGfaM2: number;
}

export interface ScenarioMetrics {
  scenarioId: string;
  title: string;
  floorAreaPerPersonM2: number;
  storeyHeightM: number;
  totals: ScenarioTotals;
  wards: WardMetrics[];
  parcels: ParcelMetrics[];
}

// ---- Envelope tiles ------------------------------------------------------------------------

/** Metadata class of envelope features (EXT_structural_metadata), one per parcel. */
export const ENVELOPE_CLASS = 'envelope';

/**
 * Envelope feature properties (what styles can use, e.g. `${vHeight} === 1`). Limits a parcel
 * does not have are −1. Flags `v*` are 1 when the scenario violates the rule on that parcel.
 */
export interface EnvelopeProperties {
  parcelId: string;
  landUse: string;
  ward: string;
  maxHeightM: number;
  maxStoreys: number;
  maxFar: number;
  maxCoverage: number;
  setbackM: number;
  areaM2: number;
  gfaM2: number;
  far: number;
  coverage: number;
  buildings: number;
  violations: number;
  vHeight: number;
  vCoverage: number;
  vFar: number;
  vSetback: number;
}

export const ENVELOPE_PROPERTY_IDS = [
  'parcelId',
  'landUse',
  'ward',
  'maxHeightM',
  'maxStoreys',
  'maxFar',
  'maxCoverage',
  'setbackM',
  'areaM2',
  'gfaM2',
  'far',
  'coverage',
  'buildings',
  'violations',
  'vHeight',
  'vCoverage',
  'vFar',
  'vSetback',
] as const satisfies readonly (keyof EnvelopeProperties)[];

// ---- Sun hours (`sun-hours.json`) -----------------------------------------------------------

/**
 * Hours of direct sun on a ground grid for one day. Cell (col, row) is centred at
 * (west + (col + ½)·dLonDeg, south + (row + ½)·dLatDeg); `hours` is row-major from the south row.
 * Cells inside a building are −1.
 */
export interface SunHoursGrid {
  /** Local date (UTC+7), `YYYY-MM-DD`. */
  date: string;
  stepMinutes: number;
  spacingM: number;
  west: number;
  south: number;
  east: number;
  north: number;
  cols: number;
  rows: number;
  dLonDeg: number;
  dLatDeg: number;
  /** Sunrise to sunset on that date, hours: what an open field gets. */
  daylightHours: number;
  /** Sunrise and sunset, local time `HH:MM`. */
  sunrise: string;
  sunset: string;
  /** Buildings the rays were cast against. */
  buildings: number;
  hours: number[];
}

// ---- GET /api/scenarios --------------------------------------------------------------------

/** `envelopes`, `buildings`: 3D Tiles; `parcels`: GeoJSON; `sun-hours`: SunHoursGrid JSON. */
export type ScenarioLayerKind = 'envelopes' | 'buildings' | 'parcels' | 'sun-hours';

export interface ScenarioLayer {
  id: string;
  kind: ScenarioLayerKind;
  /** Absolute on the service, e.g. `/data/scenarios/tod-2030/envelopes/tileset.json`. */
  url: string;
  title?: string;
}

export interface ScenarioInfo {
  id: string;
  /** Vietnamese first, as the planning office writes it. */
  title: string;
  description: string;
  /** English title and description where the manifest has them (the viewer falls back to `title`). */
  en?: { title?: string; description?: string };
  baseYear?: number;
  layers: ScenarioLayer[];
  metricsUrl: string;
  metricsCsvUrl?: string;
  /**
   * Who may see the scenario and fetch its files: `public` (published; the default when
   * `scenarios.json` does not say), `planner` (a draft), `operator` or `admin`. Enforced by the
   * service on `/api/scenarios` and on every file under `/data/scenarios/` (docs/security.md).
   */
  visibility?: 'public' | 'planner' | 'operator' | 'admin';
}

/** One entry of `scenarios.json` as `bdtwin plan` writes it: paths relative to that file. */
export interface ScenarioIndexEntry extends Omit<ScenarioInfo, 'layers' | 'metricsUrl' | 'metricsCsvUrl'> {
  layers: (Omit<ScenarioLayer, 'url'> & { path: string })[];
  metricsPath: string;
  metricsCsvPath?: string;
}

// ---- CSV (metrics.csv and the viewer's A/B export) ------------------------------------------

/**
 * RFC 4180 CSV with a UTF-8 byte-order mark, so spreadsheet programs read Vietnamese correctly.
 * Numbers are written with a dot (machine-readable); empty cells for null/undefined.
 */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const cell = (v: string | number | null | undefined) => {
    if (v === null || v === undefined) return '';
    const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `\uFEFF${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** The columns of a scenario's `metrics.csv`, one row per parcel, ward and the total. */
export const METRICS_CSV_HEADER = [
  'level',
  'id',
  'landUse',
  'ward',
  'areaM2',
  'footprintM2',
  'gfaM2',
  'far',
  'coverage',
  'buildings',
  'residents',
  'maxHeightM',
  'maxStoreys',
  'maxFar',
  'maxCoverage',
  'setbackM',
  'tallestM',
  'greenShare',
  'violations',
] as const;

/** metrics.json → metrics.csv rows (header first). */
export function metricsCsvRows(m: ScenarioMetrics): (string | number | null)[][] {
  const rules = (vs: Violation[]) => vs.map((v) => v.rule).join(';');
  const aggRules = (a: AggregateMetrics) =>
    VIOLATION_RULES.filter((r) => a.violations[r] > 0)
      .map((r) => `${r}:${a.violations[r]}`)
      .join(';');
  return [
    [...METRICS_CSV_HEADER],
    ...m.parcels.map((p) => [
      'parcel',
      p.parcelId,
      p.landUse,
      p.ward,
      p.areaM2,
      p.footprintM2,
      p.gfaM2,
      p.far,
      p.coverage,
      p.buildings,
      p.residents,
      p.maxHeightM,
      p.maxStoreys,
      p.maxFar,
      p.maxCoverage,
      p.setbackM,
      p.tallestM,
      null,
      rules(p.violations),
    ]),
    ...[...m.wards.map((w) => ['ward', w.ward, w] as const), ['total', m.scenarioId, m.totals] as const].map(
      ([level, id, a]) => [
        level,
        id,
        null,
        level === 'ward' ? id : null,
        a.areaM2,
        a.footprintM2,
        a.gfaM2,
        a.far,
        a.coverage,
        a.buildings,
        a.residents,
        null,
        null,
        null,
        null,
        null,
        null,
        a.greenShare,
        aggRules(a),
      ],
    ),
  ];
}

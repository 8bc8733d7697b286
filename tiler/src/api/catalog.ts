/**
 * The layer catalogue (contract shared by `bdtwin add`, the service and the viewer; extend,
 * don't break). Browser-safe: no Node imports. See docs/catalog.md.
 *
 * - `<dataDir>/catalog.json` ({@link CatalogFile}) lists every layer of a data folder by sector,
 *   with its source, licence, CRS of origin, validity dates, visibility and style.
 * - `GET /api/catalog` answers {@link CatalogResponse}: sectors → layers, each with a `url`.
 * - `GET /api/completeness` answers {@link CompletenessResponse}: per ward and sector, which
 *   layers cover it and what share of its area.
 * - Catalogue layers also appear in `GET /api/layers` ({@link CatalogLayerListEntry}).
 *
 * Dates are ISO `YYYY-MM-DD` (local, Vietnam) and both ends are inclusive: a ward valid
 * `2025-07-01`…`null` exists on 1 July 2025 and every day after; one valid …`2025-06-30` exists
 * on 30 June 2025 and not on 1 July. `updatedAt` is an ISO 8601 date-time.
 */
import type { LayerInfo, LayerKind } from './layers.js';

// ---- Sectors ---------------------------------------------------------------------------------

/** The six sectors of the province's "100% digitised" programme. */
export type SectorId =
  | 'dat-dai'
  | 'quy-hoach-do-thi'
  | 'quy-hoach-xay-dung'
  | 'moi-truong'
  | 'giao-thong'
  | 'ha-tang';

export interface LocalText {
  vi: string;
  en: string;
}

export const SECTORS: readonly { id: SectorId; title: LocalText }[] = [
  { id: 'dat-dai', title: { vi: 'Đất đai', en: 'Land' } },
  { id: 'quy-hoach-do-thi', title: { vi: 'Quy hoạch đô thị', en: 'Urban planning' } },
  { id: 'quy-hoach-xay-dung', title: { vi: 'Quy hoạch xây dựng', en: 'Construction planning' } },
  { id: 'moi-truong', title: { vi: 'Môi trường', en: 'Environment' } },
  { id: 'giao-thong', title: { vi: 'Giao thông', en: 'Transport' } },
  { id: 'ha-tang', title: { vi: 'Hạ tầng', en: 'Infrastructure' } },
];

export const SECTOR_IDS: readonly SectorId[] = SECTORS.map((s) => s.id);

/**
 * Who may see a layer. Nested: `public` ⊂ `planner` ⊂ `operator` (an operator sees everything a
 * planner sees). The service has no log-in; a mode asks for its audience (`?audience=public` for
 * kiosks) and gets the layers it may show.
 */
export type Visibility = 'public' | 'planner' | 'operator';
export const VISIBILITIES: readonly Visibility[] = ['public', 'planner', 'operator'];

/** Whether a layer of `visibility` may be shown to `audience`. */
export function visibleTo(visibility: Visibility, audience: Visibility): boolean {
  return VISIBILITIES.indexOf(visibility) <= VISIBILITIES.indexOf(audience);
}

// ---- Layers ----------------------------------------------------------------------------------

/**
 * How a catalogue layer is stored and drawn. The first five are the demo layer kinds of
 * `/api/layers` (a catalogue entry may describe a layer the data folder already serves);
 * then:
 * - `polygons`, `lines`: GeoJSON (lon/lat) draped on the terrain, styled by attribute;
 * - `polygon-tiles`: a large polygon layer tiled by `bdtwin add` into 3D Tiles 1.1 (prisms
 *   straddling the terrain, drawn as classification volumes, with per-feature metadata
 *   `id, name, use, ward`; `path` names its `tileset.json`);
 * - `polygon-vector-tiles`: a large polygon layer tiled by `bdtwin add` into Mapbox Vector Tiles
 *   (`path` names its TileJSON, {@link VectorTileSetJson}), drawn by the viewer as imagery on
 *   the terrain (docs/catalog.md says which form is the default and why).
 */
export type CatalogLayerKind = LayerKind | 'polygons' | 'lines' | 'polygon-tiles' | 'polygon-vector-tiles';
export const CATALOG_LAYER_KINDS: readonly CatalogLayerKind[] = [
  'buildings',
  'terrain',
  'boundaries',
  'roads',
  'points',
  'polygons',
  'lines',
  'polygon-tiles',
  'polygon-vector-tiles',
];

/**
 * `<data>/catalog/<id>/tiles.json` of a `polygon-vector-tiles` layer: TileJSON 3.0.0 plus a
 * `bdtwin` member. Tiles are `{z}/{x}/{y}.pbf` next to it (Web Mercator XYZ, MVT 2.1, one
 * source layer named like the catalogue layer), stored gzipped and served with
 * `Content-Encoding: gzip`. Empty tiles are not written: `bdtwin.available` says which exist.
 */
export interface VectorTileSetJson {
  tilejson: '3.0.0';
  name: string;
  /** URL templates relative to this file: `["{z}/{x}/{y}.pbf"]`. */
  tiles: string[];
  minzoom: number;
  /** Deepest tiles written; a client over-zooms beyond it (draws these tiles larger). */
  maxzoom: number;
  /** West, south, east, north, degrees. */
  bounds: [number, number, number, number];
  /** Longitude, latitude, zoom. */
  center: [number, number, number];
  vector_layers: {
    id: string;
    /** Property → type (`String`, `Number`, `Boolean`), as TileJSON writes it. */
    fields: Record<string, string>;
    minzoom: number;
    maxzoom: number;
  }[];
  bdtwin: {
    /** Tile coordinate units per tile side (MVT `extent`). */
    extent: number;
    featureCount: number;
    /**
     * Properties the tiles below `maxzoom` keep (what the style needs); `maxzoom` tiles keep all
     * of `vector_layers[0].fields`, so a click is answered from the `maxzoom` tile under it.
     */
    styleFields: string[];
    /**
     * Tiles that exist, per zoom from `minzoom` to `maxzoom`: rectangles of tile columns and
     * rows, both ends inclusive (as Cesium's terrain `layer.json` writes availability).
     */
    available: { startX: number; startY: number; endX: number; endY: number }[][];
  };
}

/** One class of a categorical style. */
export interface StyleCategory {
  /** Attribute value (compared as text). */
  value: string;
  /** CSS hex colour, `#RRGGBB`. */
  color: string;
  label: LocalText;
}

/** One class of a graduated style: values ≥ `min` (and below the next class's `min`). */
export interface StyleBreak {
  min: number;
  color: string;
  label?: LocalText;
}

export type LayerStyle =
  | {
      type: 'simple';
      color: string;
      /** Outline / line colour; default: `color`. */
      outline?: string;
      /** Fill opacity 0–1 (lines and points ignore it). */
      opacity?: number;
      /** Line width / point size in pixels. */
      widthPx?: number;
    }
  | {
      type: 'categorical';
      property: string;
      categories: StyleCategory[];
      /** Colour of values not listed. */
      otherColor: string;
      opacity?: number;
      widthPx?: number;
    }
  | {
      type: 'graduated';
      property: string;
      /** Ascending `min`; values below the first class take the first colour. */
      breaks: StyleBreak[];
      /** Unit shown in the legend, e.g. `m`, `µg/m³`. */
      unit?: string;
      opacity?: number;
      widthPx?: number;
    };

/**
 * How a layer counts towards completeness (docs/catalog.md):
 * - `area`: the share of the ward's area inside the layer's polygons (exact intersection);
 * - `cells`: the share of the ward's grid cells (`cellM`, default 250 m) holding any of its
 *   features — for lines, points and layers whose polygons do not tile the ground (buildings);
 * - `none`: reference layers (terrain, administrative boundaries) that say nothing of a sector.
 */
export type CoverageMethod = 'area' | 'cells' | 'none';

export interface LayerCoverage {
  method: CoverageMethod;
  /** Grid cell size for `cells`, metres. */
  cellM?: number;
  /** Share 0–1 per unit id, computed for the units layer named in `unitsLayer`. */
  byUnit?: Record<string, number>;
  /** Id of the units layer `byUnit` was computed against (a new one makes it stale). */
  unitsLayer?: string;
}

/** One layer as stored in `catalog.json`. */
export interface CatalogLayer {
  /** Stable id: lower-case letters, digits and dashes; also its folder/file name under `catalog/`. */
  id: string;
  kind: CatalogLayerKind;
  title: LocalText;
  sector: SectorId;
  /** Relative to the data folder (`catalog/parcels/tileset.json`, `wards-2025.geojson`…). */
  path: string;
  /** Who made the data, and from what. */
  source: string;
  /** SPDX id or words (`ODbL-1.0`, `GPL-3.0-only`, `CC-BY-SA-4.0`, `bdtwin demo (Apache-2.0)`). */
  licence: string;
  /** The CRS the data came in before conversion to WGS 84 (`VN-2000 / TM-3 105°45′`…). */
  crsOfOrigin: string;
  validFrom: string;
  validTo: string | null;
  updatedAt: string;
  visibility: Visibility;
  style: LayerStyle;
  description?: LocalText;
  /** Source line shown with the data on screen (ODbL, CC-BY-SA require it). */
  attribution?: string;
  featureCount?: number;
  /** West, south, east, north (degrees). */
  bbox?: [number, number, number, number];
  /**
   * Features carry their own `validFrom`/`validTo` properties (same format): the viewer's date
   * control shows those valid on the chosen day (administrative boundaries before/after 2025).
   */
  timeFeatures?: boolean;
  /** Attribute holding a label to draw at each polygon (e.g. `name`). */
  labelProperty?: string;
  /** Shown when the viewer opens (default false: the user turns it on). */
  defaultOn?: boolean;
  coverage?: LayerCoverage;
}

/** Which layer's polygons are the units of the completeness table (the 2025 wards). */
export interface CatalogUnits {
  layer: string;
  idProperty: string;
  nameProperty: string;
}

/** `<dataDir>/catalog.json`. */
export interface CatalogFile {
  version: 1;
  title?: LocalText;
  units?: CatalogUnits;
  layers: CatalogLayer[];
}

export const CATALOG_FILE = 'catalog.json';
/** Folder (in the data folder) where `bdtwin add` writes layers. */
export const CATALOG_LAYERS_DIR = 'catalog';

// ---- GET /api/catalog -----------------------------------------------------------------------

/** A layer as `/api/catalog` lists it: `path` becomes `url`, coverage stays on the server. */
export type CatalogLayerInfo = Omit<CatalogLayer, 'path' | 'coverage'> & {
  url: string;
  coverageMethod: CoverageMethod;
};

export interface CatalogSector {
  id: SectorId;
  title: LocalText;
  layers: CatalogLayerInfo[];
}

export interface CatalogResponse {
  title?: LocalText;
  /** All six sectors, in the order of {@link SECTORS}, empty ones included. */
  sectors: CatalogSector[];
  units?: CatalogUnits;
}

/**
 * A catalogue layer in `/api/layers`: the `LayerInfo` fields (title in Vietnamese) plus where it
 * came from. `origin: 'catalog'` marks layers only the catalogue lists; the viewer loads those on
 * demand from its catalogue panel, not at start.
 */
export type CatalogLayerListEntry = Omit<LayerInfo, 'kind'> & {
  kind: CatalogLayerKind;
  origin: 'catalog';
  sector: SectorId;
  visibility: Visibility;
  validFrom: string;
  validTo: string | null;
};

// ---- GET /api/completeness ------------------------------------------------------------------

export interface LayerShare {
  id: string;
  title: LocalText;
  method: CoverageMethod;
  /** 0–1. */
  share: number;
}

export interface SectorCoverage {
  /**
   * 0–1: the best of the sector's layers in this ward (not their sum: two editions of a parcel
   * map cover the same ground once).
   */
  share: number;
  /** Layers with any coverage here, best first. */
  layers: LayerShare[];
}

export interface UnitCompleteness {
  id: string;
  name: string;
  areaM2: number;
  sectors: Record<SectorId, SectorCoverage>;
  /** Mean of the six sector shares. */
  overall: number;
}

export interface CompletenessResponse {
  /** The units layer (`CatalogFile.units.layer`), or null when the catalogue names none. */
  unitsLayer: string | null;
  units: UnitCompleteness[];
  /** Area-weighted over the units, per sector. */
  totals: Record<SectorId, number>;
  /** Layers left out and why (no file to read, coverage `none`…), for the dashboard's footnote. */
  skipped: { id: string; reason: string }[];
}

// ---- Time ------------------------------------------------------------------------------------

/** ISO date `YYYY-MM-DD`. */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export interface Validity {
  validFrom?: string | null;
  validTo?: string | null;
}

/**
 * Whether something valid from `validFrom` to `validTo` (both inclusive, `YYYY-MM-DD`; null or
 * absent = open) exists on `day`. ISO dates compare as strings.
 */
export function validOn(validity: Validity, day: string): boolean {
  const from = validity.validFrom ?? null;
  const to = validity.validTo ?? null;
  return (from === null || from <= day) && (to === null || day <= to);
}

/** The day the 2025 reorganisation took effect (Resolution 202/2025/QH15): 14 wards → 5. */
export const REORGANISATION_2025 = '2025-07-01';

// ---- Styles ----------------------------------------------------------------------------------

/** The colour a style gives a feature's properties. */
export function styleColor(
  style: LayerStyle,
  properties: Record<string, unknown> | null | undefined,
): string {
  switch (style.type) {
    case 'simple':
      return style.color;
    case 'categorical': {
      const v = properties?.[style.property];
      const text = v === undefined || v === null ? '' : String(v);
      return style.categories.find((c) => c.value === text)?.color ?? style.otherColor;
    }
    case 'graduated': {
      const n = Number(properties?.[style.property]);
      const first = style.breaks[0];
      if (!first) return '#888888';
      if (!Number.isFinite(n)) return first.color;
      let color = first.color;
      for (const b of style.breaks) if (n >= b.min) color = b.color;
      return color;
    }
  }
}

/**
 * Official-looking cadastral land-use colours for categorical styles on a land-use code, after
 * the legend of land-use status maps (bản đồ hiện trạng sử dụng đất, Circular 25/2014/TT-BTNMT,
 * RGB per code). Transcribed for bdtwin without the circular at hand: check against its appendix
 * before printing maps with them. Codes missing here fall back to their group's colour.
 */
export const CADASTRAL_COLORS: Readonly<Record<string, string>> = {
  LUC: '#FFFC8C',
  LUK: '#FFFCB4',
  LUN: '#FFFCC8',
  BHK: '#FFF0B4',
  NHK: '#FFF0B4',
  CLN: '#FFD7AA',
  RSX: '#B4FFB4',
  RPH: '#6EFF64',
  RDD: '#6EFF64',
  NTS: '#AAFFFF',
  LMU: '#FFFFFE',
  NKH: '#F5F0B4',
  ODT: '#FFA0FF',
  ONT: '#FFD0FF',
  TSC: '#FFAAA0',
  CQP: '#FF6450',
  CAN: '#FF5046',
  DVH: '#FFAAA0',
  DYT: '#FFAAA0',
  DGD: '#FFAAA0',
  DTT: '#FFAAA0',
  DKH: '#FFAAA0',
  SKK: '#FAAAA0',
  SKN: '#FAAAA0',
  SKT: '#FAAAA0',
  TMD: '#FAAAA0',
  SKC: '#FAAAA0',
  SKS: '#CDAACD',
  SKX: '#CDAACD',
  DGT: '#FFAA32',
  DTL: '#AAFFFF',
  DNL: '#FFAAA0',
  DBV: '#FFAAA0',
  DCH: '#FFAAA0',
  DRA: '#CDAACD',
  DKV: '#B4FFB4',
  TON: '#FFAAA0',
  TIN: '#FFAAA0',
  NTD: '#D2D2D2',
  SON: '#A0FFFF',
  MNC: '#B4FFFF',
  BCS: '#FFFFFE',
  DCS: '#FFFFFE',
  NCS: '#E6E6C8',
};

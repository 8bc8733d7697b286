/**
 * Per-building properties as stored in the tiles' EXT_structural_metadata property table
 * (class `building`) and shown by the viewer. Names are the metadata property ids, so
 * viewer styles can use them directly, e.g. `${height} > 50` or `${use} === 'ODT'`.
 */
export interface BuildingProperties {
  /** Stable building id from the source (e.g. `TDM-B-000123`), else `<file>#<index>`. */
  id: string;
  /** Landmark or building name; empty string when unnamed. */
  name: string;
  /** Height above the building's base in metres (roof top, not storeys × storey height only). */
  height: number;
  /** Number of storeys above ground; 0 when unknown. */
  storeys: number;
  /** Cadastral land-use code (mã loại đất), e.g. `ODT`, `TMD`, `SKK`; empty when unknown. */
  use: string;
  /** Ward (phường/xã) name; empty when unknown. */
  ward: string;
  /** Source dataset the footprint came from (its file name), for provenance. */
  source: string;
}

/** Name of the metadata class holding BuildingProperties. */
export const BUILDING_CLASS = 'building';

/** Metadata property ids in display order. */
export const BUILDING_PROPERTY_IDS = ['id', 'name', 'height', 'storeys', 'use', 'ward', 'source'] as const;

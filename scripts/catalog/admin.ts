/**
 * Administrative units of former Bình Dương before and after 1 July 2025 as one layer with
 * validity dates per feature (data/catalog/README.md):
 * - before: the 9 districts / cities of the province (dvhcvn, GPL-3.0), valid until 30 June 2025.
 *   The 91 pre-2025 wards (14 in Thủ Dầu Một city) have names and codes but no polygons in any
 *   offline source, so the city is one unit here, carrying its 14 ward names;
 * - after: the 36 wards and communes of former Bình Dương in Hồ Chí Minh City (vietnam-3d-map,
 *   MIT), valid from 1 July 2025 (Resolution 202/2025/QH15).
 * Features of the former Thủ Dầu Một city (the city before, its five successor wards after) are
 * flagged `tdm`, so the viewer can say "1 unit (14 wards) → 5 wards".
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const ADMIN_DIR = 'data/catalog/admin';
export const FILES = {
  districts: 'binhduong_province_districts_dvhcvn.geojson',
  tree: 'binhduong_admin_units_pre2025_dvhcvn.json',
  wards2025: 'hcmc2025_wards_in_binhduong_bbox.geojson',
} as const;

/** The last day of the old units and the first of the new (both inclusive). */
export const OLD_VALID_TO = '2025-06-30';
export const NEW_VALID_FROM = '2025-07-01';
/** dvhcvn's `data_date`: the state the pre-2025 files describe. */
export const OLD_DATA_DATE = '2025-03-01';

/** GSO code of Thủ Dầu Một city (pre-2025) and of its five successor wards. */
const TDM_CITY = '718';
const TDM_WARDS_2025 = new Set(['25747', '25750', '25760', '25768', '25771']);

interface Feature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: { type: string; coordinates: unknown };
}
interface Tree {
  data_date: string;
  province: {
    level2s: {
      level2_id: string;
      name: string;
      type: string;
      level3s: { level3_id: string; name: string }[];
    }[];
  };
}

export interface AdminUnitProperties {
  id: string;
  name: string;
  type: string;
  level: 'district' | 'ward';
  /** Inclusive, YYYY-MM-DD; null = not stated by the source (existed before it). */
  validFrom: string | null;
  validTo: string | null;
  /** Part of former Thủ Dầu Một city. */
  tdm: boolean;
  /** Pre-2025 districts: how many wards/communes they had, and their names. */
  wardCount?: number;
  wards?: string;
  source: string;
  licence: string;
}

export async function deriveAdminTransition(repoRoot: string): Promise<{
  type: 'FeatureCollection';
  features: { type: 'Feature'; properties: AdminUnitProperties; geometry: Feature['geometry'] }[];
}> {
  const read = async <T>(name: string) =>
    JSON.parse(await readFile(path.join(repoRoot, ADMIN_DIR, name), 'utf8')) as T;
  const districts = await read<{ features: Feature[] }>(FILES.districts);
  const tree = await read<Tree>(FILES.tree);
  const wards = await read<{ features: Feature[] }>(FILES.wards2025);
  const before = districts.features
    .filter((f) => f.properties.level === 2)
    .map((f) => {
      const id = String(f.properties.id);
      const node = tree.province.level2s.find((d) => d.level2_id === id);
      const name = String(f.properties.name);
      return {
        type: 'Feature' as const,
        properties: {
          id,
          name,
          type:
            node?.type ??
            name
              .split(' ')
              .slice(0, name.startsWith('Thị xã') ? 2 : 1)
              .join(' '),
          level: 'district' as const,
          validFrom: null,
          validTo: OLD_VALID_TO,
          tdm: id === TDM_CITY,
          wardCount: node?.level3s.length ?? 0,
          wards: (node?.level3s ?? []).map((w) => w.name).join('; '),
          source: `dvhcvn (github.com/daohoangson/dvhcvn @4b1b6b5), data date ${tree.data_date}`,
          licence: 'GPL-3.0',
        },
        geometry: f.geometry,
      };
    });
  const after = wards.features
    .filter((f) => f.properties.former_binh_duong === true)
    .map((f) => ({
      type: 'Feature' as const,
      properties: {
        id: String(f.properties.id),
        name: String(f.properties.name),
        type: String(f.properties.type),
        level: 'ward' as const,
        validFrom: NEW_VALID_FROM,
        validTo: null,
        tdm: TDM_WARDS_2025.has(String(f.properties.id)),
        source: 'vietnam-3d-map (github.com/lamngockhuong/vietnam-3d-map @dc6095c)',
        licence: 'MIT',
      },
      geometry: f.geometry,
    }));
  return { type: 'FeatureCollection', features: [...before, ...after] };
}

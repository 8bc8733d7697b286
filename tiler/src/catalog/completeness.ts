import {
  type CatalogLayer,
  type CompletenessResponse,
  type CoverageMethod,
  type LayerShare,
  SECTOR_IDS,
  type SectorCoverage,
  type SectorId,
  type UnitCompleteness,
} from '../api/catalog.js';

/**
 * The completeness table from per-layer coverage (coverage.ts): for each unit (2025 ward) and
 * sector, the layers that cover any of it and the sector's share — the best layer's share, not
 * the sum (two editions of a parcel map cover the same ground once; a union of unlike layers,
 * such as bus stops and roads, would mean nothing more). Pure: the I/O is in routes.ts.
 */

export interface UnitInfo {
  id: string;
  name: string;
  areaM2: number;
}

export interface LayerCoverageInput {
  layer: Pick<CatalogLayer, 'id' | 'title' | 'sector'>;
  method: CoverageMethod;
  /** Share 0–1 per unit id. */
  byUnit: Record<string, number>;
}

function emptySectors(): Record<SectorId, SectorCoverage> {
  return Object.fromEntries(SECTOR_IDS.map((s) => [s, { share: 0, layers: [] }])) as unknown as Record<
    SectorId,
    SectorCoverage
  >;
}

export function completenessTable(
  unitsLayer: string | null,
  units: readonly UnitInfo[],
  coverage: readonly LayerCoverageInput[],
  skipped: { id: string; reason: string }[] = [],
): CompletenessResponse {
  const rows: UnitCompleteness[] = units.map((unit) => {
    const sectors = emptySectors();
    for (const { layer, method, byUnit } of coverage) {
      const share = byUnit[unit.id] ?? 0;
      if (!(share > 0)) continue;
      const entry: LayerShare = { id: layer.id, title: layer.title, method, share };
      const sector = sectors[layer.sector];
      sector.layers.push(entry);
      sector.share = Math.max(sector.share, share);
    }
    for (const s of SECTOR_IDS)
      sectors[s].layers.sort((a, b) => b.share - a.share || a.id.localeCompare(b.id));
    const overall = SECTOR_IDS.reduce((sum, s) => sum + sectors[s].share, 0) / SECTOR_IDS.length;
    return { id: unit.id, name: unit.name, areaM2: unit.areaM2, sectors, overall };
  });
  const totalArea = units.reduce((sum, u) => sum + u.areaM2, 0);
  const totals = Object.fromEntries(
    SECTOR_IDS.map((s) => [
      s,
      totalArea > 0 ? rows.reduce((sum, r) => sum + r.sectors[s].share * r.areaM2, 0) / totalArea : 0,
    ]),
  ) as Record<SectorId, number>;
  return { unitsLayer, units: rows, totals, skipped };
}

/** The table as CSV (UTF-8 with BOM so Excel reads Vietnamese): one row per unit, shares in %. */
export function completenessCsv(table: CompletenessResponse): string {
  const pct = (v: number) => (Math.round(v * 1000) / 10).toFixed(1);
  const header = [
    'ward_id',
    'ward',
    'area_km2',
    ...SECTOR_IDS.map((s) => `${s}_pct`),
    'overall_pct',
    'layers',
  ];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = table.units.map((u) =>
    [
      u.id,
      u.name,
      (u.areaM2 / 1e6).toFixed(3),
      ...SECTOR_IDS.map((s) => pct(u.sectors[s].share)),
      pct(u.overall),
      SECTOR_IDS.flatMap((s) => u.sectors[s].layers.map((l) => `${l.id}=${pct(l.share)}`)).join(' '),
    ]
      .map((v) => quote(String(v)))
      .join(','),
  );
  return `\uFEFF${[header.join(','), ...lines].join('\r\n')}\r\n`;
}

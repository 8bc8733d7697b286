import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CatalogFile, CatalogLayer } from '../api/catalog.js';
import { metresPerDegree } from '../geo/ellipsoid.js';

/**
 * A data folder whose completeness figures can be computed by hand, for the route test and the
 * browser test. Two 1 km × 1 km square wards side by side near Thủ Dầu Một, W1 (x 0–1000 m) and
 * W2 (x 1000–2000 m), and three layers (x, y in metres from W1's south-west corner):
 *
 * | layer | sector | geometry | W1 | W2 |
 * | --- | --- | --- | --- | --- |
 * | `half-parcels` | dat-dai | x 0–500 | 50 % | 0 % |
 * | `zoning` | quy-hoach-do-thi | x 750–2000 | 25 % | 100 % |
 * | `stops` | giao-thong | 3 points in W1's 250 m cells, 1 in W2's | 3/16 = 18,75 % | 1/16 = 6,25 % |
 *
 * Overall (mean of six sectors): W1 (0.5 + 0.25 + 0.1875) / 6 = 15.625 %; W2 (1 + 0.0625) / 6 =
 * 17.708 %.
 */

export const HAND_CASE = {
  lon0: 106.65,
  lat0: 10.98,
  expected: {
    W1: { 'dat-dai': 0.5, 'quy-hoach-do-thi': 0.25, 'giao-thong': 0.1875, overall: 0.15625 },
    W2: { 'dat-dai': 0, 'quy-hoach-do-thi': 1, 'giao-thong': 0.0625, overall: 1.0625 / 6 },
  },
} as const;

type XY = [number, number];

export async function writeHandComputedCase(dataDir: string): Promise<CatalogFile> {
  const { lon0, lat0 } = HAND_CASE;
  // The scale PreparedUnit uses: metres per degree at each ward's centre latitude (both wards
  // share it, they span the same latitudes).
  const { lonM, latM } = metresPerDegree(lat0 + 500 / metresPerDegree(lat0).latM);
  const deg = ([x, y]: XY): XY => [lon0 + x / lonM, lat0 + y / latM];
  const rect = (x0: number, y0: number, x1: number, y1: number) => ({
    type: 'Polygon',
    coordinates: [
      (
        [
          [x0, y0],
          [x1, y0],
          [x1, y1],
          [x0, y1],
          [x0, y0],
        ] as XY[]
      ).map(deg),
    ],
  });
  const fc = (features: { properties: Record<string, unknown>; geometry: unknown }[]) =>
    JSON.stringify({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) });
  await mkdir(path.join(dataDir, 'catalog'), { recursive: true });
  await writeFile(
    path.join(dataDir, 'wards.geojson'),
    fc([
      { properties: { id: 'W1', name: 'Phường Một' }, geometry: rect(0, 0, 1000, 1000) },
      { properties: { id: 'W2', name: 'Phường Hai' }, geometry: rect(1000, 0, 2000, 1000) },
    ]),
  );
  await writeFile(
    path.join(dataDir, 'catalog/half-parcels.geojson'),
    fc([
      { properties: { id: 'P1', use: 'ODT' }, geometry: rect(0, 0, 500, 500) },
      { properties: { id: 'P2', use: 'TMD' }, geometry: rect(0, 500, 500, 1000) },
    ]),
  );
  await writeFile(
    path.join(dataDir, 'catalog/zoning.geojson'),
    fc([{ properties: { id: 'Z1', landUse: 'HH' }, geometry: rect(750, 0, 2000, 1000) }]),
  );
  const stops: XY[] = [
    [125, 125],
    [130, 140], // same cell
    [625, 375],
    [875, 875],
    [1625, 625],
  ];
  await writeFile(
    path.join(dataDir, 'catalog/stops.geojson'),
    fc(
      stops.map((p, i) => ({
        properties: { name: `Trạm ${i + 1}` },
        geometry: { type: 'Point', coordinates: deg(p) },
      })),
    ),
  );
  await writeFile(
    path.join(dataDir, 'layers.json'),
    JSON.stringify([
      { id: 'wards', kind: 'boundaries', title: 'Phường (ô vuông kiểm thử)', path: 'wards.geojson' },
    ]),
  );
  const base: Omit<CatalogLayer, 'id' | 'kind' | 'title' | 'sector' | 'path' | 'style'> = {
    source: 'bdtwin test fixture',
    licence: 'Apache-2.0',
    crsOfOrigin: 'WGS 84 (EPSG:4326)',
    validFrom: '2025-07-01',
    validTo: null,
    updatedAt: '2025-11-25T00:00:00Z',
    visibility: 'public',
  };
  const catalog: CatalogFile = {
    version: 1,
    title: { vi: 'Danh mục kiểm thử', en: 'Test catalogue' },
    units: { layer: 'wards', idProperty: 'id', nameProperty: 'name' },
    layers: [
      {
        ...base,
        id: 'wards',
        kind: 'boundaries',
        title: { vi: 'Phường kiểm thử', en: 'Test wards' },
        sector: 'dat-dai',
        path: 'wards.geojson',
        style: { type: 'simple', color: '#FF4FD8' },
        labelProperty: 'name',
        coverage: { method: 'none' },
      },
      {
        ...base,
        id: 'half-parcels',
        kind: 'polygons',
        title: { vi: 'Thửa đất (nửa phường Một)', en: 'Parcels (half of ward One)' },
        sector: 'dat-dai',
        path: 'catalog/half-parcels.geojson',
        style: {
          type: 'categorical',
          property: 'use',
          categories: [
            { value: 'ODT', color: '#FFA0FF', label: { vi: 'Đất ở tại đô thị', en: 'Urban residential' } },
            { value: 'TMD', color: '#FAAAA0', label: { vi: 'Đất thương mại, dịch vụ', en: 'Commercial' } },
          ],
          otherColor: '#CCCCCC',
          opacity: 0.7,
        },
      },
      {
        ...base,
        id: 'zoning',
        kind: 'polygons',
        title: { vi: 'Quy hoạch phân khu', en: 'Zoning plan' },
        sector: 'quy-hoach-do-thi',
        path: 'catalog/zoning.geojson',
        style: { type: 'simple', color: '#F4A261', opacity: 0.5 },
      },
      {
        ...base,
        id: 'stops',
        kind: 'points',
        title: { vi: 'Trạm xe buýt', en: 'Bus stops' },
        sector: 'giao-thong',
        path: 'catalog/stops.geojson',
        style: { type: 'simple', color: '#00C389', widthPx: 10 },
        coverage: { method: 'cells', cellM: 250 },
      },
    ],
  };
  await writeFile(path.join(dataDir, 'catalog.json'), `${JSON.stringify(catalog, null, 2)}\n`);
  return catalog;
}

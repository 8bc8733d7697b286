import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CatalogFile } from '../api/catalog.js';
import { main } from '../cli/main.js';
import { slugify } from './import.js';
import { catalogResponse } from './service.js';
import { writeHandComputedCase } from './testing.js';

const TEST_DATA = path.resolve(import.meta.dirname, '../../test/data');
const REPO = path.resolve(import.meta.dirname, '../../..');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'bdtwin-add-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `bdtwin …` and returns its exit code and what it printed. */
async function bdtwin(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const code = await main(args);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const readCatalogJson = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'catalog.json'), 'utf8')) as CatalogFile;

interface Fc {
  features: { properties: Record<string, unknown>; geometry: { type: string; coordinates: number[][][] } }[];
}

describe('bdtwin add', () => {
  it('imports a VN-2000 Shapefile: converted to WGS 84 with the datum shift, catalogued in its sector', async () => {
    const data = path.join(root, 'vn2000');
    const r = await bdtwin(
      'add',
      path.join(TEST_DATA, 'osm-100-vn2000.shp'),
      '--sector',
      'quy-hoach-xay-dung',
      '--data',
      data,
      '--title',
      'Công trình OSM (VN-2000)',
      '--title-en',
      'OSM buildings (VN-2000)',
      '--valid-from',
      '2023-10-22',
      '--licence',
      'ODbL-1.0',
      '--quiet',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('layer:    cong-trinh-osm-vn-2000 (polygons) in sector quy-hoach-xay-dung');
    const catalog = await readCatalogJson(data);
    const layer = catalog.layers[0]!;
    expect(layer).toMatchObject({
      id: 'cong-trinh-osm-vn-2000',
      kind: 'polygons',
      sector: 'quy-hoach-xay-dung',
      path: 'catalog/cong-trinh-osm-vn-2000.geojson',
      licence: 'ODbL-1.0',
      validFrom: '2023-10-22',
      validTo: null,
      visibility: 'public',
      featureCount: 100,
    });
    expect(layer.crsOfOrigin).toMatch(/VN-2000/);
    // Where the buildings are: the same as the WGS 84 copy of the same OSM data, within ~1 m
    // (without the national shift they would be ~225 m off).
    const got = JSON.parse(await readFile(path.join(data, layer.path), 'utf8')) as Fc;
    const want = (await readFile(path.join(TEST_DATA, 'osm-100.geojsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Fc['features'][number]);
    expect(got.features).toHaveLength(100);
    for (const k of [0, 37, 99]) {
      const [lon, lat] = got.features[k]!.geometry.coordinates[0]![0]!;
      const [lon0, lat0] = want[k]!.geometry.coordinates[0]![0]!;
      expect(Math.abs(lon! - lon0!) * 109_000).toBeLessThan(1);
      expect(Math.abs(lat! - lat0!) * 110_600).toBeLessThan(1);
    }
    const response = catalogResponse(catalog);
    expect(response.sectors.find((s) => s.id === 'quy-hoach-xay-dung')!.layers.map((l) => l.url)).toEqual([
      '/data/catalog/cong-trinh-osm-vn-2000.geojson',
    ]);
  });

  it('imports a GeoJSON of points into the same catalogue, next to the first layer', async () => {
    const data = path.join(root, 'vn2000');
    const r = await bdtwin(
      'add',
      path.join(REPO, 'data/transport/kaze_bus_stops_osm.geojson'),
      '--sector',
      'giao-thong',
      '--data',
      data,
      '--id',
      'kaze-stops',
      '--title',
      'Trạm xe buýt Kaze',
      '--valid-from',
      '2024-01-01',
      '--visibility',
      'planner',
      '--quiet',
    );
    expect(r.code).toBe(0);
    const catalog = await readCatalogJson(data);
    expect(catalog.layers.map((l) => [l.id, l.sector, l.kind])).toEqual([
      ['cong-trinh-osm-vn-2000', 'quy-hoach-xay-dung', 'polygons'],
      ['kaze-stops', 'giao-thong', 'points'],
    ]);
    expect(catalog.layers[1]!.licence).toBe('unknown');
    expect(r.out).toContain('--licence not given');
    expect(
      catalogResponse(catalog, { audience: 'public' }).sectors.flatMap((s) => s.layers.map((l) => l.id)),
    ).toEqual(['cong-trinh-osm-vn-2000']);
    // Added again: replaced, not duplicated.
    const again = await bdtwin(
      'add',
      path.join(REPO, 'data/transport/kaze_bus_stops_osm.geojson'),
      '--sector',
      'giao-thong',
      '--data',
      data,
      '--id',
      'kaze-stops',
      '--quiet',
    );
    expect(again.code).toBe(0);
    expect((await readCatalogJson(data)).layers).toHaveLength(2);
  });

  it('tiles a polygon layer above the threshold into 3D Tiles (--tiles 3dtiles)', async () => {
    const data = path.join(root, 'tiled');
    const r = await bdtwin(
      'add',
      path.join(TEST_DATA, 'osm-100.geojsonl'),
      '--sector',
      'dat-dai',
      '--data',
      data,
      '--id',
      'osm-tiled',
      '--tile-threshold',
      '50',
      '--tiles',
      '3dtiles',
      '--style-by',
      'building',
      '--quiet',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const layer = (await readCatalogJson(data)).layers[0]!;
    expect(layer.kind).toBe('polygon-tiles');
    expect(layer.path).toBe('catalog/osm-tiled/tileset.json');
    expect(layer.style).toMatchObject({ type: 'categorical', property: 'building' });
    const tileset = JSON.parse(await readFile(path.join(data, layer.path), 'utf8')) as {
      asset: { version: string };
    };
    expect(tileset.asset.version).toBe('1.1');
    const report = JSON.parse(await readFile(path.join(data, 'catalog/osm-tiled/report.json'), 'utf8')) as {
      buildingsWritten: number;
    };
    expect(report.buildingsWritten).toBe(100);
    // No staging files left behind.
    await expect(stat(path.join(data, 'catalog/.osm-tiled.staging.geojsonl'))).rejects.toThrow();
  });

  it('measures coverage of the catalogue wards while importing', async () => {
    const data = path.join(root, 'hand');
    await writeHandComputedCase(data);
    const r = await bdtwin(
      'add',
      path.join(data, 'catalog/zoning.geojson'),
      '--sector',
      'ha-tang',
      '--data',
      data,
      '--id',
      'drainage-area',
      '--quiet',
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('coverage: area: W1 25.0 %, W2 100.0 %');
    const layer = (await readCatalogJson(data)).layers.find((l) => l.id === 'drainage-area')!;
    // Coordinates are rounded to 1e-7° (1 cm) on import: 25 % ± a few m² of a km².
    expect(layer.coverage).toMatchObject({ method: 'area', unitsLayer: 'wards' });
    expect(layer.coverage!.byUnit!.W1).toBeCloseTo(0.25, 4);
    expect(layer.coverage!.byUnit!.W2).toBeCloseTo(1, 4);
  });

  it('refuses undeclared metres with the likely CRS, and bad options, writing nothing', async () => {
    const data = path.join(root, 'refused');
    const file = path.join(root, 'metres.geojson');
    const square = (x: number, y: number) => [
      [
        [x, y],
        [x + 20, y],
        [x + 20, y + 20],
        [x, y + 20],
        [x, y],
      ],
    ];
    await writeFile(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [0, 1, 2].map((k) => ({
          type: 'Feature',
          properties: {},
          geometry: { type: 'Polygon', coordinates: square(596_000 + 50 * k, 1_214_000) },
        })),
      }),
    );
    const r = await bdtwin('add', file, '--sector', 'dat-dai', '--data', data, '--quiet');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/metres.geojson: .*vn2000:105\.75/s);
    await expect(stat(path.join(data, 'catalog.json'))).rejects.toThrow();
    const ok = await bdtwin(
      'add',
      file,
      '--sector',
      'dat-dai',
      '--data',
      data,
      '--crs',
      'vn2000:105.75',
      '--quiet',
    );
    expect(ok.code).toBe(0);
    expect((await bdtwin('add', file, '--sector', 'land', '--data', data)).err).toContain(
      '--sector must be one of dat-dai, quy-hoach-do-thi',
    );
    expect((await bdtwin('add', file, '--sector', 'dat-dai', '--valid-from', '1/7/2025')).err).toContain(
      '--valid-from must be a date YYYY-MM-DD, got "1/7/2025"',
    );
    expect((await bdtwin('add', file, '--sector', 'dat-dai', '--tiles', 'png')).err).toContain(
      '--tiles must be one of mvt, 3dtiles, got "png"',
    );
  });

  it('slugs Vietnamese titles', () => {
    expect(slugify('Bản đồ địa chính 2024')).toBe('ban-do-dia-chinh-2024');
    expect(slugify('Đường ống thoát nước')).toBe('duong-ong-thoat-nuoc');
  });
});

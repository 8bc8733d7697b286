import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zip } from '../../test/zip';
import { parseDroppedFile } from './drop';

const DATA = path.resolve(import.meta.dirname, '../../../tiler/test/data');

const shapefile = (stem: string) =>
  ['shp', 'dbf', 'prj', 'cpg'].map((ext, k) => ({
    name: `ban-do/${stem}.${ext}`,
    data: new Uint8Array(readFileSync(path.join(DATA, `${stem}.${ext}`))),
    deflate: k < 2,
  }));

describe('dropped files (read in the browser)', () => {
  it('reads a zipped Shapefile: geometry in order, attributes in UTF-8', async () => {
    const dropped = await parseDroppedFile('osm-100.zip', zip(shapefile('osm-100')), '2025-11-25');
    const want = readFileSync(path.join(DATA, 'osm-100.geojsonl'), 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { properties: Record<string, unknown>; geometry: { coordinates: number[][][] } },
      );
    const got = dropped.collection.features;
    expect(got).toHaveLength(100);
    expect(dropped.info.kind).toBe('polygons');
    // Feature 0 has a courtyard: outer + hole, outer counter-clockwise as GeoJSON wants.
    const g0 = got[0]!.geometry as { type: string; coordinates: number[][][] };
    expect(g0.type).toBe('Polygon');
    expect(g0.coordinates).toHaveLength(want[0]!.geometry.coordinates.length);
    const named = want.findIndex(
      (f) =>
        typeof f.properties.name === 'string' &&
        [...(f.properties.name as string)].some((c) => c.charCodeAt(0) > 127),
    );
    expect(got[named]!.properties?.name).toBe(want[named]!.properties.name);
    const [lon, lat] = (got[37]!.geometry as { coordinates: number[][][] }).coordinates[0]![0]!;
    const ring = want[37]!.geometry.coordinates[0]!;
    expect(ring.some(([x, y]) => Math.abs(x! - lon!) < 1e-9 && Math.abs(y! - lat!) < 1e-9)).toBe(true);
  });

  it('refuses a VN-2000 Shapefile, pointing to bdtwin add', async () => {
    await expect(
      parseDroppedFile('vn2000.zip', zip(shapefile('osm-100-vn2000')), '2025-11-25'),
    ).rejects.toThrow(/VN-2000.*bdtwin add/);
  });

  it('reads GeoJSON and colours land-use codes with the cadastral palette', async () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { loai_dat: 'ODT' },
          geometry: { type: 'Point', coordinates: [106.65, 10.98] },
        },
      ],
    };
    const dropped = await parseDroppedFile(
      'a.geojson',
      new TextEncoder().encode(JSON.stringify(fc)),
      '2025-11-25',
    );
    expect(dropped.info.kind).toBe('points');
    expect(dropped.info.style).toMatchObject({
      type: 'categorical',
      property: 'loai_dat',
      categories: [{ value: 'ODT', color: '#FFA0FF' }],
    });
    await expect(
      parseDroppedFile(
        'm.geojson',
        new TextEncoder().encode('{"type":"Point","coordinates":[596000,1214000]}'),
        'x',
      ),
    ).rejects.toThrow(/không phải kinh độ\/vĩ độ/);
  });
});

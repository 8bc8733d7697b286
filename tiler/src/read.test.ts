import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Footprint } from './buildings/footprint.js';
import { NORMALISE_DEFAULTS } from './buildings/normalise.js';
import type { FootprintStore } from './buildings/store.js';
import { metresPerDegree } from './geo/ellipsoid.js';
import { readFootprints } from './read.js';

/** Fixtures made by ogr2ogr from the first 100 OSM buildings (see tiler/test/data/README.md). */
const DATA = path.resolve(import.meta.dirname, '../test/data');
const fixture = (name: string) => path.join(DATA, name);
const all = (store: FootprintStore) => Array.from({ length: store.length }, (_, i) => store.get(i));
const read = async (files: string[], crs?: string) => {
  const result = await readFootprints(files, { normalise: NORMALISE_DEFAULTS, ...(crs ? { crs } : {}) });
  return { ...result, footprints: all(result.store) };
};

/** Footprints keyed by OSM id: each format names the building the same way. */
function byOsmId(footprints: Footprint[]): Map<string, Footprint> {
  return new Map(footprints.map((f) => [f.properties.id, f]));
}

/** Largest distance in metres between matching vertices of two footprints (same ring order). */
function maxVertexDistanceM(a: Footprint, b: Footprint): number {
  const { lonM, latM } = metresPerDegree(a.centroid[1]);
  const pa = a.polygons.flat(2);
  const pb = b.polygons.flat(2);
  // Readers and repair may start rings at another vertex: compare each vertex with the nearest.
  let worst = 0;
  for (let i = 0; i < pa.length; i += 2) {
    let best = Number.POSITIVE_INFINITY;
    for (let j = 0; j < pb.length; j += 2) {
      best = Math.min(best, Math.hypot((pa[i]! - pb[j]!) * lonM, (pa[i + 1]! - pb[j + 1]!) * latM));
    }
    worst = Math.max(worst, best);
  }
  return worst;
}

describe('readFootprints: every format and CRS lands where the original GeoJSON does', () => {
  let original: Footprint[];
  beforeAll(async () => {
    original = (await read([fixture('osm-100.geojsonl')])).footprints;
    expect(byOsmId(original).size).toBe(100);
  });
  // Ids differ between formats (a GeoPackage's primary key wins over OSM tags) and FlatGeobuf
  // stores features in spatial-index order: match each building to the nearest original.
  const nearest = (f: Footprint) =>
    original.reduce((best, o) =>
      Math.hypot(o.centroid[0] - f.centroid[0], o.centroid[1] - f.centroid[1]) <
      Math.hypot(best.centroid[0] - f.centroid[0], best.centroid[1] - f.centroid[1])
        ? o
        : best,
    );

  it.each([
    ['osm-100.shp', 'shapefile', 'WGS 84', 1e-6],
    ['osm-100.gpkg', 'geopackage', 'WGS 84', 1e-6],
    ['osm-100.fgb', 'flatgeobuf', 'WGS 84', 1e-6],
    // VN-2000 TM-3 105°45′ metres, declared in the file, through the national datum shift.
    ['osm-100-vn2000.gpkg', 'geopackage', 'VN-2000', 0.05],
    ['osm-100-vn2000.fgb', 'flatgeobuf', 'VN-2000', 0.05],
    ['osm-100-vn2000.shp', 'shapefile', 'VN-2000', 0.05],
  ])('%s (%s, %s) within %s m', async (name, format, crs, toleranceM) => {
    const result = await read([fixture(name)]);
    expect(result.rejected).toEqual([]);
    expect(result.sources[0]).toMatchObject({ format, crsFrom: 'file' });
    expect(result.sources[0]!.crs).toContain(crs);
    expect(result.footprints).toHaveLength(100);
    for (const f of result.footprints)
      expect(maxVertexDistanceM(f, nearest(f)), f.properties.id).toBeLessThan(toleranceM);
  });

  describe('a wrong or missing CRS is refused with the likely one suggested', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-read-'));
      // The VN-2000 Shapefile without its .prj, as often handed over.
      for (const ext of ['shp', 'shx', 'dbf', 'cpg']) {
        await copyFile(fixture(`osm-100-vn2000.${ext}`), path.join(dir, `noprj.${ext}`));
      }
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('metres without a declared CRS', async () => {
      await expect(read([path.join(dir, 'noprj.shp')])).rejects.toThrow(
        /VN-2000 TM-3.*--crs vn2000:105\.75/s,
      );
    });

    it('and are placed right once --crs says so', async () => {
      const result = await read([path.join(dir, 'noprj.shp')], 'vn2000:105.75');
      expect(result.sources[0]!.crsFrom).toBe('flag');
      for (const f of result.footprints) expect(maxVertexDistanceM(f, nearest(f))).toBeLessThan(0.05);
    });

    it('lon/lat declared for metres', async () => {
      await expect(read([fixture('osm-100-vn2000.gpkg')], 'EPSG:4326')).rejects.toThrow(/vn2000:105\.75/);
    });
  });
});

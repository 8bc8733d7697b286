import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogFile, VectorTileSetJson } from '../api/catalog.js';
import { createServer } from '../serve/server.js';
import { addLayer, sourceIndexOf } from './import.js';
import { partitionTiles, VectorTilePlanner } from './vector-tile-plan.js';
import { availabilityRectangles, checkPolygons } from './vector-tiles.js';
import { latToWorldY, lonToWorldX, tileKey } from './web-mercator.js';

const TEST_DATA = path.resolve(import.meta.dirname, '../../test/data');

/** @mapbox/vector-tile 2 reads with pbf 4's API; pbf 5's reader lacks only readVarint64. */
class Reader extends PbfReader {
  readVarint64() {
    return this.readVarint(true);
  }
}
const decode = (gz: Buffer) =>
  new VectorTile(new Reader(gunzipSync(gz)) as unknown as ConstructorParameters<typeof VectorTile>[0]);

type Ring = [number, number][];
interface InputFeature {
  properties: Record<string, unknown>;
  geometry: { type: 'Polygon'; coordinates: Ring[] };
}

/** Every vertex of every ring (outer rings and holes). */
const verticesOf = (f: InputFeature) => f.geometry.coordinates.flat();

/** Tile units of a lon/lat in tile z/x/y. */
const units = (lon: number, lat: number, z: number, x: number, y: number, extent: number) => [
  (lonToWorldX(lon) * 2 ** z - x) * extent,
  (latToWorldY(lat) * 2 ** z - y) * extent,
];

/** A square parcel of `sideM` metres with its south-west corner at lon/lat. */
function square(lon: number, lat: number, sideM: number, properties: Record<string, unknown>): InputFeature {
  const dLon = sideM / (111_320 * Math.cos((lat * Math.PI) / 180));
  const dLat = sideM / 110_600;
  return {
    properties,
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [lon, lat],
          [lon + dLon, lat],
          [lon + dLon, lat + dLat],
          [lon, lat + dLat],
          [lon, lat],
        ],
      ],
    },
  };
}

describe('vector tile plan', () => {
  it('chooses the zoom range by feature size (512-px tiles): parcels z12–15, zoning blocks z9–12', () => {
    const parcels = new VectorTilePlanner();
    const zoning = new VectorTilePlanner();
    for (let k = 0; k < 200; k++) {
      const lon = 106.6 + (k % 20) * 0.001;
      const lat = 10.95 + Math.floor(k / 20) * 0.001;
      const p = square(lon, lat, 70, {}).geometry.coordinates[0]!;
      parcels.add([p[0]![0], p[0]![1], p[2]![0], p[2]![1]]);
      const z = square(lon, lat, 500, {}).geometry.coordinates[0]!;
      zoning.add([z[0]![0], z[0]![1], z[2]![0], z[2]![1]]);
    }
    expect(parcels.typicalSizeM()).toBeGreaterThan(66);
    expect(parcels.typicalSizeM()).toBeLessThan(74);
    expect(parcels.plan()).toMatchObject({ minzoom: 12, maxzoom: 15 });
    expect(zoning.plan()).toMatchObject({ minzoom: 9, maxzoom: 12 });
  });

  it('raises minzoom until no minzoom tile holds more than the limit', () => {
    // 2,500 parcels of 70 m in a 50 × 50 block (3.5 km), across a z12 tile edge.
    const dense = new VectorTilePlanner({ maxTileFeatures: 1_500 });
    const loose = new VectorTilePlanner();
    for (let k = 0; k < 2_500; k++) {
      const p = square(106.6 + (k % 50) * 0.00065, 10.95 + Math.floor(k / 50) * 0.00065, 70, {}).geometry
        .coordinates[0]!;
      for (const planner of [dense, loose]) planner.add([p[0]![0], p[0]![1], p[2]![0], p[2]![1]]);
    }
    expect(loose.plan().minzoom).toBe(12);
    expect(loose.densest(12)).toBeGreaterThan(1_500);
    const plan = dense.plan();
    expect(plan.minzoom).toBeGreaterThan(12);
    expect(dense.densest(plan.minzoom)).toBeLessThanOrEqual(1_500);
    expect(plan.maxzoom).toBeGreaterThanOrEqual(plan.minzoom);
  });

  it('splits dense areas into partitions no larger than the limit, never below the deepest zoom', () => {
    // 100 features in each of four z12 tiles of one z11 tile, 10 in a far one.
    const counts = new Map<number, number>();
    for (const [x, y] of [
      [3000, 1900],
      [3001, 1900],
      [3000, 1901],
      [3001, 1901],
    ] as const)
      counts.set(tileKey(12, x, y), 100);
    counts.set(tileKey(12, 100, 100), 10);
    const loose = partitionTiles(counts, 12, 12, 1_000);
    expect(loose).toEqual([{ z: 0, x: 0, y: 0, count: 410 }]);
    const tight = partitionTiles(counts, 12, 12, 150);
    expect(tight.reduce((n, p) => n + p.count, 0)).toBe(410);
    expect(tight.filter((p) => p.count === 100).map((p) => p.z)).toEqual([12, 12, 12, 12]);
    expect(Math.max(...tight.map((p) => p.count))).toBeLessThanOrEqual(150);
    // Not finer than `deepest` even when a tile is over the limit.
    expect(partitionTiles(counts, 12, 10, 50).find((p) => p.count === 400)).toMatchObject({ z: 10 });
  });

  it('lists tiles that exist as rectangles, holes and all', () => {
    const tiles: [number, number][] = [];
    for (let y = 5; y <= 7; y++)
      for (let x = 10; x <= 13; x++) if (!(x === 11 && y === 6)) tiles.push([x, y]);
    tiles.push([20, 7]);
    expect(availabilityRectangles(tiles)).toEqual([
      { startX: 10, startY: 5, endX: 13, endY: 5 },
      { startX: 10, startY: 6, endX: 10, endY: 6 },
      { startX: 12, startY: 6, endX: 13, endY: 6 },
      { startX: 10, startY: 7, endX: 13, endY: 7 },
      { startX: 20, startY: 7, endX: 20, endY: 7 },
    ]);
    expect(
      availabilityRectangles([
        [1, 1],
        [2, 1],
        [1, 2],
        [2, 2],
      ]),
    ).toEqual([{ startX: 1, startY: 1, endX: 2, endY: 2 }]);
  });

  it('numbers features as in the source when some were refused on the way', () => {
    expect(sourceIndexOf(0, [])).toBe(0);
    // Source features 1 and 4 refused: written 0,1,2,3 are source 0,2,3,5.
    expect([0, 1, 2, 3].map((k) => sourceIndexOf(k, [1, 4]))).toEqual([0, 2, 3, 5]);
  });

  it('winds outer rings counter-clockwise and holes clockwise, and refuses what cannot be tiled', () => {
    const cw: Ring = [
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 0],
      [0, 0],
    ];
    const hole: Ring = [
      [0.2, 0.2],
      [0.8, 0.2],
      [0.8, 0.8],
      [0.2, 0.8],
      [0.2, 0.2],
    ];
    const r = checkPolygons({ type: 'Polygon', coordinates: [cw, hole] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.polygons[0]![0]).toEqual([...cw].reverse());
    expect(r.polygons[0]![1]).toEqual([...hole].reverse());
    expect(
      checkPolygons({
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      }),
    ).toEqual({
      ok: false,
      reason: 'has no ring of 4 or more positions enclosing an area',
    });
    const huge: Ring = Array.from({ length: 100_001 }, (_, k) => [
      Math.cos((k / 100_000) * 2 * Math.PI),
      Math.sin((k / 100_000) * 2 * Math.PI),
    ]);
    expect(checkPolygons({ type: 'Polygon', coordinates: [huge] })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('has 100,001 vertices'),
    });
  });
});

describe('bdtwin add --tiles mvt', () => {
  let root: string;
  let data: string;
  let input: InputFeature[];
  let tileJson: VectorTileSetJson;
  const layerDir = () => path.join(data, 'catalog/osm-mvt');
  const tileFile = (z: number, x: number, y: number) => path.join(layerDir(), `${z}/${x}/${y}.pbf`);

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bdtwin-mvt-'));
    data = path.join(root, 'data');
    // 100 real building footprints (OSM, Hồ Chí Minh City) and one parcel 3 km east of them.
    input = (await readFile(path.join(TEST_DATA, 'osm-100.geojsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as InputFeature);
    input.push(square(106.735, 10.785, 20, { '@osmId': 'far/1', building: 'yes' }));
    const file = path.join(root, 'osm-101.geojsonl');
    await writeFile(file, input.map((f) => JSON.stringify({ type: 'Feature', ...f })).join('\n'));
    const report = await addLayer(file, {
      dataDir: data,
      id: 'osm-mvt',
      sector: 'dat-dai',
      styleBy: 'building',
      tileThreshold: 50,
      tiles: 'mvt',
      validFrom: '2023-10-22',
    });
    expect(report.layer.kind).toBe('polygon-vector-tiles');
    tileJson = JSON.parse(await readFile(path.join(layerDir(), 'tiles.json'), 'utf8')) as VectorTileSetJson;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const existing = (z: number) =>
    (tileJson.bdtwin.available[z - tileJson.minzoom] ?? []).flatMap((r) => {
      const out: [number, number][] = [];
      for (let y = r.startY; y <= r.endY; y++) for (let x = r.startX; x <= r.endX; x++) out.push([x, y]);
      return out;
    });

  it('catalogues the layer with its TileJSON: zooms by size, bounds, fields', async () => {
    const catalog = JSON.parse(await readFile(path.join(data, 'catalog.json'), 'utf8')) as CatalogFile;
    expect(catalog.layers[0]).toMatchObject({
      id: 'osm-mvt',
      kind: 'polygon-vector-tiles',
      path: 'catalog/osm-mvt/tiles.json',
      featureCount: 101,
      style: { type: 'categorical', property: 'building' },
    });
    expect(tileJson).toMatchObject({
      tilejson: '3.0.0',
      tiles: ['{z}/{x}/{y}.pbf'],
      // These buildings' boxes are ~55 m across (median): 2.9 px of a 512-px tile at z12, 23 px
      // at z15, so z16 for detail.
      minzoom: 12,
      maxzoom: 16,
      vector_layers: [{ id: 'osm-mvt', fields: { '@osmId': 'String', name: 'String', building: 'String' } }],
      bdtwin: { extent: 4096, featureCount: 101, styleFields: ['building'] },
    });
    const [w, s, e, n] = tileJson.bounds;
    const box = catalog.layers[0]!.bbox!;
    expect([w, s, e, n]).toEqual(box);
  });

  it('writes each feature with its properties and its vertices within a tile unit of the input', async () => {
    const z = tileJson.maxzoom;
    const extent = tileJson.bdtwin.extent;
    const seen = new Map<string, number>();
    for (const [x, y] of existing(z)) {
      const gz = await readFile(tileFile(z, x, y));
      expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
      const layer = decode(gz).layers['osm-mvt']!;
      expect(layer.extent).toBe(extent);
      for (let i = 0; i < layer.length; i++) {
        const f = layer.feature(i);
        const id = String(f.properties['@osmId']);
        const want = input.find((g) => g.properties['@osmId'] === id)!;
        expect(want, id).toBeDefined();
        const fields = Object.keys(tileJson.vector_layers[0]!.fields);
        expect(fields).toEqual(['@osmId', 'name', 'building']);
        expect(f.properties).toEqual(
          Object.fromEntries(
            fields.filter((k) => want.properties[k] !== undefined).map((k) => [k, want.properties[k]]),
          ),
        );
        expect(f.type).toBe(3);
        const got = f.loadGeometry().flat();
        // Every input vertex inside the tile is written within one tile unit (quantisation only).
        for (const [lon, lat] of verticesOf(want)) {
          const [u, v] = units(lon, lat, z, x, y, extent);
          if (u! < 0 || v! < 0 || u! > extent || v! > extent) continue;
          const d = Math.min(...got.map((p) => Math.hypot(p.x - u!, p.y - v!)));
          expect(d, `${id} vertex (${lon}, ${lat})`).toBeLessThanOrEqual(1);
        }
        // MVT: outer rings clockwise on screen (y down) — positive by the spec's surveyor's formula.
        const outer = f.loadGeometry()[0]!;
        let area = 0;
        for (let k = 0, j = outer.length - 1; k < outer.length; j = k++)
          area += (outer[j]!.x - outer[k]!.x) * (outer[j]!.y + outer[k]!.y);
        expect(area, id).toBeGreaterThan(0);
        seen.set(id, (seen.get(id) ?? 0) + 1);
      }
    }
    expect(seen.size).toBe(101);
  });

  it('keeps only the style attribute below maxzoom, simplified within a pixel of the input', async () => {
    const z = tileJson.minzoom;
    expect(z).toBeLessThan(tileJson.maxzoom);
    const extent = tileJson.bdtwin.extent;
    let features = 0;
    for (const [x, y] of existing(z)) {
      const layer = decode(await readFile(tileFile(z, x, y))).layers['osm-mvt']!;
      for (let i = 0; i < layer.length; i++) {
        const f = layer.feature(i);
        expect(Object.keys(f.properties)).toEqual(['building']);
        // Kept vertices are input vertices (Douglas–Peucker drops, never moves) or clip points.
        const inputVertices = input.flatMap((g) =>
          verticesOf(g).map(([lon, lat]) => units(lon, lat, z, x, y, extent)),
        );
        for (const p of f.loadGeometry().flat()) {
          const onClip = p.x <= -64 || p.y <= -64 || p.x >= extent + 64 || p.y >= extent + 64;
          if (onClip) continue;
          const d = Math.min(...inputVertices.map(([u, v]) => Math.hypot(p.x - u!, p.y - v!)));
          expect(d).toBeLessThanOrEqual(extent / 256);
        }
        features++;
      }
    }
    expect(features).toBeGreaterThanOrEqual(100);
  });

  it('writes no empty tiles: between the buildings and the far parcel there is nothing', async () => {
    const z = tileJson.maxzoom;
    const files = (await readdir(layerDir(), { recursive: true })).filter((f) => f.endsWith('.pbf'));
    const listed = tileJson.bdtwin.available.reduce(
      (n, rects) => n + rects.reduce((m, r) => m + (r.endX - r.startX + 1) * (r.endY - r.startY + 1), 0),
      0,
    );
    expect(files.length).toBe(listed);
    const cols = existing(z).map(([x]) => x);
    const span = Math.max(...cols) - Math.min(...cols) + 1;
    // ~3 km at z16 is ~5 tile columns: the bounding box holds many more tiles than exist.
    expect(span).toBeGreaterThan(4);
    expect(new Set(cols).size).toBeLessThan(span);
    for (const f of files) expect((await stat(path.join(layerDir(), f))).size).toBeGreaterThan(20);
    // No staging or partition folders left beside the layer.
    expect((await readdir(path.join(data, 'catalog'))).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('is served gzipped with the MVT media type, and its folder is the layer’s', async () => {
    const app = await createServer({ dataDir: data, webDir: path.join(root, 'no-web') });
    try {
      const [x, y] = existing(tileJson.maxzoom)[0]!;
      const res = await app.inject({
        url: `/data/catalog/osm-mvt/${tileJson.maxzoom}/${x}/${y}.pbf`,
        headers: { 'accept-encoding': 'gzip' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
      expect(res.headers['content-encoding']).toBe('gzip');
      expect(decode(res.rawPayload).layers['osm-mvt']!.length).toBeGreaterThan(0);
      const catalog = await app.inject({ url: '/api/catalog' });
      const layer = (
        catalog.json() as { sectors: { layers: { id: string; kind: string; url: string }[] }[] }
      ).sectors
        .flatMap((s) => s.layers)
        .find((l) => l.id === 'osm-mvt');
      expect(layer).toMatchObject({ kind: 'polygon-vector-tiles', url: '/data/catalog/osm-mvt/tiles.json' });
      const layers = (await app.inject({ url: '/api/layers' })).json() as { id: string }[];
      expect(layers.map((l) => l.id)).toContain('osm-mvt');
    } finally {
      await app.close();
    }
  });

  it('refuses a feature of 100,001 vertices, naming it, and writes nothing; --max-rejected lets it pass', async () => {
    const file = path.join(root, 'huge.geojsonl');
    const ring: Ring = Array.from({ length: 100_001 }, (_, k) => {
      const a = (k / 100_000) * 2 * Math.PI;
      return [106.7 + 0.01 * Math.cos(a), 10.78 + 0.01 * Math.sin(a)];
    });
    ring[ring.length - 1] = ring[0]!;
    const lines = input.slice(0, 60).map((f) => JSON.stringify({ type: 'Feature', ...f }));
    lines.splice(
      7,
      0,
      JSON.stringify({
        type: 'Feature',
        properties: { '@osmId': 'huge' },
        geometry: { type: 'Polygon', coordinates: [ring] },
      }),
    );
    await writeFile(file, lines.join('\n'));
    const dir = path.join(root, 'huge');
    await expect(
      addLayer(file, { dataDir: dir, id: 'huge', sector: 'dat-dai', tileThreshold: 50, tiles: 'mvt' }),
    ).rejects.toThrow(
      /huge\.geojsonl feature #7: has 100,001 vertices; a tiled polygon may have at most 100,000/,
    );
    await expect(stat(path.join(dir, 'catalog/huge'))).rejects.toThrow();
    await expect(stat(path.join(dir, 'catalog.json'))).rejects.toThrow();
    expect((await readdir(path.join(dir, 'catalog'))).filter((n) => n.startsWith('.'))).toEqual([]);

    const ok = await addLayer(file, {
      dataDir: dir,
      id: 'huge',
      sector: 'dat-dai',
      tileThreshold: 50,
      tiles: 'mvt',
      maxRejected: 1,
    });
    expect(ok.rejected).toEqual([{ index: 7, reason: expect.stringContaining('100,001 vertices') }]);
    expect(ok.featuresWritten).toBe(60);
    expect(ok.layer.featureCount).toBe(60);
  });
});

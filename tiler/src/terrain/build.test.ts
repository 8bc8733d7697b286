import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeArrayBuffer } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { defaultMaxZoom, levelMaxErrorM, TERRAIN_DEFAULTS, tileTerrain } from './build.js';
import { checkTerrain } from './check.js';
import { geoidHeightM } from './datum.js';
import { decodedHeightAt, decodeQuantizedMesh } from './decode.js';
import { tileAt, tileBox } from './tiling.js';

/** Hills over 0.1° × 0.1° east of Thủ Dầu Một at 3″ (≈ 90 m), heights above EGM96. */
function hillsTiff(): ArrayBuffer {
  const width = 120;
  const height = 120;
  const values = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      values[r * width + c] = 15 + 12 * Math.sin(c / 9) * Math.cos(r / 13) + c / 10;
    }
  }
  return writeArrayBuffer(values, {
    width,
    height,
    ModelPixelScale: [1 / 1200, 1 / 1200, 0],
    ModelTiepoint: [0, 0, 0, 106.7, 11.05, 0],
    GeographicTypeGeoKey: 4326,
    GTModelTypeGeoKey: 2,
    GTRasterTypeGeoKey: 1,
  });
}

/** A river's centre line: not an area, so the water mask skips it. */
const CENTRE_LINE = {
  type: 'LineString',
  coordinates: [
    [106.7, 11],
    [106.8, 11],
  ],
};

/** A GeoJSON FeatureCollection of these geometries, without properties. */
async function writeGeometries(file: string, geometries: object[]): Promise<void> {
  const features = geometries.map((geometry) => ({ type: 'Feature', properties: {}, geometry }));
  await writeFile(file, JSON.stringify({ type: 'FeatureCollection', features }));
}

let dir: string;
let dem: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-terrain-'));
  dem = path.join(dir, 'hills.tif');
  await writeFile(dem, new Uint8Array(hillsTiff()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tileTerrain', () => {
  it('writes a terrain CesiumTerrainProvider can read, crack-free at every shared border', async () => {
    const out = path.join(dir, 'terrain');
    const progress: number[] = [];
    const report = await tileTerrain([dem], {
      ...TERRAIN_DEFAULTS,
      out,
      onProgress: (p) => progress.push(p.done / p.total),
    });
    expect(report.maxZoom).toBe(defaultMaxZoom(1 / 1200, 64));
    expect(report.maxZoom).toBe(12);
    expect(progress.at(-1)).toBe(1);
    const check = await checkTerrain(out);
    expect(check.problems).toEqual([]);
    expect(check.tiles).toBe(report.tiles);
    expect(check.borders).toBeGreaterThan(10);
    // Same vertices on both sides; heights equal up to each tile's own height quantization.
    expect(check.maxBorderGapM).toBeLessThanOrEqual(check.maxQuantizationStepM);
    expect(check.maxBorderGapM).toBeLessThan(0.005);

    const layer = check.layer;
    expect(layer).toMatchObject({
      tilejson: '2.1.0',
      format: 'quantized-mesh-1.0',
      scheme: 'tms',
      projection: 'EPSG:4326',
      tiles: ['{z}/{x}/{y}.terrain?v={version}'],
      minzoom: 0,
      maxzoom: 12,
      extensions: ['octvertexnormals'],
      version: report.version,
    });
    expect(layer.available[0]).toEqual([{ startX: 0, startY: 0, endX: 1, endY: 0 }]);
    expect(layer.bounds[0]).toBeCloseTo(106.7, 6);
    expect(layer.bounds[3]).toBeCloseTo(11.05, 6);
    // Error bounds halve per level down to the requested one.
    expect(layer.bdtwin.maxErrorM.at(-1)).toBe(0.5);
    expect(layer.bdtwin.maxErrorM.at(-2)).toBe(1);
    expect(levelMaxErrorM(0, 12, 0.5)).toBeLessThan(80_000);
  });

  it('serves heights on the ellipsoid: EGM96 input sits ~4.5 m lower than the same numbers read as ellipsoidal', async () => {
    const egm = path.join(dir, 'egm');
    const ell = path.join(dir, 'ell');
    await tileTerrain([dem], { ...TERRAIN_DEFAULTS, out: egm, maxZoom: 10 });
    await tileTerrain([dem], { ...TERRAIN_DEFAULTS, out: ell, maxZoom: 10, verticalDatum: 'ellipsoid' });
    const key = tileAt(106.75, 11, 10);
    const at = async (root: string) =>
      decodedHeightAt(
        decodeQuantizedMesh(await readFile(path.join(root, `10/${key.x}/${key.y}.terrain`))),
        tileBox(key),
        106.75,
        11,
      )!;
    const difference = (await at(egm)) - (await at(ell));
    expect(difference).toBeCloseTo(geoidHeightM(106.75, 11), 0);
    expect(difference).toBeLessThan(-3.5);
  });

  it('writes a water mask where water polygons are given, and layer.json says so', async () => {
    // A river 0.01° wide running north–south through the hills, as a GeoJSON file.
    const river = path.join(dir, 'river.geojson');
    const ring = [
      [106.77, 11.0],
      [106.78, 11.0],
      [106.78, 11.06],
      [106.77, 11.06],
      [106.77, 11.0],
    ];
    await writeGeometries(river, [{ type: 'Polygon', coordinates: [ring] }, CENTRE_LINE]);
    const out = path.join(dir, 'water');
    const report = await tileTerrain([dem], { ...TERRAIN_DEFAULTS, out, maxZoom: 12, water: [river] });
    expect(report.water?.sources).toEqual([
      expect.objectContaining({ file: river, polygons: 1, skipped: 1 }),
    ]);
    expect(report.water!.mixedTiles).toBeGreaterThan(3);
    const check = await checkTerrain(out);
    expect(check.problems).toEqual([]);
    expect(check.layer.extensions).toEqual(['octvertexnormals', 'watermask']);
    // The level-12 tile holding the river's middle: water on the river, land beside it.
    const key = tileAt(106.775, 11.03, 12);
    const tile = decodeQuantizedMesh(await readFile(path.join(out, `12/${key.x}/${key.y}.terrain`)));
    const box = tileBox(key);
    const valueAt = (lon: number, lat: number) => {
      const col = Math.floor(((lon - box.westDeg) / (box.eastDeg - box.westDeg)) * 256);
      const row = Math.floor(((box.northDeg - lat) / (box.northDeg - box.southDeg)) * 256);
      return tile.waterMask!.length === 1 ? tile.waterMask![0] : tile.waterMask![row * 256 + col];
    };
    expect(valueAt(106.775, 11.03)).toBe(255);
    expect(valueAt(106.76, 11.03)).toBe(0);
    // A tile far from the river is one byte of land.
    const dry = tileAt(106.705, 11.045, 12);
    const dryTile = decodeQuantizedMesh(await readFile(path.join(out, `12/${dry.x}/${dry.y}.terrain`)));
    expect([...dryTile.waterMask!]).toEqual([0]);
  });

  it('refuses a water file with no polygons, naming it', async () => {
    const lines = path.join(dir, 'centre-line.geojson');
    await writeGeometries(lines, [CENTRE_LINE]);
    await expect(
      tileTerrain([dem], {
        ...TERRAIN_DEFAULTS,
        out: path.join(dir, 'no-water'),
        maxZoom: 6,
        water: [lines],
      }),
    ).rejects.toThrow(/centre-line\.geojson: has no water polygons .* not centre lines/);
  });

  it('leaves the previous terrain in place when a DEM is bad', async () => {
    const out = path.join(dir, 'kept');
    const first = await tileTerrain([dem], { ...TERRAIN_DEFAULTS, out, maxZoom: 8 });
    const bad = path.join(dir, 'bad.tif');
    await writeFile(bad, 'not a tiff');
    await expect(tileTerrain([dem, bad], { ...TERRAIN_DEFAULTS, out, maxZoom: 8 })).rejects.toBeInstanceOf(
      InputError,
    );
    const layer = JSON.parse(await readFile(path.join(out, 'layer.json'), 'utf8'));
    expect(layer.version).toBe(first.version);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('bdtwin terrain (CLI)', () => {
  it('tiles a DEM, and refuses bad options and bad DEMs with exit code 1', async () => {
    const { terrainCommand } = await import('../cli/terrain-command.js');
    const out = path.join(dir, 'cli');
    const log = console.log;
    const error = console.error;
    const printed: string[] = [];
    console.log = (m: string) => printed.push(m);
    console.error = (m: string) => printed.push(m);
    try {
      expect(await terrainCommand([dem, '--out', out, '--quiet', '--max-zoom', '9'])).toBe(0);
      expect(printed.join('\n')).toMatch(/wrote \d+ tiles, .* in .* s: .*layer\.json/);
      expect(await terrainCommand([dem, '--out', out, '--vertical-datum', 'navd88'])).toBe(1);
      expect(await terrainCommand([dem, '--out', out, '--max-error', '0'])).toBe(1);
      expect(await terrainCommand([path.join(dir, 'missing.tif'), '--out', out, '--quiet'])).toBe(1);
      expect(printed.join('\n')).toMatch(/--vertical-datum must be egm96 or ellipsoid/);
      expect(printed.join('\n')).toMatch(/missing\.tif: does not exist/);
    } finally {
      console.log = log;
      console.error = error;
    }
    expect((await checkTerrain(out)).problems).toEqual([]);
  });
});

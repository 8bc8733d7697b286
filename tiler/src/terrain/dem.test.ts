import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeArrayBuffer } from 'geotiff';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.js';
import { geoidHeightM } from './datum.js';
import { readDem } from './dem.js';
import { demHeightSource } from './heights.js';
import { sampleRaster } from './raster.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => path.join(FIXTURES, name);

/** A plane rising 1 m per pixel eastwards: 10 + col, as a Float32 GeoTIFF in EPSG:4326. */
function planeTiff(options: {
  width: number;
  height: number;
  nodata?: number;
  hole?: boolean;
  allNodata?: boolean;
}) {
  const { width, height } = options;
  const values = new Float32Array(width * height);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) values[r * width + c] = 10 + c;
  if (options.hole)
    for (let r = 10; r < 14; r++) for (let c = 20; c < 25; c++) values[r * width + c] = options.nodata!;
  if (options.allNodata) values.fill(options.nodata!);
  return writeArrayBuffer(values, {
    width,
    height,
    ModelPixelScale: [1 / 3600, 1 / 3600, 0],
    ModelTiepoint: [0, 0, 0, 106.6, 11, 0],
    GeographicTypeGeoKey: 4326,
    GTModelTypeGeoKey: 2,
    GTRasterTypeGeoKey: 1,
    ...(options.nodata === undefined ? {} : { GDAL_NODATA: String(options.nodata) }),
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-dem-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectInputError(file: string, pattern: RegExp) {
  const error = await readDem(file, { verticalDatum: 'egm96' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as InputError).message).toMatch(pattern);
  expect((error as InputError).message.startsWith(file)).toBe(true);
}

describe('readDem: bad inputs get clear errors', () => {
  it('not a TIFF', async () => {
    const file = path.join(dir, 'not-a-dem.tif');
    await writeFile(file, '{"type":"FeatureCollection","features":[]}');
    await expectInputError(file, /is not a GeoTIFF .*nor an SRTM \.hgt/);
  });

  it('a TIFF without georeferencing', async () => {
    await expectInputError(fixture('no-georef.tif'), /has no georeferencing/);
  });

  it('every pixel nodata', async () => {
    const file = path.join(dir, 'all-nodata.tif');
    await writeFile(
      file,
      new Uint8Array(planeTiff({ width: 16, height: 16, nodata: -9999, allNodata: true })),
    );
    await expectInputError(file, /has no height data: every pixel is nodata \(-9999\)/);
  });

  it('a CRS the tiler does not know', async () => {
    await expectInputError(
      fixture('lambert93.tif'),
      /EPSG:2154, a coordinate system this tiler does not know.*--crs/,
    );
  });

  it('a missing file, and an .hgt with the wrong size or name', async () => {
    await expectInputError(path.join(dir, 'nope.tif'), /does not exist/);
    const wrongSize = path.join(dir, 'N10E106.hgt');
    await writeFile(wrongSize, new Uint8Array(1000));
    await expectInputError(wrongSize, /3601² \(1″\) or 1201² \(3″\)/);
    const wrongName = path.join(dir, 'dem.hgt');
    await writeFile(wrongName, new Uint8Array(1201 * 1201 * 2));
    await expectInputError(wrongName, /not named like an SRTM tile/);
  });
});

describe('readDem: GeoTIFF', () => {
  it('reads Float32 in EPSG:4326 at pixel centres and converts EGM96 heights to the ellipsoid', async () => {
    const file = path.join(dir, 'plane.tif');
    await writeFile(file, new Uint8Array(planeTiff({ width: 60, height: 40 })));
    const egm = await readDem(file, { verticalDatum: 'egm96' });
    const ell = await readDem(file, { verticalDatum: 'ellipsoid' });
    expect(egm.info).toMatchObject({ format: 'GeoTIFF', crs: 'EPSG:4326', width: 60, height: 40 });
    // Centre of column 5: 106.6 + 5.5″.
    const lon = 106.6 + 5.5 / 3600;
    const lat = 11 - 2.5 / 3600;
    expect(sampleRaster(ell.raster, lon, lat)).toBeCloseTo(15, 4);
    expect(sampleRaster(egm.raster, lon, lat)).toBeCloseTo(15 + geoidHeightM(lon, lat), 3);
    // Thủ Dầu Một: the geoid is ~4.5 m below the ellipsoid.
    expect(geoidHeightM(lon, lat)).toBeGreaterThan(-5.5);
    expect(geoidHeightM(lon, lat)).toBeLessThan(-3.5);
  });

  it('fills a nodata hole from its rim, within the rim heights (no spike, no pit)', async () => {
    const file = path.join(dir, 'holey.tif');
    await writeFile(file, new Uint8Array(planeTiff({ width: 60, height: 40, nodata: -9999, hole: true })));
    const dem = await readDem(file, { verticalDatum: 'ellipsoid' });
    expect(dem.info.fill).toMatchObject({ filled: 20, largestHole: 20, outside: 0 });
    expect(dem.info.notes.join(' ')).toMatch(/filled 20 nodata pixels/);
    for (let r = 10; r < 14; r++) {
      for (let c = 20; c < 25; c++) {
        const h = dem.raster.heights[r * 60 + c]!;
        // The rim runs from 29 (col 19) to 35 (col 25); on a plane the fill stays close to it.
        expect(h).toBeGreaterThanOrEqual(29);
        expect(h).toBeLessThanOrEqual(35);
        expect(Math.abs(h - (10 + c))).toBeLessThan(1.5);
      }
    }
  });

  it('reads a tiled, DEFLATE-compressed Int16 DEM in UTM 48N and one in VN-2000 / TM-3', async () => {
    const utm = await readDem(fixture('utm48-int16-tiled.tif'), { verticalDatum: 'ellipsoid' });
    const vn = await readDem(fixture('vn2000-tm3-float32.tif'), { verticalDatum: 'ellipsoid' });
    expect(utm.info.crs).toBe('EPSG:32648');
    expect(vn.info.crs).toBe('EPSG:9210');
    expect(utm.info.notes.join(' ')).toMatch(/reprojected from WGS 84 \/ UTM zone 48N/);
    // Both were warped by GDAL from the same demo DEM; where they overlap they agree
    // (Int16 rounding ±0.5 m, two bilinear resamplings).
    const a = demHeightSource([utm], 'ellipsoid');
    const b = demHeightSource([vn], 'ellipsoid');
    let compared = 0;
    for (let lon = 106.652; lon <= 106.672; lon += 0.002) {
      for (let lat = 10.962; lat <= 10.982; lat += 0.002) {
        const ha = sampleRaster(utm.raster, lon, lat);
        const hb = sampleRaster(vn.raster, lon, lat);
        if (Number.isNaN(ha) || Number.isNaN(hb)) continue;
        compared++;
        expect(Math.abs(ha - hb), `${lon},${lat}`).toBeLessThan(1.2);
        expect(a.heightAt(lon, lat)).toBe(ha);
        expect(b.heightAt(lon, lat)).toBe(hb);
      }
    }
    expect(compared).toBeGreaterThan(20);
    // The UTM square is ~3 km; its geographic raster keeps ~30 m pixels.
    expect(utm.info.resolutionDeg * 111_000).toBeGreaterThan(25);
    expect(utm.info.resolutionDeg * 111_000).toBeLessThan(35);
  });

  it('uses --crs over what the file says', async () => {
    const dem = await readDem(fixture('lambert93.tif'), { verticalDatum: 'ellipsoid', crs: 'EPSG:32648' });
    expect(dem.info).toMatchObject({ crs: 'EPSG:32648', crsFrom: '--crs' });
  });
});

describe('readDem: SRTM .hgt', () => {
  it('reads a 3″ tile: big-endian Int16, named by its south-west corner, voids filled', async () => {
    const side = 1201;
    const bytes = new Uint8Array(side * side * 2);
    const view = new DataView(bytes.buffer);
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++)
        view.setInt16((r * side + c) * 2, r === 600 && c === 600 ? -32768 : 1000 - r, false);
    }
    const file = path.join(dir, 'N10E106.hgt');
    await writeFile(file, bytes);
    const dem = await readDem(file, { verticalDatum: 'ellipsoid' });
    expect(dem.info).toMatchObject({ format: 'SRTM .hgt', width: 1201, crs: 'EPSG:4326' });
    expect(dem.info.fill.filled).toBe(1);
    const source = demHeightSource([dem], 'ellipsoid');
    expect(source.heightAt(106, 11)).toBe(1000); // north-west sample: row 0
    expect(source.heightAt(107, 10)).toBe(1000 - 1200); // south-east sample
    expect(source.heightAt(106.5, 10.5)).toBeCloseTo(1000 - 600, 3); // the filled void
    // Outside the tile: sea level (0 on the ellipsoid when the DEM is ellipsoidal).
    expect(source.heightAt(107.5, 10.5)).toBe(0);
  });

  it('merges DEMs: the first with data wins', async () => {
    const file = path.join(dir, 'plane-small.tif');
    await writeFile(file, new Uint8Array(planeTiff({ width: 60, height: 40 })));
    const plane = await readDem(file, { verticalDatum: 'ellipsoid' });
    const hgt = await readDem(path.join(dir, 'N10E106.hgt'), { verticalDatum: 'ellipsoid' });
    const merged = demHeightSource([plane, hgt], 'ellipsoid');
    expect(merged.heightAt(106.6 + 5.5 / 3600, 11 - 2.5 / 3600)).toBeCloseTo(15, 4);
    expect(merged.heightAt(106.5, 10.5)).toBeCloseTo(400, 3);
    expect(merged.coverage.westDeg).toBeLessThan(106);
  });
});

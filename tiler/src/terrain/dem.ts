import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fromFile, type GeoTIFFImage } from 'geotiff';
import {
  type Crs,
  crsFromEpsg,
  fromWgs84,
  parseCrs,
  SUPPORTED_CRS_TEXT,
  toWgs84,
  WGS84,
} from '../crs/index.js';
import { InputError } from '../errors.js';
import { rasterToEllipsoid, type VerticalDatum } from './datum.js';
import { type FillReport, fillHoles, type GeoRaster, rasterBox, sampleRaster } from './raster.js';

/**
 * Reading DEMs: GeoTIFF (any sample type, nodata, striped or tiled, Cloud-Optimized GeoTIFFs
 * read window by window) in any CRS the tiler knows, and SRTM `.hgt` tiles. Each becomes a
 * geographic `GeoRaster` of ellipsoid heights with its holes filled.
 */

export interface DemInfo {
  file: string;
  format: 'GeoTIFF' | 'SRTM .hgt';
  /** The CRS's id and where it came from. */
  crs: string;
  crsFrom: 'file' | '--crs' | 'file name';
  width: number;
  height: number;
  /** Pixel spacing of the geographic raster, degrees of latitude. */
  resolutionDeg: number;
  verticalDatum: VerticalDatum;
  fill: FillReport;
  /** Things the user should know (reprojection, extra bands). */
  notes: string[];
}

export interface Dem {
  info: DemInfo;
  raster: GeoRaster;
}

export interface ReadDemOptions {
  /** Overrides the file's CRS (a `--crs` value). */
  crs?: string;
  /** What the file's heights are relative to. */
  verticalDatum: VerticalDatum;
}

/** Rows read per `readRasters` call: bounds the decoder's temporary memory on big rasters. */
const WINDOW_PIXELS = 4_000_000;

/** SRTM voids. */
const HGT_VOID = -32768;

export async function readDem(file: string, options: ReadDemOptions): Promise<Dem> {
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) throw new InputError(file, 'does not exist or cannot be read');
  if (/\.hgt$/i.test(file)) return finish(await readHgt(file, size), options);
  const head = new Uint8Array(8);
  const fd = await open(file, 'r');
  try {
    await fd.read(head, 0, 8, 0);
  } finally {
    await fd.close();
  }
  const tiff = (head[0] === 0x49 && head[1] === 0x49) || (head[0] === 0x4d && head[1] === 0x4d);
  if (!tiff) {
    throw new InputError(
      file,
      'is not a GeoTIFF (no TIFF header) nor an SRTM .hgt file; give a DEM as .tif or .hgt',
    );
  }
  return finish(await readGeoTiff(file, options), options);
}

interface RawDem {
  info: Omit<DemInfo, 'fill' | 'resolutionDeg' | 'verticalDatum'>;
  crs: Crs;
  /** In the CRS's units; `lon0Deg`/`dLonDeg` hold x, `lat0Deg`/`dLatDeg` hold y for projected CRSs. */
  grid: GeoRaster;
  nodata: number | undefined;
}

function finish(raw: RawDem, options: ReadDemOptions): Dem {
  const { grid } = raw;
  let valid = 0;
  for (const h of grid.heights) if (!Number.isNaN(h)) valid++;
  if (valid === 0) {
    throw new InputError(
      raw.info.file,
      `has no height data: every pixel is nodata${raw.nodata === undefined ? '' : ` (${raw.nodata})`}`,
    );
  }
  // Fill in the file's own grid, before any resampling spreads the holes.
  const fill = fillHoles(grid);
  const notes = [...raw.info.notes];
  let raster = grid;
  if (raw.crs.proj4 !== WGS84.proj4) {
    raster = toGeographic(grid, raw.crs);
    notes.push(
      `reprojected from ${raw.crs.name} to WGS 84 longitude/latitude, ${raster.width}×${raster.height} pixels`,
    );
  }
  if (fill.filled > 0) {
    notes.push(`filled ${fill.filled} nodata pixels in holes (largest ${fill.largestHole}) from their rims`);
  }
  rasterToEllipsoid(raster, options.verticalDatum);
  return {
    info: {
      ...raw.info,
      notes,
      fill,
      resolutionDeg: raster.dLatDeg,
      verticalDatum: options.verticalDatum,
    },
    raster,
  };
}

async function readGeoTiff(file: string, options: ReadDemOptions): Promise<RawDem> {
  let image: GeoTIFFImage;
  let bands = 1;
  try {
    const tiff = await fromFile(file);
    image = await tiff.getImage();
    bands = image.getSamplesPerPixel();
  } catch (error) {
    throw new InputError(file, `is not a readable GeoTIFF (${(error as Error).message})`);
  }
  const width = image.getWidth();
  const height = image.getHeight();
  let origin: number[];
  let resolution: number[];
  try {
    origin = image.getOrigin();
    resolution = image.getResolution();
  } catch {
    throw new InputError(
      file,
      'has no georeferencing (no ModelTiepoint + ModelPixelScale or ModelTransformation tags), so where it lies is unknown; add it, e.g. with gdal_translate -a_srs EPSG:4326 -a_ullr …',
    );
  }
  const transform = image.fileDirectory.getValue('ModelTransformation') as number[] | undefined;
  if (transform && (transform[1] !== 0 || transform[4] !== 0)) {
    throw new InputError(
      file,
      'is rotated or sheared (ModelTransformation); warp it north-up first (gdalwarp)',
    );
  }
  const dx = resolution[0]!;
  const dy = -resolution[1]!;
  if (!(dx > 0 && dy > 0)) {
    throw new InputError(
      file,
      `must be north-up with positive pixel sizes, got ${resolution[0]} × ${resolution[1]}`,
    );
  }
  const geoKeys = image.getGeoKeys() ?? {};
  const { crs, from } = demCrs(file, geoKeys, options.crs);
  // PixelIsArea (the default) ties the pixel's corner; PixelIsPoint its centre.
  const pointRaster = geoKeys.GTRasterTypeGeoKey === 2;
  const x0 = origin[0]! + (pointRaster ? 0 : dx / 2);
  const y0 = origin[1]! - (pointRaster ? 0 : dy / 2);
  const nodata = image.getGDALNoData() ?? undefined;
  const nodata32 = nodata === undefined ? undefined : Math.fround(nodata);
  const heights = new Float32Array(width * height);
  const rowsPerWindow = Math.max(1, Math.floor(WINDOW_PIXELS / width));
  for (let row = 0; row < height; row += rowsPerWindow) {
    const end = Math.min(height, row + rowsPerWindow);
    const data = (await image.readRasters({
      window: [0, row, width, end],
      samples: [0],
      interleave: true,
    })) as ArrayLike<number>;
    const offset = row * width;
    for (let i = 0; i < data.length; i++) {
      const value = data[i]!;
      heights[offset + i] =
        nodata32 !== undefined && (value === nodata || Math.fround(value) === nodata32) ? Number.NaN : value;
    }
  }
  return {
    info: {
      file,
      format: 'GeoTIFF',
      crs: crs.id,
      crsFrom: from,
      width,
      height,
      notes: bands > 1 ? [`has ${bands} bands; heights are read from the first`] : [],
    },
    crs,
    grid: { width, height, lon0Deg: x0, lat0Deg: y0, dLonDeg: dx, dLatDeg: dy, heights },
    nodata,
  };
}

function demCrs(
  file: string,
  geoKeys: Record<string, unknown>,
  override: string | undefined,
): { crs: Crs; from: 'file' | '--crs' } {
  if (override !== undefined) return { crs: parseCrs(override), from: '--crs' };
  const projected = geoKeys.ProjectedCSTypeGeoKey;
  const geographic = geoKeys.GeographicTypeGeoKey;
  const code =
    typeof projected === 'number' ? projected : typeof geographic === 'number' ? geographic : undefined;
  if (code === undefined || code === 32767) {
    throw new InputError(
      file,
      `does not name its coordinate system with an EPSG code${code === 32767 ? ' (it is user-defined)' : ''}; give it with --crs (${SUPPORTED_CRS_TEXT})`,
    );
  }
  const crs = crsFromEpsg(code);
  if (!crs) {
    throw new InputError(
      file,
      `is in EPSG:${code}, a coordinate system this tiler does not know; reproject it (gdalwarp -t_srs EPSG:4326) or give --crs with one of ${SUPPORTED_CRS_TEXT}`,
    );
  }
  return { crs, from: 'file' };
}

async function readHgt(file: string, size: number): Promise<RawDem> {
  const name = /([NS])(\d{2})([EW])(\d{3})\.hgt$/i.exec(path.basename(file));
  if (!name) {
    throw new InputError(
      file,
      'is not named like an SRTM tile (e.g. N10E106.hgt), so its position is unknown',
    );
  }
  const side = size === 3601 * 3601 * 2 ? 3601 : size === 1201 * 1201 * 2 ? 1201 : undefined;
  if (!side) {
    throw new InputError(
      file,
      `has ${size} bytes; an SRTM .hgt tile has 3601² (1″) or 1201² (3″) big-endian 16-bit samples`,
    );
  }
  const lat = Number(name[2]) * (name[1]!.toUpperCase() === 'S' ? -1 : 1);
  const lon = Number(name[4]) * (name[3]!.toUpperCase() === 'W' ? -1 : 1);
  const bytes = await readFile(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const heights = new Float32Array(side * side);
  for (let i = 0; i < heights.length; i++) {
    const v = view.getInt16(i * 2, false);
    heights[i] = v === HGT_VOID ? Number.NaN : v;
  }
  const step = 1 / (side - 1);
  return {
    info: {
      file,
      format: 'SRTM .hgt',
      crs: WGS84.id,
      crsFrom: 'file name',
      width: side,
      height: side,
      notes: [],
    },
    crs: WGS84,
    // Samples sit on the grid lines: the file name is the centre of the south-west sample.
    grid: {
      width: side,
      height: side,
      lon0Deg: lon,
      lat0Deg: lat + 1,
      dLonDeg: step,
      dLatDeg: step,
      heights,
    },
    nodata: HGT_VOID,
  };
}

const METRES_PER_DEGREE = 111_320;

/**
 * Resamples a raster in a projected (or non-WGS 84) CRS onto a WGS 84 longitude/latitude grid of
 * about the same ground resolution, bilinearly. The outline is traced along all four edges, so
 * a rotated footprint (UTM grid north ≠ true north) is fully covered; outside it is no data.
 */
function toGeographic(src: GeoRaster, crs: Crs): GeoRaster {
  const forward = toWgs84(crs);
  const inverse = fromWgs84(crs);
  let west = Number.POSITIVE_INFINITY;
  let east = Number.NEGATIVE_INFINITY;
  let south = Number.POSITIVE_INFINITY;
  let north = Number.NEGATIVE_INFINITY;
  const box = rasterBox(src); // in CRS units here
  const steps = 64;
  for (let k = 0; k <= steps; k++) {
    const t = k / steps;
    for (const [x, y] of [
      [box.westDeg + t * (box.eastDeg - box.westDeg), box.northDeg],
      [box.westDeg + t * (box.eastDeg - box.westDeg), box.southDeg],
      [box.westDeg, box.southDeg + t * (box.northDeg - box.southDeg)],
      [box.eastDeg, box.southDeg + t * (box.northDeg - box.southDeg)],
    ] as const) {
      const [lon, lat] = forward(x, y);
      west = Math.min(west, lon);
      east = Math.max(east, lon);
      south = Math.min(south, lat);
      north = Math.max(north, lat);
    }
  }
  const crsIsDegrees = crs.geographic;
  const dLat = crsIsDegrees ? src.dLatDeg : src.dLatDeg / METRES_PER_DEGREE;
  const dLon = crsIsDegrees
    ? src.dLonDeg
    : src.dLonDeg / (METRES_PER_DEGREE * Math.cos((((south + north) / 2) * Math.PI) / 180));
  const width = Math.max(1, Math.ceil((east - west) / dLon));
  const height = Math.max(1, Math.ceil((north - south) / dLat));
  const heights = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const lat = north - (row + 0.5) * dLat;
    for (let col = 0; col < width; col++) {
      const [x, y] = inverse(west + (col + 0.5) * dLon, lat);
      heights[row * width + col] = sampleRaster(src, x, y);
    }
  }
  return {
    width,
    height,
    lon0Deg: west + dLon / 2,
    lat0Deg: north - dLat / 2,
    dLonDeg: dLon,
    dLatDeg: dLat,
    heights,
  };
}

import { writeArrayBuffer } from 'geotiff';

/**
 * Writes a single-band Float32 GeoTIFF in EPSG:4326 (PixelIsArea: the tie point is the
 * north-west corner of the north-west pixel), with GDAL's nodata tag. geotiff.js's writer
 * only writes uncompressed strips; enough for generated DEMs and test fixtures.
 */
export interface GeoTiffRaster {
  width: number;
  height: number;
  /** Row-major, row 0 at the north. */
  values: Float32Array;
  westDeg: number;
  northDeg: number;
  /** Pixel width and height in degrees. */
  pixelDeg: number;
  nodata?: number;
}

export function encodeGeoTiff(raster: GeoTiffRaster): ArrayBuffer {
  const { width, height, values, westDeg, northDeg, pixelDeg, nodata } = raster;
  if (values.length !== width * height)
    throw new Error(`expected ${width * height} values, got ${values.length}`);
  return writeArrayBuffer(values, {
    width,
    height,
    ModelPixelScale: [pixelDeg, pixelDeg, 0],
    ModelTiepoint: [0, 0, 0, westDeg, northDeg, 0],
    GeographicTypeGeoKey: 4326,
    GeogCitationGeoKey: 'WGS 84',
    GTModelTypeGeoKey: 2,
    GTRasterTypeGeoKey: 1,
    ...(nodata === undefined ? {} : { GDAL_NODATA: String(nodata) }),
  });
}

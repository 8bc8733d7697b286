import { type FileHandle, open } from 'node:fs/promises';
import { ByteBuffer } from 'flatbuffers';
import { Feature, generic, type HeaderMeta } from 'flatgeobuf';
// Not re-exported from the package root; the package has no "exports" map, so these deep
// imports are allowed and typed: header parsing, and FlatGeobuf geometry → GeoJSON (keeps Z).
import { fromGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import { fromByteBuffer } from 'flatgeobuf/lib/mjs/header-meta.js';
import { InputError } from '../errors.js';
import {
  asInputError,
  type FeatureSource,
  type SourceCrs,
  type SourceFeature,
  type SourceInfo,
} from './source.js';

/**
 * FlatGeobuf (https://flatgeobuf.org), read front to back: magic, header, the optional packed
 * R-tree (skipped), then size-prefixed features. The byte framing is done here, with every
 * length checked against the file, because the package's stream reader waits forever on a
 * file cut inside a length prefix; the package decodes the header and each feature.
 * Header CRS → `info.crs`. FlatGeobuf features have no id; their index is their position
 * (GDAL writes them in spatial-index order, not in the order of its input).
 */

const MAGIC = [0x66, 0x67, 0x62]; // "fgb", then the major version (3), then patch bytes
const NODE_ITEM_BYTES = 40; // packed R-tree node: 4 doubles + a uint64 offset

// FlatGeobuf GeometryType enum values → names (flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js).
const GEOMETRY_TYPES = [
  'Unknown',
  'Point',
  'LineString',
  'Polygon',
  'MultiPoint',
  'MultiLineString',
  'MultiPolygon',
  'GeometryCollection',
  'CircularString',
  'CompoundCurve',
  'CurvePolygon',
  'MultiCurve',
  'MultiSurface',
  'Curve',
  'Surface',
  'PolyhedralSurface',
  'TIN',
  'Triangle',
];

/** Bytes of the packed Hilbert R-tree that follows the header (as the spec and package define it). */
export function indexBytes(featuresCount: number, nodeSize: number): number {
  if (nodeSize === 0 || featuresCount === 0) return 0;
  const size = Math.min(Math.max(nodeSize, 2), 65535);
  let n = featuresCount;
  let nodes = n;
  do {
    n = Math.ceil(n / size);
    nodes += n;
  } while (n !== 1);
  return nodes * NODE_ITEM_BYTES;
}

class TruncatedError extends Error {}

/** Sequential exact reads through a buffer; a short read is a TruncatedError, never a wait. */
class ExactReader {
  private buffer = new Uint8Array(0);
  private start = 0;
  offset = 0;
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(n: number, what: string): Promise<Uint8Array> {
    if (this.offset + n > this.size) {
      throw new TruncatedError(
        `${what}: ${n} bytes needed at byte ${this.offset}, only ${this.size - this.offset} left`,
      );
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const inBuffer = this.start + this.buffer.length - this.offset;
      if (inBuffer > 0) {
        const from = this.offset - this.start;
        const take = Math.min(inBuffer, n - filled);
        out.set(this.buffer.subarray(from, from + take), filled);
        filled += take;
        this.offset += take;
        continue;
      }
      const chunk = new Uint8Array(Math.max(1024 * 1024, n - filled));
      const { bytesRead } = await this.handle.read(chunk, 0, chunk.length, this.offset);
      if (bytesRead === 0)
        throw new TruncatedError(`${what}: the file ended early (it shrank while being read)`);
      this.buffer = chunk.subarray(0, bytesRead);
      this.start = this.offset;
    }
    return out;
  }

  skip(n: number, what: string): void {
    if (this.offset + n > this.size) {
      throw new TruncatedError(
        `${what}: ${n} bytes needed at byte ${this.offset}, only ${this.size - this.offset} left`,
      );
    }
    this.offset += n;
  }
}

const u32 = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);

async function readHeader(reader: ExactReader, file: string): Promise<HeaderMeta> {
  const magic = await reader.read(8, 'the magic bytes');
  if (!MAGIC.every((b, i) => magic[i] === b))
    throw new InputError(file, 'is not a FlatGeobuf file (wrong magic bytes)');
  if (magic[3] !== 3) {
    throw new InputError(
      file,
      `is FlatGeobuf version ${magic[3]}, which this reader does not know (it reads version 3)`,
    );
  }
  const lengthBytes = await reader.read(4, 'the header length');
  const headerBytes = await reader.read(u32(lengthBytes), 'the header');
  const sized = new Uint8Array(4 + headerBytes.length);
  sized.set(lengthBytes);
  sized.set(headerBytes, 4);
  try {
    return fromByteBuffer(new ByteBuffer(sized));
  } catch (error) {
    throw new InputError(file, `has a damaged header (${(error as Error).message})`);
  }
}

/** Every column is present, null where the feature has no value, as in the other formats. */
function decodeFeature(bytes: Uint8Array, header: HeaderMeta): SourceFeature {
  const feature = Feature.getSizePrefixedRootAsFeature(new ByteBuffer(bytes));
  const g = feature.geometry();
  const geometry = g ? (fromGeometry(g, header.geometryType) as SourceFeature['geometry']) : null;
  const parsed = generic.parseProperties(feature, header.columns);
  const properties: Record<string, unknown> = {};
  for (const column of header.columns ?? []) properties[column.name] = parsed[column.name] ?? null;
  return { type: 'Feature', properties, geometry };
}

async function* readFlatGeobufFeatures(file: string): AsyncGenerator<SourceFeature> {
  let handle: FileHandle | undefined;
  let index = 0;
  try {
    handle = await open(file, 'r');
    const reader = new ExactReader(handle, (await handle.stat()).size);
    const header = await readHeader(reader, file);
    reader.skip(indexBytes(header.featuresCount, header.indexNodeSize), 'the spatial index');
    while (reader.offset < reader.size) {
      const what = `feature #${index}`;
      const prefix = await reader.read(4, `${what}'s length`);
      const body = await reader.read(u32(prefix), what);
      const sized = new Uint8Array(4 + body.length);
      sized.set(prefix);
      sized.set(body, 4);
      let feature: SourceFeature;
      try {
        feature = decodeFeature(sized, header);
      } catch (error) {
        throw new InputError(file, `is damaged (${(error as Error).message})`, { index });
      }
      yield feature;
      index++;
    }
    if (header.featuresCount > 0 && index !== header.featuresCount) {
      throw new InputError(
        file,
        `is truncated or damaged: its header says ${header.featuresCount} features, but it holds ${index}`,
      );
    }
  } catch (error) {
    if (error instanceof TruncatedError) throw new InputError(file, `is truncated: ${error.message}`);
    throw asInputError(error, file, 'cannot be read as FlatGeobuf');
  } finally {
    await handle?.close();
  }
}

function crsOf(header: HeaderMeta): SourceCrs | undefined {
  const c = header.crs;
  if (!c) return undefined;
  const crs: SourceCrs = {};
  if (c.wkt) crs.wkt = c.wkt;
  if ((c.org === null || c.org.toUpperCase() === 'EPSG') && c.code > 0) crs.epsg = c.code;
  if (c.name) crs.name = c.name;
  return crs.wkt || crs.epsg ? crs : undefined;
}

export async function openFlatGeobuf(file: string, notes: string[] = []): Promise<FeatureSource> {
  let header: HeaderMeta;
  let handle: FileHandle | undefined;
  try {
    handle = await open(file, 'r');
    header = await readHeader(new ExactReader(handle, (await handle.stat()).size), file);
  } catch (error) {
    if (error instanceof TruncatedError) throw new InputError(file, `is truncated: ${error.message}`);
    throw asInputError(error, file, 'cannot be read as FlatGeobuf');
  } finally {
    await handle?.close();
  }
  // Reading the first feature now reports an empty or damaged file before the run starts.
  const probe = readFlatGeobufFeatures(file);
  let empty: boolean | undefined;
  try {
    empty = (await probe.next()).done;
  } finally {
    await probe.return(undefined);
  }
  if (empty) throw new InputError(file, 'contains no features');
  const info: SourceInfo = {
    file,
    format: 'flatgeobuf',
    geometryType: GEOMETRY_TYPES[header.geometryType] ?? `type ${header.geometryType}`,
    notes,
  };
  const crs = crsOf(header);
  if (crs) info.crs = crs;
  // 0 means "unknown" in FlatGeobuf (a file written as a stream), not "empty".
  if (header.featuresCount > 0) info.featureCount = header.featuresCount;
  if (header.title) info.layer = header.title;
  return { info, features: () => readFlatGeobufFeatures(file), close: async () => {} };
}

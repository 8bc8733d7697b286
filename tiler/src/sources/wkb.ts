/**
 * GeoPackage geometry blobs (GPKG header + ISO WKB) → GeoJSON geometry objects.
 * Pure functions; errors are plain `Error`s whose message says what is wrong, for the caller
 * to wrap with the file and feature. Z is kept (`[x, y, z]`), M is dropped.
 * Spec: OGC GeoPackage 1.3 §2.1.3 (http://www.geopackage.org/spec/#gpb_format) and
 * OGC Simple Features (ISO 19125-1) §8.2 for WKB.
 */

export interface Geometry {
  type: string;
  /** null for a type that is recognised but not decoded (curves, surfaces): see decodeWkb. */
  coordinates: unknown;
}

export interface GeometryCollection {
  type: 'GeometryCollection';
  geometries: (Geometry | GeometryCollection)[];
  coordinates?: undefined;
}

/** WKB type codes 1–17 (ISO): the base type of `code % 1000` (and of EWKB codes). */
const WKB_TYPES = [
  '',
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
] as const;

class Reader {
  offset: number;
  private readonly view: DataView;
  littleEndian = true;

  constructor(
    readonly bytes: Uint8Array,
    offset: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  need(n: number): void {
    if (this.offset + n > this.bytes.byteLength) {
      throw new Error(
        `geometry ends early: needs ${this.offset + n} bytes, has ${this.bytes.byteLength} (truncated WKB)`,
      );
    }
  }
  uint8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, this.littleEndian);
    this.offset += 4;
    return v;
  }
  float64(): number {
    const v = this.view.getFloat64(this.offset, this.littleEndian);
    this.offset += 8;
    return v;
  }
}

interface Dims {
  z: boolean;
  m: boolean;
}

function readPoints(r: Reader, count: number, dims: Dims): number[][] {
  const size = 8 * (2 + (dims.z ? 1 : 0) + (dims.m ? 1 : 0));
  // Checked before allocating, so a garbage count cannot ask for gigabytes.
  r.need(count * size);
  const points: number[][] = new Array(count);
  for (let i = 0; i < count; i++) {
    const x = r.float64();
    const y = r.float64();
    if (dims.z) {
      const z = r.float64();
      points[i] = [x, y, z];
    } else points[i] = [x, y];
    if (dims.m) r.float64();
  }
  return points;
}

function readRings(r: Reader, dims: Dims): number[][][] {
  const count = r.uint32();
  r.need(count * 4); // each ring has at least its point count
  const rings: number[][][] = [];
  for (let i = 0; i < count; i++) rings.push(readPoints(r, r.uint32(), dims));
  return rings;
}

function readGeometry(r: Reader, depth: number): Geometry | GeometryCollection {
  const order = r.uint8();
  if (order !== 0 && order !== 1) throw new Error(`bad WKB byte-order byte (${order}; expected 0 or 1)`);
  r.littleEndian = order === 1;
  const code = r.uint32();
  // ISO WKB adds 1000 (Z), 2000 (M), 3000 (ZM); PostGIS EWKB sets high bits instead.
  let base = code & 0x0fffffff;
  const dims: Dims = { z: (code & 0x80000000) !== 0, m: (code & 0x40000000) !== 0 };
  if (code & 0x20000000) r.uint32(); // EWKB SRID: the GeoPackage header already has it
  const iso = Math.floor(base / 1000);
  if (iso >= 1 && iso <= 3) {
    dims.z ||= iso === 1 || iso === 3;
    dims.m ||= iso === 2 || iso === 3;
    base %= 1000;
  }
  const name = WKB_TYPES[base];
  if (!name) throw new Error(`unknown WKB geometry type ${code}`);
  const multi = (expect: number): unknown[] => {
    const count = r.uint32();
    r.need(count * 5);
    const parts: unknown[] = [];
    for (let i = 0; i < count; i++) {
      const part = readGeometry(r, depth + 1);
      if (part.type !== WKB_TYPES[expect]) {
        throw new Error(`a ${name} holds a ${part.type}, not a ${WKB_TYPES[expect]}`);
      }
      parts.push(part.coordinates);
    }
    return parts;
  };
  switch (base) {
    case 1: {
      const [p] = readPoints(r, 1, dims);
      return { type: name, coordinates: p };
    }
    case 2:
      return { type: name, coordinates: readPoints(r, r.uint32(), dims) };
    case 3:
      return { type: name, coordinates: readRings(r, dims) };
    case 4:
      return { type: name, coordinates: multi(1) };
    case 5:
      return { type: name, coordinates: multi(2) };
    case 6:
      return { type: name, coordinates: multi(3) };
    case 7: {
      if (depth > 32) throw new Error('geometry collections nested too deep');
      const count = r.uint32();
      r.need(count * 5);
      const geometries: (Geometry | GeometryCollection)[] = [];
      for (let i = 0; i < count; i++) geometries.push(readGeometry(r, depth + 1));
      return { type: 'GeometryCollection', geometries };
    }
    default:
      // Curves and surfaces: not footprints this tiler can extrude. Named, so the normaliser's
      // rejection says which type it was; their length is not parsed, so not inside a multi.
      if (depth > 0) throw new Error(`a ${name} inside a collection is not supported`);
      return { type: name, coordinates: null };
  }
}

/** ISO/EWKB bytes → GeoJSON-style geometry (`coordinates: null` for curves and surfaces). */
export function decodeWkb(bytes: Uint8Array, offset = 0): Geometry | GeometryCollection {
  return readGeometry(new Reader(bytes, offset), 0);
}

/** Envelope sizes by the flags' envelope-contents indicator (bits 1–3). */
const ENVELOPE_BYTES = [0, 32, 48, 48, 64];

/**
 * A GeoPackage geometry blob → geometry, or null for an empty geometry.
 * Header: "GP", version, flags (bit 0 byte order, bits 1–3 envelope, bit 4 empty,
 * bit 5 extended type), srs_id (int32), envelope (0–4 pairs of doubles), then WKB.
 */
export function decodeGpkgGeometry(blob: Uint8Array): Geometry | GeometryCollection | null {
  if (blob[0] !== 0x47 || blob[1] !== 0x50) {
    throw new Error('not a GeoPackage geometry (its blob does not start with "GP")');
  }
  if (blob.byteLength < 8)
    throw new Error(`GeoPackage geometry header ends early (${blob.byteLength} of 8 bytes)`);
  const version = blob[2]!;
  if (version !== 0) throw new Error(`GeoPackage geometry version ${version} is not known (expected 0)`);
  const flags = blob[3]!;
  if (flags & 0x20) {
    // An extension geometry type (e.g. a vendor's curve): its WKB is not standard.
    return { type: 'GeoPackageExtendedGeometry', coordinates: null };
  }
  if (flags & 0x10) return null;
  const envelope = ENVELOPE_BYTES[(flags >> 1) & 0x07];
  if (envelope === undefined) throw new Error(`bad GeoPackage envelope indicator (${(flags >> 1) & 0x07})`);
  return decodeWkb(blob, 8 + envelope);
}

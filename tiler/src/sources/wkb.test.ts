import { describe, expect, it } from 'vitest';
import { decodeGpkgGeometry, decodeWkb } from './wkb.js';

/** A little WKB writer, so each case states its bytes' meaning. */
class Writer {
  private readonly parts: number[] = [];
  private readonly view = new DataView(new ArrayBuffer(8));
  constructor(private readonly le = true) {}
  u8(v: number) {
    this.parts.push(v);
    return this;
  }
  u32(v: number) {
    this.view.setUint32(0, v, this.le);
    for (let i = 0; i < 4; i++) this.parts.push(this.view.getUint8(i));
    return this;
  }
  f64(...vs: number[]) {
    for (const v of vs) {
      this.view.setFloat64(0, v, this.le);
      for (let i = 0; i < 8; i++) this.parts.push(this.view.getUint8(i));
    }
    return this;
  }
  header(type: number) {
    return this.u8(this.le ? 1 : 0).u32(type);
  }
  bytes() {
    return new Uint8Array(this.parts);
  }
}

const square = [
  [0, 0],
  [10, 0],
  [10, 10],
  [0, 10],
  [0, 0],
];
const hole = [
  [2, 2],
  [2, 4],
  [4, 4],
  [4, 2],
  [2, 2],
];

function polygon(w: Writer, rings: number[][][], type = 3, extra: (p: number[]) => number[] = () => []) {
  w.header(type).u32(rings.length);
  for (const ring of rings) {
    w.u32(ring.length);
    for (const p of ring) w.f64(p[0]!, p[1]!, ...extra(p));
  }
  return w;
}

/** GeoPackage blob: "GP", version 0, flags, srs_id, envelope, then the WKB. */
function gpkg(
  wkb: Uint8Array,
  options: { envelope?: number; le?: boolean; empty?: boolean; extended?: boolean } = {},
) {
  const envelope = options.envelope ?? 1;
  const le = options.le ?? true;
  const flags = (le ? 1 : 0) | (envelope << 1) | (options.empty ? 0x10 : 0) | (options.extended ? 0x20 : 0);
  const head = new Writer(le).u8(0x47).u8(0x50).u8(0).u8(flags).u32(4326);
  const doubles = [0, 32, 48, 48, 64][envelope]! / 8;
  for (let i = 0; i < doubles; i++) head.f64(i);
  const h = head.bytes();
  const out = new Uint8Array(h.length + wkb.length);
  out.set(h);
  out.set(wkb, h.length);
  return out;
}

describe('decodeWkb', () => {
  it('reads a little-endian polygon with a hole', () => {
    expect(decodeWkb(polygon(new Writer(), [square, hole]).bytes())).toEqual({
      type: 'Polygon',
      coordinates: [square, hole],
    });
  });

  it('reads a big-endian MultiPolygon Z (ISO 1006), keeping Z', () => {
    const w = new Writer(false).header(1006).u32(2);
    polygon(w, [square], 1003, () => [5]);
    polygon(w, [hole], 1003, () => [7]);
    const g = decodeWkb(w.bytes());
    expect(g.type).toBe('MultiPolygon');
    expect(g.coordinates).toEqual([[square.map((p) => [...p, 5])], [hole.map((p) => [...p, 7])]]);
  });

  it('drops M (ISO 2003) and keeps Z of ZM (ISO 3003)', () => {
    expect(decodeWkb(polygon(new Writer(), [square], 2003, () => [99]).bytes()).coordinates).toEqual([
      square,
    ]);
    expect(decodeWkb(polygon(new Writer(), [square], 3003, () => [5, 99]).bytes()).coordinates).toEqual([
      square.map((p) => [...p, 5]),
    ]);
  });

  it('reads PostGIS EWKB flags (Z, SRID)', () => {
    const w = new Writer()
      .u8(1)
      .u32(0x80000000 | 0x20000000 | 3)
      .u32(4326)
      .u32(1)
      .u32(square.length);
    for (const p of square) w.f64(p[0]!, p[1]!, 3);
    expect(decodeWkb(w.bytes()).coordinates).toEqual([square.map((p) => [...p, 3])]);
  });

  it('reads points, lines and collections, so the normaliser can name them', () => {
    const w = new Writer().header(7).u32(2);
    w.header(1).f64(1, 2);
    w.header(2).u32(2).f64(0, 0, 1, 1);
    expect(decodeWkb(w.bytes())).toEqual({
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [1, 2] },
        {
          type: 'LineString',
          coordinates: [
            [0, 0],
            [1, 1],
          ],
        },
      ],
    });
  });

  it('names curve types it does not decode', () => {
    expect(decodeWkb(new Writer().header(10).u32(0).bytes())).toEqual({
      type: 'CurvePolygon',
      coordinates: null,
    });
  });

  it('refuses truncated or nonsensical WKB without allocating for a garbage count', () => {
    const whole = polygon(new Writer(), [square]).bytes();
    expect(() => decodeWkb(whole.subarray(0, whole.length - 3))).toThrow(
      /geometry ends early.*truncated WKB/,
    );
    expect(() => decodeWkb(new Writer().header(3).u32(1).u32(0x7fffffff).bytes())).toThrow(/ends early/);
    expect(() => decodeWkb(new Uint8Array([7, 3, 0, 0, 0]))).toThrow(
      'bad WKB byte-order byte (7; expected 0 or 1)',
    );
    expect(() => decodeWkb(new Writer().header(99).bytes())).toThrow('unknown WKB geometry type 99');
    const wrongPart = new Writer().header(6).u32(1).header(1).f64(0, 0).bytes();
    expect(() => decodeWkb(wrongPart)).toThrow('a MultiPolygon holds a Point, not a Polygon');
  });
});

describe('decodeGpkgGeometry', () => {
  const wkb = polygon(new Writer(), [square, hole]).bytes();
  const expected = { type: 'Polygon', coordinates: [square, hole] };

  it.each([0, 1, 2, 3, 4])('skips an envelope of indicator %i', (envelope) => {
    expect(decodeGpkgGeometry(gpkg(wkb, { envelope }))).toEqual(expected);
  });

  it('reads a big-endian header before little-endian WKB', () => {
    expect(decodeGpkgGeometry(gpkg(wkb, { le: false, envelope: 1 }))).toEqual(expected);
  });

  it('returns null for an empty geometry and names an extension geometry', () => {
    expect(decodeGpkgGeometry(gpkg(wkb, { empty: true }))).toBeNull();
    expect(decodeGpkgGeometry(gpkg(wkb, { extended: true }))).toEqual({
      type: 'GeoPackageExtendedGeometry',
      coordinates: null,
    });
  });

  it('refuses blobs that are not GeoPackage geometry', () => {
    expect(() => decodeGpkgGeometry(wkb)).toThrow('does not start with "GP"');
    const v1 = gpkg(wkb);
    v1[2] = 1;
    expect(() => decodeGpkgGeometry(v1)).toThrow('GeoPackage geometry version 1 is not known');
    expect(() => decodeGpkgGeometry(gpkg(wkb, { envelope: 5 }))).toThrow(
      'bad GeoPackage envelope indicator (5)',
    );
  });
});

import { basename } from 'node:path';
import { footprintAreaM2 } from '../tiles/simplify.js';
import { meshSize } from './extrude.js';
import type { Footprint } from './footprint.js';
import { REPAIR_KINDS, type RepairKind } from './repair.js';
import { SpillFile } from './spill.js';

/**
 * Footprints in columns of typed arrays instead of a million small JS objects: a province of
 * a million buildings fits in a few hundred megabytes instead of ~2 GB, and a tile's share
 * can be handed to a worker thread as a few transferable buffers instead of being cloned
 * object by object (which cost as much as meshing it).
 *
 * Footprints go in with `add()` and come back out, equal, with `get()`.
 *
 * When a province does not fit (`spill`), the bulky, variable-length part of every footprint —
 * its rings and its text — moves to a temporary file (spill.ts) and is read back a tile at a
 * time; what stays in memory is a fixed ~130 bytes per building (the numbers, small fields
 * and hashes that partitioning, level of detail and incremental re-tiling read for every
 * building). Output is identical either way.
 */

const KINDS = Object.keys(REPAIR_KINDS) as RepairKind[];
const HEIGHT_SOURCES: Footprint['heightSource'][] = ['height', 'storeys', 'default'];

/** A growable typed array. */
class Column<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(v: number) {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = v;
  }
  grow(min: number) {
    const next = this.make(Math.max(min, this.data.length * 2));
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
  /** Gives back the room grown for more: after the last push. */
  trim() {
    if (this.data.length > this.length) this.data = this.data.slice(0, this.length) as T;
  }
  /** Drops the contents and the memory they held. */
  clear() {
    this.data = this.make(0);
    this.length = 0;
  }
}

export interface FootprintStoreOptions {
  /**
   * Move rings and text to a temporary file once they hold more than this many bytes in memory
   * (`--spill-mb`); default: never.
   */
  spillBytes?: number;
  /** Folder for that file; pick one on a disk (a RAM-backed /tmp would not save memory). */
  spillDir?: string;
}

/** A subset of a store as plain arrays, transferable to a worker thread. */
export interface FootprintBatch {
  coords: Float64Array;
  ringEnd: Uint32Array;
  polygonRingEnd: Uint32Array;
  footprintPolygonEnd: Uint32Array;
  numbers: Float64Array;
  smalls: Uint16Array;
  hashes: Uint32Array;
  sourceIndex: Uint32Array;
  strings: string[];
}

/**
 * Per footprint in `numbers`: baseM, heightM, minHeightM, height property, centroid (2),
 * bbox (4), footprint area (m²), mesh vertices.
 */
const NUMBERS = 12;
/** Per footprint in `smalls`: storeys, height source, repairs bitmask. */
const SMALLS = 3;
/** Per footprint in `strings`: id, name, use, ward, source file. */
const STRINGS = 5;

export class FootprintStore {
  private readonly coords = new Column((n) => new Float64Array(n));
  private readonly ringEnd = new Column((n) => new Uint32Array(n));
  private readonly polygonRingEnd = new Column((n) => new Uint32Array(n));
  private readonly footprintPolygonEnd = new Column((n) => new Uint32Array(n));
  private readonly numbers = new Column((n) => new Float64Array(n));
  private readonly smalls = new Column((n) => new Uint16Array(n));
  private readonly sourceIndex = new Column((n) => new Uint32Array(n));
  /** Two 32-bit content hashes per footprint (geometry, heights, properties): see `hash()`. */
  private readonly hashes = new Column((n) => new Uint32Array(n));
  private readonly strings: string[] = [];
  /** Repeated strings (use codes, ward names, file names) kept once. */
  private readonly interned = new Map<string, string>();
  /** UTF-16 bytes of the strings held (an estimate of their memory, for `spillBytes`). */
  private stringBytes = 0;
  /** Where rings and text went once they outgrew `spillBytes`; every footprint is there then. */
  private spill: SpillFile | undefined;
  private readonly options: FootprintStoreOptions;

  constructor(options: FootprintStoreOptions = {}) {
    this.options = options;
  }

  get length(): number {
    return this.sourceIndex.length;
  }

  /** Bytes moved to the spill file; 0 while everything is in memory. */
  get spilledBytes(): number {
    return this.spill?.size ?? 0;
  }

  /**
   * Gives back the memory the columns grew ahead of need (up to half of it): call once every
   * footprint is in. Adding more afterwards still works.
   */
  trim(): void {
    for (const c of [this.coords, this.ringEnd, this.polygonRingEnd, this.footprintPolygonEnd]) c.trim();
    for (const c of [this.numbers, this.smalls, this.sourceIndex, this.hashes]) c.trim();
  }

  /** Removes the spill file, if any. The store is unusable after it once it has spilled. */
  dispose(): void {
    this.spill?.close();
  }

  private intern(s: string): string {
    const have = this.interned.get(s);
    if (have !== undefined) return have;
    if (this.interned.size < 100_000) this.interned.set(s, s);
    return s;
  }

  add(f: Footprint): number {
    if (this.spill) this.spill.append(encodeRecord(f));
    else this.addRings(f);
    const p = f.properties;
    const extra = [footprintAreaM2(f), meshSize(f.polygons, f.minHeightM).vertices];
    for (const v of [f.baseM, f.heightM, f.minHeightM, p.height, ...f.centroid, ...f.bbox, ...extra]) {
      this.numbers.push(v);
    }
    let repairs = 0;
    for (const k of f.repairs ?? []) repairs |= 1 << KINDS.indexOf(k);
    this.smalls.push(p.storeys);
    this.smalls.push(HEIGHT_SOURCES.indexOf(f.heightSource));
    this.smalls.push(repairs);
    this.sourceIndex.push(f.source.index);
    const [a, b] = footprintHash(f);
    this.hashes.push(a);
    this.hashes.push(b);
    if (!this.spill && this.ringBytes() > (this.options.spillBytes ?? Number.POSITIVE_INFINITY))
      this.spillAll();
    return this.length - 1;
  }

  /** In-memory layout: rings into the coordinate columns, text into `strings`. */
  private addRings(f: Footprint) {
    for (const rings of f.polygons) {
      for (const ring of rings) {
        for (const v of ring) this.coords.push(v);
        this.ringEnd.push(this.coords.length);
      }
      this.polygonRingEnd.push(this.ringEnd.length);
    }
    this.footprintPolygonEnd.push(this.polygonRingEnd.length);
    const p = f.properties;
    this.strings.push(p.id, p.name, this.intern(p.use), this.intern(p.ward), this.intern(f.source.file));
    this.stringBytes += (p.id.length + p.name.length) * 2;
  }

  /** Memory held by rings and text (allocated, not just used). */
  private ringBytes(): number {
    return (
      this.coords.data.byteLength +
      this.ringEnd.data.byteLength +
      this.polygonRingEnd.data.byteLength +
      this.footprintPolygonEnd.data.byteLength +
      this.strings.length * 8 +
      this.stringBytes
    );
  }

  /** Moves every footprint's rings and text to a new spill file and frees their memory. */
  private spillAll() {
    const spill = new SpillFile(this.options.spillDir ?? '.');
    try {
      for (let i = 0; i < this.length; i++) spill.append(encodeRecord(this.get(i)));
    } catch (error) {
      spill.close();
      throw error;
    }
    this.spill = spill;
    this.coords.clear();
    this.ringEnd.clear();
    this.polygonRingEnd.clear();
    this.footprintPolygonEnd.clear();
    this.strings.length = 0;
    this.stringBytes = 0;
    this.interned.clear();
  }

  /**
   * Content hash of footprint `i` as two 32-bit words: equal footprints hash equal, so a tile
   * whose footprints all hash as before need not be written again (incremental re-tiling).
   * Covers coordinates, ring structure, heights and properties; not the source position.
   */
  hash(i: number): [number, number] {
    return [this.hashes.data[i * 2]!, this.hashes.data[i * 2 + 1]!];
  }

  /** Centroid longitude/latitude (degrees) of footprint `i`, without building the object. */
  centroid(i: number): [number, number] {
    const n = this.numbers.data;
    return [n[i * NUMBERS + 4]!, n[i * NUMBERS + 5]!];
  }

  bbox(i: number): [number, number, number, number] {
    const n = this.numbers.data;
    const o = i * NUMBERS + 6;
    return [n[o]!, n[o + 1]!, n[o + 2]!, n[o + 3]!];
  }

  /** Base, height and min-height in metres of footprint `i`. */
  heights(i: number): { baseM: number; heightM: number; minHeightM: number } {
    const n = this.numbers.data;
    return { baseM: n[i * NUMBERS]!, heightM: n[i * NUMBERS + 1]!, minHeightM: n[i * NUMBERS + 2]! };
  }

  /** Footprint area in m² (outer rings minus holes). */
  areaM2(i: number): number {
    return this.numbers.data[i * NUMBERS + 10]!;
  }

  /** Vertices of the footprint's full-detail mesh (`meshSize`). */
  meshVertices(i: number): number {
    return this.numbers.data[i * NUMBERS + 11]!;
  }

  heightSource(i: number): Footprint['heightSource'] {
    return HEIGHT_SOURCES[this.smalls.data[i * SMALLS + 1]!]!;
  }

  id(i: number): string {
    return this.spill ? this.get(i).properties.id : this.strings[i * STRINGS]!;
  }

  repairs(i: number): RepairKind[] | undefined {
    const mask = this.smalls.data[i * SMALLS + 2]!;
    if (mask === 0) return undefined;
    return KINDS.filter((_, k) => mask & (1 << k));
  }

  get(i: number): Footprint {
    if (this.spill) {
      let footprint: Footprint | undefined;
      this.spill.read([i], (record) => {
        footprint = this.fromRecord(i, record);
      });
      return footprint!;
    }
    const fp = this.footprintPolygonEnd.data;
    const pr = this.polygonRingEnd.data;
    const re = this.ringEnd.data;
    const c = this.coords.data;
    const polygons: number[][][] = [];
    let ring = i === 0 ? 0 : pr[fp[i - 1]! - 1]!;
    for (let p = i === 0 ? 0 : fp[i - 1]!; p < fp[i]!; p++) {
      const rings: number[][] = [];
      for (; ring < pr[p]!; ring++) {
        const start = ring === 0 ? 0 : re[ring - 1]!;
        rings.push(Array.from(c.subarray(start, re[ring]!)));
      }
      polygons.push(rings);
    }
    const str = this.strings;
    const o = i * STRINGS;
    return this.assemble(i, polygons, [str[o]!, str[o + 1]!, str[o + 2]!, str[o + 3]!, str[o + 4]!]);
  }

  private fromRecord(i: number, record: Buffer): Footprint {
    const { polygons, strings } = decodeRecord(record);
    return this.assemble(i, polygons, strings);
  }

  /** Footprint `i` from its rings, its five strings (id, name, use, ward, file) and the columns. */
  private assemble(i: number, polygons: number[][][], str: readonly string[]): Footprint {
    const n = this.numbers.data;
    const o = i * NUMBERS;
    const s = this.smalls.data;
    const repairs = this.repairs(i);
    return {
      source: { file: str[4]!, index: this.sourceIndex.data[i]! },
      properties: {
        id: str[0]!,
        name: str[1]!,
        height: n[o + 3]!,
        storeys: s[i * SMALLS]!,
        use: str[2]!,
        ward: str[3]!,
        source: basename(str[4]!),
      },
      polygons,
      baseM: n[o]!,
      heightM: n[o + 1]!,
      minHeightM: n[o + 2]!,
      heightSource: HEIGHT_SOURCES[s[i * SMALLS + 1]!]!,
      centroid: [n[o + 4]!, n[o + 5]!],
      bbox: [n[o + 6]!, n[o + 7]!, n[o + 8]!, n[o + 9]!],
      ...(repairs ? { repairs } : {}),
    };
  }

  /** Footprints `indices` as a batch of plain arrays (see `transferables`). */
  batch(indices: readonly number[]): FootprintBatch {
    const sub = new FootprintStore();
    if (this.spill) this.spill.read(indices, (record, k) => sub.add(this.fromRecord(indices[k]!, record)));
    else for (const i of indices) sub.add(this.get(i));
    return {
      coords: sub.coords.view().slice(),
      ringEnd: sub.ringEnd.view().slice(),
      polygonRingEnd: sub.polygonRingEnd.view().slice(),
      footprintPolygonEnd: sub.footprintPolygonEnd.view().slice(),
      numbers: sub.numbers.view().slice(),
      smalls: sub.smalls.view().slice(),
      hashes: sub.hashes.view().slice(),
      sourceIndex: sub.sourceIndex.view().slice(),
      strings: sub.strings,
    };
  }

  /** Every footprint of a batch. */
  static all(batch: FootprintBatch): Footprint[] {
    const store = FootprintStore.fromBatch(batch);
    return Array.from({ length: store.length }, (_, i) => store.get(i));
  }

  static fromBatch(batch: FootprintBatch): FootprintStore {
    const store = new FootprintStore();
    const set = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(
      col: Column<T>,
      data: T,
    ) => {
      col.data = data;
      col.length = data.length;
    };
    set(store.coords, batch.coords);
    set(store.ringEnd, batch.ringEnd);
    set(store.polygonRingEnd, batch.polygonRingEnd);
    set(store.footprintPolygonEnd, batch.footprintPolygonEnd);
    set(store.numbers, batch.numbers);
    set(store.smalls, batch.smalls);
    set(store.sourceIndex, batch.sourceIndex);
    set(store.hashes, batch.hashes);
    for (const s of batch.strings) store.strings.push(s);
    return store;
  }
}

const f64 = new Float64Array(1);
const f64Words = new Uint32Array(f64.buffer);

/**
 * Content hash of a footprint as two 32-bit words (see `FootprintStore.hash`): the bits of its
 * coordinates, each polygon's ring count, base, height, min-height, height property and
 * storeys as stored (16 bits), then id, name, use and ward.
 */
export function footprintHash(f: Footprint): [number, number] {
  // FNV-1a and a murmur-style mix side by side: 64 bits, cheap, no allocation.
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const mix = (w: number) => {
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x5bd1e995);
    b ^= b >>> 15;
  };
  const mixNumber = (v: number) => {
    f64[0] = v;
    mix(f64Words[0]!);
    mix(f64Words[1]!);
  };
  for (const rings of f.polygons) for (const ring of rings) for (const v of ring) mixNumber(v);
  for (const rings of f.polygons) mix(rings.length);
  const p = f.properties;
  for (const v of [f.baseM, f.heightM, f.minHeightM, p.height]) mixNumber(v);
  mix(p.storeys & 0xffff);
  for (const str of [p.id, p.name, p.use, p.ward]) {
    mix(str.length);
    for (let c = 0; c < str.length; c++) mix(str.charCodeAt(c));
  }
  return [a >>> 0, b >>> 0];
}

/**
 * A footprint's rings and text as one spill record: u32 polygon count, per polygon its ring
 * count, per ring its number count, the coordinates as f64, then five strings (id, name, use,
 * ward, source file) as u32 byte length + UTF-8. Little-endian.
 */
function encodeRecord(f: Footprint): Uint8Array {
  const p = f.properties;
  const strings = [p.id, p.name, p.use, p.ward, f.source.file];
  let counts = 1;
  let numbers = 0;
  for (const rings of f.polygons) {
    counts += 1 + rings.length;
    for (const ring of rings) numbers += ring.length;
  }
  let size = counts * 4 + numbers * 8;
  for (const str of strings) size += 4 + Buffer.byteLength(str);
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32LE(f.polygons.length, 0);
  for (const rings of f.polygons) {
    at = out.writeUInt32LE(rings.length, at);
    for (const ring of rings) at = out.writeUInt32LE(ring.length, at);
  }
  for (const rings of f.polygons)
    for (const ring of rings) for (const v of ring) at = out.writeDoubleLE(v, at);
  for (const str of strings) {
    const length = out.write(str, at + 4, 'utf8');
    out.writeUInt32LE(length, at);
    at += 4 + length;
  }
  return out;
}

function decodeRecord(record: Buffer): { polygons: number[][][]; strings: string[] } {
  let at = 0;
  const u32 = () => {
    const v = record.readUInt32LE(at);
    at += 4;
    return v;
  };
  const shape = Array.from({ length: u32() }, () => Array.from({ length: u32() }, () => u32()));
  const polygons = shape.map((rings) =>
    rings.map((count) => {
      const ring = new Array<number>(count);
      for (let k = 0; k < count; k++, at += 8) ring[k] = record.readDoubleLE(at);
      return ring;
    }),
  );
  const strings = Array.from({ length: 5 }, () => {
    const length = u32();
    at += length;
    return record.toString('utf8', at - length, at);
  });
  return { polygons, strings };
}

/** The buffers of a batch, to transfer rather than copy to a worker thread. */
export function transferables(batch: FootprintBatch): ArrayBuffer[] {
  return [
    batch.coords,
    batch.ringEnd,
    batch.polygonRingEnd,
    batch.footprintPolygonEnd,
    batch.numbers,
    batch.smalls,
    batch.hashes,
    batch.sourceIndex,
  ].map((a) => a.buffer as ArrayBuffer);
}

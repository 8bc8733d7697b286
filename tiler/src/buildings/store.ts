import { basename } from 'node:path';
import { footprintAreaM2 } from '../tiles/simplify.js';
import { meshSize } from './extrude.js';
import type { Footprint } from './footprint.js';
import { REPAIR_KINDS, type RepairKind } from './repair.js';

/**
 * Footprints in columns of typed arrays instead of a million small JS objects: a province of
 * a million buildings fits in a few hundred megabytes instead of ~2 GB, and a tile's share
 * can be handed to a worker thread as a few transferable buffers instead of being cloned
 * object by object (which cost as much as meshing it).
 *
 * Footprints go in with `add()` and come back out, equal, with `get()`.
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

  get length(): number {
    return this.footprintPolygonEnd.length;
  }

  private intern(s: string): string {
    const have = this.interned.get(s);
    if (have !== undefined) return have;
    if (this.interned.size < 100_000) this.interned.set(s, s);
    return s;
  }

  add(f: Footprint): number {
    const coordStart = this.coords.length;
    for (const rings of f.polygons) {
      for (const ring of rings) {
        for (const v of ring) this.coords.push(v);
        this.ringEnd.push(this.coords.length);
      }
      this.polygonRingEnd.push(this.ringEnd.length);
    }
    this.footprintPolygonEnd.push(this.polygonRingEnd.length);
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
    this.strings.push(p.id, p.name, this.intern(p.use), this.intern(p.ward), this.intern(f.source.file));
    this.pushHash(coordStart);
    return this.length - 1;
  }

  /**
   * Content hash of footprint `i` as two 32-bit words: equal footprints hash equal, so a tile
   * whose footprints all hash as before need not be written again (incremental re-tiling).
   * Covers coordinates, ring structure, heights and properties; not the source position.
   */
  hash(i: number): [number, number] {
    return [this.hashes.data[i * 2]!, this.hashes.data[i * 2 + 1]!];
  }

  private pushHash(coordStart: number) {
    const i = this.length - 1;
    // FNV-1a and a murmur-style mix side by side: 64 bits, cheap, no allocation.
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    const mix = (w: number) => {
      a = Math.imul(a ^ w, 0x01000193);
      b = Math.imul(b ^ w, 0x5bd1e995);
      b ^= b >>> 15;
    };
    const words = new Uint32Array(
      this.coords.data.buffer,
      coordStart * 8,
      (this.coords.length - coordStart) * 2,
    );
    for (let k = 0; k < words.length; k++) mix(words[k]!);
    const fp = this.footprintPolygonEnd.data;
    const pr = this.polygonRingEnd.data;
    const firstPolygon = i === 0 ? 0 : fp[i - 1]!;
    for (let p = firstPolygon; p < fp[i]!; p++) mix(pr[p]! - (p === 0 ? 0 : pr[p - 1]!));
    const n = new Uint32Array(this.numbers.data.buffer, i * NUMBERS * 8, 4 * 2);
    for (let k = 0; k < n.length; k++) mix(n[k]!);
    mix(this.smalls.data[i * SMALLS]!);
    for (let k = 0; k < 4; k++) {
      const str = this.strings[i * STRINGS + k]!;
      mix(str.length);
      for (let c = 0; c < str.length; c++) mix(str.charCodeAt(c));
    }
    this.hashes.push(a >>> 0);
    this.hashes.push(b >>> 0);
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
    return this.strings[i * STRINGS]!;
  }

  repairs(i: number): RepairKind[] | undefined {
    const mask = this.smalls.data[i * SMALLS + 2]!;
    if (mask === 0) return undefined;
    return KINDS.filter((_, k) => mask & (1 << k));
  }

  get(i: number): Footprint {
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
    const n = this.numbers.data;
    const o = i * NUMBERS;
    const s = this.smalls.data;
    const str = this.strings;
    const repairs = this.repairs(i);
    return {
      source: { file: str[i * STRINGS + 4]!, index: this.sourceIndex.data[i]! },
      properties: {
        id: str[i * STRINGS]!,
        name: str[i * STRINGS + 1]!,
        height: n[o + 3]!,
        storeys: s[i * SMALLS]!,
        use: str[i * STRINGS + 2]!,
        ward: str[i * STRINGS + 3]!,
        source: basename(str[i * STRINGS + 4]!),
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
    for (const i of indices) sub.add(this.get(i));
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

import { createHash } from 'node:crypto';

/**
 * The byte layout of a 3D Tiles archive (3TZ, `*.3tz`): a ZIP file (ISO/IEC 21320-1, with the
 * ZIP64 records when offsets or counts outgrow 32/16 bits) whose last entry is the
 * `@3dtilesIndex1@` index (3D Tiles Archive Format v1.3,
 * https://github.com/erikdahlstrom/3tz-specification):
 *
 * - every local file header carries the CRC-32 and both sizes (no data descriptors), so one
 *   entry can be read from its header alone — entries are therefore < 4 GiB;
 * - the index is stored (method 0), is the last central-directory entry and has no comment;
 * - the index is 24-byte records, no header, no padding: the MD5 of the entry's path (UTF-8,
 *   `/`-separated, no leading `/`, case as written) and the 8-byte little-endian offset of the
 *   entry's local file header; sorted by the MD5 read as two little-endian uint64 (the first
 *   8 bytes, then the last 8) — not byte order.
 *
 * Pure functions only: encoding and decoding of the records. Writing is `write.ts`, reading
 * `read.ts`. Field offsets follow PKWARE's APPNOTE 6.3.9, §4.3.
 */

export const INDEX_NAME = '@3dtilesIndex1@';
/** Bytes per index record: 16 of MD5, 8 of offset. */
export const INDEX_RECORD_BYTES = 24;

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_EOCD = 0x06054b50;
export const SIG_ZIP64_EOCD = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;

export const LOCAL_HEADER_BYTES = 30;
export const CENTRAL_HEADER_BYTES = 46;
export const EOCD_BYTES = 22;
export const ZIP64_EOCD_BYTES = 56;
export const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EXTRA_ID = 0x0001;

export const METHOD_STORED = 0;
export const METHOD_DEFLATE = 8;
/** General-purpose flag bit 11: the name is UTF-8. */
const FLAG_UTF8 = 0x0800;
/** Bit 3: sizes and CRC follow the data (not allowed in a 3TZ). */
export const FLAG_DATA_DESCRIPTOR = 0x0008;

/** 0xFFFF / 0xFFFFFFFF in a 16/32-bit field mean "see the ZIP64 record". */
export const MAX16 = 0xffff;
export const MAX32 = 0xffffffff;
/** Regular file, rw-r--r--: what an unzipped entry gets. */
const UNIX_FILE_MODE = 0o100644;
/** ZIP spec versions: 2.0 (deflate, folders), 4.5 (ZIP64). */
const VERSION_DEFLATE = 20;
const VERSION_ZIP64 = 45;

/** One entry as the central directory describes it. */
export interface CentralEntry {
  name: string;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local file header from the start of the archive. */
  offset: number;
  /** Modification time written into the entry (MS-DOS precision: 2 s, local time). */
  mtime: Date;
}

/**
 * The path as the index hashes it: backslashes become slashes, leading slashes go. Case is kept
 * (the spec does not fold it; loaders.gl looks up the lower-cased path first, then this one).
 */
export function normaliseEntryPath(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '');
}

/** MD5 of the normalised path, as the index stores it. */
export function indexHash(name: string): Buffer {
  return createHash('md5').update(normaliseEntryPath(name), 'utf8').digest();
}

/** The index order: the MD5 as two little-endian uint64, the first 8 bytes first. */
export function compareHashes(a: Uint8Array, b: Uint8Array): number {
  const va = new DataView(a.buffer, a.byteOffset, 16);
  const vb = new DataView(b.buffer, b.byteOffset, 16);
  for (const at of [0, 8]) {
    const x = va.getBigUint64(at, true);
    const y = vb.getBigUint64(at, true);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** The `@3dtilesIndex1@` file for these entries (the index itself excluded). */
export function encodeIndex(entries: readonly { name: string; offset: number }[]): Buffer {
  const records = entries.map((e) => {
    const record = Buffer.alloc(INDEX_RECORD_BYTES);
    indexHash(e.name).copy(record, 0);
    record.writeBigUInt64LE(BigInt(e.offset), 16);
    return record;
  });
  records.sort((a, b) => compareHashes(a, b));
  return Buffer.concat(records);
}

/** MS-DOS date and time fields (local time, 2-second steps), clamped to the years DOS can hold. */
export function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(Math.max(date.getFullYear(), 1980), 2107);
  const inRange = year === date.getFullYear();
  const d = inRange ? date : new Date(year, 0, 1);
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function fromDos(date: number, time: number): Date {
  return new Date(
    ((date >> 9) & 0x7f) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    (time >> 11) & 0x1f,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
}

function flagsFor(name: Buffer, nameText: string): number {
  return name.length !== nameText.length ? FLAG_UTF8 : 0;
}

/** A local file header with the name; sizes and CRC always in it (the 3TZ rule). */
export function encodeLocalHeader(e: Omit<CentralEntry, 'offset'>): Buffer {
  if (e.size >= MAX32 || e.compressedSize >= MAX32) {
    throw new RangeError(`${e.name}: a 3D Tiles archive entry must be smaller than 4 GiB`);
  }
  const name = Buffer.from(e.name, 'utf8');
  const h = Buffer.alloc(LOCAL_HEADER_BYTES + name.length);
  const { time, date } = dosDateTime(e.mtime);
  h.writeUInt32LE(SIG_LOCAL, 0);
  h.writeUInt16LE(VERSION_DEFLATE, 4);
  h.writeUInt16LE(flagsFor(name, e.name), 6);
  h.writeUInt16LE(e.method, 8);
  h.writeUInt16LE(time, 10);
  h.writeUInt16LE(date, 12);
  h.writeUInt32LE(e.crc32 >>> 0, 14);
  h.writeUInt32LE(e.compressedSize, 18);
  h.writeUInt32LE(e.size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(0, 28);
  name.copy(h, LOCAL_HEADER_BYTES);
  return h;
}

/**
 * A central-directory header. A local-header offset that does not fit 32 bits (or every offset,
 * with `zip64`) goes into a ZIP64 extra field holding only that offset, as APPNOTE 4.5.3 asks
 * (readers such as loaders.gl expect exactly the fields that overflowed).
 */
export function encodeCentralHeader(e: CentralEntry, zip64 = false): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const bigOffset = zip64 || e.offset >= MAX32;
  const extra = bigOffset ? Buffer.alloc(12) : Buffer.alloc(0);
  if (bigOffset) {
    extra.writeUInt16LE(ZIP64_EXTRA_ID, 0);
    extra.writeUInt16LE(8, 2);
    extra.writeBigUInt64LE(BigInt(e.offset), 4);
  }
  const h = Buffer.alloc(CENTRAL_HEADER_BYTES + name.length + extra.length);
  const { time, date } = dosDateTime(e.mtime);
  const needed = bigOffset ? VERSION_ZIP64 : VERSION_DEFLATE;
  h.writeUInt32LE(SIG_CENTRAL, 0);
  h.writeUInt16LE((3 << 8) | VERSION_ZIP64, 4); // made by: Unix (so the attributes are a mode), 4.5
  h.writeUInt16LE(needed, 6);
  h.writeUInt16LE(flagsFor(name, e.name), 8);
  h.writeUInt16LE(e.method, 10);
  h.writeUInt16LE(time, 12);
  h.writeUInt16LE(date, 14);
  h.writeUInt32LE(e.crc32 >>> 0, 16);
  h.writeUInt32LE(e.compressedSize, 20);
  h.writeUInt32LE(e.size, 24);
  h.writeUInt16LE(name.length, 28);
  h.writeUInt16LE(extra.length, 30);
  h.writeUInt16LE(0, 32); // comment length: the index must have none, the others need none
  h.writeUInt16LE(0, 34); // disk
  h.writeUInt16LE(0, 36); // internal attributes
  h.writeUInt32LE(UNIX_FILE_MODE * 0x10000, 38); // external attributes: the mode in the high 16 bits
  h.writeUInt32LE(bigOffset ? MAX32 : e.offset, 42);
  name.copy(h, CENTRAL_HEADER_BYTES);
  extra.copy(h, CENTRAL_HEADER_BYTES + name.length);
  return h;
}

/**
 * The end of the archive: [ZIP64 end of central directory + its locator when anything
 * overflows (or `zip64`)] + the classic end record, whose overflowing fields then read 0xFFFF…
 */
export function encodeEnd(cd: { entries: number; offset: number; size: number }, zip64 = false): Buffer {
  const big = zip64 || cd.entries >= MAX16 || cd.offset >= MAX32 || cd.size >= MAX32;
  const parts: Buffer[] = [];
  if (big) {
    const z = Buffer.alloc(ZIP64_EOCD_BYTES);
    z.writeUInt32LE(SIG_ZIP64_EOCD, 0);
    z.writeBigUInt64LE(BigInt(ZIP64_EOCD_BYTES - 12), 4);
    z.writeUInt16LE(VERSION_ZIP64, 12);
    z.writeUInt16LE(VERSION_ZIP64, 14);
    z.writeUInt32LE(0, 16);
    z.writeUInt32LE(0, 20);
    z.writeBigUInt64LE(BigInt(cd.entries), 24);
    z.writeBigUInt64LE(BigInt(cd.entries), 32);
    z.writeBigUInt64LE(BigInt(cd.size), 40);
    z.writeBigUInt64LE(BigInt(cd.offset), 48);
    const locator = Buffer.alloc(ZIP64_LOCATOR_BYTES);
    locator.writeUInt32LE(SIG_ZIP64_LOCATOR, 0);
    locator.writeUInt32LE(0, 4);
    locator.writeBigUInt64LE(BigInt(cd.offset + cd.size), 8);
    locator.writeUInt32LE(1, 16);
    parts.push(z, locator);
  }
  const e = Buffer.alloc(EOCD_BYTES);
  e.writeUInt32LE(SIG_EOCD, 0);
  e.writeUInt16LE(0, 4);
  e.writeUInt16LE(0, 6);
  e.writeUInt16LE(big ? MAX16 : cd.entries, 8);
  e.writeUInt16LE(big ? MAX16 : cd.entries, 10);
  e.writeUInt32LE(big ? MAX32 : cd.size, 12);
  e.writeUInt32LE(big ? MAX32 : cd.offset, 16);
  e.writeUInt16LE(0, 20);
  parts.push(e);
  return Buffer.concat(parts);
}

/** Where the central directory is, from the archive's tail (EOCD, ZIP64 records when present). */
export interface CentralDirectory {
  offset: number;
  size: number;
  entries: number;
}

/** A malformed archive: the reason, for an error message that names the file. */
export class ArchiveFormatError extends Error {
  override name = 'ArchiveFormatError';
}

/**
 * Finds the end records in `tail` (the last bytes of a file of `fileSize` bytes) and returns
 * the central directory's place, or asks for the ZIP64 record at `zip64At` (absolute) when the
 * tail does not hold it.
 */
export function decodeEnd(
  tail: Buffer,
  fileSize: number,
): { cd: CentralDirectory } | { zip64At: number; eocd: number } {
  const start = fileSize - tail.length;
  let at = -1;
  // The end record is the last 22 bytes plus a comment of up to 64 KiB: search backwards.
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + EOCD_BYTES + tail.readUInt16LE(i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ArchiveFormatError('is not a ZIP file (no end-of-central-directory record)');
  const entries = tail.readUInt16LE(at + 10);
  const size = tail.readUInt32LE(at + 12);
  const offset = tail.readUInt32LE(at + 16);
  const loc = at - ZIP64_LOCATOR_BYTES;
  if (loc >= 0 && tail.readUInt32LE(loc) === SIG_ZIP64_LOCATOR) {
    const zip64At = Number(tail.readBigUInt64LE(loc + 8));
    const rel = zip64At - start;
    if (rel >= 0 && rel + ZIP64_EOCD_BYTES <= tail.length) return { cd: decodeZip64End(tail, rel) };
    return { zip64At, eocd: start + at };
  }
  if (entries === MAX16 || size === MAX32 || offset === MAX32) {
    throw new ArchiveFormatError('says it is ZIP64 but has no ZIP64 end-of-central-directory locator');
  }
  return { cd: { offset, size, entries } };
}

/** The ZIP64 end-of-central-directory record at `at` in `buf`. */
export function decodeZip64End(buf: Buffer, at: number): CentralDirectory {
  if (buf.readUInt32LE(at) !== SIG_ZIP64_EOCD) {
    throw new ArchiveFormatError('has a ZIP64 locator that points at no ZIP64 end record');
  }
  return {
    entries: Number(buf.readBigUInt64LE(at + 32)),
    size: Number(buf.readBigUInt64LE(at + 40)),
    offset: Number(buf.readBigUInt64LE(at + 48)),
  };
}

/** One central-directory header at `at` in `buf`, with the byte after it; undefined if cut short. */
export function decodeCentralHeader(
  buf: Buffer,
  at: number,
): { entry: CentralEntry; end: number } | undefined {
  if (at + CENTRAL_HEADER_BYTES > buf.length || buf.readUInt32LE(at) !== SIG_CENTRAL) return undefined;
  const nameLength = buf.readUInt16LE(at + 28);
  const extraLength = buf.readUInt16LE(at + 30);
  const commentLength = buf.readUInt16LE(at + 32);
  const end = at + CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength;
  if (end > buf.length) return undefined;
  let size = buf.readUInt32LE(at + 24);
  let compressedSize = buf.readUInt32LE(at + 20);
  let offset = buf.readUInt32LE(at + 42);
  // ZIP64 extra: only the fields that read 0xFFFFFFFF, in this order.
  const extra = buf.subarray(
    at + CENTRAL_HEADER_BYTES + nameLength,
    at + CENTRAL_HEADER_BYTES + nameLength + extraLength,
  );
  for (let i = 0; i + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(i);
    const len = extra.readUInt16LE(i + 2);
    if (id === ZIP64_EXTRA_ID) {
      let p = i + 4;
      const next = () => {
        if (p + 8 > i + 4 + len) throw new ArchiveFormatError('has a ZIP64 extra field that is too short');
        const v = Number(extra.readBigUInt64LE(p));
        p += 8;
        return v;
      };
      if (size === MAX32) size = next();
      if (compressedSize === MAX32) compressedSize = next();
      if (offset === MAX32) offset = next();
    }
    i += 4 + len;
  }
  return {
    entry: {
      name: buf.toString('utf8', at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength),
      method: buf.readUInt16LE(at + 10),
      crc32: buf.readUInt32LE(at + 16),
      compressedSize,
      size,
      offset,
      mtime: fromDos(buf.readUInt16LE(at + 14), buf.readUInt16LE(at + 12)),
    },
    end,
  };
}

/** What a local file header says about its entry; `headerBytes` = bytes before the data. */
export interface LocalHeader {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  nameLength: number;
  extraLength: number;
}

/** The fixed 30 bytes of a local file header (name and extra follow). */
export function decodeLocalHeader(buf: Buffer): Omit<LocalHeader, 'name'> {
  if (buf.length < LOCAL_HEADER_BYTES || buf.readUInt32LE(0) !== SIG_LOCAL) {
    throw new ArchiveFormatError('has an index entry that does not point at a local file header');
  }
  return {
    flags: buf.readUInt16LE(6),
    method: buf.readUInt16LE(8),
    crc32: buf.readUInt32LE(14),
    compressedSize: buf.readUInt32LE(18),
    size: buf.readUInt32LE(22),
    nameLength: buf.readUInt16LE(26),
    extraLength: buf.readUInt16LE(28),
  };
}

/**
 * Binary search of a sorted index for `hash`: the position of the first record with that hash
 * (collisions sit next to each other), or -1.
 */
export function findInIndex(index: Buffer, hash: Uint8Array): number {
  let lo = 0;
  let hi = index.length / INDEX_RECORD_BYTES;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareHashes(index.subarray(mid * INDEX_RECORD_BYTES, mid * INDEX_RECORD_BYTES + 16), hash) < 0)
      lo = mid + 1;
    else hi = mid;
  }
  const at = lo * INDEX_RECORD_BYTES;
  return at < index.length && compareHashes(index.subarray(at, at + 16), hash) === 0 ? lo : -1;
}

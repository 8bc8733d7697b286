import { type FileHandle, open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { crc32, inflateRaw as inflateRawCb } from 'node:zlib';
import { InputError } from '../errors.js';
import {
  ArchiveFormatError,
  CENTRAL_HEADER_BYTES,
  compareHashes,
  decodeCentralHeader,
  decodeEnd,
  decodeLocalHeader,
  decodeZip64End,
  EOCD_BYTES,
  FLAG_DATA_DESCRIPTOR,
  findInIndex,
  INDEX_NAME,
  INDEX_RECORD_BYTES,
  indexHash,
  LOCAL_HEADER_BYTES,
  MAX32,
  METHOD_DEFLATE,
  METHOD_STORED,
  normaliseEntryPath,
  ZIP64_EOCD_BYTES,
  ZIP64_LOCATOR_BYTES,
} from './format.js';

/**
 * Random access to a 3D Tiles archive (`*.3tz`) the way its spec asks readers to work: read the
 * end of the file, take the `@3dtilesIndex1@` entry (the last in the central directory), keep
 * the index in memory (24 bytes per entry), and find each entry by a binary search on the MD5
 * of its path, then one read of its local header and one of its data. The central directory is
 * never walked, so opening costs the same for 10 entries or 10 million.
 */

/** An entry found through the index. */
export interface ArchiveEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** 0 (stored) or 8 (deflate). */
  method: number;
  crc32: number;
  /** Bytes in the archive. */
  compressedSize: number;
  /** Bytes once inflated. */
  size: number;
  /** Where the entry's bytes start in the archive file. */
  dataOffset: number;
}

/** The most the reader takes into memory for one entry (tiles are kilobytes to a few MB). */
export const MAX_ENTRY_BYTES = 256 * 1024 * 1024;

const inflateRaw = promisify(inflateRawCb);

export class TilesetArchive {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    /** The index records, sorted as the spec orders them. */
    private readonly index: Buffer,
    /** The opened file's size (bytes), modification time and identity: to notice a replacement. */
    readonly stat: { bytes: number; mtime: Date; dev: number; ino: number },
  ) {}

  /** Archive size, bytes. */
  get bytes(): number {
    return this.stat.bytes;
  }

  /**
   * Opens an archive and reads its index. Throws an InputError naming the file when it is not a
   * 3D Tiles archive (not a ZIP, no index as last entry, an index that is not stored…).
   */
  static async open(file: string): Promise<TilesetArchive> {
    const handle = await open(file, 'r');
    try {
      const { size, mtime, dev, ino } = await handle.stat();
      const index = await readIndex(handle, size);
      return new TilesetArchive(file, handle, index, { bytes: size, mtime, dev, ino });
    } catch (error) {
      await handle.close();
      if (error instanceof ArchiveFormatError) throw new InputError(file, error.message);
      throw error;
    }
  }

  /** Number of entries the index lists. */
  get entries(): number {
    return this.index.length / INDEX_RECORD_BYTES;
  }

  /** The index records (MD5, offset), in index order: for checks. */
  indexRecords(): { hash: Buffer; offset: number }[] {
    const out: { hash: Buffer; offset: number }[] = [];
    for (let at = 0; at < this.index.length; at += INDEX_RECORD_BYTES) {
      out.push({
        hash: Buffer.from(this.index.subarray(at, at + 16)),
        offset: Number(this.index.readBigUInt64LE(at + 16)),
      });
    }
    return out;
  }

  /**
   * The entry at `name` (normalised as the index hashes it), or undefined. Entries whose MD5
   * collides are told apart by the name in their local header, as the spec says.
   */
  async find(name: string): Promise<ArchiveEntry | undefined> {
    const wanted = normaliseEntryPath(name);
    const nameBytes = Buffer.from(wanted, 'utf8');
    const hash = indexHash(wanted);
    const first = findInIndex(this.index, hash);
    if (first < 0) return undefined;
    for (let i = first; i < this.entries; i++) {
      const at = i * INDEX_RECORD_BYTES;
      if (compareHashes(this.index.subarray(at, at + 16), hash) !== 0) break;
      const offset = Number(this.index.readBigUInt64LE(at + 16));
      const entry = await this.entryAt(offset, nameBytes);
      if (entry) return entry;
    }
    return undefined;
  }

  /** The entry's bytes as stored in the archive (deflated when `method` is 8). */
  async readRaw(entry: ArchiveEntry): Promise<Buffer> {
    if (entry.compressedSize > MAX_ENTRY_BYTES || entry.size > MAX_ENTRY_BYTES) {
      throw new InputError(this.file, `entry ${entry.name} is larger than ${MAX_ENTRY_BYTES} bytes`);
    }
    return this.readAt(entry.dataOffset, entry.compressedSize);
  }

  /** The entry's content, inflated and checked against its CRC-32; undefined when absent. */
  async read(name: string): Promise<Buffer | undefined> {
    const entry = await this.find(name);
    if (!entry) return undefined;
    const raw = await this.readRaw(entry);
    const data = entry.method === METHOD_DEFLATE ? await inflateRaw(raw) : raw;
    if (data.length !== entry.size || crc32(data) !== entry.crc32) {
      throw new InputError(this.file, `entry ${entry.name} is corrupt (size or CRC-32 does not match)`);
    }
    return data;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private async entryAt(offset: number, nameBytes: Buffer): Promise<ArchiveEntry | undefined> {
    const head = await this.readAt(offset, LOCAL_HEADER_BYTES + nameBytes.length);
    let h: ReturnType<typeof decodeLocalHeader>;
    try {
      h = decodeLocalHeader(head);
    } catch (error) {
      if (error instanceof ArchiveFormatError) throw new InputError(this.file, error.message);
      throw error;
    }
    if (h.nameLength !== nameBytes.length || !head.subarray(LOCAL_HEADER_BYTES).equals(nameBytes)) {
      return undefined; // an MD5 collision: another entry
    }
    let { compressedSize, size } = h;
    if (compressedSize === MAX32 || size === MAX32) {
      // ZIP64 sizes in the local extra field (written by other tools; ours never need them).
      const extra = await this.readAt(offset + LOCAL_HEADER_BYTES + h.nameLength, h.extraLength);
      for (let i = 0; i + 4 <= extra.length; i += 4 + extra.readUInt16LE(i + 2)) {
        if (extra.readUInt16LE(i) !== 0x0001) continue;
        let p = i + 4;
        if (size === MAX32) {
          size = Number(extra.readBigUInt64LE(p));
          p += 8;
        }
        if (compressedSize === MAX32) compressedSize = Number(extra.readBigUInt64LE(p));
      }
    }
    const name = nameBytes.toString('utf8');
    if (h.flags & FLAG_DATA_DESCRIPTOR && compressedSize === 0 && size !== 0) {
      throw new InputError(this.file, `entry ${name} has no sizes in its local header (a 3TZ requires them)`);
    }
    if (h.method !== METHOD_STORED && h.method !== METHOD_DEFLATE) {
      throw new InputError(
        this.file,
        `entry ${name} uses compression method ${h.method}; only stored (0) and deflate (8) are supported`,
      );
    }
    const dataOffset = offset + LOCAL_HEADER_BYTES + h.nameLength + h.extraLength;
    if (dataOffset + compressedSize > this.bytes) {
      throw new InputError(this.file, `entry ${name} runs past the end of the file (truncated archive?)`);
    }
    return { name, method: h.method, crc32: h.crc32, compressedSize, size, dataOffset };
  }

  private async readAt(position: number, length: number): Promise<Buffer> {
    return readExactly(this.handle, position, length);
  }
}

async function readExactly(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new ArchiveFormatError('is cut short (an entry or record runs past its end)');
    done += bytesRead;
  }
  return buf;
}

/** Finds and reads the `@3dtilesIndex1@` entry from the end of the archive. */
async function readIndex(handle: FileHandle, size: number): Promise<Buffer> {
  if (size < EOCD_BYTES) throw new ArchiveFormatError('is not a ZIP file (too short)');
  // The end record, its comment (≤ 64 KiB) and the ZIP64 records before it.
  const tailBytes = Math.min(size, EOCD_BYTES + 0xffff + ZIP64_LOCATOR_BYTES + ZIP64_EOCD_BYTES);
  const tail = await readExactly(handle, size - tailBytes, tailBytes);
  const end = decodeEnd(tail, size);
  const cd =
    'cd' in end ? end.cd : decodeZip64End(await readExactly(handle, end.zip64At, ZIP64_EOCD_BYTES), 0);
  if (cd.offset + cd.size > size || cd.entries < 1) {
    throw new ArchiveFormatError('has a central directory outside the file (truncated archive?)');
  }
  // The last central-directory header ends where the directory ends: search back for it.
  const span = Math.min(cd.size, CENTRAL_HEADER_BYTES + 0xffff * 3);
  const dirTail = await readExactly(handle, cd.offset + cd.size - span, span);
  let last: ReturnType<typeof decodeCentralHeader>;
  for (let i = dirTail.length - CENTRAL_HEADER_BYTES; i >= 0 && !last; i--) {
    const h = decodeCentralHeader(dirTail, i);
    if (h && h.end === dirTail.length) last = h;
  }
  if (!last || last.entry.name !== INDEX_NAME) {
    throw new ArchiveFormatError(
      `has no ${INDEX_NAME} index as its last entry, so it is not a 3D Tiles archive`,
    );
  }
  const { entry } = last;
  if (entry.method !== METHOD_STORED || entry.size % INDEX_RECORD_BYTES !== 0) {
    throw new ArchiveFormatError(
      `has an ${INDEX_NAME} that is compressed or not a whole number of 24-byte records`,
    );
  }
  const head = decodeLocalHeader(await readExactly(handle, entry.offset, LOCAL_HEADER_BYTES));
  const index = await readExactly(
    handle,
    entry.offset + LOCAL_HEADER_BYTES + head.nameLength + head.extraLength,
    entry.size,
  );
  // Lookups binary-search the index: an archive sorted otherwise is sorted here, once.
  let sorted = true;
  for (let at = INDEX_RECORD_BYTES; at < index.length && sorted; at += INDEX_RECORD_BYTES) {
    sorted = compareHashes(index.subarray(at - INDEX_RECORD_BYTES, at - 8), index.subarray(at, at + 16)) <= 0;
  }
  if (sorted) return index;
  const records: Buffer[] = [];
  for (let at = 0; at < index.length; at += INDEX_RECORD_BYTES) {
    records.push(index.subarray(at, at + INDEX_RECORD_BYTES));
  }
  return Buffer.concat(records.sort((a, b) => compareHashes(a, b)));
}

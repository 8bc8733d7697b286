import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { fsProblem } from '../source.js';
import { MAX_DIRECTORY_BYTES, type UnzipLimits } from './limits.js';
import { decodeEntryName, extraField, normaliseEntryName, unsafeNameReason } from './names.js';

/**
 * The archive's table of contents, read from its central directory (APPNOTE.TXT 4.3.12–4.3.16)
 * and vetted before a byte is inflated: every name, type and count is checked here, so a hostile
 * archive is refused whole, whichever entry would have been read. The central directory is what
 * unzip tools trust (local headers can disagree with it); it also holds what a streaming reader
 * never sees: the Unix file type (symbolic links) and each entry's flags in one place.
 */

export interface ZipEntry {
  /** As stored (decoded: UTF-8 flag, else CP437; see names.ts), `/` separators, no leading `./`. */
  name: string;
  /** 0 stored, 8 deflated; anything else is refused when the entry is unpacked. */
  method: number;
  flags: number;
  crc32: number;
  /** As declared: checked against the real stream when the entry is unpacked. */
  compressedSize: number;
  /** As declared (the uncompressed size): the entry may inflate to no more than this. */
  size: number;
  localHeaderOffset: number;
  isDirectory: boolean;
  /** Password-protected (traditional PKWARE or strong/AES encryption). */
  encrypted: boolean;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const EOCD_BYTES = 22;
/** The end record plus the longest comment it may carry. */
const MAX_TAIL_BYTES = EOCD_BYTES + 0xffff;
const CENTRAL_BYTES = 46;
const ZIP64_EXTRA = 0x0001;
/** Host systems (high byte of "version made by") whose external attributes hold a Unix mode. */
const UNIX_HOSTS = new Set([3 /* Unix */, 19 /* OS X */]);
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** Flag bits 0 (encrypted) and 6 (strong encryption); method 99 is WinZip AES. */
const FLAG_ENCRYPTED = 0x0001;
const FLAG_STRONG_ENCRYPTION = 0x0040;
const METHOD_AES = 99;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

const u64 = (view: DataView, at: number) => Number(view.getBigUint64(at, true));

/** Lists and vets the entries of `file`; throws InputError naming the archive and the entry. */
export async function readZipDirectory(file: string, limits: UnzipLimits): Promise<ZipEntry[]> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new InputError(file, fsProblem(error));
  }
  try {
    return await readDirectory(handle, file, limits);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(file, fsProblem(error));
  } finally {
    await handle.close();
  }
}

async function readDirectory(handle: FileHandle, file: string, limits: UnzipLimits): Promise<ZipEntry[]> {
  const fail = (reason: string): never => {
    throw new InputError(file, reason);
  };
  const corrupt = (what: string) => fail(`is not a readable ZIP archive: ${what} (truncated or damaged?)`);
  const size = (await handle.stat()).size;
  if (size < EOCD_BYTES) corrupt(`${size} bytes is too short for its end record`);

  // The end record: the last signature in the trailing 64 KiB (a comment may follow it).
  const tailStart = Math.max(0, size - MAX_TAIL_BYTES);
  const tail = await readAt(handle, tailStart, size - tailStart);
  const tailView = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tailView.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) corrupt('no end of central directory record');
  let disk = tailView.getUint16(eocd + 4, true);
  let directoryDisk = tailView.getUint16(eocd + 6, true);
  let count = tailView.getUint16(eocd + 10, true);
  let directoryBytes = tailView.getUint32(eocd + 12, true);
  let directoryOffset = tailView.getUint32(eocd + 16, true);
  let directoryEnd = tailStart + eocd;

  // ZIP64 (archives over 4 GiB or 65,535 entries): the real values are in the ZIP64 end record.
  if (count === 0xffff || directoryBytes === 0xffffffff || directoryOffset === 0xffffffff) {
    const locatorAt = tailStart + eocd - 20;
    const locator = locatorAt >= 0 ? await readAt(handle, locatorAt, 20) : new Uint8Array(0);
    const lv = new DataView(locator.buffer, locator.byteOffset, locator.byteLength);
    if (locator.length === 20 && lv.getUint32(0, true) === ZIP64_LOCATOR_SIGNATURE) {
      const recordAt = u64(lv, 8);
      const record = recordAt + 56 <= locatorAt ? await readAt(handle, recordAt, 56) : new Uint8Array(0);
      const rv = new DataView(record.buffer, record.byteOffset, record.byteLength);
      if (record.length !== 56 || rv.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE)
        corrupt('its ZIP64 end record is missing');
      disk = rv.getUint32(16, true);
      directoryDisk = rv.getUint32(20, true);
      count = u64(rv, 32);
      directoryBytes = u64(rv, 40);
      directoryOffset = u64(rv, 48);
      directoryEnd = recordAt;
    }
  }
  if (disk !== 0 || directoryDisk !== 0) {
    fail('is one part of a split (multi-volume) ZIP archive: join the parts into one archive first');
  }
  if (count > limits.maxEntries) {
    fail(
      `holds ${count.toLocaleString('en')} entries, more than the limit of ${limits.maxEntries.toLocaleString('en')}: refused (millions of tiny entries are a way to exhaust memory); unzip it yourself if you trust it`,
    );
  }
  if (directoryOffset + directoryBytes > directoryEnd) corrupt('its central directory lies outside the file');
  if (directoryBytes > MAX_DIRECTORY_BYTES) {
    fail(
      `has a central directory of ${directoryBytes.toLocaleString('en')} bytes, more than ${count.toLocaleString('en')} entries can need: refused`,
    );
  }

  const directory = await readAt(handle, directoryOffset, directoryBytes);
  const view = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const entries: ZipEntry[] = [];
  const seen = new Set<string>();
  let p = 0;
  // Every record the directory holds, not just the count the end record gives: old writers let a
  // 16-bit count wrap past 65,535 (and a hostile one may simply lie).
  for (let k = 0; p < directory.length || k < count; k++) {
    if (p + 4 <= directory.length && k >= count && view.getUint32(p, true) !== CENTRAL_SIGNATURE) break;
    if (p + CENTRAL_BYTES > directory.length || view.getUint32(p, true) !== CENTRAL_SIGNATURE) {
      corrupt(`entry ${k + 1} of ${count} of its central directory is missing`);
    }
    if (k >= limits.maxEntries) {
      fail(
        `holds more than ${limits.maxEntries.toLocaleString('en')} entries (its end record says ${count.toLocaleString('en')}), more than the limit: refused (millions of tiny entries are a way to exhaust memory); unzip it yourself if you trust it`,
      );
    }
    const madeBy = view.getUint16(p + 4, true);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc32 = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let uncompressedSize = view.getUint32(p + 24, true);
    const nameLength = view.getUint16(p + 28, true);
    const extraLength = view.getUint16(p + 30, true);
    const commentLength = view.getUint16(p + 32, true);
    const external = view.getUint32(p + 38, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const next = p + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (next > directory.length) corrupt(`entry ${k + 1} of its central directory is cut short`);
    const raw = directory.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLength);
    const extra = directory.subarray(
      p + CENTRAL_BYTES + nameLength,
      p + CENTRAL_BYTES + nameLength + extraLength,
    );
    p = next;

    // ZIP64 sizes and offset: in the extra field, in this order, for those saturated above.
    const zip64 = extraField(extra, ZIP64_EXTRA);
    if (zip64) {
      const zv = new DataView(zip64.buffer, zip64.byteOffset, zip64.byteLength);
      let q = 0;
      const take = () => {
        if (q + 8 > zip64.length) corrupt(`entry ${k + 1} has a short ZIP64 field`);
        const v = u64(zv, q);
        q += 8;
        return v;
      };
      if (uncompressedSize === 0xffffffff) uncompressedSize = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (localHeaderOffset === 0xffffffff) localHeaderOffset = take();
    }

    const stored = decodeEntryName(raw, flags, extra);
    const name = normaliseEntryName(stored);
    const refuse = (reason: string): never => fail(`entry ${JSON.stringify(stored)} ${reason}: refused`);
    const unsafe = unsafeNameReason(stored);
    if (unsafe) refuse(`${unsafe} (zip slip)`);
    const mode = UNIX_HOSTS.has(madeBy >> 8) ? external >>> 16 : 0;
    const type = mode & S_IFMT;
    if (type === S_IFLNK) refuse('is a symbolic link (a link could point anywhere on this machine)');
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR)
      refuse('is a special file (a device, pipe or socket), not a file');
    if (seen.has(name)) refuse('appears twice in the archive (which one is meant cannot be told)');
    seen.add(name);
    entries.push({
      name,
      method,
      flags,
      crc32,
      compressedSize,
      size: uncompressedSize,
      localHeaderOffset,
      isDirectory: name.endsWith('/') || type === S_IFDIR,
      encrypted: (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) !== 0 || method === METHOD_AES,
    });
  }
  return entries;
}

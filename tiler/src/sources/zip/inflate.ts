import { type FileHandle, open } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { Inflate } from 'fflate';
import { InputError } from '../../errors.js';
import type { ZipEntry } from './directory.js';
import { formatBytes, INFLATE_CHUNK_BYTES, type UnzipLimits } from './limits.js';

/**
 * Unpacks one entry to a file, streaming: 16 KiB of compressed bytes are read, inflated with
 * fflate's streaming `Inflate`, and the output is checked against every limit *before* it is
 * written. The bytes counted are the ones really produced, so a header that lies about sizes
 * gains nothing: an entry may not inflate past its declared size, the archive's dataset not past
 * `maxBytes`, and, after `ratioAfterBytes`, no entry past `maxRatio` times the compressed bytes
 * read so far. A bomb is thus stopped at its first 16 KiB (~16.5 MB of output, never written).
 */

/** What the unpacking of one archive has used so far (shared by its entries). */
export interface InflateBudget {
  /** Inflated bytes of the entries unpacked so far. */
  bytes: number;
}

const LOCAL_SIGNATURE = 0x04034b50;
const LOCAL_BYTES = 30;

const METHODS: Record<number, string> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'BZIP2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  98: 'PPMd',
};

/** Node ≥ 20.15 has zlib.crc32; on older versions the check is skipped (limits still apply). */
const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * Unpacks `entry` of the archive open as `zip` (named `archive` in messages) into `dest`, a new
 * file (created exclusively, owner-only). On any failure the partial file is left for the caller,
 * who removes the whole temporary folder.
 */
export async function inflateEntry(
  zip: FileHandle,
  archive: string,
  entry: ZipEntry,
  dest: string,
  limits: UnzipLimits,
  budget: InflateBudget,
): Promise<void> {
  const fail = (reason: string): never => {
    throw new InputError(archive, `entry ${JSON.stringify(entry.name)} ${reason}`);
  };
  if (entry.encrypted) fail('is encrypted (password-protected): decrypt the archive and pass it again');
  if (entry.method !== 0 && entry.method !== 8) {
    const name = METHODS[entry.method];
    fail(
      `is compressed with method ${entry.method}${name ? ` (${name})` : ''}, which is not supported: re-zip it with Deflate, every zip tool's default`,
    );
  }

  // The local header: only its variable lengths are used (the central directory is trusted).
  const header = new Uint8Array(LOCAL_BYTES);
  const { bytesRead } = await zip.read(header, 0, LOCAL_BYTES, entry.localHeaderOffset);
  const hv = new DataView(header.buffer);
  if (bytesRead < LOCAL_BYTES || hv.getUint32(0, true) !== LOCAL_SIGNATURE) {
    fail('has no local header where the central directory says (the archive is damaged)');
  }
  if (hv.getUint16(6, true) & 0x0001)
    fail('is encrypted (password-protected): decrypt the archive and pass it again');
  const dataStart = entry.localHeaderOffset + LOCAL_BYTES + hv.getUint16(26, true) + hv.getUint16(28, true);
  const archiveBytes = (await zip.stat()).size;
  if (dataStart + entry.compressedSize > archiveBytes) fail('is cut short: the archive is truncated');
  if (entry.method === 0 && entry.compressedSize !== entry.size) {
    fail('is stored uncompressed but declares two different sizes (the archive is damaged)');
  }

  let inflated = 0;
  let consumed = 0;
  let crc = 0;
  const pending: Uint8Array[] = [];
  const inflater =
    entry.method === 8
      ? new Inflate((chunk) => {
          if (chunk.length) pending.push(chunk);
        })
      : undefined;

  /** Refuses `chunk` if taking it would break a limit: checked before anything is written. */
  const admit = (chunk: Uint8Array) => {
    const after = inflated + chunk.length;
    if (after > entry.size) {
      fail(
        `inflates past the ${entry.size.toLocaleString('en')} bytes its header declares: the archive is damaged or a zip bomb; refused while unpacking, nothing kept`,
      );
    }
    if (budget.bytes + after > limits.maxBytes) {
      fail(
        `takes the unpacked dataset past the limit of ${formatBytes(limits.maxBytes)} (--max-unzipped): refused while unpacking, nothing kept`,
      );
    }
    if (after > limits.ratioAfterBytes && after > limits.maxRatio * consumed) {
      fail(
        `inflates ${Math.round(after / consumed).toLocaleString('en')} times its compressed size (${formatBytes(after)} from ${formatBytes(consumed)}), more than the limit of ${limits.maxRatio}:1 (--max-zip-ratio): refused as a likely zip bomb while unpacking, nothing kept; if you trust the archive, raise the limit or unzip it yourself`,
      );
    }
    inflated = after;
  };

  let out: FileHandle;
  try {
    out = await open(dest, 'wx', 0o600);
  } catch (error) {
    throw unpackProblem(error, archive, entry);
  }
  try {
    for (let read = 0; read < entry.compressedSize; ) {
      const length = Math.min(INFLATE_CHUNK_BYTES, entry.compressedSize - read);
      // A fresh buffer each time: fflate may keep a reference to the unconsumed tail.
      const chunk = new Uint8Array(length);
      const got = (await zip.read(chunk, 0, length, dataStart + read)).bytesRead;
      if (got === 0) fail('is cut short: the archive is truncated');
      read += got;
      consumed = read;
      const last = read >= entry.compressedSize;
      if (inflater) {
        try {
          inflater.push(chunk.subarray(0, got), last);
        } catch (error) {
          fail(`is damaged: its compressed data cannot be inflated (${(error as Error).message})`);
        }
      } else pending.push(chunk.subarray(0, got));
      for (const piece of pending.splice(0)) {
        admit(piece);
        if (crc32) crc = crc32(piece, crc);
        await out.write(piece);
      }
    }
    if (inflated !== entry.size) {
      fail(
        `inflates to ${inflated.toLocaleString('en')} bytes, not the ${entry.size.toLocaleString('en')} its header declares: the archive is damaged`,
      );
    }
    if (crc32 && crc >>> 0 !== entry.crc32 >>> 0)
      fail('is damaged: its CRC-32 checksum does not match its data');
    budget.bytes += inflated;
  } catch (error) {
    throw unpackProblem(error, archive, entry);
  } finally {
    await out.close();
  }
}

/** File-system failures while unpacking, worded for the user (a full disk is the likely one). */
function unpackProblem(error: unknown, archive: string, entry: ZipEntry): Error {
  if (error instanceof InputError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const where = `entry ${JSON.stringify(entry.name)} cannot be unpacked`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new InputError(
      archive,
      `${where}: the temporary folder's disk is full (set TMPDIR to a folder on a disk with room)`,
    );
  }
  return new InputError(archive, `${where} (${code ?? (error as Error).message})`);
}

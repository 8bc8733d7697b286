import { randomBytes } from 'node:crypto';
import { type FileHandle, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateRaw as deflateRawCb } from 'node:zlib';
import { isAlive, OutputWriteError } from '../tiles/publish.js';
import {
  type CentralEntry,
  encodeCentralHeader,
  encodeEnd,
  encodeIndex,
  encodeLocalHeader,
  INDEX_NAME,
  METHOD_DEFLATE,
  METHOD_STORED,
} from './format.js';

/**
 * Writes a tileset folder as one 3D Tiles archive (`*.3tz`, see format.ts), atomically: into a
 * hidden temporary file beside the target, fsynced, then renamed over it.
 *
 * The ZIP is written here rather than with a library because none installed writes what a 3TZ
 * needs: fflate's streaming `Zip` puts CRC and sizes in data descriptors after the data (a 3TZ
 * must have them in the local header) and writes no ZIP64; its `zipSync` and loaders.gl's
 * `createZip` hold the whole archive in memory and report no local-header offsets, which the
 * index is made of. node:zlib does the deflate and the CRC-32.
 *
 * Memory: one file at a time (a tile is ≤ the tiler's per-tile budget) plus ~100 bytes of
 * central-directory record per entry; the archive is never held whole.
 */

export interface ArchiveOptions {
  /** Relative paths (with `/`) to leave out, e.g. the tiler's own report and state. */
  skip?: (relative: string) => boolean;
  /**
   * Write the ZIP64 records even when nothing needs them (tests: the ZIP64 path is otherwise only
   * taken by archives over 4 GiB or with 65,535 entries or more).
   */
  zip64?: boolean;
  /** zlib level for deflated entries (1–9). */
  level?: number;
}

export interface ArchiveSummary {
  /** The archive written, as the caller named it. */
  file: string;
  /** Entries, the index not counted. */
  entries: number;
  /** Entries stored deflated (the rest are stored as they are: deflate would not shrink them). */
  deflated: number;
  /** Size of the archive, bytes. */
  bytes: number;
  /** Sum of the entries' own sizes, bytes. */
  contentBytes: number;
}

/**
 * Deflate is kept only where it saves at least this fraction: meshopt-compressed glb shrinks a
 * little more, already-compressed images not at all, and a stored entry reads with no inflate.
 */
const MIN_DEFLATE_SAVING = 0.02;

const deflateRaw = promisify(deflateRawCb);

/** Temporary files of the archive `file` are `.<name>.tmp-<pid>-<random>` beside it. */
function tempPrefix(file: string): string {
  return `.${path.basename(file)}.tmp-`;
}

/** An archive written to its temporary file, not yet in place. */
export interface StagedArchive {
  summary: ArchiveSummary;
  /** Renames it over the target (atomic: readers see the old archive or the new one). */
  commit(): Promise<void>;
  /** Removes the temporary file. */
  abort(): Promise<void>;
}

/** Writes `dir` as the archive `file`, atomically. */
export async function writeArchive(
  dir: string,
  file: string,
  options: ArchiveOptions = {},
): Promise<ArchiveSummary> {
  const staged = await stageArchive(dir, file, options);
  await staged.commit();
  return staged.summary;
}

/**
 * Writes `dir` as an archive into a temporary file beside `file`; `commit` puts it in place. The
 * tiler stages the archive before it publishes the folder, so a failure (disk full) leaves both
 * as they were.
 */
export async function stageArchive(
  dir: string,
  file: string,
  options: ArchiveOptions = {},
): Promise<StagedArchive> {
  const target = path.resolve(file);
  const names = (await listFiles(dir)).filter((n) => !options.skip?.(n));
  if (!names.includes('tileset.json')) {
    throw new OutputWriteError(
      target,
      path.join(dir, 'tileset.json'),
      new Error('the folder has no tileset.json'),
    );
  }
  for (const n of names) {
    // The spec reserves these substrings (a 3tz must not nest another archive).
    if (/\.3tz|\.3dtiles\.zip/i.test(n)) {
      throw new OutputWriteError(
        target,
        path.join(dir, n),
        new Error('a 3D Tiles archive entry may not contain ".3tz"'),
      );
    }
  }
  // tileset.json first, so a plain ZIP reader meets the entry point early; the rest in order.
  names.sort((a, b) => (a === 'tileset.json' ? -1 : b === 'tileset.json' ? 1 : a < b ? -1 : a > b ? 1 : 0));

  const temp = path.join(
    path.dirname(target),
    `${tempPrefix(target)}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  let handle: FileHandle | undefined;
  let current = temp;
  try {
    handle = await open(temp, 'wx');
    let offset = 0;
    const write = async (parts: Buffer[]) => {
      const bytes = Buffer.concat(parts);
      // A write may be partial: go on from where it stopped.
      for (let done = 0; done < bytes.length; ) {
        done += (await handle!.write(bytes, done, bytes.length - done, offset + done)).bytesWritten;
      }
      offset += bytes.length;
    };
    const central: CentralEntry[] = [];
    let deflated = 0;
    let contentBytes = 0;
    for (const name of names) {
      current = path.join(dir, name);
      const source = await open(current, 'r');
      let data: Buffer;
      let mtime: Date;
      try {
        mtime = (await source.stat()).mtime;
        data = await source.readFile();
      } finally {
        await source.close();
      }
      current = temp;
      const packed = await deflateRaw(data, { level: options.level ?? 6 });
      const deflate = packed.length <= data.length * (1 - MIN_DEFLATE_SAVING);
      const entry: CentralEntry = {
        name,
        method: deflate ? METHOD_DEFLATE : METHOD_STORED,
        crc32: crc32(data),
        compressedSize: deflate ? packed.length : data.length,
        size: data.length,
        offset,
        mtime,
      };
      await write([encodeLocalHeader(entry), deflate ? packed : data]);
      central.push(entry);
      if (deflate) deflated++;
      contentBytes += data.length;
    }
    // The index: last entry, stored, pointing at every other entry's local header.
    const index = encodeIndex(central);
    const indexEntry: CentralEntry = {
      name: INDEX_NAME,
      method: METHOD_STORED,
      crc32: crc32(index),
      compressedSize: index.length,
      size: index.length,
      offset,
      mtime: new Date(),
    };
    await write([encodeLocalHeader(indexEntry), index]);
    const cdOffset = offset;
    const headers = [...central, indexEntry].map((e) => encodeCentralHeader(e, options.zip64));
    // Central directory in slices, so a huge one is not one giant writev.
    for (let i = 0; i < headers.length; i += 1024) await write(headers.slice(i, i + 1024));
    await write([
      encodeEnd({ entries: headers.length, offset: cdOffset, size: offset - cdOffset }, options.zip64),
    ]);
    await handle.sync();
    await handle.close();
    handle = undefined;
    return {
      summary: { file, entries: central.length, deflated, bytes: offset, contentBytes },
      commit: async () => {
        try {
          await rename(temp, target);
        } catch (error) {
          await rm(temp, { force: true });
          throw new OutputWriteError(target, temp, error);
        }
      },
      abort: () => rm(temp, { force: true }),
    };
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true });
    if (error instanceof OutputWriteError) throw error;
    throw new OutputWriteError(target, current, error);
  }
}

/** Every file under `dir`, as `/`-separated relative paths; dot files and folders are left out. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out;
}

/** Removes temporary files that killed runs left beside `file` (those of live processes stay). */
export async function removeDeadTemps(file: string): Promise<void> {
  const target = path.resolve(file);
  const prefix = tempPrefix(target);
  const names = await readdir(path.dirname(target)).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix))) {
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (pid === process.pid || (Number.isInteger(pid) && isAlive(pid))) continue;
    await rm(path.join(path.dirname(target), name), { force: true });
  }
}

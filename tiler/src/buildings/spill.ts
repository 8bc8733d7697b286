import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * A temporary file of variable-length records, appended once and read back by number: where a
 * `FootprintStore` moves its footprints' rings and text when a province does not fit in memory
 * (`--spill-mb`). Like tippecanoe's temporary files, it keeps the bulky part of the input on
 * disk so that only a fixed ~130 bytes per building stay in memory.
 *
 * The file is unlinked as soon as it is opened where the system allows it (Linux, macOS): the
 * open descriptor keeps it readable, and nothing is left behind even if the process is killed.
 * Elsewhere it is removed by `close()`.
 *
 * Writes are buffered (`BUFFER_BYTES`); reads coalesce neighbouring records into one `read`,
 * so a tile's buildings, which were usually read close together, cost a few system calls.
 */

/** Appended records are gathered in memory up to this size before one write. */
const BUFFER_BYTES = 4 << 20;
/** Records closer than this in the file are read with one call instead of one each. */
const COALESCE_GAP_BYTES = 64 << 10;
/** The most bytes one coalesced read takes. */
const MAX_READ_BYTES = 16 << 20;

export class SpillFile {
  /** Where the file is (it may already be unlinked). */
  readonly file: string;
  private fd: number | undefined;
  private unlinked = false;
  /** Start offset of each record; a record ends where the next starts (the last at `size`). */
  private starts = new Float64Array(1024);
  private count = 0;
  /** Bytes written to the file, plus those still in the buffer. */
  private flushed = 0;
  private buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private buffered = 0;

  /** Opens a new spill file in `dir` (e.g. beside the output, not a RAM-backed /tmp). */
  constructor(dir: string) {
    this.file = path.join(dir, `.bdtwin-spill-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    this.fd = openSync(this.file, 'wx+', 0o600);
    try {
      unlinkSync(this.file);
      this.unlinked = true;
    } catch {
      // Windows cannot unlink an open file: removed on close().
    }
  }

  /** Records appended so far. */
  get length(): number {
    return this.count;
  }

  /** Bytes held by the file. */
  get size(): number {
    return this.flushed + this.buffered;
  }

  /** Appends one record; returns its number. */
  append(record: Uint8Array): number {
    if (this.count === this.starts.length) {
      const next = new Float64Array(this.starts.length * 2);
      next.set(this.starts);
      this.starts = next;
    }
    this.starts[this.count] = this.size;
    if (this.buffered + record.byteLength > this.buffer.byteLength) this.flush();
    if (record.byteLength > this.buffer.byteLength) {
      this.writeAll(record, this.flushed);
      this.flushed += record.byteLength;
    } else {
      this.buffer.set(record, this.buffered);
      this.buffered += record.byteLength;
    }
    return this.count++;
  }

  /** Calls `use` with records `indices` in that order (`k`: position in `indices`). */
  read(indices: readonly number[], use: (record: Buffer, k: number) => void): void {
    this.flush();
    const order = indices
      .map((_, k) => k)
      .sort((a, b) => this.startOf(indices[a]!) - this.startOf(indices[b]!));
    const views: Buffer[] = new Array(indices.length);
    let k = 0;
    while (k < order.length) {
      // A run of records close together in the file, read with one call.
      const first = this.startOf(indices[order[k]!]!);
      let end = this.endOf(indices[order[k]!]!);
      let last = k + 1;
      while (last < order.length) {
        const i = indices[order[last]!]!;
        const start = this.startOf(i);
        if (start - end > COALESCE_GAP_BYTES || this.endOf(i) - first > MAX_READ_BYTES) break;
        end = Math.max(end, this.endOf(i));
        last++;
      }
      const bytes = this.readRange(first, end);
      for (let j = k; j < last; j++) {
        const i = indices[order[j]!]!;
        views[order[j]!] = bytes.subarray(this.startOf(i) - first, this.endOf(i) - first);
      }
      k = last;
    }
    for (let j = 0; j < views.length; j++) use(views[j]!, j);
  }

  /** Closes and removes the file; safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    if (!this.unlinked) {
      try {
        unlinkSync(this.file);
      } catch {
        // Already gone.
      }
    }
  }

  private startOf(i: number): number {
    if (!(i >= 0 && i < this.count)) throw new RangeError(`spill record ${i} does not exist (${this.count})`);
    return this.starts[i]!;
  }

  private endOf(i: number): number {
    return i + 1 < this.count ? this.starts[i + 1]! : this.size;
  }

  private flush() {
    if (this.buffered === 0) return;
    this.writeAll(this.buffer.subarray(0, this.buffered), this.flushed);
    this.flushed += this.buffered;
    this.buffered = 0;
  }

  private writeAll(bytes: Uint8Array, at: number) {
    let done = 0;
    while (done < bytes.byteLength)
      done += writeSync(this.openFd(), bytes, done, bytes.byteLength - done, at + done);
  }

  private readRange(start: number, end: number): Buffer {
    const bytes = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < bytes.byteLength) {
      const n = readSync(this.openFd(), bytes, done, bytes.byteLength - done, start + done);
      if (n === 0) throw new Error(`spill file ${this.file} ended at ${start + done} of ${end}`);
      done += n;
    }
    return bytes;
  }

  private openFd(): number {
    if (this.fd === undefined) throw new Error(`spill file ${this.file} is closed`);
    return this.fd;
  }
}

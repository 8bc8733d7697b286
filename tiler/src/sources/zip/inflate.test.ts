import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { readZipDirectory } from './directory.js';
import { type InflateBudget, inflateEntry } from './inflate.js';
import { UNZIP_LIMITS, type UnzipLimits } from './limits.js';
import { makeZip } from './testing.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-inflate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** Unpacks every entry of `zip` in turn (one budget); the outcome and what reached the disk. */
async function unpack(zip: Uint8Array, limits: UnzipLimits = UNZIP_LIMITS) {
  const file = path.join(dir, `z${n++}.zip`);
  await writeFile(file, zip);
  const entries = await readZipDirectory(file, limits);
  const handle = await open(file, 'r');
  const budget: InflateBudget = { bytes: 0 };
  const outputs: string[] = [];
  const started = performance.now();
  let error: InputError | undefined;
  try {
    for (const entry of entries) {
      const dest = path.join(dir, `out${n++}`);
      outputs.push(dest);
      await inflateEntry(handle, file, entry, dest, limits, budget);
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    error = e;
  } finally {
    await handle.close();
  }
  // -1: never created (refused before unpacking began).
  const written = await Promise.all(
    outputs.map((o) =>
      stat(o).then(
        (s) => s.size,
        () => -1,
      ),
    ),
  );
  return { file, error, written, outputs, budget, ms: performance.now() - started };
}

/** Digits and letters at random (xorshift): compresses ~1.3:1, like coordinates. */
function records(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = 2463534242;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x30 + ((x >>> 0) % 43);
  }
  return out;
}
const same = async (file: string, data: Uint8Array) => Buffer.from(data).equals(await readFile(file));

describe('inflateEntry', () => {
  it('unpacks deflated and stored entries byte for byte, counting what it wrote', async () => {
    const data = records(2 ** 20);
    const run = await unpack(zipSync({ 'a.dbf': data, 'b.prj': [data.subarray(0, 1000), { level: 0 }] }));
    expect(run.error).toBeUndefined();
    expect(await same(run.outputs[0]!, data)).toBe(true);
    expect(await same(run.outputs[1]!, data.subarray(0, 1000))).toBe(true);
    expect(run.budget.bytes).toBe(data.length + 1000);
  });

  it('stops a zip bomb at its first read, having written nothing', async () => {
    // 32 MiB of zeros: 1,030:1, in a 33 KB archive; the header tells the truth.
    const run = await unpack(makeZip([{ name: 'buildings.geojson', data: new Uint8Array(32 * 2 ** 20) }]));
    expect(run.error?.message).toBe(
      `${run.file}: entry "buildings.geojson" inflates 1,029 times its compressed size (16.1 MiB from 16 KiB), more than the limit of 500:1 (--max-zip-ratio): refused as a likely zip bomb while unpacking, nothing kept; if you trust the archive, raise the limit or unzip it yourself`,
    );
    expect(run.written).toEqual([0]);
    expect(run.ms).toBeLessThan(2000);
  });

  it('stops an entry that inflates past the size its header declares', async () => {
    const run = await unpack(
      makeZip([{ name: 'roads.dbf', data: new Uint8Array(32 * 2 ** 20), declaredSize: 1000 }]),
    );
    expect(run.error?.reason).toBe(
      'entry "roads.dbf" inflates past the 1,000 bytes its header declares: the archive is damaged or a zip bomb; refused while unpacking, nothing kept',
    );
    expect(run.written).toEqual([0]);
  });

  it('stops at the total limit, across the entries of the dataset, writing no more than it', async () => {
    const limits = { ...UNZIP_LIMITS, maxBytes: 2 ** 20 };
    const part = records(700 * 1024);
    const run = await unpack(zipSync({ 'a.shp': part, 'a.dbf': part }), limits);
    expect(run.error?.reason).toBe(
      'entry "a.dbf" takes the unpacked dataset past the limit of 1 MiB (--max-unzipped): refused while unpacking, nothing kept',
    );
    expect(run.written[0]).toBe(part.length);
    expect(run.written[0]! + run.written[1]!).toBeLessThanOrEqual(2 ** 20);
  });

  it('lets highly compressible real data through: small files at any ratio, wide blank .dbf records at ~330:1', async () => {
    // A .dbf of an ArcGIS export with 20 empty 254-character text columns (docs/reliability.md).
    const fields = 20;
    const record = 1 + 10 + 12 + fields * 254;
    const count = 4000;
    const dbf = new Uint8Array(count * record).fill(0x20);
    const text = new TextEncoder();
    for (let i = 0; i < count; i++) {
      dbf.set(text.encode(String(i).padStart(10)), i * record + 1);
      dbf.set(text.encode(((i * 7919) % 50000).toFixed(2).padStart(12)), i * record + 11);
      dbf.set(text.encode(['Nguyễn Văn An', 'Trần Thị Bình'][i % 2]!), i * record + 23);
    }
    const run = await unpack(
      makeZip([
        { name: 'wide.dbf', data: dbf },
        { name: 'empty.prj', data: new Uint8Array(2 ** 20) },
      ]),
    );
    expect(run.error).toBeUndefined();
    expect(run.written).toEqual([dbf.length, 2 ** 20]);
  });

  it('refuses damaged entries: CRC, truncation, corrupt data', async () => {
    const data = records(100_000);
    expect((await unpack(makeZip([{ name: 'a.shp', data, declaredCrc: 1234 }]))).error?.reason).toBe(
      'entry "a.shp" is damaged: its CRC-32 checksum does not match its data',
    );
    const whole = makeZip([{ name: 'a.shp', data, method: 0 }]);
    // The central directory's compressed size points past the end of the file.
    const cut = whole.slice();
    const central = whole.length - 22 - 46 - 5;
    new DataView(cut.buffer).setUint32(central + 20, 10_000_000, true);
    new DataView(cut.buffer).setUint32(central + 24, 10_000_000, true);
    expect((await unpack(cut)).error?.reason).toBe('entry "a.shp" is cut short: the archive is truncated');
    const garbage = makeZip([{ name: 'a.shp', data: records(1000), method: 0 }]);
    new DataView(garbage.buffer).setUint16(8, 8, true); // local: deflated
    new DataView(garbage.buffer).setUint16(garbage.length - 22 - 46 - 5 + 10, 8, true); // central
    expect((await unpack(garbage)).error?.reason).toMatch(
      /^entry "a.shp" is damaged: its compressed data cannot be inflated \(/,
    );
  });

  it('refuses encrypted entries and compression methods it cannot inflate', async () => {
    const encrypted = await unpack(makeZip([{ name: 'a.shp', data: 'x', flags: 1 }]));
    expect(encrypted.error?.reason).toBe(
      'entry "a.shp" is encrypted (password-protected): decrypt the archive and pass it again',
    );
    expect(encrypted.written).toEqual([-1]);
    expect((await unpack(makeZip([{ name: 'a.shp', data: 'x', method: 14 }]))).error?.reason).toBe(
      'entry "a.shp" is compressed with method 14 (LZMA), which is not supported: re-zip it with Deflate, every zip tool\'s default',
    );
  });
});

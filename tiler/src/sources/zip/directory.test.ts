import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../errors.js';
import { readZipDirectory } from './directory.js';
import { UNZIP_LIMITS } from './limits.js';
import { makeZip, type TestEntry } from './testing.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-zipdir-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function write(bytes: Uint8Array): Promise<string> {
  const file = path.join(dir, `a${n++}.zip`);
  await writeFile(file, bytes);
  return file;
}
const list = async (bytes: Uint8Array, limits = UNZIP_LIMITS) => readZipDirectory(await write(bytes), limits);
const reason = async (bytes: Uint8Array, limits = UNZIP_LIMITS) => {
  const file = await write(bytes);
  try {
    await readZipDirectory(file, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(file);
    return (error as InputError).reason;
  }
  return 'no error';
};
const one = (entry: TestEntry) => makeZip([{ data: 'x', ...entry }]);

describe('readZipDirectory', () => {
  it('lists what a real zip writer (fflate) wrote: names, sizes, folders, UTF-8 names', async () => {
    const entries = await list(
      zipSync({
        'Dữ liệu/': [new Uint8Array(0), {}],
        'Dữ liệu/Nhà ở.shp': strToU8('a'.repeat(1000)),
        'đọc tôi.txt': [strToU8('hello'), { level: 0 }],
      }),
    );
    expect(entries.map((e) => [e.name, e.size, e.method, e.isDirectory, e.encrypted])).toEqual([
      ['Dữ liệu/', 0, 8, true, false],
      ['Dữ liệu/Nhà ở.shp', 1000, 8, false, false],
      ['đọc tôi.txt', 5, 0, false, false],
    ]);
    expect(entries[1]!.compressedSize).toBeLessThan(100);
  });

  it('decodes names without the UTF-8 flag as CP437', async () => {
    const cp437 = new Uint8Array([0x43, 0x61, 0x66, 0x82, 0x2e, 0x73, 0x68, 0x70]); // Café.shp
    const [entry] = await list(one({ name: cp437 }));
    expect(entry!.name).toBe('Café.shp');
  });

  it('reads ZIP64 records (archives over 4 GiB or 65,535 entries)', async () => {
    const entries = await list(
      makeZip(
        [
          { name: 'a.geojson', data: '{}' },
          { name: 'b/c.shp', data: 'xyz', method: 0 },
        ],
        { zip64: true },
      ),
    );
    expect(entries.map((e) => [e.name, e.size, e.method])).toEqual([
      ['a.geojson', 2, 8],
      ['b/c.shp', 3, 0],
    ]);
    expect(entries[1]!.localHeaderOffset).toBeGreaterThan(30);
  });

  it('marks encrypted entries (traditional and AES)', async () => {
    const entries = await list(
      makeZip([
        { name: 'a.shp', data: 'x', flags: 0x0001 },
        { name: 'b.shp', data: 'x', method: 99 },
      ]),
    );
    expect(entries.map((e) => e.encrypted)).toEqual([true, true]);
  });

  it.each([
    [
      '../../evil.sh',
      'entry "../../evil.sh" has a ".." step that leads out of the folder it is unpacked into (zip slip): refused',
    ],
    ['/etc/cron.d/evil', 'entry "/etc/cron.d/evil" has an absolute path (zip slip): refused'],
    [
      'C:\\Windows\\evil.dll',
      'entry "C:\\\\Windows\\\\evil.dll" starts with a drive letter (zip slip): refused',
    ],
    [
      'data\\..\\..\\evil',
      'entry "data\\\\..\\\\..\\\\evil" has a ".." step that leads out of the folder it is unpacked into (zip slip): refused',
    ],
  ])('refuses the whole archive for a zip-slip name %j', async (name, expected) => {
    expect(
      await reason(
        makeZip([
          { name: 'roads.shp', data: 'x' },
          { name, data: 'x' },
        ]),
      ),
    ).toBe(expected);
  });

  it('refuses symbolic links and special files', async () => {
    expect(await reason(one({ name: 'roads.shp', unixMode: 0o120777, data: '/etc/passwd' }))).toBe(
      'entry "roads.shp" is a symbolic link (a link could point anywhere on this machine): refused',
    );
    expect(await reason(one({ name: 'fifo', unixMode: 0o010644 }))).toMatch(/is a special file/);
    // Ordinary Unix files and folders are fine.
    expect(await list(one({ name: 'a.shp', unixMode: 0o100644 }))).toHaveLength(1);
  });

  it('refuses a name that appears twice', async () => {
    expect(
      await reason(
        makeZip([
          { name: 'a.shp', data: 'x' },
          { name: 'a.shp', data: 'y' },
        ]),
      ),
    ).toMatch(/^entry "a.shp" appears twice/);
  });

  it(`refuses more than ${UNZIP_LIMITS.maxEntries.toLocaleString('en')} entries before reading them`, async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i <= UNZIP_LIMITS.maxEntries; i++) files[`f${i}`] = new Uint8Array(0);
    expect(await reason(zipSync(files, { level: 0 }))).toBe(
      'holds 10,001 entries, more than the limit of 10,000: refused (millions of tiny entries are a way to exhaust memory); unzip it yourself if you trust it',
    );
    expect(await reason(makeZip([{ name: 'a' }, { name: 'b' }]), { ...UNZIP_LIMITS, maxEntries: 1 })).toMatch(
      /^holds 2 entries, more than the limit of 1/,
    );
    // A count that wrapped at 65,536 (fflate, like old tools, writes no ZIP64 record): the
    // records themselves are counted.
    for (let i = UNZIP_LIMITS.maxEntries + 1; i < 65_536 + 3; i++) files[`f${i}`] = new Uint8Array(0);
    expect(await reason(zipSync(files, { level: 0 }))).toBe(
      'holds more than 10,000 entries (its end record says 3), more than the limit: refused (millions of tiny entries are a way to exhaust memory); unzip it yourself if you trust it',
    );
  });

  it('says what is wrong with a damaged or foreign file', async () => {
    expect(await reason(new Uint8Array(10))).toMatch(/^is not a readable ZIP archive: 10 bytes is too short/);
    expect(await reason(strToU8('<html>Not found</html>'.repeat(3)))).toBe(
      'is not a readable ZIP archive: no end of central directory record (truncated or damaged?)',
    );
    const good = zipSync({ 'a.shp': strToU8('x') });
    expect(await reason(good.subarray(0, good.length - 10))).toMatch(/no end of central directory/);
    // The end record says the directory starts beyond the end of the file.
    const lying = good.slice();
    new DataView(lying.buffer).setUint32(lying.length - 6, 1e6, true);
    expect(await reason(lying)).toMatch(/central directory lies outside the file/);
    // Split archives: the end record is on disk 2.
    const split = good.slice();
    new DataView(split.buffer).setUint16(split.length - 18, 1, true);
    expect(await reason(split)).toMatch(/split \(multi-volume\) ZIP archive/);
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { Tiles3DArchive, Tiles3DArchiveFileLoader } from '@loaders.gl/3d-tiles';
import { parse } from '@loaders.gl/core';
import { DataViewReadableFile, parseHashTable } from '@loaders.gl/zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { InputError } from '../errors.js';
import { TILE_DEFAULTS, tileBuildings } from '../tile.js';
import { ARCHIVE_OPTIONS } from '../tiles/archive-output.js';
import { TilesetArchive } from './read.js';
import { writeArchive } from './write.js';

/** 705 real OSM buildings of central Hồ Chí Minh City (see data/README.md). */
const OSM = path.resolve(
  import.meta.dirname,
  '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson',
);

let work: string;
let folder: string;
let archiveFile: string;
/** Every file of the tileset folder that belongs in the archive, as `/` paths. */
let tilesetFiles: string[];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bdtwin-3tz-'));
  folder = path.join(work, 'osm');
  // Small budgets: a quadtree of ~40 tiles out of 705 buildings.
  const report = await tileBuildings([OSM], {
    ...TILE_DEFAULTS,
    out: folder,
    archive: true,
    partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
  });
  archiveFile = path.join(work, 'osm.3tz');
  expect(report.archive?.file).toBe(archiveFile);
  const tileset = JSON.parse(await readFile(path.join(folder, 'tileset.json'), 'utf8')) as Tile & object;
  tilesetFiles = ['tileset.json', ...contentUris(tileset.root as Tile)];
  expect(report.archive?.entries).toBe(tilesetFiles.length);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

interface Tile {
  root?: Tile;
  content?: { uri: string };
  children?: Tile[];
}
function contentUris(t: Tile): string[] {
  return [...(t.content ? [t.content.uri] : []), ...(t.children ?? []).flatMap(contentUris)];
}

/** The central directory as a plain ZIP reader sees it (written independently of format.ts). */
function centralDirectory(zip: Buffer) {
  let eocd = zip.length - 22;
  while (zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  let count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  if (zip.readUInt32LE(eocd - 20) === 0x07064b50) {
    const z64 = Number(zip.readBigUInt64LE(eocd - 20 + 8));
    expect(zip.readUInt32LE(z64)).toBe(0x06064b50);
    count = Number(zip.readBigUInt64LE(z64 + 32));
    offset = Number(zip.readBigUInt64LE(z64 + 48));
  }
  const entries: {
    name: string;
    method: number;
    crc: number;
    csize: number;
    size: number;
    offset: number;
    comment: number;
  }[] = [];
  for (let i = 0, at = offset; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const n = zip.readUInt16LE(at + 28);
    const x = zip.readUInt16LE(at + 30);
    const c = zip.readUInt16LE(at + 32);
    let local = zip.readUInt32LE(at + 42);
    if (local === 0xffffffff) {
      // ZIP64 extra holding only the offset.
      expect(zip.readUInt16LE(at + 46 + n)).toBe(1);
      local = Number(zip.readBigUInt64LE(at + 46 + n + 4));
    }
    entries.push({
      name: zip.toString('utf8', at + 46, at + 46 + n),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      csize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      offset: local,
      comment: c,
    });
    at += 46 + n + x + c;
  }
  return entries;
}

/** What loaders.gl's own 3TZ loader returns for `entry` of the archive bytes. */
async function loadersGlRead(zip: Buffer, entry: string): Promise<Buffer> {
  const bytes = zip.buffer.slice(zip.byteOffset, zip.byteOffset + zip.byteLength);
  const out = await parse(bytes, Tiles3DArchiveFileLoader, { '3d-tiles-archive': { path: entry } } as never);
  return Buffer.from(out as ArrayBuffer);
}

describe('bdtwin tile --archive on real OSM footprints', () => {
  it("is read by loaders.gl's 3TZ loader: tileset.json and every glb byte-identical to the folder", async () => {
    const zip = await readFile(archiveFile);
    for (const name of tilesetFiles) {
      expect((await loadersGlRead(zip, name)).equals(await readFile(path.join(folder, name))), name).toBe(
        true,
      );
    }
    // The tiler's bookkeeping stays out of it.
    await expect(loadersGlRead(zip, 'build-state.json')).rejects.toThrow(/No such file/);
  });

  it('loaders.gl finds every entry through our @3dtilesIndex1@ alone (not a fallback over the directory)', async () => {
    const zip = await readFile(archiveFile);
    const cd = centralDirectory(zip);
    const indexEntry = cd.at(-1)!;
    const start =
      indexEntry.offset +
      30 +
      zip.readUInt16LE(indexEntry.offset + 26) +
      zip.readUInt16LE(indexEntry.offset + 28);
    const index = zip.subarray(start, start + indexEntry.size);
    const hashTable = parseHashTable(
      index.buffer.slice(index.byteOffset, index.byteOffset + index.byteLength),
    );
    const archive = new Tiles3DArchive(
      new DataViewReadableFile(new DataView(zip.buffer, zip.byteOffset, zip.byteLength)),
      hashTable,
    );
    for (const name of tilesetFiles) {
      expect(
        Buffer.from(await archive.getFile(name)).equals(await readFile(path.join(folder, name))),
        name,
      ).toBe(true);
    }
  });

  it('has the 3TZ layout: index last, stored, no comment, sorted by MD5 as two LE uint64, pointing at every local header', async () => {
    const zip = await readFile(archiveFile);
    const cd = centralDirectory(zip);
    const last = cd.at(-1)!;
    expect(last.name).toBe('@3dtilesIndex1@');
    expect(last.method).toBe(0);
    expect(last.comment).toBe(0);
    expect(last.size).toBe((cd.length - 1) * 24);
    const files = cd.slice(0, -1);
    expect(files.map((e) => e.name).sort()).toEqual([...tilesetFiles].sort());
    expect(files[0]!.name).toBe('tileset.json');

    const indexAt =
      last.offset + 30 + zip.readUInt16LE(last.offset + 26) + zip.readUInt16LE(last.offset + 28);
    const records = Array.from({ length: files.length }, (_, i) =>
      zip.subarray(indexAt + i * 24, indexAt + i * 24 + 24),
    );
    const key = (r: Buffer) => [r.readBigUInt64LE(0), r.readBigUInt64LE(8)] as const;
    for (let i = 1; i < records.length; i++) {
      const [a0, a1] = key(records[i - 1]!);
      const [b0, b1] = key(records[i]!);
      expect(a0 < b0 || (a0 === b0 && a1 <= b1), `index record ${i} out of order`).toBe(true);
    }
    const byHash = new Map(
      records.map((r) => [r.subarray(0, 16).toString('hex'), Number(r.readBigUInt64LE(16))]),
    );
    for (const e of files) {
      const md5 = createHash('md5').update(e.name).digest('hex');
      expect(byHash.get(md5), e.name).toBe(e.offset);
      // The local header: signature, same name, CRC and sizes present (no data descriptor).
      const at = e.offset;
      expect(zip.readUInt32LE(at)).toBe(0x04034b50);
      expect(zip.readUInt16LE(at + 6) & 0x0008).toBe(0);
      expect(zip.readUInt32LE(at + 14)).toBe(e.crc);
      expect(zip.readUInt32LE(at + 18)).toBe(e.csize);
      expect(zip.readUInt32LE(at + 22)).toBe(e.size);
      expect(zip.toString('utf8', at + 30, at + 30 + zip.readUInt16LE(at + 26))).toBe(e.name);
      expect([0, 8]).toContain(e.method);
      const data = zip
        .subarray(at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28))
        .subarray(0, e.csize);
      const content = e.method === 8 ? inflateRawSync(data) : data;
      expect(content.equals(await readFile(path.join(folder, e.name))), e.name).toBe(true);
    }
  });

  it('reads back through TilesetArchive; a missing entry is undefined; a plain ZIP or a cut-short file is refused by name', async () => {
    const archive = await TilesetArchive.open(archiveFile);
    try {
      expect(archive.entries).toBe(tilesetFiles.length);
      for (const name of tilesetFiles) {
        expect((await archive.read(name))?.equals(await readFile(path.join(folder, name))), name).toBe(true);
      }
      expect(await archive.read('tiles/0/0/0.glb')).toBeUndefined();
      expect(await archive.read('/tileset.json')).toBeDefined(); // leading slash normalised away
    } finally {
      await archive.close();
    }
    const zip = await readFile(archiveFile);
    const cut = path.join(work, 'cut.3tz');
    await writeFile(cut, zip.subarray(0, zip.length - 100));
    await expect(TilesetArchive.open(cut)).rejects.toThrow(InputError);
    await expect(TilesetArchive.open(cut)).rejects.toThrow(/cut\.3tz: is not a ZIP file/);
    // A ZIP without the index (what a plain zip tool makes of the folder).
    const plain = path.join(work, 'plain.3tz');
    const cd = centralDirectory(zip);
    const last = cd.at(-1)!;
    await writeFile(plain, withoutLastEntry(zip, cd.length, last.offset));
    await expect(TilesetArchive.open(plain)).rejects.toThrow(
      /plain\.3tz: has no @3dtilesIndex1@ index as its last entry/,
    );
  });

  it('writes the ZIP64 end records and offsets when asked, and loaders.gl and TilesetArchive still read it', async () => {
    const file = path.join(work, 'zip64.3tz');
    const summary = await writeArchive(folder, file, { ...ARCHIVE_OPTIONS, zip64: true });
    expect(summary.entries).toBe(tilesetFiles.length);
    const zip = await readFile(file);
    // ZIP64 locator right before the classic end record.
    expect(zip.readUInt32LE(zip.length - 22 - 20)).toBe(0x07064b50);
    const glb = tilesetFiles[1]!;
    expect((await loadersGlRead(zip, glb)).equals(await readFile(path.join(folder, glb)))).toBe(true);
    const archive = await TilesetArchive.open(file);
    try {
      expect((await archive.read(glb))?.equals(await readFile(path.join(folder, glb)))).toBe(true);
    } finally {
      await archive.close();
    }
  });
});

/** The archive re-ended after its second-to-last entry: a valid ZIP whose last entry is a glb. */
function withoutLastEntry(zip: Buffer, count: number, lastLocal: number): Buffer {
  let eocd = zip.length - 22;
  while (zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const cdOffset = zip.readUInt32LE(eocd + 16);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cd = zip.subarray(cdOffset, cdOffset + cdSize);
  // Central headers of all but the last entry.
  let at = 0;
  for (let i = 0; i < count - 1; i++)
    at += 46 + cd.readUInt16LE(at + 28) + cd.readUInt16LE(at + 30) + cd.readUInt16LE(at + 32);
  const kept = cd.subarray(0, at);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(count - 1, 8);
  end.writeUInt16LE(count - 1, 10);
  end.writeUInt32LE(kept.length, 12);
  end.writeUInt32LE(lastLocal, 16);
  return Buffer.concat([zip.subarray(0, lastLocal), kept, end]);
}

/** Runs the CLI in-process; returns exit code and what it printed. */
async function cli(args: string[]) {
  const lines: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await main(args), output: lines.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

describe('--archive with incremental re-tiling', () => {
  it('bdtwin tile --archive writes <out>.3tz beside <out> and says so, also when up to date', async () => {
    const out = path.join(work, 'cli');
    const args = ['tile', OSM, '--out', out, '--archive', '--quiet'];
    const first = await cli(args);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain(`archive:           ${out}.3tz (2 files, 0.1 MB)`);
    expect((await stat(path.join(out, 'tileset.json'))).isFile()).toBe(true);
    const again = await cli(args);
    expect(again.output).toMatch(/is up to date/);
    expect(again.output).toContain(`archive:           ${out}.3tz (2 files, 0.1 MB)`);
    expect((await cli(['tile', '--help'])).output).toMatch(/--archive +also write <dir>\.3tz/);
    const wrong = await cli(['tile', OSM, '--out', `${out}.3tz`, '--archive', '--quiet']);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/--out names the tileset folder, not the archive/);
  });

  it('leaves an up-to-date archive alone, rebuilds a missing one, follows an edit, and clears a killed run’s temp file', async () => {
    const input = path.join(work, 'edit.geojson');
    const source = JSON.parse(await readFile(OSM, 'utf8')) as {
      features: { properties: Record<string, unknown> }[];
    };
    await writeFile(input, JSON.stringify(source));
    const out = path.join(work, 'inc');
    const file = `${out}.3tz`;
    const options = {
      ...TILE_DEFAULTS,
      out,
      archive: true,
      partition: { ...TILE_DEFAULTS.partition, maxFeatures: 100 },
    };
    const first = await tileBuildings([input], options);
    expect(first.upToDate).toBe(false);
    const before = await stat(file);

    // A killed run's temporary archive (its process is gone) is removed by the next run.
    const dead = path.join(work, '.inc.3tz.tmp-999999999-dead');
    await writeFile(dead, 'partial');
    const again = await tileBuildings([input], options);
    expect(again.upToDate).toBe(true);
    expect(again.archiveRebuilt).toBeUndefined();
    const after = await stat(file);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    await expect(stat(dead)).rejects.toThrow();

    await rm(file);
    const rebuilt = await tileBuildings([input], options);
    expect(rebuilt.upToDate).toBe(true);
    expect(rebuilt.archiveRebuilt).toBe(true);
    expect(await archiveTilesetEqualsFolder(file, out)).toBe(true);

    source.features[0]!.properties.height = 123;
    await writeFile(input, JSON.stringify(source));
    const edited = await tileBuildings([input], options);
    expect(edited.upToDate).toBe(false);
    expect(edited.tilesReused).toBeGreaterThan(0);
    expect(await archiveTilesetEqualsFolder(file, out)).toBe(true);
  });
});

async function archiveTilesetEqualsFolder(file: string, folderPath: string): Promise<boolean> {
  const archive = await TilesetArchive.open(file);
  try {
    const tileset = await archive.read('tileset.json');
    return tileset?.equals(await readFile(path.join(folderPath, 'tileset.json'))) === true;
  } finally {
    await archive.close();
  }
}

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { constants, createDeflateRaw } from 'node:zlib';
import { strToU8, zipSync } from 'fflate';
import { makeZip } from '../sources/zip/testing.js';

/**
 * The malformed corpus (docs/reliability.md, "Hostile input"): files for the tiler and the
 * catalogue, and messages for the feed hub, each broken in one way a real source can be —
 * truncated, wrong types, absurd coordinates, huge, deeply nested, compressed to explode,
 * wrongly encoded. `corpus.test.ts` feeds every item to its consumer and wants a clear error
 * within a time and memory bound; `scripts/hostile/make-corpus.ts` writes the files to a folder
 * to try by hand (`bdtwin tile build/hostile/…`).
 */

export type FileKind =
  | 'truncated'
  | 'wrong-types'
  | 'bad-coordinates'
  | 'huge-geometry'
  | 'deep-nesting'
  | 'zip-bomb'
  | 'hostile-archive'
  | 'bad-sidecar'
  | 'bad-encoding'
  | 'garbage';

export interface FileItem {
  kind: FileKind;
  name: string;
  /** Writes the item into `dir`; returns the file to pass to the consumer. */
  write(dir: string): Promise<string>;
  /**
   * What the consumer must do: fail with a message matching this, or (`accept`) read the
   * file, since its fault is recoverable (invalid UTF-8 becomes U+FFFD, with the rest intact).
   */
  expect: RegExp | 'accept';
}

/** The test fixtures the truncated items are cut from (tiler/test/data, see its README). */
const DATA = path.resolve(import.meta.dirname, '../../test/data');

const fc = (features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features });
const polygon = (coordinates: unknown, properties: unknown = { id: 'b1' }) => ({
  type: 'Feature',
  properties,
  geometry: { type: 'Polygon', coordinates },
});
const square = [
  [
    [106.65, 10.98],
    [106.6501, 10.98],
    [106.6501, 10.9801],
    [106.65, 10.9801],
    [106.65, 10.98],
  ],
];

async function writeCut(from: string, to: string, fraction: number): Promise<void> {
  const bytes = await readFile(from);
  await writeFile(to, bytes.subarray(0, Math.floor(bytes.length * fraction)));
}

/** A Shapefile copied from the fixtures, then one part damaged by `damage`. */
async function shapefileWith(
  dir: string,
  name: string,
  damage: (base: string) => Promise<void>,
): Promise<string> {
  const base = path.join(dir, name);
  for (const ext of ['.shp', '.shx', '.dbf', '.prj', '.cpg'])
    await copyFile(path.join(DATA, `osm-100${ext}`), base + ext);
  await damage(base);
  return `${base}.shp`;
}

/** A ring of `n` vertices on a 100 m circle (a valid, absurdly detailed footprint). */
function circle(n: number): number[][] {
  const ring: number[][] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    ring.push([106.65 + 0.001 * Math.cos(a), 10.98 + 0.001 * Math.sin(a)]);
  }
  ring.push(ring[0]!);
  return ring;
}

/**
 * A ZIP whose one entry, `buildings.geojson`, inflates to `inflatedBytes` of zeros (1,000:1 and
 * more): small on disk, gigabytes if anything unpacked it. Its headers declare `declaredBytes`
 * (default: the truth), so a bomb can also lie about its size.
 */
export async function writeZipBomb(
  file: string,
  inflatedBytes: number,
  declaredBytes: number = inflatedBytes,
): Promise<void> {
  let data = bombs.get(inflatedBytes);
  if (!data) {
    data = deflatedZeros(inflatedBytes);
    bombs.set(inflatedBytes, data);
  }
  await writeFile(file, zipAround(await data, declaredBytes));
}

/** Deflating a GiB takes seconds: each size is made once per process. */
const bombs = new Map<number, Promise<Buffer>>();

async function deflatedZeros(inflatedBytes: number): Promise<Buffer> {
  const compressed: Buffer[] = [];
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  deflate.on('data', (c: Buffer) => compressed.push(c));
  const chunk = Buffer.alloc(1 << 20);
  for (let done = 0; done < inflatedBytes; done += chunk.length) {
    if (!deflate.write(chunk)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await finished(deflate);
  return Buffer.concat(compressed);
}

function zipAround(data: Buffer, declaredBytes: number): Buffer {
  const name = Buffer.from('buildings.geojson');
  const size32 = Math.min(declaredBytes, 0xffffffff);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(0, 14); // CRC left 0: nothing should get far enough to check it
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(size32, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(size32, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** The fixture Shapefile's parts, for archives that hide something among real files. */
async function shapefileParts(except: string[] = []): Promise<Record<string, Uint8Array>> {
  const parts: Record<string, Uint8Array> = {};
  for (const ext of ['.shp', '.shx', '.dbf', '.prj', '.cpg']) {
    if (!except.includes(ext)) parts[`osm-100${ext}`] = await readFile(path.join(DATA, `osm-100${ext}`));
  }
  return parts;
}

/** The message every refused bomb gets: it is stopped while unpacking, nothing kept. */
const refusedBomb = (archive: string, entry: string) =>
  new RegExp(
    `${archive.replaceAll('.', '\\.')}: entry "${entry.replaceAll('.', '\\.')}" inflates [\\d,]+ times its compressed size .*more than the limit of 500:1 \\(--max-zip-ratio\\): refused as a likely zip bomb while unpacking, nothing kept`,
  );

export const FILE_CORPUS: FileItem[] = [
  // Truncated, one of each format.
  {
    kind: 'truncated',
    name: 'geojson-cut-mid-feature.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'geojson-cut-mid-feature.geojson');
      await writeCut(
        path.join(DATA, '../../../data/osm/osm_hcmc_building_polygons_2023-10-22.geojson'),
        f,
        0.5,
      );
      return f;
    },
    expect: /geojson-cut-mid-feature\.geojson.*(ends|truncated|unexpected end|incomplete)/i,
  },
  {
    kind: 'truncated',
    name: 'geojsonseq-cut-mid-line.geojsonl',
    write: async (dir) => {
      const f = path.join(dir, 'geojsonseq-cut-mid-line.geojsonl');
      await writeCut(path.join(DATA, 'osm-100.geojsonl'), f, 0.53);
      return f;
    },
    expect: /geojsonseq-cut-mid-line\.geojsonl.*(line|JSON|ends|truncated)/i,
  },
  {
    kind: 'truncated',
    name: 'shapefile-shp-cut.shp',
    write: (dir) =>
      shapefileWith(dir, 'shapefile-shp-cut', async (base) => {
        await writeCut(path.join(DATA, 'osm-100.shp'), `${base}.shp`, 0.6);
      }),
    expect: /shapefile-shp-cut\.(shp|shx).*(truncated|ends|past the end|shorter|length)/i,
  },
  {
    kind: 'truncated',
    name: 'shapefile-dbf-cut.shp',
    write: (dir) =>
      shapefileWith(dir, 'shapefile-dbf-cut', async (base) => {
        await writeCut(path.join(DATA, 'osm-100.dbf'), `${base}.dbf`, 0.4);
      }),
    expect: /shapefile-dbf-cut\.(dbf|shp).*(truncated|ends|records|shorter|length)/i,
  },
  {
    kind: 'truncated',
    name: 'geopackage-cut.gpkg',
    write: async (dir) => {
      const f = path.join(dir, 'geopackage-cut.gpkg');
      await writeCut(path.join(DATA, 'osm-100.gpkg'), f, 0.5);
      return f;
    },
    expect: /geopackage-cut\.gpkg/,
  },
  {
    kind: 'truncated',
    name: 'flatgeobuf-cut.fgb',
    write: async (dir) => {
      const f = path.join(dir, 'flatgeobuf-cut.fgb');
      await writeCut(path.join(DATA, 'osm-100.fgb'), f, 0.5);
      return f;
    },
    expect: /flatgeobuf-cut\.fgb.*(truncated|ends|past the end|shorter)/i,
  },
  // Wrong types.
  {
    kind: 'wrong-types',
    name: 'features-is-a-string.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'features-is-a-string.geojson');
      await writeFile(f, '{"type":"FeatureCollection","features":"all of them"}');
      return f;
    },
    expect: /features-is-a-string\.geojson.*features/,
  },
  {
    kind: 'wrong-types',
    name: 'coordinates-are-strings.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'coordinates-are-strings.geojson');
      await writeFile(
        f,
        fc([
          polygon([
            [
              ['106.65', '10.98'],
              ['a', 'b'],
              ['c', 'd'],
              ['106.65', '10.98'],
            ],
          ]),
        ]),
      );
      return f;
    },
    expect:
      /coordinates-are-strings\.geojson feature #0 \(id "b1"\): outer ring, vertex 0 has a non-numeric coordinate/,
  },
  {
    kind: 'wrong-types',
    name: 'geometry-is-a-number.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'geometry-is-a-number.geojson');
      await writeFile(f, fc([{ type: 'Feature', properties: {}, geometry: 42 }]));
      return f;
    },
    expect: /geometry-is-a-number\.geojson feature #0: geometry is 42, not a GeoJSON geometry object/,
  },
  {
    kind: 'wrong-types',
    name: 'top-level-array.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'top-level-array.geojson');
      await writeFile(f, '[1, 2, 3]');
      return f;
    },
    expect: /top-level-array\.geojson.*not GeoJSON/,
  },
  // Coordinates.
  {
    kind: 'bad-coordinates',
    name: 'coordinates-1e300.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'coordinates-1e300.geojson');
      await writeFile(
        f,
        fc([
          polygon([
            [
              [1e300, 1e300],
              [1e300, -1e300],
              [-1e300, 1e300],
              [1e300, 1e300],
            ],
          ]),
        ]),
      );
      return f;
    },
    expect: /coordinates-1e300\.geojson.*(don't fit|not longitude\/latitude)/,
  },
  {
    kind: 'bad-coordinates',
    name: 'coordinates-infinite.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'coordinates-infinite.geojson');
      // 1e999 is valid JSON and parses to Infinity.
      await writeFile(
        f,
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"inf"},"geometry":{"type":"Polygon","coordinates":[[[106.65,10.98],[1e999,10.98],[106.651,10.981],[106.65,10.98]]]}}]}',
      );
      return f;
    },
    expect: /coordinates-infinite\.geojson feature #0 \(id "inf"\).*(non-numeric|not longitude)/,
  },
  {
    kind: 'bad-coordinates',
    name: 'coordinates-nan.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'coordinates-nan.geojson');
      await writeFile(
        f,
        fc([
          polygon([
            [
              [106.65, 10.98],
              ['NaN', 10.98],
              [106.651, 10.981],
              [106.65, 10.98],
            ],
          ]),
        ]),
      );
      return f;
    },
    expect:
      /coordinates-nan\.geojson feature #0 \(id "b1"\): outer ring, vertex 1 has a non-numeric coordinate/,
  },
  // Huge.
  {
    kind: 'huge-geometry',
    name: 'polygon-1e6-vertices.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'polygon-1e6-vertices.geojson');
      await writeFile(f, fc([polygon([circle(1_000_000)], { id: 'district' })]));
      return f;
    },
    expect:
      /polygon-1e6-vertices\.geojson feature #0 \(id "district"\): has 1,000,001 vertices; a building footprint may have at most 100,000/,
  },
  // Deep nesting.
  {
    kind: 'deep-nesting',
    name: 'coordinates-nested-1e5.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'coordinates-nested-1e5.geojson');
      const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
      await writeFile(
        f,
        `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"deep"},"geometry":{"type":"Polygon","coordinates":${deep}}}]}`,
      );
      return f;
    },
    expect:
      /coordinates-nested-1e5\.geojson feature #0 \(id "deep"\): outer ring, vertex 0 is not a \[lon, lat\] position/,
  },
  {
    kind: 'deep-nesting',
    name: 'properties-nested-1e5.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'properties-nested-1e5.geojson');
      const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
      await writeFile(
        f,
        `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"deep","x":${deep}},"geometry":{"type":"Polygon","coordinates":${JSON.stringify(square)}}}]}`,
      );
      return f;
    },
    // Attributes are not walked, only read by name: the building is tiled, the nesting harmless.
    expect: 'accept',
  },
  // Zip bombs: a 1 GiB entry in a ~1 MB archive, given to the tiler and to `bdtwin add`; each is
  // stopped at its first 16 KiB read (sources/zip/inflate.ts), nothing written.
  {
    kind: 'zip-bomb',
    name: 'bomb-1GiB.zip',
    write: async (dir) => {
      const f = path.join(dir, 'bomb-1GiB.zip');
      await writeZipBomb(f, 2 ** 30);
      return f;
    },
    expect: refusedBomb('bomb-1GiB.zip', 'buildings.geojson'),
  },
  {
    kind: 'zip-bomb',
    name: 'bomb-named-geojson.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'bomb-named-geojson.geojson');
      await writeZipBomb(f, 2 ** 30);
      return f;
    },
    // Read as the ZIP its first bytes say it is.
    expect: refusedBomb('bomb-named-geojson.geojson', 'buildings.geojson'),
  },
  {
    kind: 'zip-bomb',
    name: 'bomb-lying-header.zip',
    write: async (dir) => {
      // Declares 1 MiB, ratio ~1:1: only the bytes actually inflated give it away.
      const f = path.join(dir, 'bomb-lying-header.zip');
      await writeZipBomb(f, 2 ** 30, 2 ** 20);
      return f;
    },
    expect:
      /bomb-lying-header\.zip: entry "buildings\.geojson" inflates past the 1,048,576 bytes its header declares: the archive is damaged or a zip bomb; refused while unpacking, nothing kept/,
  },
  {
    kind: 'zip-bomb',
    name: 'bomb-dbf-in-shapefile.zip',
    write: async (dir) => {
      // A real Shapefile set whose .dbf is 64 MiB of zeros: the .shp unpacks, the .dbf is stopped.
      const f = path.join(dir, 'bomb-dbf-in-shapefile.zip');
      const parts = await shapefileParts(['.dbf']);
      await writeFile(
        f,
        makeZip([
          ...Object.entries(parts).map(([name, data]) => ({ name, data })),
          { name: 'osm-100.dbf', data: new Uint8Array(64 * 2 ** 20) },
        ]),
      );
      return f;
    },
    expect: refusedBomb('bomb-dbf-in-shapefile.zip', 'osm-100.dbf'),
  },
  // Archives built to escape or exhaust: refused from their directory, before any inflating.
  {
    kind: 'hostile-archive',
    name: 'zip-slip.zip',
    write: async (dir) => {
      const f = path.join(dir, 'zip-slip.zip');
      await writeFile(
        f,
        zipSync({ ...(await shapefileParts()), '../../../tmp/evil.sh': strToU8('echo pwned') }),
      );
      return f;
    },
    expect:
      /zip-slip\.zip: entry "\.\.\/\.\.\/\.\.\/tmp\/evil\.sh" has a "\.\." step that leads out of the folder it is unpacked into \(zip slip\): refused/,
  },
  {
    kind: 'hostile-archive',
    name: 'symlink.zip',
    write: async (dir) => {
      const f = path.join(dir, 'symlink.zip');
      await writeFile(f, makeZip([{ name: 'buildings.geojson', data: '/etc/passwd', unixMode: 0o120777 }]));
      return f;
    },
    expect: /symlink\.zip: entry "buildings\.geojson" is a symbolic link/,
  },
  {
    kind: 'hostile-archive',
    name: 'entries-20k.zip',
    write: async (dir) => {
      const f = path.join(dir, 'entries-20k.zip');
      const files: Record<string, Uint8Array> = {};
      for (let i = 0; i < 20_000; i++) files[`${i}`] = new Uint8Array(0);
      await writeFile(f, zipSync(files, { level: 0 }));
      return f;
    },
    expect: /entries-20k\.zip: holds 20,000 entries, more than the limit of 10,000: refused/,
  },
  {
    kind: 'hostile-archive',
    name: 'nested.zip',
    write: async (dir) => {
      const f = path.join(dir, 'nested.zip');
      await writeFile(
        f,
        zipSync({ 'inner.zip': zipSync({ 'inner2.zip': zipSync(await shapefileParts()) }) }),
      );
      return f;
    },
    expect:
      /nested\.zip: entry "inner\.zip" is an archive inside the archive: nested archives are not opened/,
  },
  {
    kind: 'hostile-archive',
    name: 'encrypted.zip',
    write: async (dir) => {
      const f = path.join(dir, 'encrypted.zip');
      await writeFile(f, makeZip([{ name: 'buildings.geojson', data: '{}', flags: 0x0001 }]));
      return f;
    },
    expect: /encrypted\.zip: entry "buildings\.geojson" is encrypted \(password-protected\)/,
  },
  // Sidecars.
  {
    kind: 'bad-sidecar',
    name: 'wrong-prj.shp',
    write: (dir) =>
      shapefileWith(dir, 'wrong-prj', async (base) => {
        await writeFile(`${base}.prj`, 'PROJCS["garbage",GEOGCS[');
      }),
    expect: /wrong-prj\.shp: is not a valid WKT coordinate system definition/,
  },
  {
    kind: 'bad-sidecar',
    name: 'utm-prj-on-degrees.shp',
    write: (dir) =>
      shapefileWith(dir, 'utm-prj-on-degrees', async (base) => {
        // A .prj that says UTM 48N beside coordinates in degrees (a copy-paste mistake).
        await writeFile(
          `${base}.prj`,
          'PROJCS["WGS 84 / UTM zone 48N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",105],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1]]',
        );
      }),
    expect: /utm-prj-on-degrees/,
  },
  {
    kind: 'bad-sidecar',
    name: 'dbf-header-garbage.shp',
    write: (dir) =>
      shapefileWith(dir, 'dbf-header-garbage', async (base) => {
        const dbf = await readFile(`${base}.dbf`);
        for (let i = 4; i < 12; i++) dbf[i] = 0xff; // record count and header length
        await writeFile(`${base}.dbf`, dbf);
      }),
    expect: /dbf-header-garbage\.(dbf|shp)/,
  },
  {
    kind: 'bad-sidecar',
    name: 'missing-dbf.shp',
    write: (dir) =>
      shapefileWith(dir, 'missing-dbf', async (base) => {
        const { rm } = await import('node:fs/promises');
        await rm(`${base}.dbf`);
      }),
    expect: /missing-dbf.*\.dbf/,
  },
  // Encoding.
  {
    kind: 'bad-encoding',
    name: 'invalid-utf8.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'invalid-utf8.geojson');
      const text = fc([polygon(square, { id: 'b1', name: 'NAME' })]);
      const at = text.indexOf('NAME');
      await writeFile(
        f,
        Buffer.concat([
          Buffer.from(text.slice(0, at)),
          Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
          Buffer.from(text.slice(at + 4)),
        ]),
      );
      return f;
    },
    expect: 'accept',
  },
  {
    kind: 'bad-encoding',
    name: 'utf16-bom.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'utf16-bom.geojson');
      await writeFile(
        f,
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(fc([polygon(square)]), 'utf16le')]),
      );
      return f;
    },
    expect: /utf16-bom\.geojson: is UTF-16 text .*save it as UTF-8/,
  },
  // Garbage.
  {
    kind: 'garbage',
    name: 'empty.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'empty.geojson');
      await writeFile(f, '');
      return f;
    },
    expect: /empty\.geojson: is empty/,
  },
  {
    kind: 'garbage',
    name: 'random-bytes.geojson',
    write: async (dir) => {
      const f = path.join(dir, 'random-bytes.geojson');
      let x = 12345;
      const bytes = Buffer.alloc(100_000);
      for (let i = 0; i < bytes.length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        bytes[i] = x >>> 24;
      }
      await writeFile(f, bytes);
      return f;
    },
    expect: /random-bytes\.geojson/,
  },
  {
    kind: 'garbage',
    name: 'random-bytes.gpkg',
    write: async (dir) => {
      const f = path.join(dir, 'random-bytes.gpkg');
      await writeFile(f, Buffer.from('SQLite format 3\0'.padEnd(4096, '\x07')));
      return f;
    },
    expect: /random-bytes\.gpkg/,
  },
];

// ---------------------------------------------------------------------------------------------
// Messages for the feed hub.

export type MessageKind =
  | 'truncated'
  | 'wrong-types'
  | 'bad-values'
  | 'oversized'
  | 'deep-nesting'
  | 'bad-encoding'
  | 'protobuf-garbage';

export interface MessageItem {
  kind: MessageKind;
  name: string;
  /** `observation`: SensorThings JSON (HTTP POST and MQTT); `gtfs-rt`: protobuf bytes. */
  channel: 'observation' | 'gtfs-rt';
  body: Buffer;
  /** The error the hub must answer with. */
  expect: RegExp;
}

const obs = (text: string) => Buffer.from(text);

/** Pseudo-random bytes (a fixed seed: the same corpus every run). */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export const MESSAGE_CORPUS: MessageItem[] = [
  {
    kind: 'truncated',
    name: 'json-cut',
    channel: 'observation',
    body: obs('{"result": 12.5, "phenomenonTi'),
    expect: /not valid JSON/,
  },
  { kind: 'truncated', name: 'empty', channel: 'observation', body: obs(''), expect: /empty|not valid JSON/ },
  {
    kind: 'wrong-types',
    name: 'array',
    channel: 'observation',
    body: obs('[1,2,3]'),
    expect: /object|Observation/i,
  },
  {
    kind: 'wrong-types',
    name: 'string',
    channel: 'observation',
    body: obs('"12.5"'),
    expect: /object|Observation/i,
  },
  {
    kind: 'wrong-types',
    name: 'result-missing',
    channel: 'observation',
    body: obs('{"phenomenonTime":"2026-01-01T00:00:00Z"}'),
    expect: /result/,
  },
  {
    kind: 'wrong-types',
    name: 'result-string-for-measurement',
    channel: 'observation',
    body: obs('{"result":"high"}'),
    expect: /result/,
  },
  {
    kind: 'wrong-types',
    name: 'time-not-iso',
    channel: 'observation',
    body: obs('{"result":1,"phenomenonTime":"yesterday"}'),
    expect: /phenomenonTime/,
  },
  {
    kind: 'bad-values',
    name: 'result-1e999',
    channel: 'observation',
    body: obs('{"result":1e999}'),
    expect: /result/,
  },
  {
    kind: 'bad-values',
    name: 'time-year-275760',
    channel: 'observation',
    body: obs('{"result":1,"phenomenonTime":"+275760-09-13T00:00:00Z"}'),
    expect: /phenomenonTime/,
  },
  {
    kind: 'bad-values',
    name: 'time-far-future',
    channel: 'observation',
    body: obs('{"result":1,"phenomenonTime":"2999-01-01T00:00:00Z"}'),
    expect: /future/,
  },
  {
    kind: 'bad-values',
    name: 'proto-pollution',
    channel: 'observation',
    body: obs('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"result":"x"}'),
    expect: /result/,
  },
  {
    kind: 'oversized',
    name: 'body-1MB',
    channel: 'observation',
    body: obs(`{"result":1,"parameters":{"pad":"${'x'.repeat(1 << 20)}"}}`),
    expect: /larger than/,
  },
  {
    kind: 'oversized',
    name: 'body-10MB',
    channel: 'observation',
    body: obs(`{"result":"${'y'.repeat(10 << 20)}"}`),
    expect: /larger than/,
  },
  {
    kind: 'deep-nesting',
    name: 'result-nested-1e5',
    channel: 'observation',
    body: obs(`{"result":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
    expect: /larger than|nest/,
  },
  {
    kind: 'deep-nesting',
    name: 'parameters-nested-10k',
    channel: 'observation',
    body: obs(`{"result":1,"parameters":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`),
    expect: /nests more than 64 levels/,
  },
  {
    kind: 'bad-encoding',
    name: 'invalid-utf8',
    channel: 'observation',
    body: Buffer.concat([obs('{"result":'), Buffer.from([0xc3, 0x28, 0xff]), obs('}')]),
    expect: /not valid JSON|UTF-8/,
  },
  {
    kind: 'bad-encoding',
    name: 'nul-bytes',
    channel: 'observation',
    body: obs('{"result":\u0000 1}'),
    expect: /not valid JSON/,
  },
  {
    kind: 'protobuf-garbage',
    name: 'random-bytes',
    channel: 'gtfs-rt',
    body: noise(4096, 7),
    expect: /GTFS|FeedMessage|protobuf/i,
  },
  {
    kind: 'protobuf-garbage',
    name: 'huge-length-varint',
    channel: 'gtfs-rt',
    body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    expect: /GTFS|FeedMessage|protobuf/i,
  },
  {
    kind: 'protobuf-garbage',
    name: 'json-instead',
    channel: 'gtfs-rt',
    body: obs('{"entity":[]}'),
    expect: /GTFS|FeedMessage|protobuf/i,
  },
  {
    kind: 'protobuf-garbage',
    name: 'nested-groups',
    channel: 'gtfs-rt',
    body: Buffer.alloc(60_000, 0x0b),
    expect: /GTFS|FeedMessage|protobuf/i,
  },
  {
    kind: 'protobuf-garbage',
    name: 'empty',
    channel: 'gtfs-rt',
    body: Buffer.alloc(0),
    expect: /GTFS|FeedMessage|protobuf|empty|header/i,
  },
];

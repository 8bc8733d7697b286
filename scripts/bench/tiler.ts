/**
 * `npm run bench:tiler`: the building tiler on synthetic provinces of 10k, 100k and 1M
 * buildings (the demo city repeated across Bình Dương) and on the real OSM sample.
 *
 * For each case: buildings/s end to end, bytes per building (raw and gzipped; geometry with
 * feature ids separately from metadata), peak RSS, and the ratio of the tiler's time to the
 * floor — reading and parsing the same input plus writing the same number of bytes into the
 * same number of files — measured in this run. Prints a table, then one JSON object per case
 * per line. Options: --cases synthetic-10k,osm-hcmc (default: all but synthetic-3M-spill, which
 * needs ~1 GB of disk and several minutes).
 *
 * Then each output is packed as a 3D Tiles archive (what `bdtwin tile --archive` adds), outside
 * the timed run: its size per building and the seconds it took.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { writeArchive } from '../../tiler/src/archive/write.js';
import type { TileReport } from '../../tiler/src/tile.js';
import { ARCHIVE_OPTIONS } from '../../tiler/src/tiles/archive-output.js';
import { ensureCity, GENERATED_DIR, REPO_ROOT } from '../demo.js';
import { writeSyntheticProvince } from './synthetic.js';

const run = promisify(execFile);
const BENCH_DIR = path.join(REPO_ROOT, 'build/bench');

interface Case {
  name: string;
  input: () => Promise<string>;
  /** `--spill-mb` for the run (default: the tiler's). */
  spillMB?: number;
  /** Run only when named in --cases (long). */
  extra?: boolean;
}

const synthetic = (n: number, label: string, spillMB?: number): Case => ({
  name: `synthetic-${label}${spillMB === undefined ? '' : '-spill'}`,
  ...(spillMB === undefined ? {} : { spillMB }),
  input: () =>
    writeSyntheticProvince(
      path.join(GENERATED_DIR, 'buildings.geojson'),
      n,
      path.join(BENCH_DIR, `synthetic-${label}.geojsonl`),
    ),
});

const CASES: Case[] = [
  {
    name: 'osm-hcmc',
    input: async () => path.join(REPO_ROOT, 'data/osm/osm_hcmc_building_polygons_2023-10-22.geojson'),
  },
  synthetic(10_000, '10k'),
  synthetic(100_000, '100k'),
  synthetic(1_000_000, '1M'),
  // The same province with only 64 MB of rings and text in memory: what bounded memory costs.
  synthetic(1_000_000, '1M', 64),
  // Three times larger (~0.9 GB of GeoJSONSeq), spilled: how memory grows past a province.
  { ...synthetic(3_000_000, '3M', 64), extra: true },
];

/** Bytes of a glb split into metadata (EXT_structural_metadata buffer views) and the rest. */
function splitGlb(glb: Buffer): { metadata: Buffer; geometry: Buffer } {
  const jsonLength = glb.readUInt32LE(12);
  const json = JSON.parse(glb.subarray(20, 20 + jsonLength).toString('utf8')) as {
    bufferViews: { buffer: number; byteOffset?: number; byteLength: number }[];
    extensions?: {
      EXT_structural_metadata?: {
        propertyTables: { properties: Record<string, { values: number; stringOffsets?: number }> }[];
      };
    };
  };
  const binStart = 20 + jsonLength + 8;
  const views = new Set<number>();
  for (const t of json.extensions?.EXT_structural_metadata?.propertyTables ?? []) {
    for (const p of Object.values(t.properties)) {
      views.add(p.values);
      if (p.stringOffsets !== undefined) views.add(p.stringOffsets);
    }
  }
  const parts: Buffer[] = [];
  const taken: [number, number][] = [];
  for (const v of views) {
    const bv = json.bufferViews[v]!;
    const start = binStart + (bv.byteOffset ?? 0);
    parts.push(glb.subarray(start, start + bv.byteLength));
    taken.push([start, start + bv.byteLength]);
  }
  taken.sort((a, b) => a[0] - b[0]);
  const rest: Buffer[] = [];
  let at = 0;
  for (const [s, e] of taken) {
    rest.push(glb.subarray(at, s));
    at = e;
  }
  rest.push(glb.subarray(at));
  return { metadata: Buffer.concat(parts), geometry: Buffer.concat(rest) };
}

async function sizes(outDir: string) {
  const files = (await readdir(path.join(outDir, 'tiles'), { recursive: true }))
    .map(String)
    .filter((f) => f.endsWith('.glb'));
  let raw = 0;
  let geometryRaw = 0;
  let geometryGz = 0;
  let metadataRaw = 0;
  let metadataGz = 0;
  let gz = 0;
  for (const f of files) {
    const glb = await readFile(path.join(outDir, 'tiles', f));
    raw += glb.byteLength;
    gz += gzipSync(glb).byteLength;
    const { metadata, geometry } = splitGlb(glb);
    geometryRaw += geometry.byteLength;
    geometryGz += gzipSync(geometry).byteLength;
    metadataRaw += metadata.byteLength;
    metadataGz += gzipSync(metadata).byteLength;
  }
  const tileset = await readFile(path.join(outDir, 'tileset.json'));
  return {
    files: files.length,
    raw: raw + tileset.byteLength,
    gz: gz + gzipSync(tileset).byteLength,
    geometryRaw,
    geometryGz,
    metadataRaw,
    metadataGz,
  };
}

/** The floor: read and parse the same input, then write the same bytes into as many files. */
async function floor(input: string, bytes: number, files: number): Promise<number> {
  const started = performance.now();
  if (input.endsWith('.geojsonl')) {
    const lines = createInterface({ input: createReadStream(input), crlfDelay: Number.POSITIVE_INFINITY });
    let parsed = 0;
    for await (const line of lines) if (line) parsed += JSON.parse(line) ? 1 : 0;
    if (parsed === 0) throw new Error(`${input}: no features`);
  } else {
    JSON.parse(await readFile(input, 'utf8'));
  }
  const dir = path.join(BENCH_DIR, 'floor-out');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const chunk = Buffer.alloc(Math.max(1, Math.round(bytes / files)), 7);
  for (let i = 0; i < files; i++) await writeFile(path.join(dir, `${i}.glb`), chunk);
  const seconds = (performance.now() - started) / 1000;
  await rm(dir, { recursive: true, force: true });
  return seconds;
}

async function main() {
  const { values } = parseArgs({ options: { cases: { type: 'string' } } });
  const wanted = values.cases?.split(',');
  const cases = CASES.filter((c) => (wanted ? wanted.includes(c.name) : !c.extra));
  await ensureCity(() => {});
  const rows: Record<string, unknown>[] = [];
  for (const c of cases) {
    const input = await c.input();
    const out = path.join(BENCH_DIR, `out-${c.name}`);
    const started = performance.now();
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'scripts/bench/tile-once.ts'),
        ...(c.spillMB === undefined ? [] : [`--spill-mb=${c.spillMB}`]),
        out,
        input,
      ],
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=4096' } },
    );
    const wall = (performance.now() - started) / 1000;
    const { report, peakRssMb, rerunSeconds, rerunUpToDate } = JSON.parse(
      stdout.trim().split('\n').at(-1)!,
    ) as {
      report: TileReport;
      peakRssMb: number;
      rerunSeconds: number;
      rerunUpToDate: boolean;
    };
    if (!rerunUpToDate) throw new Error(`${c.name}: the unchanged rerun was not recognised as up to date`);
    const s = await sizes(out);
    const floorSeconds = await floor(input, s.raw, s.files);
    const archiveStarted = performance.now();
    const archive = await writeArchive(out, `${out}.3tz`, ARCHIVE_OPTIONS);
    const archiveSeconds = (performance.now() - archiveStarted) / 1000;
    const n = report.buildingsWritten;
    const row = {
      case: c.name,
      buildings: n,
      seconds: round(report.seconds, 2),
      buildings_per_s: Math.round(n / report.seconds),
      bytes_per_building: round(s.raw / n, 1),
      bytes_per_building_gz: round(s.gz / n, 1),
      geometry_bytes_per_building_gz: round(s.geometryGz / n, 1),
      metadata_bytes_per_building_gz: round(s.metadataGz / n, 1),
      tiles: s.files,
      peak_rss_mb: Math.round(peakRssMb),
      spilled_mb: round(report.spilledBytes / 2 ** 20, 1),
      floor_seconds: round(floorSeconds, 2),
      floor_ratio: round(report.seconds / floorSeconds, 2),
      rerun_seconds: round(rerunSeconds, 3),
      rerun_ratio: round(rerunSeconds / report.seconds, 4),
      process_seconds: round(wall, 2),
      stage_seconds: report.stageSeconds,
      archive_bytes_per_building: round(archive.bytes / n, 1),
      archive_seconds: round(archiveSeconds, 2),
    };
    rows.push(row);
    await rm(out, { recursive: true, force: true });
    await rm(`${out}.3tz`, { force: true });
  }
  console.log(
    '\ncase                 buildings   bld/s   B/bld  B/bld gz  geom gz  meta gz  peak RSS  spilled  floor ×  rerun',
  );
  for (const r of rows) {
    console.log(
      [
        String(r.case).padEnd(19),
        String(r.buildings).padStart(10),
        String(r.buildings_per_s).padStart(7),
        String(r.bytes_per_building).padStart(7),
        String(r.bytes_per_building_gz).padStart(9),
        String(r.geometry_bytes_per_building_gz).padStart(8),
        String(r.metadata_bytes_per_building_gz).padStart(8),
        `${r.peak_rss_mb} MB`.padStart(9),
        `${r.spilled_mb} MB`.padStart(8),
        String(r.floor_ratio).padStart(8),
        `${(Number(r.rerun_ratio) * 100).toFixed(1)}%`.padStart(6),
      ].join(' '),
    );
  }
  for (const r of rows) {
    console.log(
      `3tz archive ${String(r.case).padEnd(19)} ${String(r.archive_bytes_per_building).padStart(7)} B/bld, ` +
        `packed in ${r.archive_seconds} s`,
    );
  }
  console.log('');
  for (const r of rows) console.log(JSON.stringify(r));
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

await main();

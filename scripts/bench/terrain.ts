/**
 * `npm run bench:terrain`: tiles DEMs into quantized-mesh terrain, each case in a fresh child
 * process (peak RSS is the child's), and prints a table plus one JSON line per case.
 *
 * Cases:
 * - **srtm-1s**: a synthetic 1″ SRTM tile, 3601 × 3601 Int16 samples (N10E106.hgt: hills of
 *   20–250 m with detail down to ~100 m), tiled to the level whose grid is as fine as the DEM
 *   (level 14, mesh error 0.5 m there);
 * - **demo**: the generated Thủ Dầu Một DEM (864 × 828 Float32 GeoTIFF, with a void).
 *
 * Usage: npm run bench:terrain [-- --cases srtm-1s,demo]
 * Files go to build/bench/terrain/ (the DEMs are generated on first use).
 */
import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { TERRAIN_DEFAULTS, type TerrainReport, tileTerrain } from '../../tiler/src/terrain/build.js';
import { ensureDemoDem } from '../terrain/demo-dem.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH_DIR = path.join(REPO_ROOT, 'build/bench/terrain');
const run = promisify(execFile);

const SIDE = 3601;

/** Deterministic hills for the SRTM case: a few octaves of sines, 20–250 m. */
function syntheticHeight(col: number, row: number): number {
  const x = col / (SIDE - 1);
  const y = row / (SIDE - 1);
  let h = 130;
  h += 70 * Math.sin(x * 7.1 + 1.3) * Math.cos(y * 5.3 + 0.4);
  h += 30 * Math.sin(x * 23 + y * 17) * Math.sin(y * 19 - x * 3);
  h += 12 * Math.sin(x * 97 + 2) * Math.cos(y * 83 + 1);
  h += 4 * Math.sin(x * 410 + y * 130) * Math.cos(y * 370 - x * 90);
  return Math.round(h);
}

async function ensureSrtm(): Promise<string> {
  const file = path.join(BENCH_DIR, 'N10E106.hgt');
  const size = await stat(file).then(
    (s) => s.size,
    () => 0,
  );
  if (size === SIDE * SIDE * 2) return file;
  const bytes = Buffer.alloc(SIDE * SIDE * 2);
  for (let row = 0; row < SIDE; row++) {
    for (let col = 0; col < SIDE; col++)
      bytes.writeInt16BE(syntheticHeight(col, row), (row * SIDE + col) * 2);
  }
  await mkdir(BENCH_DIR, { recursive: true });
  await writeFile(file, bytes);
  return file;
}

interface ChildResult {
  report: TerrainReport;
  peakRssMb: number;
}

/** In the child: tile and print one JSON line. */
async function child(out: string, dem: string): Promise<void> {
  const report = await tileTerrain([dem], { ...TERRAIN_DEFAULTS, out });
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ report, peakRssMb } satisfies ChildResult)}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cases: { type: 'string' }, child: { type: 'string' }, dem: { type: 'string' } },
  });
  if (values.child && values.dem) return child(values.child, values.dem);
  const all: Record<string, () => Promise<string>> = {
    'srtm-1s': ensureSrtm,
    demo: () => ensureDemoDem(BENCH_DIR),
  };
  const names = values.cases ? values.cases.split(',') : Object.keys(all);
  const rows: string[][] = [];
  const lines: string[] = [];
  for (const name of names) {
    const make = all[name];
    if (!make) throw new Error(`unknown case ${name}; cases: ${Object.keys(all).join(', ')}`);
    const dem = await make();
    const out = path.join(BENCH_DIR, `out-${name}`);
    const started = performance.now();
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', out, '--dem', dem],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const processSeconds = (performance.now() - started) / 1000;
    const { report, peakRssMb } = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildResult;
    const last = report.levels.at(-1)!;
    const line = {
      case: name,
      tiles: report.tiles,
      seconds: Number(report.seconds.toFixed(2)),
      tiles_per_s: Math.round(report.tiles / report.seconds),
      bytes: report.bytes,
      raw_bytes: report.rawBytes,
      peak_rss_mb: Math.round(peakRssMb),
      max_zoom: report.maxZoom,
      finest_level_tiles: last.tiles,
      finest_level_error_m: last.maxErrorM,
      triangles: report.levels.reduce((n, l) => n + l.triangles, 0),
      process_seconds: Number(processSeconds.toFixed(2)),
    };
    lines.push(JSON.stringify(line));
    rows.push([
      name,
      `${report.levels.length}`,
      report.tiles.toLocaleString('en'),
      report.seconds.toFixed(1),
      line.tiles_per_s.toLocaleString('en'),
      (report.bytes / 1e6).toFixed(1),
      (report.bytes / report.tiles / 1024).toFixed(1),
      `${line.peak_rss_mb.toLocaleString('en')} MB`,
    ]);
  }
  const header = ['case', 'levels', 'tiles', 'seconds', 'tiles/s', 'MB (gz)', 'KiB/tile', 'peak RSS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(fmt(header));
  console.log(`| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`);
  for (const r of rows) console.log(fmt(r));
  console.log();
  for (const l of lines) console.log(l);
}

await main();

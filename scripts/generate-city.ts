/**
 * Writes the demo city to data/generated/{buildings,roads}.geojson.
 *
 *   tsx scripts/generate-city.ts [--seed N] [--out data/generated]
 *
 * Files are written atomically (temporary file in the same folder, then rename), so a reader
 * (npm start, the tiler) never sees half a file.
 */
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CITY_GENERATOR_VERSION,
  type CitySummary,
  featureCollectionText,
  GENERATE_CITY_DEFAULTS,
  generateCity,
} from './city/generate.js';
import { loadCityInputs } from './city/inputs.js';

export { CITY_GENERATOR_VERSION };

export const DEFAULT_SEED = GENERATE_CITY_DEFAULTS.seed;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, 'data');
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, 'data/generated');

function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export interface WriteDemoCityResult {
  summary: CitySummary;
  files: { path: string; bytes: number }[];
}

/** Generates the city for `seed` and writes buildings.geojson and roads.geojson into outDir. */
export async function writeDemoCity(options: {
  outDir?: string;
  seed?: number;
  dataDir?: string;
}): Promise<WriteDemoCityResult> {
  const outDir = options.outDir ?? DEFAULT_OUT_DIR;
  const city = generateCity({
    seed: options.seed ?? DEFAULT_SEED,
    inputs: loadCityInputs(options.dataDir ?? DEFAULT_DATA_DIR),
  });
  mkdirSync(outDir, { recursive: true });
  const files = [
    { path: path.join(outDir, 'buildings.geojson'), text: featureCollectionText(city.buildings) },
    { path: path.join(outDir, 'roads.geojson'), text: featureCollectionText(city.roads) },
  ];
  for (const f of files) writeAtomic(f.path, f.text);
  return { summary: city.summary, files: files.map((f) => ({ path: f.path, bytes: statSync(f.path).size })) };
}

function parseArgs(argv: readonly string[]): { seed: number; outDir: string } {
  let seed: number = DEFAULT_SEED;
  let outDir = DEFAULT_OUT_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === '--seed' && value !== undefined) {
      seed = Number(value);
      if (!Number.isInteger(seed) || seed < 0)
        throw new Error(`--seed must be a non-negative integer, got ${value}`);
      i++;
    } else if (arg === '--out' && value !== undefined) {
      outDir = path.resolve(value);
      i++;
    } else if (arg === '--help' || arg === '-h') {
      console.log('usage: tsx scripts/generate-city.ts [--seed N] [--out data/generated]');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  return { seed, outDir };
}

function printSummary(result: WriteDemoCityResult, seed: number, elapsedMs: number): void {
  const s = result.summary;
  const forms = Object.keys(s.buildingsByForm);
  console.log(`demo city, seed ${seed}, generator v${CITY_GENERATOR_VERSION}`);
  console.log(
    `${'ward'.padEnd(14)}${'total'.padStart(7)}${'/km²'.padStart(6)}${forms.map((f) => f.padStart(10)).join('')}`,
  );
  for (const [ward, n] of Object.entries(s.buildingsByWard)) {
    const wf = s.buildingsByWardAndForm[ward];
    const cells = forms.map((f) => String(wf?.[f as keyof typeof wf] ?? 0).padStart(10)).join('');
    console.log(
      `${ward.padEnd(14)}${String(n).padStart(7)}${String(s.densityByWard[ward] ?? '').padStart(6)}${cells}`,
    );
  }
  const totals = forms
    .map((f) => String(s.buildingsByForm[f as keyof typeof s.buildingsByForm]).padStart(10))
    .join('');
  console.log(`${'all'.padEnd(14)}${String(s.buildings).padStart(7)}${''.padStart(6)}${totals}`);
  console.log(
    `roads: ${s.roads} segments, ${s.roadLengthKm} km, one connected network (${s.roadIslandsDropped} islands dropped)`,
  );
  console.log(
    `landmarks: ${s.landmarksPlaced.length} placed${s.landmarksMissing.length ? `, missing: ${s.landmarksMissing.join('; ')}` : ''}`,
  );
  for (const f of result.files)
    console.log(`wrote ${path.relative(process.cwd(), f.path)} (${(f.bytes / 1e6).toFixed(1)} MB)`);
  console.log(
    `generated in ${(s.elapsedMs / 1000).toFixed(1)} s, ${(elapsedMs / 1000).toFixed(1)} s with I/O`,
  );
}

const isMain =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const started = performance.now();
  const { seed, outDir } = parseArgs(process.argv.slice(2));
  const result = await writeDemoCity({ outDir, seed });
  printSummary(result, seed, performance.now() - started);
}

/**
 * The demo planning scenarios, built when missing or stale: inputs generated from the demo city
 * (scripts/planning/generate.ts → data/generated/planning/), then `bdtwin plan` into
 * `<dataDir>/scenarios/`, where `bdtwin serve` lists them at /api/scenarios. Used by the
 * planner's browser test; `npm start` can call it after ensureDemo (see docs/planning.md).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPlan } from '../../tiler/src/planning/plan.js';
import { SCENARIOS_DIR } from '../../tiler/src/planning/routes.js';
import { ensureCity, GENERATED_DIR } from '../demo.js';
import {
  MANIFEST_NAME,
  PLANNING_GENERATOR_VERSION,
  PLANNING_INPUTS_DIR,
  RULES_FILE,
  writeDemoPlanningInputs,
} from './generate.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Log = (line: string) => void;

async function hashTree(dir: string, hash: ReturnType<typeof createHash>): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await hashTree(p, hash);
    else if (!e.name.endsWith('.test.ts')) hash.update(e.name).update(await readFile(p));
  }
}

async function readText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

/**
 * Makes `<dataDir>/scenarios/` hold the demo scenarios (Hiện trạng 2025, TOD 2030) for the
 * current demo city, rules and code; returns the scenarios folder.
 */
export async function ensureDemoPlanning(options: { dataDir: string; log?: Log }): Promise<string> {
  const log = options.log ?? console.log;
  await ensureCity(log);
  const hash = createHash('sha256');
  hash.update(String(PLANNING_GENERATOR_VERSION));
  hash.update(await readText(path.join(GENERATED_DIR, 'stamp.json')));
  hash.update(await readText(RULES_FILE));
  for (const dir of ['tiler/src', 'scripts/planning']) await hashTree(path.join(REPO_ROOT, dir), hash);
  const key = hash.digest('hex');
  const out = path.join(options.dataDir, SCENARIOS_DIR);
  const stampFile = path.join(out, 'stamp.json');
  if ((await readText(stampFile)).includes(key)) return out;

  log('generating the demo planning inputs …');
  const summary = await writeDemoPlanningInputs({ cityDir: GENERATED_DIR, outDir: PLANNING_INPUTS_DIR });
  log(
    `  ${summary.parcels} parcels, ${summary.todayBuildings} buildings today, ${summary.newTowers} new towers`,
  );
  log('building the demo planning scenarios …');
  await rm(stampFile, { force: true });
  const report = await buildPlan(path.join(PLANNING_INPUTS_DIR, MANIFEST_NAME), { out });
  log(
    `  ${report.scenarios.map((s) => `${s.id}: ${s.violatingParcels} parcels with violations`).join('; ')} (${report.seconds.toFixed(1)} s)`,
  );
  await writeFile(stampFile, JSON.stringify({ key }));
  return out;
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ScenarioIndexEntry, ScenarioInfo } from '../api/planning.js';
import { InputError } from '../errors.js';
import { requestRole } from '../serve/auth/request.js';
import { canSee } from '../serve/auth/roles.js';
import { DATA_URL_PREFIX } from '../serve/layers.js';

/**
 * `GET /api/scenarios` for the service: the planning scenarios that `bdtwin plan --out
 * <data>/scenarios` wrote, as `ScenarioInfo[]` with URLs under `/data/`. An empty list when the
 * data folder has none. Read on every request (cheap), so a re-planned folder shows at once.
 */

/** Where the service looks for `bdtwin plan` output inside its data folder. */
export const SCENARIOS_DIR = 'scenarios';

/** The index `bdtwin plan` writes into its output folder. */
export const SCENARIOS_INDEX = 'scenarios.json';

function url(relative: string): string {
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..'))
    throw new Error(`path "${relative}" must stay inside the scenarios folder`);
  return `${DATA_URL_PREFIX}${SCENARIOS_DIR}/${relative.split(/[\\/]/).map(encodeURIComponent).join('/')}`;
}

/** `scenarios.json` entries → what the API serves. */
export function toScenarioInfo(entries: readonly ScenarioIndexEntry[]): ScenarioInfo[] {
  return entries.map((e) => ({
    id: e.id,
    title: e.title,
    description: e.description,
    ...(e.en ? { en: e.en } : {}),
    ...(e.baseYear !== undefined ? { baseYear: e.baseYear } : {}),
    layers: e.layers.map(({ path: p, ...layer }) => ({ ...layer, url: url(p) })),
    metricsUrl: url(e.metricsPath),
    ...(e.metricsCsvPath ? { metricsCsvUrl: url(e.metricsCsvPath) } : {}),
    ...(e.visibility !== undefined ? { visibility: e.visibility } : {}),
  }));
}

export async function listScenarios(dataDir: string): Promise<ScenarioInfo[]> {
  const file = path.join(dataDir, SCENARIOS_DIR, SCENARIOS_INDEX);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) throw new InputError(file, 'must be a JSON array of scenarios');
  return toScenarioInfo(json as ScenarioIndexEntry[]);
}

export async function registerScenarioRoutes(
  app: FastifyInstance,
  options: { dataDir: string },
): Promise<void> {
  const dataDir = path.resolve(options.dataDir);
  app.get('/api/scenarios', async (req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    const role = requestRole(req);
    // Drafts are left out for callers who may not see them (their files answer 404 too).
    return (await listScenarios(dataDir)).filter((s) => canSee(role, s.visibility ?? 'public'));
  });
}

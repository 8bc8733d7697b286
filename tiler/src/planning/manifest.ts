import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { InputError } from '../errors.js';
import { METRICS_DEFAULTS } from './metrics.js';

/**
 * The planning manifest (`*.plan.json`): a zoning plan and proposals per scenario, with the
 * numbers the metrics need. Paths are relative to the manifest. Validated with a JSON schema;
 * every problem is reported with the file and the field, e.g.
 * `plan.json: scenarios[1].layers.zoning: must be a file path or {"path": …}`.
 */

/** A layer file: a path, or a path with reading options (as `bdtwin tile`'s flags). */
export type LayerRef = string | { path: string; crs?: string; layer?: string; encoding?: string };

export interface SunHoursSpec {
  /** Local date (UTC+7), `YYYY-MM-DD`. */
  date: string;
  /** The area: its bounding box `[west, south, east, north]` (degrees), or parcels by id. */
  area: { bbox: [number, number, number, number] } | { parcels: string[] };
  spacingM?: number;
  stepMinutes?: number;
}

export interface ScenarioSpec {
  /** Folder name and URL part: lower-case letters, digits and dashes. */
  id: string;
  title: string;
  description?: string;
  /** English title and description, for the viewer's English UI (falls back to Vietnamese). */
  en?: { title?: string; description?: string };
  baseYear?: number;
  layers: { zoning: LayerRef; proposals: LayerRef[] };
  floorAreaPerPersonM2?: number;
}

export interface PlanManifest {
  name: string;
  description?: string;
  /** Ward polygons with a `name`, for parcels whose own data names no ward. */
  wards?: LayerRef;
  defaults?: {
    floorAreaPerPersonM2?: number;
    storeyHeightM?: number;
    residentialShareByUse?: Record<string, number>;
  };
  sunHours?: SunHoursSpec;
  scenarios: ScenarioSpec[];
}

const LAYER_REF = {
  oneOf: [
    { type: 'string', minLength: 1 },
    {
      type: 'object',
      required: ['path'],
      additionalProperties: false,
      properties: {
        path: { type: 'string', minLength: 1 },
        crs: { type: 'string' },
        layer: { type: 'string' },
        encoding: { type: 'string' },
      },
    },
  ],
};

export const PLAN_MANIFEST_SCHEMA = {
  $id: 'https://bdtwin.local/schemas/plan-manifest.json',
  type: 'object',
  required: ['name', 'scenarios'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    $comment: { type: 'string' },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    wards: { $ref: '#/$defs/layer' },
    defaults: {
      type: 'object',
      additionalProperties: false,
      properties: {
        floorAreaPerPersonM2: { type: 'number', exclusiveMinimum: 0, maximum: 500 },
        storeyHeightM: { type: 'number', minimum: 2, maximum: 10 },
        residentialShareByUse: {
          type: 'object',
          additionalProperties: { type: 'number', minimum: 0, maximum: 1 },
        },
      },
    },
    sunHours: {
      type: 'object',
      required: ['date', 'area'],
      additionalProperties: false,
      properties: {
        date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
        area: {
          oneOf: [
            {
              type: 'object',
              required: ['bbox'],
              additionalProperties: false,
              properties: { bbox: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } },
            },
            {
              type: 'object',
              required: ['parcels'],
              additionalProperties: false,
              properties: { parcels: { type: 'array', items: { type: 'string' }, minItems: 1 } },
            },
          ],
        },
        spacingM: { type: 'number', minimum: 0.5, maximum: 50 },
        stepMinutes: { type: 'number', minimum: 1, maximum: 60 },
      },
    },
    scenarios: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'title', 'layers'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 },
          title: { type: 'string', minLength: 1 },
          description: { type: 'string' },
          en: {
            type: 'object',
            additionalProperties: false,
            properties: { title: { type: 'string', minLength: 1 }, description: { type: 'string' } },
          },
          baseYear: { type: 'integer', minimum: 1900, maximum: 2200 },
          floorAreaPerPersonM2: { type: 'number', exclusiveMinimum: 0, maximum: 500 },
          layers: {
            type: 'object',
            required: ['zoning', 'proposals'],
            additionalProperties: false,
            properties: {
              zoning: { $ref: '#/$defs/layer' },
              proposals: { type: 'array', items: { $ref: '#/$defs/layer' } },
            },
          },
        },
      },
    },
  },
  $defs: { layer: LAYER_REF },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<PlanManifest>(PLAN_MANIFEST_SCHEMA);

/** `/scenarios/1/layers/zoning` → `scenarios[1].layers.zoning`. */
function fieldOf(e: ErrorObject): string {
  let field = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  if (e.keyword === 'required')
    field = field ? `${field}.${e.params.missingProperty}` : e.params.missingProperty;
  if (e.keyword === 'additionalProperties')
    field = field ? `${field}.${e.params.additionalProperty}` : e.params.additionalProperty;
  return field || '(top level)';
}

function describe(e: ErrorObject): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a manifest field (misspelt?)';
    case 'oneOf':
      return 'must be a file path or {"path": …} (sunHours.area: {"bbox": […]} or {"parcels": […]})';
    case 'pattern':
      return e.instancePath.endsWith('/id')
        ? 'must be lower-case letters, digits and dashes (it names a folder and a URL)'
        : `must look like ${e.instancePath.endsWith('/date') ? 'YYYY-MM-DD' : e.params.pattern}`;
    default:
      return e.message ?? e.keyword;
  }
}

/** Schema problems as `field: what` lines; the branch errors under a failed oneOf are dropped. */
export function manifestProblems(json: unknown): string[] {
  if (validate(json)) return [];
  const errors = validate.errors ?? [];
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const lines = errors
    .filter(
      (e) =>
        e.keyword === 'oneOf' ||
        !oneOfPaths.some((p) => e.instancePath.startsWith(p) && e.schemaPath.includes('oneOf')),
    )
    .map((e) => `${fieldOf(e)}: ${describe(e)}`);
  return [...new Set(lines)];
}

/** A manifest with paths made absolute and the defaults filled in. */
export interface ResolvedManifest extends PlanManifest {
  file: string;
  dir: string;
}

export function layerPath(ref: LayerRef): string {
  return typeof ref === 'string' ? ref : ref.path;
}

/** Reads, validates and checks a manifest; paths in the result are absolute. */
export async function loadManifest(file: string): Promise<ResolvedManifest> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new InputError(file, e.code === 'ENOENT' ? 'does not exist' : `is not valid JSON (${e.message})`);
  }
  const problems = manifestProblems(json);
  if (problems.length)
    throw new InputError(file, `is not a valid planning manifest:\n  ${problems.join('\n  ')}`);
  const manifest = json as PlanManifest;
  const dir = path.dirname(path.resolve(file));
  const seen = new Set<string>();
  for (const [i, s] of manifest.scenarios.entries()) {
    if (seen.has(s.id))
      throw new InputError(file, `scenarios[${i}].id: "${s.id}" is used by an earlier scenario`);
    seen.add(s.id);
  }
  const absolute = (ref: LayerRef): LayerRef => {
    const p = path.resolve(dir, layerPath(ref));
    return typeof ref === 'string' ? p : { ...ref, path: p };
  };
  const check = async (ref: LayerRef, field: string) => {
    const p = layerPath(ref);
    const ok = await stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!ok)
      throw new InputError(
        file,
        `${field}: ${path.relative(dir, p) || p} does not exist (paths are relative to the manifest)`,
      );
  };
  const resolved: ResolvedManifest = {
    ...manifest,
    file: path.resolve(file),
    dir,
    ...(manifest.wards ? { wards: absolute(manifest.wards) } : {}),
    scenarios: manifest.scenarios.map((s) => ({
      ...s,
      layers: {
        zoning: absolute(s.layers.zoning),
        proposals: s.layers.proposals.map((p) => absolute(p)),
      },
    })),
  };
  if (resolved.wards) await check(resolved.wards, 'wards');
  for (const [i, s] of resolved.scenarios.entries()) {
    await check(s.layers.zoning, `scenarios[${i}].layers.zoning`);
    for (const [j, p] of s.layers.proposals.entries())
      await check(p, `scenarios[${i}].layers.proposals[${j}]`);
  }
  return resolved;
}

/** The metrics options of a scenario: its own value, else the manifest's default, else ours. */
export function scenarioMetricsOptions(manifest: PlanManifest, scenario: ScenarioSpec) {
  const d = manifest.defaults ?? {};
  return {
    ...METRICS_DEFAULTS,
    storeyHeightM: d.storeyHeightM ?? METRICS_DEFAULTS.storeyHeightM,
    floorAreaPerPersonM2:
      scenario.floorAreaPerPersonM2 ?? d.floorAreaPerPersonM2 ?? METRICS_DEFAULTS.floorAreaPerPersonM2,
    residentialShareByUse: d.residentialShareByUse ?? METRICS_DEFAULTS.residentialShareByUse,
  };
}

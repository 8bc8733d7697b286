import { Ajv, type ErrorObject } from 'ajv';
import {
  CATALOG_LAYER_KINDS,
  type CatalogFile,
  DATE_PATTERN,
  SECTOR_IDS,
  VISIBILITIES,
} from '../api/catalog.js';
import { InputError } from '../errors.js';

/**
 * The JSON schema of `catalog.json` and the checks a schema cannot express (unique ids, dates in
 * order, the units layer exists, paths stay in the data folder). Every problem names the file and
 * the JSON pointer of the offending value, e.g.
 * `data/catalog.json: /layers/2/validTo: must be a date YYYY-MM-DD (got "1/7/2025")`.
 */

const LOCAL_TEXT = {
  type: 'object',
  required: ['vi', 'en'],
  additionalProperties: false,
  properties: { vi: { type: 'string', minLength: 1 }, en: { type: 'string', minLength: 1 } },
} as const;

const COLOR = { type: 'string', pattern: '^#[0-9A-Fa-f]{6}$' } as const;
const DATE = { type: 'string', pattern: DATE_PATTERN } as const;
const OPACITY = { type: 'number', minimum: 0, maximum: 1 } as const;
const WIDTH = { type: 'number', exclusiveMinimum: 0, maximum: 64 } as const;

const STYLE = {
  type: 'object',
  required: ['type'],
  properties: { type: { enum: ['simple', 'categorical', 'graduated'] } },
  discriminator: { propertyName: 'type' },
  oneOf: [
    {
      type: 'object',
      required: ['type', 'color'],
      additionalProperties: false,
      properties: {
        type: { const: 'simple' },
        color: COLOR,
        outline: COLOR,
        opacity: OPACITY,
        widthPx: WIDTH,
      },
    },
    {
      type: 'object',
      required: ['type', 'property', 'categories', 'otherColor'],
      additionalProperties: false,
      properties: {
        type: { const: 'categorical' },
        property: { type: 'string', minLength: 1 },
        categories: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['value', 'color', 'label'],
            additionalProperties: false,
            properties: { value: { type: 'string' }, color: COLOR, label: LOCAL_TEXT },
          },
        },
        otherColor: COLOR,
        opacity: OPACITY,
        widthPx: WIDTH,
      },
    },
    {
      type: 'object',
      required: ['type', 'property', 'breaks'],
      additionalProperties: false,
      properties: {
        type: { const: 'graduated' },
        property: { type: 'string', minLength: 1 },
        breaks: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['min', 'color'],
            additionalProperties: false,
            properties: { min: { type: 'number' }, color: COLOR, label: LOCAL_TEXT },
          },
        },
        unit: { type: 'string' },
        opacity: OPACITY,
        widthPx: WIDTH,
      },
    },
  ],
} as const;

export const CATALOG_SCHEMA = {
  $id: 'https://bdtwin.local/schemas/catalog.json',
  type: 'object',
  required: ['version', 'layers'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    $comment: { type: 'string' },
    version: { const: 1 },
    title: LOCAL_TEXT,
    units: {
      type: 'object',
      required: ['layer', 'idProperty', 'nameProperty'],
      additionalProperties: false,
      properties: {
        layer: { type: 'string', minLength: 1 },
        idProperty: { type: 'string', minLength: 1 },
        nameProperty: { type: 'string', minLength: 1 },
      },
    },
    layers: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'id',
          'kind',
          'title',
          'sector',
          'path',
          'source',
          'licence',
          'crsOfOrigin',
          'validFrom',
          'validTo',
          'updatedAt',
          'visibility',
          'style',
        ],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 },
          kind: { enum: CATALOG_LAYER_KINDS },
          title: LOCAL_TEXT,
          sector: { enum: SECTOR_IDS },
          path: { type: 'string', minLength: 1 },
          source: { type: 'string', minLength: 1 },
          licence: { type: 'string', minLength: 1 },
          crsOfOrigin: { type: 'string', minLength: 1 },
          validFrom: DATE,
          validTo: { anyOf: [DATE, { type: 'null' }] },
          updatedAt: { type: 'string', format: 'date-time' },
          visibility: { enum: VISIBILITIES },
          style: STYLE,
          description: LOCAL_TEXT,
          attribution: { type: 'string' },
          featureCount: { type: 'integer', minimum: 0 },
          bbox: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 },
          timeFeatures: { type: 'boolean' },
          labelProperty: { type: 'string', minLength: 1 },
          defaultOn: { type: 'boolean' },
          coverage: {
            type: 'object',
            required: ['method'],
            additionalProperties: false,
            properties: {
              method: { enum: ['area', 'cells', 'none'] },
              cellM: { type: 'number', minimum: 1, maximum: 10_000 },
              byUnit: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } },
              unitsLayer: { type: 'string' },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true, discriminator: true });
// `format: date-time` without the ajv-formats package: the same check, small and strict.
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/);
const validate = ajv.compile<CatalogFile>(CATALOG_SCHEMA);

/** The JSON pointer of the value a problem is about (the missing/extra member included). */
function pointerOf(e: ErrorObject): string {
  const escapeToken = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  if (e.keyword === 'required') return `${e.instancePath}/${escapeToken(String(e.params.missingProperty))}`;
  if (e.keyword === 'additionalProperties')
    return `${e.instancePath}/${escapeToken(String(e.params.additionalProperty))}`;
  return e.instancePath || '/';
}

function valueAt(json: unknown, pointer: string): unknown {
  let v: unknown = json;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function describe(e: ErrorObject, json: unknown): string {
  const got = () => {
    const v = valueAt(json, e.instancePath);
    const text = JSON.stringify(v);
    return text === undefined ? '' : ` (got ${text.length > 40 ? `${text.slice(0, 40)}…` : text})`;
  };
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a catalogue field (misspelt?)';
    case 'pattern': {
      const p = String(e.params.pattern);
      if (p === DATE_PATTERN) return `must be a date YYYY-MM-DD${got()}`;
      if (p.startsWith('^#')) return `must be a colour #RRGGBB${got()}`;
      return `must be lower-case letters, digits and dashes (it names a folder and a URL)${got()}`;
    }
    case 'enum':
      return `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got()}`;
    case 'format':
      return `must be an ISO 8601 date-time such as 2025-07-01T08:00:00Z${got()}`;
    case 'discriminator':
      return 'style.type must be "simple", "categorical" or "graduated"';
    case 'anyOf':
      return `must be a date YYYY-MM-DD or null (still valid)${got()}`;
    default:
      return `${e.message ?? e.keyword}${got()}`;
  }
}

/** Schema and consistency problems as `pointer: what` lines (empty when the catalogue is good). */
export function catalogProblems(json: unknown): string[] {
  if (!validate(json)) {
    const errors = validate.errors ?? [];
    // anyOf (validTo) reports each failed branch, then itself: keep the summary only.
    const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
    const lines = errors
      .filter((e) => e.keyword === 'anyOf' || !anyOfPaths.has(e.instancePath))
      .map((e) => `${pointerOf(e)}: ${describe(e, json)}`);
    return [...new Set(lines)];
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  json.layers.forEach((layer, i) => {
    const at = `/layers/${i}`;
    const before = seen.get(layer.id);
    if (before !== undefined) problems.push(`${at}/id: "${layer.id}" is already the id of /layers/${before}`);
    else seen.set(layer.id, i);
    if (layer.validTo !== null && layer.validTo < layer.validFrom) {
      problems.push(`${at}/validTo: ${layer.validTo} is before validFrom ${layer.validFrom}`);
    }
    if (
      layer.path.startsWith('/') ||
      /^[a-zA-Z]:/.test(layer.path) ||
      layer.path.split(/[\\/]/).includes('..')
    ) {
      problems.push(`${at}/path: must stay inside the data folder (relative, no "..")`);
    }
    if (layer.style.type === 'graduated') {
      const mins = layer.style.breaks.map((b) => b.min);
      if (mins.some((m, k) => k > 0 && m <= mins[k - 1]!)) {
        problems.push(`${at}/style/breaks: "min" must increase from one class to the next`);
      }
    }
    if (layer.bbox) {
      const [w, s, e, n] = layer.bbox;
      if (!(w <= e && s <= n && w >= -180 && e <= 180 && s >= -90 && n <= 90)) {
        problems.push(`${at}/bbox: must be [west, south, east, north] in degrees`);
      }
    }
  });
  if (json.units && !seen.has(json.units.layer)) {
    problems.push(`/units/layer: no layer has the id "${json.units.layer}"`);
  }
  return problems;
}

/** The catalogue in `json`, or an InputError naming `file` and listing every problem. */
export function parseCatalog(json: unknown, file: string): CatalogFile {
  const problems = catalogProblems(json);
  if (problems.length > 0) {
    throw new InputError(
      file,
      problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${problems.join('\n  ')}`,
    );
  }
  return json as CatalogFile;
}

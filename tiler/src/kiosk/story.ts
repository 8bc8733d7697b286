import { Ajv, type ErrorObject } from 'ajv';
import { STORY_LIMITS, type Story } from '../api/kiosk.js';

/**
 * The JSON schema of a kiosk story (`data/kiosk/story.json`) and the checks a schema cannot
 * express (unique stop ids). Staff edit the file by hand, so every problem names the file, the
 * stop (number from 1 and id) and the field in words, e.g.
 * `story.json: stop 3 ("becamex-tower"): caption.en: is missing (every text needs "vi" and "en")`.
 */

const TEXT = (maxLength: number) =>
  ({
    type: 'object',
    required: ['vi', 'en'],
    additionalProperties: false,
    properties: {
      vi: { type: 'string', minLength: 1, maxLength },
      en: { type: 'string', minLength: 1, maxLength },
    },
  }) as const;

export const STORY_SCHEMA = {
  type: 'object',
  required: ['version', 'stops'],
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    idleTimeoutS: {
      type: 'number',
      minimum: STORY_LIMITS.idleTimeoutS.min,
      maximum: STORY_LIMITS.idleTimeoutS.max,
    },
    stops: {
      type: 'array',
      minItems: STORY_LIMITS.stops.min,
      maxItems: STORY_LIMITS.stops.max,
      items: {
        type: 'object',
        required: ['id', 'title', 'caption', 'durationS', 'view'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
          title: TEXT(STORY_LIMITS.titleChars),
          caption: TEXT(STORY_LIMITS.captionChars),
          durationS: {
            type: 'number',
            minimum: STORY_LIMITS.durationS.min,
            maximum: STORY_LIMITS.durationS.max,
          },
          view: {
            type: 'object',
            required: ['camera'],
            additionalProperties: false,
            properties: {
              camera: {
                type: 'object',
                required: ['lonDeg', 'latDeg', 'heightM', 'headingDeg', 'pitchDeg'],
                additionalProperties: false,
                properties: {
                  lonDeg: { type: 'number', minimum: -180, maximum: 180 },
                  latDeg: { type: 'number', minimum: -90, maximum: 90 },
                  // Above the ground of a city view, below where the globe fills the screen.
                  heightM: { type: 'number', minimum: 1, maximum: 200_000 },
                  headingDeg: { type: 'number', minimum: -360, maximum: 360 },
                  pitchDeg: { type: 'number', minimum: -90, maximum: 0 },
                },
              },
              layers: {
                type: 'array',
                uniqueItems: true,
                items: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,100}$' },
              },
              lang: { enum: ['vi', 'en'] },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile<Story>(STORY_SCHEMA);

/** What staff should read for each field, instead of ajv's wording. */
const FIELD_HINTS: Record<string, string> = {
  id: 'lower-case letters, digits and dashes, e.g. "becamex-tower"',
  durationS: `seconds, ${STORY_LIMITS.durationS.min}–${STORY_LIMITS.durationS.max}`,
  'camera.lonDeg': 'longitude in degrees, e.g. 106.67',
  'camera.latDeg': 'latitude in degrees, e.g. 10.98',
  'camera.heightM': 'camera height in metres above the ellipsoid, 1–200000',
  'camera.headingDeg': 'degrees clockwise from north, −360…360',
  'camera.pitchDeg': 'degrees, −90 (straight down) … 0 (horizon)',
};

function textOf(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return 'nothing';
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function valueAt(json: unknown, parts: string[]): unknown {
  let v: unknown = json;
  for (const p of parts) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p];
  }
  return v;
}

/** "stop 3 ("becamex-tower")" for a stop index from 0, or "stop 3" without a usable id. */
function stopLabel(json: unknown, index: number): string {
  const id = valueAt(json, ['stops', String(index), 'id']);
  return typeof id === 'string' && id !== ''
    ? `stop ${index + 1} (${JSON.stringify(id)})`
    : `stop ${index + 1}`;
}

function describe(e: ErrorObject, json: unknown): string {
  const parts = e.instancePath.split('/').slice(1);
  if (e.keyword === 'required') parts.push(String(e.params.missingProperty));
  if (e.keyword === 'additionalProperties') parts.push(String(e.params.additionalProperty));
  // Where: the stop and the field inside it ("caption.en", "view.camera.heightM").
  let where = '';
  let field = parts.join('.');
  if (parts[0] === 'stops' && parts[1] !== undefined && /^\d+$/.test(parts[1])) {
    where = stopLabel(json, Number(parts[1]));
    field = parts.slice(2).join('.');
  } else if (parts[0] === 'stops') {
    field = 'stops';
  }
  const hint = FIELD_HINTS[field.replace(/^view\./, '')];
  const got = () => ` (got ${textOf(valueAt(json, e.instancePath.split('/').slice(1)))})`;
  let what: string;
  switch (e.keyword) {
    case 'required':
      what =
        field.endsWith('.vi') || field.endsWith('.en')
          ? 'is missing (every text needs "vi" and "en")'
          : 'is missing';
      break;
    case 'additionalProperties':
      what = 'is not a story field (misspelt?)';
      break;
    case 'minLength':
      what = 'must not be empty';
      break;
    case 'maxLength':
      what = `is too long for the caption card: at most ${String(e.params.limit)} characters${got()}`;
      break;
    case 'type':
      what = `must be ${e.params.type === 'number' ? 'a number' : e.params.type === 'string' ? 'a text' : `a${e.params.type === 'object' ? 'n' : ''} ${String(e.params.type)}`}${hint ? `: ${hint}` : ''}${got()}`;
      break;
    case 'minimum':
    case 'maximum':
      what = `is out of range${hint ? `: ${hint}` : ` (${e.message ?? ''})`}${got()}`;
      break;
    case 'pattern':
      what = `${field === 'id' ? `must be ${FIELD_HINTS.id}` : 'has characters a layer id cannot have'}${got()}`;
      break;
    case 'enum':
      what = `must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got()}`;
      break;
    case 'const':
      what = `must be ${JSON.stringify(e.params.allowedValue)}${got()}`;
      break;
    case 'minItems':
      what = `needs at least ${String(e.params.limit)} stop`;
      break;
    case 'maxItems':
      what = `has more than ${String(e.params.limit)} stops`;
      break;
    case 'uniqueItems':
      what = 'lists a layer twice';
      break;
    default:
      what = `${e.message ?? e.keyword}${got()}`;
  }
  return [where, field, what].filter((x) => x !== '').join(': ');
}

/**
 * Problems of a parsed story, one line each, prefixed with `file` (empty when it is good).
 * Never throws.
 */
export function storyProblems(json: unknown, file = 'story.json'): string[] {
  if (!validate(json)) {
    const lines = (validate.errors ?? []).map((e) => `${file}: ${describe(e, json)}`);
    return [...new Set(lines)];
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  json.stops.forEach((stop, i) => {
    const before = seen.get(stop.id);
    if (before !== undefined) {
      problems.push(`${file}: stop ${i + 1}: id: "${stop.id}" is already the id of stop ${before + 1}`);
    } else seen.set(stop.id, i);
  });
  return problems;
}

export type StoryResult = { ok: true; story: Story } | { ok: false; problems: string[] };

/** Parse and check a story file's text; JSON syntax errors are reported like schema errors. */
export function parseStory(text: string, file = 'story.json'): StoryResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, problems: [`${file}: not valid JSON: ${(e as Error).message}`] };
  }
  const problems = storyProblems(json, file);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, story: json as Story };
}

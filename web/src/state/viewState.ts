/**
 * The shareable view state: what a link or a bookmark carries (camera, shown layers, replay
 * time, planner scenario, language). Pure functions only — no Cesium, no DOM — so the codec is
 * unit-tested and reused by kiosk stories (JSON arrays of `{ view: ViewState, … }`).
 *
 * URL form (query string without '?'), keys in this order:
 *   cam=lon,lat,heightM,headingDeg,pitchDeg&layers=a,b&t=ISO-instant&scenario=id[,id]&lang=vi|en
 * Unknown parameters are ignored by the decoder and kept by `mergeViewStateIntoSearch`, so a
 * mode may add its own parameters next to these.
 */

/** Where the camera is (its own position, not the point it looks at) and where it looks. */
export interface CameraView {
  /** Camera longitude, degrees east, −180…180. */
  lonDeg: number;
  /** Camera latitude, degrees north, −90…90. */
  latDeg: number;
  /** Camera height above the WGS84 ellipsoid, metres. */
  heightM: number;
  /** Degrees clockwise from north the camera looks towards, 0…360. */
  headingDeg: number;
  /** Degrees, negative looks down, −90…90. */
  pitchDeg: number;
}

export type Lang = 'vi' | 'en';

export interface ViewState {
  camera?: CameraView;
  /** Ids of the shown layers, in order; `[]` = none shown, absent = the mode's default. */
  layers?: string[];
  /** ISO 8601 instant (UTC, "…Z") of the replay moment; absent = live. */
  time?: string;
  /** Planner scenario id, or an "a,b" pair in /planner. */
  scenario?: string;
  lang?: Lang;
}

/** The URL parameter names, exported so modes can tell their own parameters from these. */
export const VIEW_STATE_PARAMS = ['cam', 'layers', 't', 'scenario', 'lang'] as const;

/** Height limits (m): a little below sea level (the Mekong delta's ellipsoid heights are
 *  negative) up to far beyond any useful city view. */
const MIN_HEIGHT_M = -1_000;
const MAX_HEIGHT_M = 50_000_000;
/** Layer and scenario ids: what the catalogue and the planner generate (no commas, no spaces). */
const ID_RE = /^[A-Za-z0-9_.:-]{1,100}$/;
const MAX_LAYERS = 200;
const ISO_INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Round to `digits` decimals and turn −0 into 0 (so "-0" never appears in a link). */
function round(value: number, digits: number): number {
  const f = 10 ** digits;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r;
}

/** Heading into [0, 360). */
function normaliseHeading(deg: number): number {
  const h = ((deg % 360) + 360) % 360;
  return round(h, 1) === 360 ? 0 : h;
}

/**
 * Rounded as a link should carry it: 1e-5° ≈ 1.1 m on the ground, heights to 0.1 m, angles to
 * 0.1° (finer detail is invisible and makes links long and jittery).
 */
export function roundCameraView(c: CameraView): CameraView {
  return {
    lonDeg: round(c.lonDeg, 5),
    latDeg: round(c.latDeg, 5),
    heightM: round(c.heightM, 1),
    headingDeg: round(normaliseHeading(c.headingDeg), 1),
    pitchDeg: round(c.pitchDeg, 1),
  };
}

/** Canonical instant: "2026-11-25T03:00:00Z" (milliseconds only when not zero). */
function canonicalInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------- validation (shared by URL and JSON)

function checkCamera(value: unknown, errors: string[], where: string): CameraView | undefined {
  const fields = ['lonDeg', 'latDeg', 'heightM', 'headingDeg', 'pitchDeg'] as const;
  if (typeof value !== 'object' || value === null) {
    errors.push(`${where}: expected an object {lonDeg, latDeg, heightM, headingDeg, pitchDeg}`);
    return undefined;
  }
  const v = value as Record<string, unknown>;
  const nums: number[] = [];
  for (const f of fields) {
    const n = v[f];
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      errors.push(`${where}: ${f} must be a finite number, got ${JSON.stringify(n) ?? 'nothing'}`);
      return undefined;
    }
    nums.push(n);
  }
  const [lonDeg, latDeg, heightM, headingDeg, pitchDeg] = nums as [number, number, number, number, number];
  return checkCameraRanges({ lonDeg, latDeg, heightM, headingDeg, pitchDeg }, errors, where);
}

function checkCameraRanges(c: CameraView, errors: string[], where: string): CameraView | undefined {
  const problems: string[] = [];
  if (c.lonDeg < -180 || c.lonDeg > 180) problems.push(`longitude ${c.lonDeg} outside −180…180`);
  if (c.latDeg < -90 || c.latDeg > 90) problems.push(`latitude ${c.latDeg} outside −90…90`);
  if (c.heightM < MIN_HEIGHT_M || c.heightM > MAX_HEIGHT_M)
    problems.push(`height ${c.heightM} m outside ${MIN_HEIGHT_M}…${MAX_HEIGHT_M} m`);
  if (c.pitchDeg < -90 || c.pitchDeg > 90) problems.push(`pitch ${c.pitchDeg}° outside −90…90`);
  if (problems.length > 0) {
    errors.push(`${where}: ${problems.join('; ')}`);
    return undefined;
  }
  return roundCameraView(c);
}

function checkLayers(value: unknown, errors: string[], where: string): string[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(`${where}: expected a list of layer ids`);
    return undefined;
  }
  const ids: string[] = [];
  for (const id of value) {
    if (typeof id !== 'string' || !ID_RE.test(id)) {
      errors.push(`${where}: dropped invalid layer id ${JSON.stringify(id)} (letters, digits, _ . : - only)`);
    } else if (ids.includes(id)) {
      errors.push(`${where}: dropped repeated layer id "${id}"`);
    } else if (ids.length >= MAX_LAYERS) {
      errors.push(`${where}: more than ${MAX_LAYERS} layers, the rest dropped`);
      break;
    } else {
      ids.push(id);
    }
  }
  return ids;
}

function checkTime(value: unknown, errors: string[], where: string): string | undefined {
  if (typeof value !== 'string' || !ISO_INSTANT_RE.test(value)) {
    errors.push(
      `${where}: expected an ISO 8601 instant with a zone such as 2026-11-25T03:00:00Z, got ${JSON.stringify(value)}`,
    );
    return undefined;
  }
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) {
    errors.push(`${where}: ${JSON.stringify(value)} is not a real date`);
    return undefined;
  }
  return canonicalInstant(ms);
}

function checkScenario(value: unknown, errors: string[], where: string): string | undefined {
  const parts = typeof value === 'string' ? value.split(',') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => ID_RE.test(p))) {
    errors.push(`${where}: expected a scenario id or an "a,b" pair of ids, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return parts.join(',');
}

function checkLang(value: unknown, errors: string[], where: string): Lang | undefined {
  if (value === 'vi' || value === 'en') return value;
  errors.push(`${where}: expected "vi" or "en", got ${JSON.stringify(value)}`);
  return undefined;
}

/**
 * Validate a view state from JSON (a kiosk story step, a saved view): invalid parts are dropped
 * with an error naming them and `where` (e.g. "story.json step 3"); never throws.
 */
export function validateViewState(value: unknown, where = 'view'): { state: ViewState; errors: string[] } {
  const errors: string[] = [];
  const state: ViewState = {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { state, errors: [`${where}: expected an object, got ${JSON.stringify(value)}`] };
  }
  const v = value as Record<string, unknown>;
  if (v.camera !== undefined) {
    const c = checkCamera(v.camera, errors, `${where}.camera`);
    if (c) state.camera = c;
  }
  if (v.layers !== undefined) {
    const l = checkLayers(v.layers, errors, `${where}.layers`);
    if (l) state.layers = l;
  }
  if (v.time !== undefined) {
    const tm = checkTime(v.time, errors, `${where}.time`);
    if (tm) state.time = tm;
  }
  if (v.scenario !== undefined) {
    const s = checkScenario(v.scenario, errors, `${where}.scenario`);
    if (s) state.scenario = s;
  }
  if (v.lang !== undefined) {
    const l = checkLang(v.lang, errors, `${where}.lang`);
    if (l) state.lang = l;
  }
  const known = new Set(['camera', 'layers', 'time', 'scenario', 'lang']);
  for (const k of Object.keys(v)) if (!known.has(k)) errors.push(`${where}: unknown field "${k}" ignored`);
  return { state, errors };
}

// ---------------------------------------------------------------- URL codec

/** Percent-encode a value but keep ',' and ':' readable (both are legal in a query). */
function encodeValue(value: string): string {
  return encodeURIComponent(value).replace(/%2C/gi, ',').replace(/%3A/gi, ':');
}

/** The state's parameters in canonical order, values unencoded. */
function viewStateEntries(s: ViewState): [string, string][] {
  const out: [string, string][] = [];
  if (s.camera) {
    const c = roundCameraView(s.camera);
    out.push(['cam', [c.lonDeg, c.latDeg, c.heightM, c.headingDeg, c.pitchDeg].join(',')]);
  }
  if (s.layers) out.push(['layers', s.layers.join(',')]);
  if (s.time) {
    const ms = Date.parse(s.time);
    out.push(['t', Number.isFinite(ms) ? canonicalInstant(ms) : s.time]);
  }
  if (s.scenario) out.push(['scenario', s.scenario]);
  if (s.lang) out.push(['lang', s.lang]);
  return out;
}

/**
 * The state as a URL query string without '?', e.g.
 * "cam=106.6521,10.9804,1800,15,-35&layers=buildings,roads&t=2026-11-25T03:00:00Z&scenario=tod-2030&lang=en".
 * Absent fields are left out; `layers: []` is written as "layers=" (none shown).
 */
export function encodeViewState(s: ViewState): string {
  return viewStateEntries(s)
    .map(([k, v]) => `${k}=${encodeValue(v)}`)
    .join('&');
}

/**
 * Read the state from a query string (with or without '?'). Tolerant: a bad part is dropped
 * with an error naming the parameter and what is wrong; unknown parameters are ignored; never
 * throws.
 */
export function decodeViewState(search: string): { state: ViewState; errors: string[] } {
  const errors: string[] = [];
  const state: ViewState = {};
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  } catch (e) {
    return { state, errors: [`URL query: cannot be read (${(e as Error).message})`] };
  }

  const cam = params.get('cam');
  if (cam !== null) {
    const parts = cam.split(',');
    const nums = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
    if (parts.length !== 5 || !nums.every(Number.isFinite)) {
      errors.push(
        `URL parameter cam: expected 5 numbers "lon,lat,heightM,headingDeg,pitchDeg", got ${JSON.stringify(cam)}`,
      );
    } else {
      const [lonDeg, latDeg, heightM, headingDeg, pitchDeg] = nums as [
        number,
        number,
        number,
        number,
        number,
      ];
      const c = checkCameraRanges(
        { lonDeg, latDeg, heightM, headingDeg, pitchDeg },
        errors,
        'URL parameter cam',
      );
      if (c) state.camera = c;
    }
  }

  const layers = params.get('layers');
  if (layers !== null) {
    const l = checkLayers(layers === '' ? [] : layers.split(','), errors, 'URL parameter layers');
    if (l) state.layers = l;
  }

  const time = params.get('t');
  if (time !== null) {
    // A '+' of a zone offset arrives as a space when the link was not percent-encoded.
    const tm = checkTime(time.replace(' ', '+'), errors, 'URL parameter t');
    if (tm) state.time = tm;
  }

  const scenario = params.get('scenario');
  if (scenario !== null) {
    const s = checkScenario(scenario, errors, 'URL parameter scenario');
    if (s) state.scenario = s;
  }

  const lang = params.get('lang');
  if (lang !== null) {
    const l = checkLang(lang, errors, 'URL parameter lang');
    if (l) state.lang = l;
  }
  return { state, errors };
}

/**
 * Replace the view-state parameters of an existing query string with `s`, keeping every other
 * parameter (a mode's own, kept after ours). Returns the query without '?'. For
 * `history.replaceState` when the camera moves.
 */
export function mergeViewStateIntoSearch(search: string, s: ViewState): string {
  const own = new Set<string>(VIEW_STATE_PARAMS);
  const kept = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const others: string[] = [];
  for (const [k, v] of kept) if (!own.has(k)) others.push(`${encodeURIComponent(k)}=${encodeValue(v)}`);
  const mine = encodeViewState(s);
  return [mine, ...others].filter((p) => p !== '').join('&');
}

/** True when two camera views round to the same link (so an unchanged view writes no URL). */
export function sameCameraView(a: CameraView | undefined, b: CameraView | undefined): boolean {
  if (!a || !b) return a === b;
  const ra = roundCameraView(a);
  const rb = roundCameraView(b);
  return (
    ra.lonDeg === rb.lonDeg &&
    ra.latDeg === rb.latDeg &&
    ra.heightM === rb.heightM &&
    ra.headingDeg === rb.headingDeg &&
    ra.pitchDeg === rb.pitchDeg
  );
}

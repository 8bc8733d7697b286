/**
 * Which source attribute holds what: building data arrives with OSM tags (`height`,
 * `building:levels`), Vietnamese cadastral fields (`chieu_cao`, `so_tang`, `ma_loai_dat`) or
 * Shapefile .dbf columns, which are upper-case and cut to 10 characters (`CHIEU_CAO`,
 * `BUILDING_L` for `building_levels`). Names are matched case-insensitively; each field takes
 * the first name in its list that the feature has a non-empty value for.
 */

/** What the tiler reads from a feature's attributes. */
export type AttributeField =
  | 'id'
  | 'name'
  | 'height'
  | 'storeys'
  | 'minHeight'
  | 'minLevel'
  | 'use'
  | 'building'
  | 'ward';

/** Source attribute names for each field, in order of preference (matched ignoring case). */
export type AttributeMapping = Readonly<Record<AttributeField, readonly string[]>>;

export const ATTRIBUTE_DEFAULTS: AttributeMapping = {
  // After these, the GeoJSON `id` and OSM's element id (`@id`, `@osmId`, `osm_id`): see featureId().
  id: ['id'],
  name: ['name', 'ten', 'name:vi'],
  // Metres from the ground to the roof top. `building_h` is `building:height` in a .dbf.
  height: ['height', 'building:height', 'building_height', 'building_h', 'chieu_cao', 'chieucao'],
  // Storeys above ground. `tang_cao` (tầng cao) is the storey count in Vietnamese planning data.
  storeys: [
    'storeys',
    'building:levels',
    'building_levels',
    'building_l',
    'levels',
    'so_tang',
    'sotang',
    'tang_cao',
    'floors',
  ],
  // Metres from the ground to the bottom of a building part (OSM Simple 3D Buildings).
  minHeight: ['min_height', 'building:min_height'],
  // Storeys below the part, × storey height. (`building_m` would be ambiguous with `building:material`.)
  minLevel: ['building:min_level', 'building_min_level', 'min_level'],
  // Cadastral land-use code (mã loại đất); OSM `landuse` words are mapped to codes (see use.ts).
  use: ['use', 'landuse_code', 'ma_loai_dat', 'ma_loai_da', 'mdsd', 'landuse'],
  // OSM `building=*` (residential, retail, …): the land use when no explicit one is given.
  building: ['building'],
  ward: ['ward', 'phuong', 'ward_name'],
};

/** A value found for a field, with the attribute name it came from (for messages). */
export interface SourceValue {
  key: string;
  value: unknown;
}

export type Attributes = Partial<Record<AttributeField, SourceValue>>;

interface Match {
  field: AttributeField;
  rank: number;
}
interface Compiled {
  byLowerName: Map<string, Match[]>;
  /** Source key → matches: sources repeat the same keys, so each is lower-cased once. */
  memo: Map<string, Match[] | null>;
}
const compiledMappings = new WeakMap<AttributeMapping, Compiled>();
/** Keys remembered per mapping; beyond this (keys unique per feature?) the memo starts over. */
const MEMO_LIMIT = 10_000;

function compile(mapping: AttributeMapping): Compiled {
  let c = compiledMappings.get(mapping);
  if (c) return c;
  const byLowerName = new Map<string, Match[]>();
  for (const field of Object.keys(mapping) as AttributeField[]) {
    mapping[field].forEach((name, rank) => {
      const key = name.toLowerCase();
      const list = byLowerName.get(key) ?? [];
      list.push({ field, rank });
      byLowerName.set(key, list);
    });
  }
  c = { byLowerName, memo: new Map() };
  compiledMappings.set(mapping, c);
  return c;
}

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** The attributes the tiler reads, found in a feature's properties through `mapping`. */
export function readAttributes(
  props: Readonly<Record<string, unknown>>,
  mapping: AttributeMapping = ATTRIBUTE_DEFAULTS,
): Attributes {
  const { byLowerName, memo } = compile(mapping);
  const found: Attributes = {};
  const ranks: Partial<Record<AttributeField, number>> = {};
  for (const key in props) {
    let matches = memo.get(key);
    if (matches === undefined) {
      matches = byLowerName.get(key.toLowerCase()) ?? null;
      if (memo.size >= MEMO_LIMIT) memo.clear();
      memo.set(key, matches);
    }
    if (matches === null) continue;
    const value = props[key];
    if (isEmpty(value)) continue;
    for (const { field, rank } of matches) {
      const best = ranks[field];
      if (best === undefined || rank < best) {
        ranks[field] = rank;
        found[field] = { key, value };
      }
    }
  }
  return found;
}

/** A string attribute, trimmed; numbers are written out; anything else is ''. */
export function stringValue(v: SourceValue | undefined): string {
  const value = v?.value;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/** Names users may write for each field in a mapping spec (any case). */
const FIELD_NAMES: Readonly<Record<string, AttributeField>> = {
  id: 'id',
  name: 'name',
  height: 'height',
  storeys: 'storeys',
  minheight: 'minHeight',
  min_height: 'minHeight',
  'min-height': 'minHeight',
  minlevel: 'minLevel',
  min_level: 'minLevel',
  'min-level': 'minLevel',
  use: 'use',
  building: 'building',
  ward: 'ward',
};
const FIELD_LIST = 'id, name, height, storeys, min_height, min_level, use, building, ward';

/** A mapping spec that cannot be understood; the message says what to write instead. */
export class AttributeMappingError extends Error {
  constructor(spec: string, problem: string) {
    super(`attribute mapping "${spec}": ${problem}`);
    this.name = 'AttributeMappingError';
  }
}

/**
 * Parses a user's mapping, as given to `--attr`: `field=ATTRIBUTE[|ATTRIBUTE…],…`, e.g.
 * `height=H_M,storeys=TANG` or `name=TEN_CT|TEN`. Each given field's list replaces the
 * default (the user knows which column means what; falling back to a default name could read
 * a column that means something else); other fields keep theirs. Throws
 * {@link AttributeMappingError}.
 */
export function parseAttributeMapping(
  spec: string,
  base: AttributeMapping = ATTRIBUTE_DEFAULTS,
): AttributeMapping {
  const usage = 'expected field=ATTRIBUTE[,field=ATTRIBUTE…], e.g. height=H_M,storeys=TANG';
  if (spec.trim() === '') throw new AttributeMappingError(spec, `is empty; ${usage}`);
  const out: Record<AttributeField, readonly string[]> = { ...base };
  const seen = new Set<AttributeField>();
  for (const item of spec.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) throw new AttributeMappingError(spec, `"${item.trim()}" is not field=ATTRIBUTE; ${usage}`);
    const name = item.slice(0, eq).trim();
    const field = FIELD_NAMES[name.toLowerCase()];
    if (!field) {
      const guess = closest(name.toLowerCase(), Object.keys(FIELD_NAMES));
      throw new AttributeMappingError(
        spec,
        `unknown field "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; fields are ${FIELD_LIST}`,
      );
    }
    if (seen.has(field)) throw new AttributeMappingError(spec, `field "${name}" is given twice`);
    seen.add(field);
    const names = item
      .slice(eq + 1)
      .split('|')
      .map((s) => s.trim());
    if (names.some((s) => s === '')) {
      throw new AttributeMappingError(spec, `"${item.trim()}" needs an attribute name after "="`);
    }
    out[field] = names;
  }
  return out;
}

/** The candidate within edit distance 2 of `word`, if any: catches typos like "heigth". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

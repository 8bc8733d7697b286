import { difference, type Geom, union } from 'polyclip-ts';
import { CROSS, findContacts, pointInRing, ringInside } from './contacts.js';
import { signedArea } from './footprint.js';

/**
 * Geometry repair: turns the rings of one GeoJSON polygon — as real cadastral and OSM data
 * has them — into valid polygons, or says why nothing valid is left.
 *
 * Coordinates are planar metres (a footprint's local tangent plane): tolerances are lengths
 * and areas a surveyor would recognise, and polyclip gets small, well-conditioned numbers.
 *
 * Cheap things happen to every ring (dropping the closing point, repeated, collinear and
 * spike points, re-orienting); the polyclip rebuild runs only when the segment test found a
 * ring crossing or touching itself, a hole crossing its shell, or overlapping holes. Valid
 * input never reaches polyclip.
 *
 * Self-intersections are resolved by the non-zero rule (polyclip's union of the ring with
 * itself): a bow-tie becomes its two triangles (a MultiPolygon), a figure-eight its two loops,
 * and a ring digitised twice round stays one filled polygon. Even-odd (xor) would give the
 * same bow-tie but punch a hole wherever a careless digitiser went round twice; non-zero is
 * what the person drawing meant: "this area is building".
 */

/** What was done to a feature's geometry; a feature lists each kind once. */
export type RepairKind =
  | 'closed-ring'
  | 'duplicate-points'
  | 'collinear-points'
  | 'spike-removed'
  | 'winding'
  | 'self-intersection'
  | 'hole-outside-shell'
  | 'overlapping-holes'
  | 'overlapping-parts'
  | 'sliver-removed';

/**
 * Every repair kind with what it means, in report order. Tidy-ups (`changesShape: false`)
 * leave the drawn outline as it was; the others change what is extruded.
 */
export const REPAIR_KINDS: Readonly<Record<RepairKind, { description: string; changesShape: boolean }>> = {
  'closed-ring': {
    description: 'ring not closed (first point not repeated at the end)',
    changesShape: false,
  },
  'duplicate-points': { description: 'repeated consecutive points dropped', changesShape: false },
  'collinear-points': { description: 'points on a straight edge dropped', changesShape: false },
  winding: {
    description: 'rings re-oriented (outer counter-clockwise, holes clockwise)',
    changesShape: false,
  },
  'spike-removed': { description: 'zero-width spikes removed', changesShape: true },
  'self-intersection': {
    description: 'self-intersecting ring rebuilt (a bow-tie becomes two polygons)',
    changesShape: true,
  },
  'hole-outside-shell': {
    description: 'holes outside or across the outer ring dropped or clipped',
    changesShape: true,
  },
  'overlapping-holes': { description: 'overlapping or nested holes merged', changesShape: true },
  'overlapping-parts': { description: 'overlapping MultiPolygon parts merged', changesShape: true },
  'sliver-removed': { description: 'zero-area or too-thin rings or parts dropped', changesShape: true },
};

export interface RepairOptions {
  /** Consecutive points closer than this (metres) are one point. */
  duplicateToleranceM: number;
  /**
   * A point closer than this (metres) to the line through its neighbours is dropped: it is
   * either on a straight edge (collinear) or the tip of a zero-width spike.
   */
  collinearToleranceM: number;
  /** Rings or parts with less area than this (m²) are slivers. */
  minAreaM2: number;
  /**
   * Rings or parts narrower than this (metres) are slivers. Width is the mean width
   * 2·area/perimeter, exact for long thin rectangles, which is what slivers are.
   */
  minWidthM: number;
}

export const REPAIR_DEFAULTS: RepairOptions = {
  // Well below digitising precision (~0.1 m for cadastral surveys), above float noise.
  duplicateToleranceM: 0.001,
  // 1 cm: dropping such a point moves the outline by less than a coat of plaster.
  collinearToleranceM: 0.01,
  // Half a square metre holds no building; it is a digitising artefact.
  minAreaM2: 0.5,
  // The narrowest real buildings are ~1.5 m (OSM HCMC sample: 1.37 m mean width); 0.3 m is a
  // wall or a sliver left between two neighbours.
  minWidthM: 0.3,
};

/**
 * A repaired polygon: one or more polygons (a bow-tie gives two), each `[outer, ...holes]`
 * with flat, open rings (last point not repeated), outer counter-clockwise, holes clockwise,
 * no repeated/collinear/spike points, no self-intersections, holes inside their shell and
 * disjoint. Or why nothing valid is left. `repairs` is empty for valid input.
 */
export type RepairResult =
  | { ok: true; polygons: number[][][]; repairs: RepairKind[] }
  | { ok: false; reason: string; repairs: RepairKind[] };

/** Collects repair kinds in the order they first happen, each once. */
class RepairLog {
  readonly kinds: RepairKind[] = [];
  add(kind: RepairKind) {
    if (!this.kinds.includes(kind)) this.kinds.push(kind);
  }
}

type CleanRing =
  | { ok: true; ring: number[] }
  | { ok: false; why: 'too-few-points' | 'collinear'; areaM2: number; distinct: number };

/**
 * A ring as given (flat metres, normally closed) → open ring without repeated, collinear or
 * spike points, or why it has no shape left. Orientation is left as it was.
 */
function cleanRing(src: ArrayLike<number>, options: RepairOptions, log: RepairLog | undefined): CleanRing {
  let n = src.length >> 1;
  if (n >= 2 && src[0] === src[n * 2 - 2] && src[1] === src[n * 2 - 1]) n--;
  else if (n >= 3) log?.add('closed-ring');
  const dup2 = options.duplicateToleranceM * options.duplicateToleranceM;
  const xy: number[] = [];
  let duplicates = false;
  for (let i = 0; i < n; i++) {
    const x = src[i * 2]!;
    const y = src[i * 2 + 1]!;
    const m = xy.length;
    if (m >= 2) {
      const dx = x - xy[m - 2]!;
      const dy = y - xy[m - 1]!;
      if (dx * dx + dy * dy <= dup2) {
        duplicates = true;
        continue;
      }
    }
    xy.push(x, y);
  }
  // A last point equal to the first (closed twice, or nearly closed) is a duplicate too.
  while (xy.length >= 4) {
    const dx = xy[0]! - xy[xy.length - 2]!;
    const dy = xy[1]! - xy[xy.length - 1]!;
    if (dx * dx + dy * dy > dup2) break;
    xy.length -= 2;
    duplicates = true;
  }
  if (duplicates) log?.add('duplicate-points');
  const distinct = xy.length >> 1;
  if (distinct < 3) return { ok: false, why: 'too-few-points', areaM2: 0, distinct };

  // Fast path: no vertex is degenerate with its neighbours (every valid footprint).
  const tol2 = options.collinearToleranceM * options.collinearToleranceM;
  let anyDegenerate = false;
  for (let i = 0; i < distinct && !anyDegenerate; i++) {
    const a = i === 0 ? distinct - 1 : i - 1;
    const c = i === distinct - 1 ? 0 : i + 1;
    anyDegenerate = degenerate(xy, a, i, c, tol2) !== 0;
  }
  if (!anyDegenerate) return { ok: true, ring: xy };

  // Drop degenerate vertices one at a time, re-testing the neighbours of each (dropping one
  // can make the next one collinear, or expose the rest of a spike).
  const areaBefore = Math.abs(signedArea(xy));
  const prev = new Int32Array(distinct);
  const next = new Int32Array(distinct);
  for (let i = 0; i < distinct; i++) {
    prev[i] = i === 0 ? distinct - 1 : i - 1;
    next[i] = i === distinct - 1 ? 0 : i + 1;
  }
  // 1 alive; 0 dropped as collinear (must stay near the outline); 2 dropped as a spike tip.
  const state = new Uint8Array(distinct).fill(1);
  let count = distinct;
  const stack: number[] = [];
  for (let i = distinct - 1; i >= 0; i--) stack.push(i);
  while (stack.length > 0 && count >= 3) {
    const b = stack.pop()!;
    if (state[b] !== 1) continue;
    const a = prev[b]!;
    const c = next[b]!;
    const kind = degenerate(xy, a, b, c, tol2);
    if (kind === 0) continue;
    // Dropping points one by one along a gentle curve would creep away from it: every
    // collinear point dropped between a and c must stay within tolerance of the new edge.
    if (kind === 1 && !chordFits(xy, a, c, state, tol2)) continue;
    log?.add(kind === 1 ? 'collinear-points' : 'spike-removed');
    state[b] = kind === 1 ? 0 : 2;
    next[a] = c;
    prev[c] = a;
    count--;
    // Out and straight back to the same point leaves a repeated point behind.
    const dx = xy[a * 2]! - xy[c * 2]!;
    const dy = xy[a * 2 + 1]! - xy[c * 2 + 1]!;
    if (count >= 3 && dx * dx + dy * dy <= dup2) {
      state[c] = 2;
      const d = next[c]!;
      next[a] = d;
      prev[d] = a;
      count--;
      stack.push(d);
    }
    stack.push(a, c);
  }
  if (count < 3) return { ok: false, why: 'collinear', areaM2: areaBefore, distinct };
  const out: number[] = [];
  let start = 0;
  while (state[start] !== 1) start++;
  let i = start;
  do {
    out.push(xy[i * 2]!, xy[i * 2 + 1]!);
    i = next[i]!;
  } while (i !== start);
  return { ok: true, ring: out };
}

/** Whether every point dropped as collinear between a and c lies within tolerance of a–c. */
function chordFits(xy: readonly number[], a: number, c: number, state: Uint8Array, tol2: number): boolean {
  const n = xy.length >> 1;
  const ax = xy[a * 2]!;
  const ay = xy[a * 2 + 1]!;
  const dx = xy[c * 2]! - ax;
  const dy = xy[c * 2 + 1]! - ay;
  const len2 = dx * dx + dy * dy;
  for (let i = a + 1 === n ? 0 : a + 1; i !== c; i = i + 1 === n ? 0 : i + 1) {
    if (state[i] !== 0) continue;
    const cross = dx * (xy[i * 2 + 1]! - ay) - dy * (xy[i * 2]! - ax);
    if (cross * cross >= tol2 * len2) return false;
  }
  return true;
}

/**
 * Whether vertex b (between a and c) has no width: 0 no, 1 collinear (b lies on a–c), 2 spike
 * (b is the tip of an out-and-back excursion). The test is the triangle's smallest altitude
 * (2·area / longest side) against the tolerance, so a sharp but real corner with long sides
 * is kept while a needle is not.
 */
function degenerate(xy: readonly number[], a: number, b: number, c: number, tol2: number): 0 | 1 | 2 {
  const ax = xy[a * 2]!;
  const ay = xy[a * 2 + 1]!;
  const bx = xy[b * 2]!;
  const by = xy[b * 2 + 1]!;
  const cx = xy[c * 2]!;
  const cy = xy[c * 2 + 1]!;
  const abx = bx - ax;
  const aby = by - ay;
  const acx = cx - ax;
  const acy = cy - ay;
  const cross = abx * acy - aby * acx;
  const ab2 = abx * abx + aby * aby;
  const ac2 = acx * acx + acy * acy;
  const bc2 = (cx - bx) * (cx - bx) + (cy - by) * (cy - by);
  const longest2 = Math.max(ab2, ac2, bc2);
  if (cross * cross >= tol2 * longest2) return 0;
  // b lies between a and c when a–c is the longest side; otherwise a or c is, and b is a tip.
  return ac2 === longest2 ? 1 : 2;
}

function perimeter(ring: readonly number[]): number {
  const n = ring.length >> 1;
  let p = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    p += Math.hypot(ring[i * 2]! - ring[j * 2]!, ring[i * 2 + 1]! - ring[j * 2 + 1]!);
  }
  return p;
}

/** Why a ring is a sliver (too small or too thin), or undefined when it is not. */
function sliverReason(ring: readonly number[], options: RepairOptions): string | undefined {
  const areaM2 = Math.abs(signedArea(ring));
  if (areaM2 < options.minAreaM2) return `is a zero-area sliver (${areaM2.toFixed(2)} m²)`;
  const widthM = (2 * areaM2) / perimeter(ring);
  if (widthM < options.minWidthM) {
    return `is a sliver ${widthM.toFixed(2)} m wide (${areaM2.toFixed(1)} m²)`;
  }
  return undefined;
}

function reverseOpen(ring: number[]): number[] {
  const out = new Array<number>(ring.length);
  const n = ring.length >> 1;
  for (let i = 0; i < n; i++) {
    out[i * 2] = ring[(n - 1 - i) * 2]!;
    out[i * 2 + 1] = ring[(n - 1 - i) * 2 + 1]!;
  }
  return out;
}

/**
 * Repairs the rings of one polygon, `[outer, ...holes]`, each a flat `[x0, y0, x1, y1, …]` in
 * metres, closed as in GeoJSON (an unclosed ring is closed and reported). See the module
 * comment for what is repaired and how.
 */
export function repairPolygon(
  rings: readonly ArrayLike<number>[],
  options: RepairOptions = REPAIR_DEFAULTS,
): RepairResult {
  const log = new RepairLog();
  const fail = (reason: string): RepairResult => ({ ok: false, reason, repairs: log.kinds });
  if (rings.length === 0) return fail('has no rings');

  // 1. Each ring on its own: closing point, repeated, collinear and spike points.
  const cleaned: number[][] = [];
  for (let r = 0; r < rings.length; r++) {
    const c = cleanRing(rings[r]!, options, log);
    if (c.ok) {
      cleaned.push(c.ring);
      continue;
    }
    const reason =
      c.why === 'too-few-points'
        ? `has fewer than 3 distinct points (${c.distinct})`
        : `is a zero-area sliver (${c.areaM2.toFixed(2)} m²): its points lie on a line`;
    if (r === 0) return fail(`outer ring ${reason}`);
    log.add('sliver-removed'); // a degenerate hole is dropped, not fatal
  }
  const shell = cleaned[0]!;
  let holes = cleaned.slice(1);

  // 2. Do any rings cross or touch? (The cheap test; nearly always no.)
  const contacts = findContacts(cleaned);
  let rebuild = false;
  for (const { a, b, contact } of contacts) {
    if (a === b) {
      log.add('self-intersection');
      rebuild = true;
    } else if (a === 0 && contact === CROSS) {
      log.add('hole-outside-shell');
      rebuild = true;
    } else if (a > 0 && contact === CROSS) {
      log.add('overlapping-holes');
      rebuild = true;
    }
    // A hole touching its shell or another hole at a point is valid (OGC): nothing to do.
  }
  if (rebuild) return rebuildWithPolyclip(shell, holes, options, log);

  // 3. Simple rings: holes must lie inside the shell and outside each other.
  if (holes.length > 0) {
    const kept: number[][] = [];
    for (const hole of holes) {
      if (ringInside(hole, shell) === false) {
        log.add('hole-outside-shell');
        continue;
      }
      kept.push(hole);
    }
    // Nested holes: the inner one is already empty space.
    holes = kept.filter((hole, i) => {
      for (let j = 0; j < kept.length; j++) {
        if (j === i) continue;
        const inside = ringInside(hole, kept[j]!);
        // Identical holes: keep the first.
        if (inside === true || (inside === undefined && j < i)) {
          log.add('overlapping-holes');
          return false;
        }
      }
      return true;
    });
  }

  // 4. Slivers and orientation.
  const shellSliver = sliverReason(shell, options);
  if (shellSliver) return fail(`outer ring ${shellSliver}`);
  const out: number[][] = [signedArea(shell) < 0 ? reverseOpen(shell) : shell];
  if (out[0] !== shell) log.add('winding');
  for (const hole of holes) {
    if (sliverReason(hole, options)) {
      log.add('sliver-removed');
      continue;
    }
    if (signedArea(hole) > 0) {
      log.add('winding');
      out.push(reverseOpen(hole));
    } else out.push(hole);
  }
  return { ok: true, polygons: [out], repairs: log.kinds };
}

const toPairs = (ring: readonly number[]): [number, number][] => {
  const pairs: [number, number][] = [];
  for (let i = 0; i < ring.length; i += 2) pairs.push([ring[i]!, ring[i + 1]!]);
  pairs.push([ring[0]!, ring[1]!]);
  return pairs;
};

/**
 * The polygon rebuilt by polyclip: the shell filled by the non-zero rule, minus the union of
 * the holes (so holes are clipped to the shell and overlapping holes merge), then cleaned and
 * stripped of slivers the rebuild may leave (a bow-tie crossing 2 cm from a corner leaves a
 * 2 cm triangle).
 */
function rebuildWithPolyclip(
  shell: number[],
  holes: number[][],
  options: RepairOptions,
  log: RepairLog,
): RepairResult {
  let result: [number, number][][][];
  try {
    const filled = union([toPairs(shell)]);
    const holeGeoms: Geom[] = holes.map((h) => [toPairs(h)]);
    result =
      holeGeoms.length === 0 ? filled : difference(filled, union(holeGeoms[0]!, ...holeGeoms.slice(1)));
  } catch (error) {
    // polyclip can give up on pathological input; one feature must not stop the run.
    return {
      ok: false,
      reason: `rings cross each other and could not be rebuilt (${(error as Error).message})`,
      repairs: log.kinds,
    };
  }
  const polygons = tidyPolygons(result, options, log);
  if (polygons.length === 0) {
    const problem = log.kinds.includes('self-intersection')
      ? 'outer ring is self-intersecting'
      : 'holes cover the outer ring';
    return { ok: false, reason: `${problem} and nothing valid is left`, repairs: log.kinds };
  }
  return { ok: true, polygons, repairs: log.kinds };
}

/**
 * polyclip output (closed `[x, y]` rings, outer counter-clockwise) → our flat open rings,
 * cleaned, with sliver parts and holes dropped.
 */
function tidyPolygons(
  multi: readonly (readonly (readonly [number, number][])[])[],
  options: RepairOptions,
  log: RepairLog,
): number[][][] {
  const polygons: number[][][] = [];
  for (const poly of multi) {
    const rings: number[][] = [];
    for (let r = 0; r < poly.length; r++) {
      const flat: number[] = [];
      for (const [x, y] of poly[r]!) flat.push(x, y);
      // polyclip's own output needs no reporting: the tidy-ups are part of the rebuild.
      const c = cleanRing(flat, options, undefined);
      if (!c.ok || sliverReason(c.ring, options)) {
        log.add('sliver-removed');
        if (r === 0) break;
        continue;
      }
      let ring = c.ring;
      if ((r === 0) === signedArea(ring) < 0) ring = reverseOpen(ring);
      rings.push(ring);
    }
    if (rings.length > 0) polygons.push(rings);
  }
  return polygons;
}

/**
 * Repairs every polygon of a (Multi)Polygon with {@link repairPolygon}, drops the parts
 * nothing valid is left of, and merges parts that overlap or share an edge (which would
 * draw one roof over another and walls inside the building). Fails only when no part is left;
 * the reason then names each part's problem.
 */
export function repairMultiPolygon(
  polygons: readonly (readonly ArrayLike<number>[])[],
  options: RepairOptions = REPAIR_DEFAULTS,
): RepairResult {
  if (polygons.length === 1) return repairPolygon(polygons[0]!, options);
  const log = new RepairLog();
  const parts: number[][][] = [];
  const reasons: string[] = [];
  for (let p = 0; p < polygons.length; p++) {
    const r = repairPolygon(polygons[p]!, options);
    if (r.ok) {
      for (const k of r.repairs) log.add(k);
      parts.push(...r.polygons);
    } else reasons.push(`polygon ${p}, ${r.reason}`);
  }
  if (parts.length === 0) {
    return {
      ok: false,
      reason: reasons.length > 0 ? reasons.join('; ') : 'has no polygons',
      repairs: log.kinds,
    };
  }
  if (reasons.length > 0) log.add('sliver-removed');
  if (!partsOverlap(parts)) return { ok: true, polygons: parts, repairs: log.kinds };
  log.add('overlapping-parts');
  let merged: [number, number][][][];
  try {
    const geoms: Geom[] = parts.map((rings) => rings.map(toPairs));
    merged = union(geoms[0]!, ...geoms.slice(1));
  } catch {
    // Keep the parts as they are: overlapping roofs look worse than nothing only in theory.
    return { ok: true, polygons: parts, repairs: log.kinds };
  }
  const tidy = tidyPolygons(merged, options, log);
  return tidy.length > 0
    ? { ok: true, polygons: tidy, repairs: log.kinds }
    : { ok: false, reason: 'no part is left after merging overlapping parts', repairs: log.kinds };
}

/** Whether any two (valid) parts overlap or share an edge; touching at a point is fine. */
function partsOverlap(parts: readonly number[][][]): boolean {
  const boxes = parts.map((rings) => {
    const ring = rings[0]!;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (let i = 0; i < ring.length; i += 2) {
      x0 = Math.min(x0, ring[i]!);
      x1 = Math.max(x1, ring[i]!);
      y0 = Math.min(y0, ring[i + 1]!);
      y1 = Math.max(y1, ring[i + 1]!);
    }
    return [x0, y0, x1, y1] as const;
  });
  for (let i = 0; i < parts.length; i++) {
    for (let j = i + 1; j < parts.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      // Boxes that only touch still count: parts sharing an edge are merged too.
      if (a[0] > b[2] || b[0] > a[2] || a[1] > b[3] || b[1] > a[3]) continue;
      const shellA = parts[i]![0]!;
      const shellB = parts[j]![0]!;
      if (findContacts([shellA, shellB]).some((c) => c.a !== c.b && c.contact === CROSS)) return true;
      if (insidePolygon(shellA, parts[j]!) || insidePolygon(shellB, parts[i]!)) return true;
    }
  }
  return false;
}

/** Whether a ring that does not cross polygon `rings` lies inside its area (not in a hole). */
function insidePolygon(ring: readonly number[], rings: readonly number[][]): boolean {
  for (let i = 0; i < ring.length; i += 2) {
    const x = ring[i]!;
    const y = ring[i + 1]!;
    const inShell = pointInRing(x, y, rings[0]!);
    if (inShell === 0) continue;
    if (inShell < 0) return false;
    for (let h = 1; h < rings.length; h++) if (pointInRing(x, y, rings[h]!) > 0) return false;
    return true;
  }
  return false;
}

/**
 * Urban forms: how a block (or a stretch of road frontage) is filled with buildings. Sizes follow
 * common Vietnamese practice: nhà ống (tube houses) 4–6 m wide and 15–25 m deep with shared side
 * walls, detached villas set back in gardens, point towers in the New City, wide low sheds in the
 * industrial parks.
 */

import type { BuildingForm, Placer, PlannedBuilding } from './buildings.js';
import { type Obb, obbCorners } from './geometry.js';
import type { PublicKind, PublicNamer } from './names.js';
import type { XY } from './projection.js';
import type { Rng } from './rng.js';
import { type Block, frameToLocal, gridFrame } from './streets.js';
import type { ZoneKind } from './zones.js';

/** A straight frontage: buildings stand on the n side of the line from `origin` along `t`. */
export interface Frontage {
  origin: XY;
  /** Unit vector along the street. */
  t: XY;
  /** Unit vector away from the street. */
  n: XY;
  lengthM: number;
}

/** The rectangle [s0, s1] along and [d0, d1] away from a frontage. */
export function lotObb(f: Frontage, s0: number, s1: number, d0: number, d1: number): Obb {
  const sm = (s0 + s1) / 2;
  const dm = (d0 + d1) / 2;
  return {
    cxM: f.origin[0] + f.t[0] * sm + f.n[0] * dm,
    cyM: f.origin[1] + f.t[1] * sm + f.n[1] * dm,
    halfLengthM: (s1 - s0) / 2,
    halfWidthM: (d1 - d0) / 2,
    angleRad: Math.atan2(f.t[1], f.t[0]),
  };
}

/** What one lot of a row holds. */
export interface LotSpec {
  widthM: number;
  depthM: number;
  setbackM: number;
  /** Gap to the next lot's building (0 = shared wall). */
  gapAfterM: number;
  form: BuildingForm;
  storeys: number;
  use: string;
}

export type LotMaker = (rng: Rng, maxDepthM: number, kind: ZoneKind) => LotSpec | null;

/** Storey counts of nhà ống by zone, as weights. */
const SHOPHOUSE_STOREYS: Readonly<Record<ZoneKind, ReadonlyArray<readonly [number, number]>>> = {
  oldCentre: [
    [2, 0.2],
    [3, 0.35],
    [4, 0.3],
    [5, 0.15],
  ],
  urban: [
    [1, 0.05],
    [2, 0.3],
    [3, 0.4],
    [4, 0.2],
    [5, 0.05],
  ],
  suburban: [
    [1, 0.25],
    [2, 0.4],
    [3, 0.28],
    [4, 0.07],
  ],
  newCity: [
    [3, 0.2],
    [4, 0.5],
    [5, 0.3],
  ],
  industrial: [
    [1, 0.4],
    [2, 0.4],
    [3, 0.2],
  ],
  rural: [
    [1, 0.55],
    [2, 0.35],
    [3, 0.1],
  ],
};

/** Share of street-front nhà ống used as shops/services (TMD) rather than homes (ODT). */
const SHOPHOUSE_COMMERCIAL_SHARE: Readonly<Record<ZoneKind, number>> = {
  oldCentre: 0.3,
  urban: 0.15,
  suburban: 0.1,
  newCity: 0.5,
  industrial: 0.2,
  rural: 0.05,
};

export const SHOPHOUSE_WIDTH_M: readonly [number, number] = [4, 6];
export const SHOPHOUSE_DEPTH_M: readonly [number, number] = [15, 25];

/** Nhà ống on a street; the depth shrinks to the room left in the block (never below 15 m). */
export const shophouseLot =
  (commercial = true): LotMaker =>
  (rng, maxDepthM, kind) => {
    if (maxDepthM < SHOPHOUSE_DEPTH_M[0]) return null;
    const narrow = kind === 'oldCentre' || kind === 'urban';
    return {
      // Old-town lots are the narrowest (often exactly 4 m); newer subdivisions 5–6 m.
      widthM: narrow ? rng.range(SHOPHOUSE_WIDTH_M[0], 5.2) : rng.range(4.5, SHOPHOUSE_WIDTH_M[1]),
      depthM: Math.min(rng.range(SHOPHOUSE_DEPTH_M[0], SHOPHOUSE_DEPTH_M[1]), maxDepthM),
      setbackM: kind === 'oldCentre' || kind === 'urban' ? 0 : rng.range(0, 3),
      gapAfterM: 0,
      form: 'shophouse',
      storeys: rng.weighted(SHOPHOUSE_STOREYS[kind]),
      use: commercial && rng.chance(SHOPHOUSE_COMMERCIAL_SHARE[kind]) ? 'TMD' : 'ODT',
    };
  };

/** Tube houses in a hẻm (alley): lower, all homes. */
export const alleyHouseLot: LotMaker = (rng, maxDepthM, kind) => {
  if (maxDepthM < SHOPHOUSE_DEPTH_M[0]) return null;
  return {
    widthM: rng.range(4, 5.5),
    depthM: Math.min(rng.range(15, 18), maxDepthM),
    setbackM: 0,
    gapAfterM: 0,
    form: 'shophouse',
    storeys: Math.max(1, rng.weighted(SHOPHOUSE_STOREYS[kind]) - 1),
    use: 'ODT',
  };
};

/** Detached house or villa in a garden, set back from the street. */
export const villaLot: LotMaker = (rng, maxDepthM, kind) => {
  const setbackM = rng.range(3, 6);
  if (maxDepthM - setbackM < 10) return null;
  return {
    widthM: rng.range(8, 15),
    depthM: Math.min(rng.range(10, 18), maxDepthM - setbackM),
    setbackM,
    gapAfterM: rng.range(4, 9),
    form: 'villa',
    storeys: kind === 'rural' ? rng.int(1, 2) : rng.int(2, 3),
    use: 'ODT',
  };
};

/** Village frontage: scattered tube houses and small detached houses. */
export const ruralLot: LotMaker = (rng, maxDepthM, kind) => {
  const lot = rng.chance(0.6) ? shophouseLot(false)(rng, maxDepthM, kind) : villaLot(rng, maxDepthM, kind);
  if (lot) lot.gapAfterM = rng.range(3, 25);
  return lot;
};

export interface FormContext {
  placer: Placer;
  rng: Rng;
  /** Rounded height for a storey count, or null for the ~10 % of ordinary houses without one. */
  height: (form: BuildingForm, storeys: number) => number | null;
  publicNamer: PublicNamer;
  wardNames: readonly string[];
}

function building(
  wardIndex: number,
  rings: XY[][],
  form: BuildingForm,
  storeys: number,
  heightM: number | null,
  use: string,
  name?: string,
): PlannedBuilding {
  const b: PlannedBuilding = { wardIndex, polygons: [rings], form, storeys, heightM, use };
  if (name !== undefined) b.name = name;
  return b;
}

/** Corners of an OBB as a counter-clockwise ring. */
const rect = (o: Obb): XY[] => obbCorners(o);

/**
 * Fills a frontage with a row of lots. Lots share walls where gapAfterM is 0; an occasional
 * 2–3 m hẻm (alley) breaks the row; `fill` is the share of lots built on.
 */
export function fillRow(
  ctx: FormContext,
  f: Frontage,
  wardIndex: number,
  kind: ZoneKind,
  lot: LotMaker,
  opts: { maxDepthM: number; fill: number; alleyChance: number; startM?: number; endM?: number },
): number {
  const { rng, placer } = ctx;
  let s = opts.startM ?? 0;
  const end = f.lengthM - (opts.endM ?? 0);
  let placed = 0;
  while (s < end) {
    if (rng.chance(opts.alleyChance)) {
      s += rng.range(2, 3);
      continue;
    }
    const spec = lot(rng, opts.maxDepthM, kind);
    if (!spec) return placed;
    if (s + spec.widthM > end) break;
    if (rng.chance(opts.fill)) {
      const o = lotObb(f, s, s + spec.widthM, spec.setbackM, spec.setbackM + spec.depthM);
      const b = building(
        wardIndex,
        [rect(o)],
        spec.form,
        spec.storeys,
        ctx.height(spec.form, spec.storeys),
        spec.use,
      );
      if (placer.tryPlace([o], [b])) placed++;
    }
    s += spec.widthM + spec.gapAfterM;
  }
  return placed;
}

/** A block's usable rectangle (inside the street corridors) and its four street frontages. */
export interface BlockLayout {
  u0: number;
  v0: number;
  u1: number;
  v1: number;
  /** bottom, right, top, left; each looks into the block. */
  sides: [Frontage, Frontage, Frontage, Frontage];
  toLocal: (u: number, v: number) => [number, number];
  angleRad: number;
}

export function blockLayout(b: Block, clearanceM = 0.4): BlockLayout {
  const frame = gridFrame(b.angleRad);
  const [h0, h1, h2, h3] = b.sideHalfWidthM;
  const u0 = b.u0 + h3 + clearanceM;
  const u1 = b.u1 - h1 - clearanceM;
  const v0 = b.v0 + h0 + clearanceM;
  const v1 = b.v1 - h2 - clearanceM;
  const toLocal = (u: number, v: number) => frameToLocal(frame, u, v);
  const eu: XY = [frame.cos, frame.sin];
  const ev: XY = [-frame.sin, frame.cos];
  const neg = (p: XY): XY => [-p[0], -p[1]];
  return {
    u0,
    v0,
    u1,
    v1,
    angleRad: b.angleRad,
    toLocal,
    sides: [
      { origin: toLocal(u0, v0), t: eu, n: ev, lengthM: u1 - u0 },
      { origin: toLocal(u1, v0), t: ev, n: neg(eu), lengthM: v1 - v0 },
      { origin: toLocal(u1, v1), t: neg(eu), n: neg(ev), lengthM: u1 - u0 },
      { origin: toLocal(u0, v1), t: neg(ev), n: eu, lengthM: v1 - v0 },
    ],
  };
}

/** Rows along all four streets of a block, long sides first so they keep their corners. */
export function fillFrontages(
  ctx: FormContext,
  layout: BlockLayout,
  wardIndex: number,
  kind: ZoneKind,
  lot: LotMaker,
  fill: number,
  alleyChance: number,
): number {
  const w = layout.u1 - layout.u0;
  const h = layout.v1 - layout.v0;
  const order = w >= h ? [0, 2, 1, 3] : [1, 3, 0, 2];
  let placed = 0;
  for (const i of order) {
    const side = layout.sides[i as 0 | 1 | 2 | 3];
    const across = i % 2 === 0 ? h : w;
    placed += fillRow(ctx, side, wardIndex, kind, lot, {
      maxDepthM: across / 2 - 0.5,
      fill,
      alleyChance,
    });
  }
  return placed;
}

/**
 * Interior of a deep block: parallel lanes (hẻm for tube houses, private drives for villas)
 * with a row of lots facing each side, behind the street-front rows.
 */
export function fillInterior(
  ctx: FormContext,
  layout: BlockLayout,
  wardIndex: number,
  kind: ZoneKind,
  lot: LotMaker,
  opts: { frontDepthM: number; rowDepthM: number; laneM: number; fill: number },
): number {
  const { frontDepthM, rowDepthM, laneM } = opts;
  const u0 = layout.u0 + frontDepthM;
  const u1 = layout.u1 - frontDepthM;
  const v0 = layout.v0 + frontDepthM;
  const v1 = layout.v1 - frontDepthM;
  const w = u1 - u0;
  const h = v1 - v0;
  const bandM = 2 * rowDepthM + laneM;
  const alongU = w >= h;
  const across = alongU ? h : w;
  const length = alongU ? w : h;
  const bands = Math.floor(across / bandM);
  if (bands < 1 || length < 20) return 0;
  const spare = (across - bands * bandM) / 2;
  let placed = 0;
  const frame = gridFrame(layout.angleRad);
  const eu: XY = [frame.cos, frame.sin];
  const ev: XY = [-frame.sin, frame.cos];
  const t = alongU ? eu : ev;
  const n = alongU ? ev : eu;
  for (let k = 0; k < bands; k++) {
    const laneCentre = spare + k * bandM + rowDepthM + laneM / 2;
    for (const dir of [1, -1] as const) {
      const offset = laneCentre + (dir * laneM) / 2;
      const origin = alongU ? layout.toLocal(u0, v0 + offset) : layout.toLocal(u0 + offset, v0);
      const f: Frontage = { origin, t, n: [n[0] * dir, n[1] * dir], lengthM: length };
      placed += fillRow(ctx, f, wardIndex, kind, lot, {
        maxDepthM: rowDepthM,
        fill: opts.fill,
        alleyChance: 0.04,
        startM: 2,
        endM: 2,
      });
    }
  }
  return placed;
}

/** Random point in the layout, `marginM` inside, as (u, v). */
function randomUv(rng: Rng, l: BlockLayout, marginM: number): [number, number] | null {
  if (l.u1 - l.u0 < 2 * marginM || l.v1 - l.v0 < 2 * marginM) return null;
  return [rng.range(l.u0 + marginM, l.u1 - marginM), rng.range(l.v0 + marginM, l.v1 - marginM)];
}

function obbAt(l: BlockLayout, u: number, v: number, lengthM: number, widthM: number, rotate: boolean): Obb {
  const [cx, cy] = l.toLocal(u, v);
  return {
    cxM: cx,
    cyM: cy,
    halfLengthM: lengthM / 2,
    halfWidthM: widthM / 2,
    angleRad: l.angleRad + (rotate ? Math.PI / 2 : 0),
  };
}

/** Rectangle [a0, a1] × [b0, b1] in an OBB's own frame, as a counter-clockwise ring. */
function subRect(o: Obb, a0: number, b0: number, a1: number, b1: number): XY[] {
  const c = Math.cos(o.angleRad);
  const s = Math.sin(o.angleRad);
  const p = (a: number, b: number): XY => [o.cxM + a * c - b * s, o.cyM + a * s + b * c];
  return [p(a0, b0), p(a1, b0), p(a1, b1), p(a0, b1)];
}

/** Reverses a ring (holes are clockwise). */
const cw = (ring: XY[]): XY[] => [...ring].reverse();

/** L-shaped outline and its two collision rectangles, in the frame of `o` (its bounding box). */
export function lShape(o: Obb, wingM: number): { ring: XY[]; shapes: Obb[] } {
  const hl = o.halfLengthM;
  const hw = o.halfWidthM;
  const c = Math.cos(o.angleRad);
  const s = Math.sin(o.angleRad);
  const p = (a: number, b: number): XY => [o.cxM + a * c - b * s, o.cyM + a * s + b * c];
  const ring = [
    p(-hl, -hw),
    p(hl, -hw),
    p(hl, -hw + wingM),
    p(-hl + wingM, -hw + wingM),
    p(-hl + wingM, hw),
    p(-hl, hw),
  ];
  const along = (a: number, b: number): [number, number] => [o.cxM + a * c - b * s, o.cyM + a * s + b * c];
  const [c1x, c1y] = along(0, -hw + wingM / 2);
  const [c2x, c2y] = along(-hl + wingM / 2, wingM / 2);
  return {
    ring,
    shapes: [
      { cxM: c1x, cyM: c1y, halfLengthM: hl, halfWidthM: wingM / 2, angleRad: o.angleRad },
      { cxM: c2x, cyM: c2y, halfLengthM: wingM / 2, halfWidthM: hw - wingM / 2, angleRad: o.angleRad },
    ],
  };
}

/** Outer ring and courtyard hole of a perimeter block. */
export function courtyardRings(o: Obb, wingM: number): XY[][] {
  const hl = o.halfLengthM;
  const hw = o.halfWidthM;
  return [subRect(o, -hl, -hw, hl, hw), cw(subRect(o, -hl + wingM, -hw + wingM, hl - wingM, hw - wingM))];
}

/** Podium with the tower footprint cut out (the tower is its own feature standing in the hole). */
export function podiumRings(podium: Obb, tower: Obb): XY[][] {
  const dx = tower.cxM - podium.cxM;
  const dy = tower.cyM - podium.cyM;
  const c = Math.cos(podium.angleRad);
  const s = Math.sin(podium.angleRad);
  const a = dx * c + dy * s;
  const b = -dx * s + dy * c;
  const hl = podium.halfLengthM;
  const hw = podium.halfWidthM;
  return [
    subRect(podium, -hl, -hw, hl, hw),
    cw(
      subRect(
        podium,
        a - tower.halfLengthM,
        b - tower.halfWidthM,
        a + tower.halfLengthM,
        b + tower.halfWidthM,
      ),
    ),
  ];
}

const TOWER_STOREYS: readonly [number, number] = [15, 30];

/** Apartment and office towers of the New City: point towers, L-shapes and towers on podiums. */
export function fillTowers(ctx: FormContext, l: BlockLayout, wardIndex: number): number {
  const { rng, placer } = ctx;
  const areaM2 = (l.u1 - l.u0) * (l.v1 - l.v0);
  const wanted = Math.max(1, Math.min(6, Math.round(areaM2 / 7000)));
  let placed = 0;
  for (let attempt = 0; attempt < wanted * 6 && placed < wanted; attempt++) {
    const at = randomUv(rng, l, 25);
    if (!at) return placed;
    const storeys = rng.int(TOWER_STOREYS[0], TOWER_STOREYS[1]);
    const use = rng.chance(0.25) ? 'TMD' : 'ODT';
    const towerH = ctx.height('tower', storeys);
    const variant = rng.weighted([
      ['plain', 0.45],
      ['podium', 0.3],
      ['L', 0.2],
      ['courtyard', 0.05],
    ] as const);
    const rotate = rng.chance(0.5);
    if (variant === 'plain') {
      const o = obbAt(l, at[0], at[1], rng.range(26, 42), rng.range(18, 28), rotate);
      if (placer.tryPlace([o], [building(wardIndex, [rect(o)], 'tower', storeys, towerH, use)], 15)) placed++;
    } else if (variant === 'L') {
      const o = obbAt(l, at[0], at[1], rng.range(40, 60), rng.range(35, 50), rotate);
      const { ring, shapes } = lShape(o, rng.range(15, 20));
      if (placer.tryPlace(shapes, [building(wardIndex, [ring], 'tower', storeys, towerH, use)], 15)) placed++;
    } else if (variant === 'courtyard') {
      const o = obbAt(l, at[0], at[1], rng.range(55, 75), rng.range(45, 60), rotate);
      const s = rng.int(15, 18);
      const b = building(
        wardIndex,
        courtyardRings(o, rng.range(12, 15)),
        'tower',
        s,
        ctx.height('tower', s),
        'ODT',
      );
      if (placer.tryPlace([o], [b], 15)) placed++;
    } else {
      const podium = obbAt(l, at[0], at[1], rng.range(50, 70), rng.range(38, 52), rotate);
      const tower: Obb = {
        ...podium,
        halfLengthM: podium.halfLengthM * rng.range(0.45, 0.65),
        halfWidthM: podium.halfWidthM * rng.range(0.5, 0.7),
      };
      const podiumStoreys = rng.int(3, 5);
      const group = [
        building(
          wardIndex,
          podiumRings(podium, tower),
          'tower',
          podiumStoreys,
          ctx.height('tower', podiumStoreys),
          'TMD',
        ),
        building(wardIndex, [rect(tower)], 'tower', storeys, towerH, use),
      ];
      if (placer.tryPlace([podium], group, 15)) placed += 2;
    }
  }
  return placed;
}

/** Factory sheds packed in rows ("shelves") inside an industrial block, with truck yards between. */
export function fillFactories(
  ctx: FormContext,
  l: BlockLayout,
  wardIndex: number,
  use: 'SKK' | 'SKC',
  size: { lengthM: [number, number]; depthM: [number, number] },
): number {
  const { rng, placer } = ctx;
  let placed = 0;
  let v = l.v0 + rng.range(6, 12);
  while (v + size.depthM[0] < l.v1 - 6) {
    const shelfM = Math.min(rng.range(size.depthM[0], size.depthM[1]), l.v1 - 6 - v);
    let u = l.u0 + rng.range(6, 12);
    while (u + size.lengthM[0] < l.u1 - 6) {
      const lengthM = Math.min(rng.range(size.lengthM[0], size.lengthM[1]), l.u1 - 6 - u);
      const depthM = Math.max(size.depthM[0], shelfM * rng.range(0.75, 1));
      if (rng.chance(0.9)) {
        const [cx, cy] = l.toLocal(u + lengthM / 2, v + depthM / 2);
        const o: Obb = {
          cxM: cx,
          cyM: cy,
          halfLengthM: lengthM / 2,
          halfWidthM: depthM / 2,
          angleRad: l.angleRad,
        };
        const b = building(wardIndex, [rect(o)], 'factory', 1, ctx.height('factory', 1), use);
        if (placer.tryPlace([o], [b])) placed++;
      }
      u += lengthM + rng.range(12, 25);
    }
    v += shelfM + rng.range(15, 25);
  }
  return placed;
}

interface PublicSpec {
  use: string;
  lengthM: [number, number];
  widthM: [number, number];
  storeys: [number, number];
  /** Fixed height range for single-volume halls (pagodas, markets), else from storeys. */
  heightM?: [number, number];
  courtyard?: boolean;
}

const PUBLIC_SPECS: Readonly<Record<PublicKind, PublicSpec>> = {
  school: { use: 'DGD', lengthM: [50, 70], widthM: [40, 55], storeys: [3, 4], courtyard: true },
  clinic: { use: 'DYT', lengthM: [30, 40], widthM: [14, 18], storeys: [2, 4] },
  pagoda: { use: 'TON', lengthM: [20, 32], widthM: [15, 24], storeys: [1, 1], heightM: [9, 14] },
  market: { use: 'DCH', lengthM: [40, 60], widthM: [30, 45], storeys: [1, 2], heightM: [8, 11] },
  office: { use: 'TSC', lengthM: [30, 40], widthM: [14, 18], storeys: [3, 4] },
  culture: { use: 'DSH', lengthM: [20, 30], widthM: [12, 18], storeys: [1, 2] },
};

export const PUBLIC_WEIGHTS: ReadonlyArray<readonly [PublicKind, number]> = [
  ['school', 0.38],
  ['pagoda', 0.18],
  ['clinic', 0.12],
  ['market', 0.1],
  ['office', 0.12],
  ['culture', 0.1],
];

/** One named public building near the middle of a block; returns 1 when placed. */
export function placePublic(ctx: FormContext, l: BlockLayout, wardIndex: number): number {
  const { rng, placer } = ctx;
  const kind = rng.weighted(PUBLIC_WEIGHTS);
  const spec = PUBLIC_SPECS[kind];
  for (let attempt = 0; attempt < 6; attempt++) {
    const at = randomUv(rng, l, 20);
    if (!at) return 0;
    const o = obbAt(l, at[0], at[1], rng.range(...spec.lengthM), rng.range(...spec.widthM), rng.chance(0.5));
    const storeys = rng.int(...spec.storeys);
    const heightM = spec.heightM
      ? Math.round(rng.range(...spec.heightM) * 10) / 10
      : ctx.height('public', storeys);
    const rings = spec.courtyard && rng.chance(0.6) ? courtyardRings(o, rng.range(10, 13)) : [rect(o)];
    if (!placer.fits([o], wardIndex, 3)) continue;
    const name = ctx.publicNamer.name(kind, ctx.wardNames[wardIndex] ?? '');
    placer.commit([o], [building(wardIndex, rings, 'public', storeys, heightM, spec.use, name)]);
    return 1;
  }
  return 0;
}

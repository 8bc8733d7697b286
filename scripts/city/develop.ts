/**
 * Block programmes: what a developed block of each zone becomes. Weights are judgement calls
 * from looking at Thủ Dầu Một on aerial imagery: the old town is wall-to-wall tube houses with
 * hẻm behind, the suburbs mix street-front tube houses with villa quarters (khu dân cư), the New
 * City is towers, villas and shophouse streets, the industrial parks are sheds.
 */
import {
  alleyHouseLot,
  type BlockLayout,
  blockLayout,
  type FormContext,
  fillFactories,
  fillFrontages,
  fillInterior,
  fillTowers,
  placePublic,
  ruralLot,
  shophouseLot,
  villaLot,
} from './forms.js';
import type { Block } from './streets.js';
import type { ZoneKind } from './zones.js';

export type BlockProgramme =
  | 'dense'
  | 'mixed'
  | 'villas'
  | 'shopfront'
  | 'public'
  | 'workshop'
  | 'towers'
  | 'commercial'
  | 'factories'
  | 'village';

export const BLOCK_PROGRAMMES: Readonly<Record<ZoneKind, ReadonlyArray<readonly [BlockProgramme, number]>>> =
  {
    oldCentre: [
      ['dense', 0.88],
      ['public', 0.08],
      ['villas', 0.04],
    ],
    urban: [
      ['dense', 0.42],
      ['mixed', 0.3],
      ['villas', 0.17],
      ['public', 0.07],
      ['workshop', 0.04],
    ],
    suburban: [
      ['mixed', 0.35],
      ['villas', 0.28],
      ['shopfront', 0.22],
      ['public', 0.07],
      ['workshop', 0.08],
    ],
    newCity: [
      ['towers', 0.5],
      ['commercial', 0.25],
      ['villas', 0.15],
      ['public', 0.1],
    ],
    industrial: [['factories', 1]],
    rural: [
      ['village', 0.86],
      ['villas', 0.06],
      ['public', 0.05],
      ['workshop', 0.03],
    ],
  };

/**
 * Chance that a residential block also holds a school, clinic, pagoda, market or office: roughly
 * one per 1,500–3,000 residents, as in Thủ Dầu Một's wards.
 */
const PUBLIC_IN_RESIDENTIAL_CHANCE: Readonly<Record<ZoneKind, number>> = {
  oldCentre: 0.05,
  urban: 0.08,
  suburban: 0.08,
  newCity: 0.05,
  industrial: 0,
  rural: 0.06,
};

/** Builds one block; returns the number of buildings placed. */
export function developBlock(ctx: FormContext, block: Block): number {
  const l = blockLayout(block);
  if (l.u1 - l.u0 < 12 || l.v1 - l.v0 < 12) return 0;
  const { kind, wardIndex: wi } = block;
  const programme = ctx.rng.weighted(BLOCK_PROGRAMMES[kind]);
  const residential =
    programme === 'dense' || programme === 'mixed' || programme === 'villas' || programme === 'village';
  // Placed first, so the houses fill in around it.
  const civic =
    residential && ctx.rng.chance(PUBLIC_IN_RESIDENTIAL_CHANCE[kind]) ? placePublic(ctx, l, wi) : 0;
  return civic + developProgramme(ctx, l, block, programme);
}

function developProgramme(ctx: FormContext, l: BlockLayout, block: Block, programme: BlockProgramme): number {
  const { kind, wardIndex: wi } = block;
  const shop = shophouseLot(true);
  switch (programme) {
    case 'dense':
      // Street fronts nearly continuous; the hẻm behind them partly built (more so in the old
      // town). Keeping blocks light spreads the building budget over more streets.
      return (
        fillFrontages(ctx, l, wi, kind, shop, 0.93, 0.05) +
        fillInterior(ctx, l, wi, kind, alleyHouseLot, {
          frontDepthM: 25,
          rowDepthM: 17,
          laneM: 3,
          fill: kind === 'oldCentre' ? 0.55 : 0.3,
        })
      );
    case 'mixed':
      return (
        fillFrontages(ctx, l, wi, kind, shop, 0.8, 0.05) +
        fillInterior(ctx, l, wi, kind, villaLot, { frontDepthM: 25, rowDepthM: 22, laneM: 6, fill: 0.4 })
      );
    case 'villas':
      return (
        fillFrontages(ctx, l, wi, kind, villaLot, 0.75, 0) +
        fillInterior(ctx, l, wi, kind, villaLot, { frontDepthM: 24, rowDepthM: 22, laneM: 6, fill: 0.7 })
      );
    case 'shopfront':
      return fillFrontages(ctx, l, wi, kind, shop, 0.6, 0.06);
    case 'public':
      return (
        placePublic(ctx, l, wi) +
        fillFrontages(ctx, l, wi, kind, kind === 'rural' ? ruralLot : shop, 0.6, 0.05)
      );
    case 'workshop':
      return (
        fillFactories(ctx, l, wi, 'SKC', { lengthM: [40, 80], depthM: [30, 50] }) +
        fillFrontages(ctx, l, wi, kind, shop, 0.4, 0.05)
      );
    case 'towers':
      return fillTowers(ctx, l, wi);
    case 'commercial':
      // "Phố thương mại": rows of 4–5 storey shophouses around a tower or two.
      return fillFrontages(ctx, l, wi, kind, shop, 0.85, 0.03) + fillTowers(ctx, l, wi);
    case 'factories':
      return fillFactories(ctx, l, wi, 'SKK', { lengthM: [40, 150], depthM: [30, 100] });
    case 'village':
      return fillFrontages(ctx, l, wi, kind, ruralLot, 0.45, 0.03);
  }
}

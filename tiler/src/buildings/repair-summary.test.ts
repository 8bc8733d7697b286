import { describe, expect, it } from 'vitest';
import type { RepairKind } from './repair.js';
import { formatRepairSummary, summariseRepairs } from './repair-summary.js';

const building = (id: string, repairs?: RepairKind[]) => ({
  properties: { id },
  ...(repairs ? { repairs } : {}),
});

describe('summariseRepairs', () => {
  const summary = summariseRepairs([
    building('a'),
    building('b', ['winding']),
    building('c', ['winding', 'collinear-points']),
    building('d', ['self-intersection', 'sliver-removed']),
    building('e', ['self-intersection']),
    building('f', ['self-intersection']),
    building('g', ['self-intersection']),
  ]);

  it('counts buildings per kind, in report order, with a few example ids', () => {
    expect(summary).toEqual({
      repaired: 6,
      reshaped: 4,
      byKind: { 'collinear-points': 1, winding: 2, 'self-intersection': 4, 'sliver-removed': 1 },
      examples: {
        'collinear-points': ['c'],
        winding: ['b', 'c'],
        'self-intersection': ['d', 'e', 'f'],
        'sliver-removed': ['d'],
      },
    });
    expect(Object.keys(summary.byKind)).toEqual([
      'collinear-points',
      'winding',
      'self-intersection',
      'sliver-removed',
    ]);
  });

  it('reads as CLI lines, naming examples only for kinds that change the shape', () => {
    expect(formatRepairSummary(summary)).toEqual([
      'repaired:          6 (4 reshaped)',
      '  1 × collinear-points: points on a straight edge dropped',
      '  2 × winding: rings re-oriented (outer counter-clockwise, holes clockwise)',
      '  4 × self-intersection: self-intersecting ring rebuilt (a bow-tie becomes two polygons), e.g. d, e, f',
      '  1 × sliver-removed: zero-area or too-thin rings or parts dropped, e.g. d',
    ]);
  });

  it('is all zeros for clean input', () => {
    expect(summariseRepairs([building('a')])).toEqual({ repaired: 0, reshaped: 0, byKind: {}, examples: {} });
    expect(formatRepairSummary(summariseRepairs([]))).toEqual(['repaired:          0 (0 reshaped)']);
  });
});

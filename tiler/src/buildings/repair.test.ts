import { describe, expect, it, vi } from 'vitest';
import { findContacts } from './contacts.js';
import { signedArea } from './footprint.js';
import { REPAIR_DEFAULTS, type RepairResult, repairMultiPolygon, repairPolygon } from './repair.js';

// Spy on polyclip to prove that valid input never pays for it.
vi.mock('polyclip-ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('polyclip-ts')>();
  return { ...real, union: vi.fn(real.union), difference: vi.fn(real.difference) };
});
const polyclip = await import('polyclip-ts');

/** Closes a flat ring the GeoJSON way (first point repeated at the end). */
const closed = (ring: number[]) => [...ring, ring[0]!, ring[1]!];
/** A w × h rectangle at (x, y), counter-clockwise, closed. */
const rect = (x: number, y: number, w: number, h: number) => closed([x, y, x + w, y, x + w, y + h, x, y + h]);
const reverse = (ring: number[]) => {
  const out: number[] = [];
  for (let i = ring.length - 2; i >= 0; i -= 2) out.push(ring[i]!, ring[i + 1]!);
  return out;
};

/** Area in m² of repaired polygons (outer minus holes). */
function area(polygons: number[][][]): number {
  let a = 0;
  for (const rings of polygons) for (const ring of rings) a += signedArea(ring); // holes are clockwise: negative
  return a;
}

/** What a valid result looks like: the promises repairPolygon makes. */
function expectValid(result: RepairResult): number[][][] {
  if (!result.ok) throw new Error(`expected a repair, got a rejection: ${result.reason}`);
  for (const rings of result.polygons) {
    rings.forEach((ring, r) => {
      expect(ring.length % 2).toBe(0);
      expect(ring.length / 2).toBeGreaterThanOrEqual(3);
      // open: last point is not the first
      expect([ring.at(-2), ring.at(-1)]).not.toEqual([ring[0], ring[1]]);
      if (r === 0) expect(signedArea(ring)).toBeGreaterThan(0);
      else expect(signedArea(ring)).toBeLessThan(0);
    });
    // No ring crosses or touches itself, and holes do not cross their shell or each other.
    for (const c of findContacts(rings)) expect(c.a !== c.b && c.contact !== 2).toBe(true);
  }
  return result.polygons;
}

describe('repairPolygon: valid input', () => {
  it('returns a valid rectangle as it was (open), with no repairs and without polyclip', () => {
    vi.mocked(polyclip.union).mockClear();
    const r = repairPolygon([rect(0, 0, 10, 10)]);
    expect(r).toEqual({ ok: true, polygons: [[[0, 0, 10, 0, 10, 10, 0, 10]]], repairs: [] });
    // and a thousand valid footprints of all sorts, holes included
    for (let i = 0; i < 1000; i++) {
      const n = 4 + (i % 40);
      const ring: number[] = [];
      for (let k = 0; k < n; k++) {
        const t = (k / n) * 2 * Math.PI;
        ring.push(20 * Math.cos(t), 20 * Math.sin(t));
      }
      expect(repairPolygon([closed(ring), reverse(rect(-3, -3, 6, 6))]).repairs).toEqual([]);
    }
    expect(polyclip.union).not.toHaveBeenCalled();
  });

  it('accepts a hole touching its shell at one point (valid in OGC Simple Features)', () => {
    const hole = reverse(closed([5, 0, 7, 3, 3, 3])); // its vertex (5, 0) lies on the shell's bottom edge
    const polygons = expectValid(repairPolygon([rect(0, 0, 10, 10), hole]));
    expect(polygons[0]).toHaveLength(2);
    expect(area(polygons)).toBeCloseTo(100 - 6, 9);
  });
});

describe('repairPolygon: tidy-ups', () => {
  it('closes an unclosed ring', () => {
    const r = repairPolygon([[0, 0, 10, 0, 10, 10, 0, 10]]);
    expect(expectValid(r)).toEqual([[[0, 0, 10, 0, 10, 10, 0, 10]]]);
    expect(r.repairs).toEqual(['closed-ring']);
  });

  it('drops duplicate and collinear points, keeping the shape', () => {
    // (0,0) twice, (5,0) and (10,4) on straight edges, (10,10) twice, (5,10.004) 4 mm off the line
    const r = repairPolygon([closed([0, 0, 0, 0, 5, 0, 10, 0, 10, 4, 10, 10, 10, 10, 5, 10.004, 0, 10])]);
    const polygons = expectValid(r);
    expect(polygons[0]![0]!.length / 2).toBe(4);
    expect(area(polygons)).toBeCloseTo(100, 1);
    expect(r.repairs).toEqual(['duplicate-points', 'collinear-points']);
  });

  it('keeps a sharp but real corner and a point 5 cm off the line', () => {
    // A 100 m long wedge 0.5 m wide at its end, and a 5 cm kink in the top edge.
    const r = repairPolygon([closed([0, 0, 100, 0, 100, 0.5, 50, 0.3, 0, 0.05])]);
    expect(r.repairs).toEqual([]);
    const kink = repairPolygon([closed([0, 0, 10, 0, 10, 10, 5, 10.05, 0, 10])]);
    expect(kink.repairs).toEqual([]);
  });

  it('turns a clockwise outer ring counter-clockwise and a counter-clockwise hole clockwise', () => {
    const r = repairPolygon([reverse(rect(0, 0, 10, 10)), rect(2, 2, 3, 3)]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['winding']);
    expect(area(polygons)).toBeCloseTo(100 - 9, 9);
  });
});

describe('repairPolygon: broken geometry', () => {
  it('splits a bow-tie into its two triangles (a MultiPolygon)', () => {
    const r = repairPolygon([closed([0, 0, 10, 10, 10, 0, 0, 10])]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['self-intersection']);
    expect(polygons).toHaveLength(2);
    for (const rings of polygons) {
      expect(rings).toHaveLength(1);
      expect(rings[0]!.length / 2).toBe(3);
      expect(signedArea(rings[0]!)).toBeCloseTo(25, 9);
    }
  });

  it('splits a figure-eight touching itself at one point into its two loops', () => {
    const r = repairPolygon([closed([0, 0, 5, 5, 10, 0, 10, 10, 5, 5, 0, 10])]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['self-intersection']);
    expect(polygons.map((p) => signedArea(p[0]!))).toEqual([25, 25]);
  });

  it('keeps a ring digitised twice round as one filled polygon (non-zero, not even-odd)', () => {
    const once = [0, 0, 10, 0, 10, 10, 0, 10];
    const r = repairPolygon([closed([...once, ...once])]);
    const polygons = expectValid(r);
    expect(polygons).toHaveLength(1);
    expect(area(polygons)).toBeCloseTo(100, 9);
  });

  it('drops the sliver a slightly overshooting closing edge leaves, keeping the building', () => {
    // The last edge comes back 5 cm past the first vertex: a 12 cm² triangle hangs off the corner.
    const r = repairPolygon([closed([0, 0, 10, 0, 10, 10, 0, 10, 0.05, -0.05])]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['self-intersection', 'sliver-removed']);
    expect(polygons).toHaveLength(1);
    // The slanted closing edge shaves a 10 m × 5 cm wedge off the left wall.
    expect(area(polygons)).toBeCloseTo(100 - 0.25, 2);
  });

  it('removes a zero-width spike and the points it leaves on the edge', () => {
    // Out from (10,5) to (15,5) and straight back, on the right-hand wall.
    const r = repairPolygon([closed([0, 0, 10, 0, 10, 5, 15, 5, 10, 5, 10, 10, 0, 10])]);
    const polygons = expectValid(r);
    expect(r.repairs).toContain('spike-removed');
    expect(polygons).toEqual([[[0, 0, 10, 0, 10, 10, 0, 10]]]);
  });

  it('removes a spike that comes back 2 mm beside itself', () => {
    const r = repairPolygon([closed([0, 0, 10, 0, 10, 5, 15, 5.001, 10, 5.002, 10, 10, 0, 10])]);
    const polygons = expectValid(r);
    expect(r.repairs).toContain('spike-removed');
    expect(polygons[0]![0]!.length / 2).toBe(4);
    expect(area(polygons)).toBeCloseTo(100, 2);
  });

  it('drops a "hole" larger than its shell rather than the building', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(-1, -1, 12, 12))]);
    expect(expectValid(r)).toEqual([[[0, 0, 10, 0, 10, 10, 0, 10]]]);
    expect(r.repairs).toEqual(['hole-outside-shell']);
  });

  it('drops a hole outside its shell', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(20, 20, 4, 4))]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['hole-outside-shell']);
    expect(polygons).toEqual([[[0, 0, 10, 0, 10, 10, 0, 10]]]);
  });

  it('clips a hole that crosses its shell (it becomes a notch)', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(8, 2, 4, 4))]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['hole-outside-shell']);
    expect(polygons).toHaveLength(1);
    expect(polygons[0]).toHaveLength(1);
    expect(polygons[0]![0]!.length / 2).toBe(8);
    expect(area(polygons)).toBeCloseTo(100 - 8, 9);
  });

  it('merges overlapping holes', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(2, 2, 4, 4)), reverse(rect(4, 4, 4, 4))]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['overlapping-holes']);
    expect(polygons[0]).toHaveLength(2);
    expect(area(polygons)).toBeCloseTo(100 - (16 + 16 - 4), 9);
  });

  it('drops a hole inside another hole', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(2, 2, 6, 6)), reverse(rect(4, 4, 2, 2))]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['overlapping-holes']);
    expect(polygons[0]).toHaveLength(2);
    expect(area(polygons)).toBeCloseTo(64, 9);
  });

  it('drops holes that are slivers or have fewer than 3 points', () => {
    const r = repairPolygon([rect(0, 0, 10, 10), reverse(rect(2, 2, 0.5, 0.5)), closed([3, 3, 4, 4])]);
    expect(expectValid(r)).toEqual([[[0, 0, 10, 0, 10, 10, 0, 10]]]);
    expect(r.repairs).toEqual(['sliver-removed']);
  });
});

describe('repairPolygon: nothing valid left', () => {
  it.each([
    [
      'a ring with two distinct points',
      [closed([0, 0, 10, 0, 0, 0])],
      /outer ring has fewer than 3 distinct points \(2\)/,
    ],
    [
      'points on a line',
      [closed([0, 0, 10, 0, 20, 0])],
      /outer ring is a zero-area sliver \(0\.00 m²\): its points lie on a line/,
    ],
    ['a 0.4 m² square', [rect(0, 0, 0.2, 2)], /outer ring is a zero-area sliver \(0\.40 m²\)/],
    ['a 10 cm wide strip', [rect(0, 0, 20, 0.1)], /outer ring is a sliver 0\.10 m wide \(2\.0 m²\)/],
    [
      'a hole the same as its shell',
      [rect(0, 0, 10, 10), reverse(rect(0, 0, 10, 10))],
      /holes cover the outer ring/,
    ],
    ['no rings', [], /has no rings/],
  ])('rejects %s, saying why', (_name, rings, reason) => {
    const r = repairPolygon(rings);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('repairPolygon: large rings use the sweep', () => {
  /** A star with n points alternating between radius 50 and 55 m: no three points collinear. */
  const star = (n: number) => {
    const ring: number[] = [];
    for (let k = 0; k < n; k++) {
      const t = (k / n) * 2 * Math.PI;
      const r = k % 2 === 0 ? 50 : 55;
      ring.push(r * Math.cos(t), r * Math.sin(t));
    }
    return ring;
  };

  it('finds nothing wrong with a valid 2,000-vertex outline', () => {
    expect(repairPolygon([closed(star(2000))]).repairs).toEqual([]);
  });

  it('finds a crossing in a 2,000-vertex outline and rebuilds it', () => {
    const ring = star(2000);
    const before = signedArea(ring);
    // Vertex 1000 (on the left, at x = −50) pulled out past the right-hand side: its two edges
    // cross the outline there.
    ring[2000] = 80;
    const r = repairPolygon([closed(ring)]);
    const polygons = expectValid(r);
    expect(r.repairs).toContain('self-intersection');
    // The star survives, less the narrow wedge the stray vertex cut out of it.
    expect(area(polygons)).toBeGreaterThan(before * 0.9);
    expect(area(polygons)).toBeLessThan(before * 1.1);
  });

  it('drops points within 1 cm of a smooth curve (a 2,000-point circle keeps a few hundred)', () => {
    const ring: number[] = [];
    for (let k = 0; k < 2000; k++)
      ring.push(50 * Math.cos((k / 1000) * Math.PI), 50 * Math.sin((k / 1000) * Math.PI));
    const r = repairPolygon([closed(ring)]);
    const polygons = expectValid(r);
    expect(r.repairs).toEqual(['collinear-points']);
    expect(polygons[0]![0]!.length / 2).toBeGreaterThan(150);
    expect(polygons[0]![0]!.length / 2).toBeLessThan(400);
    // Every dropped point stays within 1 cm of the new outline: the area barely moves.
    expect(Math.abs(area(polygons) - signedArea(ring))).toBeLessThan(0.01 * 2 * Math.PI * 50);
  });
});

describe('repairMultiPolygon', () => {
  it('keeps disjoint parts and parts touching at a corner as they are', () => {
    const r = repairMultiPolygon([[rect(0, 0, 10, 10)], [rect(10, 10, 5, 5)], [rect(30, 0, 5, 5)]]);
    expect(expectValid(r)).toHaveLength(3);
    expect(r.repairs).toEqual([]);
  });

  it('merges overlapping parts and parts sharing a wall', () => {
    const overlap = repairMultiPolygon([[rect(0, 0, 10, 10)], [rect(5, 5, 10, 10)]]);
    expect(overlap.repairs).toEqual(['overlapping-parts']);
    expect(area(expectValid(overlap))).toBeCloseTo(175, 9);
    const wall = repairMultiPolygon([[rect(0, 0, 10, 10)], [rect(10, 0, 10, 10)]]);
    const polygons = expectValid(wall);
    expect(polygons).toEqual([[[0, 0, 20, 0, 20, 10, 0, 10]]]);
  });

  it('keeps a part standing in another part’s courtyard', () => {
    const r = repairMultiPolygon([[rect(0, 0, 30, 30), reverse(rect(10, 10, 10, 10))], [rect(12, 12, 6, 6)]]);
    expect(expectValid(r)).toHaveLength(2);
    expect(r.repairs).toEqual([]);
  });

  it('drops a sliver part and keeps the rest', () => {
    const r = repairMultiPolygon([[rect(0, 0, 10, 10)], [closed([20, 0, 30, 0, 40, 0])]]);
    expect(area(expectValid(r))).toBeCloseTo(100, 9);
    expect(r.repairs).toEqual(['sliver-removed']);
  });

  it('names every part when none is left', () => {
    const r = repairMultiPolygon([[closed([0, 0, 1, 0])], [rect(0, 0, 0.1, 0.1)]]);
    expect(r).toMatchObject({
      ok: false,
      reason:
        'polygon 0, outer ring has fewer than 3 distinct points (2); polygon 1, outer ring is a zero-area sliver (0.01 m²)',
    });
  });
});

it('has defaults in metres that a surveyor would recognise', () => {
  expect(REPAIR_DEFAULTS).toEqual({
    duplicateToleranceM: 0.001,
    collinearToleranceM: 0.01,
    minAreaM2: 0.5,
    minWidthM: 0.3,
  });
});

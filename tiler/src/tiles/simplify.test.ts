import { describe, expect, it } from 'vitest';
import { signedArea } from '../buildings/footprint.js';
import { simplifyRing } from './simplify.js';

describe('simplifyRing', () => {
  it('leaves a rectangle unchanged', () => {
    const rect = [0, 0, 20, 0, 20, 5, 0, 5];
    expect(simplifyRing(rect, 2)).toEqual({ ring: rect, deviationM: 0 });
  });

  it('drops vertices closer than the tolerance and reports how far they were', () => {
    // A 40 m square whose south side wiggles by 0.3 m.
    const ring = [0, 0, 10, 0.3, 20, -0.2, 30, 0.3, 40, 0, 40, 40, 0, 40];
    const s = simplifyRing(ring, 0.5);
    expect(s.ring).toEqual([0, 0, 40, 0, 40, 40, 0, 40]);
    expect(s.deviationM).toBeCloseTo(0.3, 9);
    expect(Math.abs(signedArea(s.ring))).toBeCloseTo(1600, 6);
    // Below the wiggle, nothing is removed.
    expect(simplifyRing(ring, 0.1).ring).toEqual(ring);
  });
});

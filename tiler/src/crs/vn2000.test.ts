import { describe, expect, it } from 'vitest';
import {
  formatDegMin,
  isTm3CentralMeridian,
  isVn2000Name,
  looksLikeVn2000Shift,
  tm3CentralMeridians,
  VN2000_TOWGS84,
} from './vn2000.js';

describe('VN-2000 definitions', () => {
  it('negates the published Coordinate Frame rotations for proj4 (Position Vector)', () => {
    expect(VN2000_TOWGS84).toEqual([
      -191.90441429, -39.30318279, -111.45032835, 0.00928836, -0.01975479, 0.00427372, 0.252906278,
    ]);
  });

  it('knows the 27 TM-3 central meridians, 102°00′ to 108°30′ every 15′', () => {
    const all = tm3CentralMeridians();
    expect(all).toHaveLength(27);
    expect(all[0]).toBe(102);
    expect(all.at(-1)).toBe(108.5);
    expect(isTm3CentralMeridian(105.75)).toBe(true);
    expect(isTm3CentralMeridian(105.7)).toBe(false);
    expect(isTm3CentralMeridian(101.75)).toBe(false);
    expect(isTm3CentralMeridian(108.75)).toBe(false);
    expect(formatDegMin(105.75)).toBe("105°45'");
    expect(formatDegMin(107)).toBe("107°00'");
  });

  it('recognises the names GIS software gives the datum', () => {
    for (const name of [
      'VN_2000',
      'GCS_VN_2000',
      'D_Vietnam_2000',
      'VN-2000',
      'Vietnam 2000',
      'VN2000_TM3_105_45',
    ]) {
      expect(isVn2000Name(name), name).toBe(true);
    }
    for (const name of ['WGS_1984', 'D_WGS_1984', 'Hanoi_1972', 'KVN2000X']) {
      expect(isVn2000Name(name), name).toBe(false);
    }
  });

  it('recognises the shift by its translations, whatever the rotation convention', () => {
    expect(looksLikeVn2000Shift(VN2000_TOWGS84)).toBe(true);
    expect(
      looksLikeVn2000Shift([-191.904, -39.303, -111.45, -0.00928836, 0.01975479, -0.00427372, 0.2529]),
    ).toBe(true);
    expect(looksLikeVn2000Shift([-192.873, -39.382, -111.202, 0.00205, 0.0005, -0.00335, 0.0188])).toBe(true);
    expect(looksLikeVn2000Shift([0, 0, 0, 0, 0, 0, 0])).toBe(false);
    expect(looksLikeVn2000Shift([-17.51, -108.32, -62.39])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { inVietnam } from './vietnam.js';

describe('inVietnam', () => {
  it.each([
    ['Thủ Dầu Một', 106.65, 10.98],
    ['Hồ Chí Minh City', 106.7, 10.78],
    ['Hà Nội', 105.85, 21.03],
    ['Đà Nẵng', 108.22, 16.07],
    ['Lũng Cú, the northern tip', 105.32, 23.36],
    ['A Pa Chải, the western tip', 102.15, 22.4],
    ['Mũi Đôi, the eastern tip', 109.46, 12.65],
    ['Cape Cà Mau, the southern tip', 104.73, 8.6],
    ['Điện Biên Phủ', 103.02, 21.38],
    ['Lao Bảo border gate', 106.6, 16.62],
    ['Hà Tiên', 104.48, 10.38],
    ['Tây Ninh', 106.1, 11.31],
    ['Móng Cái', 107.97, 21.52],
    ['Phú Quốc', 103.96, 10.22],
    ['Côn Đảo', 106.6, 8.68],
    ['Thổ Chu', 103.47, 9.3],
    ['Phú Quý', 108.93, 10.52],
    ['Bạch Long Vĩ', 107.72, 20.13],
    ['Buôn Ma Thuột', 108.04, 12.67],
  ])('%s is in', (_, lon, lat) => {
    expect(inVietnam(lon, lat)).toBe(true);
  });

  it.each([
    ['Phnom Penh', 104.92, 11.56],
    ['Vientiane', 102.6, 17.97],
    ['Savannakhet', 104.75, 16.55],
    ['Pakse', 105.8, 15.12],
    ['Attapeu', 106.83, 14.8],
    ['Xam Neua', 104.05, 20.42],
    ['Nanning', 108.37, 22.82],
    ['Bangkok', 100.5, 13.75],
    ['the Gulf of Thailand', 103.0, 9.5],
    ['the Gulf of Tonkin', 108.5, 19.0],
    ['the sea off Bình Thuận', 109.3, 10.0],
    ['the South China Sea', 111, 12],
  ])('%s is out', (_, lon, lat) => {
    expect(inVietnam(lon, lat)).toBe(false);
  });
});

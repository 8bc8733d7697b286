import { describe, expect, it } from 'vitest';
import { AQI_BANDS, aqiBandOf } from '../../api/feeds.js';
import { aqiSubIndex, hourlyAqi, nowCast } from './vn-aqi.js';

describe('VN_AQI sub-indices (Decision 1459/QĐ-TCMT, Table 1)', () => {
  it('interpolates linearly between breakpoints', () => {
    // PM10 = 200 µg/m³ lies between BP 150 (I = 100) and 250 (I = 150):
    // (150 − 100) / (250 − 150) × (200 − 150) + 100 = 0.5 × 50 + 100 = 125
    expect(aqiSubIndex('pm10', 200)).toBe(125);
    // CO = 12,000 µg/m³: between 10,000 (50) and 30,000 (100): 50/20,000 × 2,000 + 50 = 55
    expect(aqiSubIndex('co', 12_000)).toBe(55);
    // NO2 = 450 µg/m³: between 200 (100) and 700 (150): 50/500 × 250 + 100 = 125
    expect(aqiSubIndex('no2', 450)).toBe(125);
    // O3 (1 h) = 180: between 160 (50) and 200 (100): 50/40 × 20 + 50 = 75
    expect(aqiSubIndex('o3', 180)).toBe(75);
    // SO2 = 62.5: between 0 (0) and 125 (50): 50/125 × 62.5 = 25
    expect(aqiSubIndex('so2', 62.5)).toBe(25);
    // PM2.5 = 100: between 80 (150) and 150 (200): 50/70 × 20 + 150 = 164.2857…
    expect(aqiSubIndex('pm25', 100)).toBeCloseTo(164.2857, 3);
  });

  it('hits the index exactly at each breakpoint and caps at 500', () => {
    expect(aqiSubIndex('pm25', 25)).toBe(50);
    expect(aqiSubIndex('pm25', 50)).toBe(100);
    expect(aqiSubIndex('pm25', 500)).toBe(500);
    expect(aqiSubIndex('pm25', 900)).toBe(500);
    expect(aqiSubIndex('pm25', -3)).toBe(0);
  });
});

describe('NowCast for PM2.5 and PM10', () => {
  it('uses w = 1/2 and Σ (1/2)^i c_i when the air changed fast', () => {
    const c = [60, 40, 30, 20, 20, 20, 20, 20, 20, 20, 20, 20];
    // c_min/c_max = 20/60 = 1/3 ≤ 1/2 → w = 1/2
    // 60/2 + 40/4 + 30/8 + 20 × (1/16 + … + 1/4096) = 30 + 10 + 3.75 + 20 × (1/8 − 1/4096)
    //   = 43.75 + 20 × 0.124755859375 = 46.2451171875
    expect(nowCast(c)).toBeCloseTo(46.2451171875, 9);
    // AQI(PM2.5): between 25 (50) and 50 (100): 2 × (46.245 − 25) + 50 = 92.49 → 92
    expect(hourlyAqi({ pm25: nowCast(c)! })!.aqi).toBe(92);
  });

  it('uses w = c_min/c_max as the weight when the air is steady', () => {
    const c = [36, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30];
    // w = 30/36 = 5/6; NowCast = (36 + 30 × Σ_{i=2..12} w^(i−1)) / Σ_{i=1..12} w^(i−1) = 30 + 6 / Σ
    // Σ = (1 − (5/6)^12) / (1 − 5/6) = 6 × (1 − 0.112157) = 5.327058 → 30 + 1.126326 = 31.126326
    expect(nowCast(c)).toBeCloseTo(31.126326, 5);
    // AQI: 2 × (31.126 − 25) + 50 = 62.25 → 62
    expect(hourlyAqi({ pm25: nowCast(c)! })!.aqi).toBe(62);
  });

  it('needs 2 of the 3 most recent hours and skips missing hours', () => {
    expect(nowCast([10, undefined, undefined, 10, 10])).toBeUndefined();
    expect(nowCast([undefined, 10, 10])).toBe(10);
    // w = 20/40 = 1/2 with only 3 hours: normalised weights 1, 1/2, 1/4 → (40 + 10 + 5) / 1.75
    expect(nowCast([40, 20, 20])).toBeCloseTo(55 / 1.75, 9);
  });
});

describe('hourly VN_AQI', () => {
  it('is the largest rounded sub-index and names the dominant pollutant', () => {
    // PM2.5 NowCast 40 → 2 × 15 + 50 = 80; PM10 200 → 125; NO2 450 → 125 (first wins); CO 12,000 → 55
    const r = hourlyAqi({ pm25: 40, pm10: 200, co: 12_000, no2: 450 })!;
    expect(r.aqi).toBe(125);
    expect(r.dominant).toBe('no2');
    expect(r.subIndex).toEqual({ pm25: 80, pm10: 125, co: 55, no2: 125 });
    expect(r.level).toBe(3);
  });

  it('is not computed without PM2.5 or PM10', () => {
    expect(hourlyAqi({ co: 12_000, o3: 180 })).toBeUndefined();
  });

  it('maps values to the official bands, colours and labels', () => {
    expect(AQI_BANDS.map((b) => [b.min, b.max])).toEqual([
      [0, 50],
      [51, 100],
      [101, 150],
      [151, 200],
      [201, 300],
      [301, 500],
    ]);
    expect(aqiBandOf(50).labelVi).toBe('Tốt');
    expect(aqiBandOf(51).colour).toBe('#FFFF00');
    expect(aqiBandOf(150).labelVi).toBe('Kém');
    expect(aqiBandOf(164).labelVi).toBe('Xấu');
    expect(aqiBandOf(250).colour).toBe('#8F3F97');
    expect(aqiBandOf(480).labelVi).toBe('Nguy hại');
  });
});

import { type AqiPollutant, type AqiResult, aqiBandOf } from '../../api/feeds.js';

/**
 * Hourly VN_AQI per Decision 1459/QĐ-TCMT (Tổng cục Môi trường, 12 Nov 2019).
 *
 * - Each pollutant's sub-index is a linear interpolation within the decision's breakpoint
 *   table (Table 1): AQI_x = (I_{i+1} − I_i) / (BP_{i+1} − BP_i) × (C_x − BP_i) + I_i.
 * - Hourly inputs: 1-hour means of O3, CO, NO2, SO2; NowCast concentrations of PM2.5 and PM10.
 * - The hourly VN_AQI is the largest sub-index, rounded to an integer, and is computed only when
 *   PM2.5 or PM10 has data (the decision makes one of the two particulates mandatory).
 * - Concentrations above the last breakpoint are reported as 500 (the scale ends there).
 *
 * Concentrations are µg/m³ for every pollutant, CO included, as in the decision.
 */

/** Index values I_i at the breakpoints. */
export const AQI_BREAKPOINT_INDEX = [0, 50, 100, 150, 200, 300, 400, 500] as const;

/** BP_i per pollutant in µg/m³ (Decision 1459/QĐ-TCMT, Table 1; O3 is the 1-hour column). */
export const AQI_BREAKPOINTS_UG_M3: Record<AqiPollutant, readonly number[]> = {
  o3: [0, 160, 200, 300, 400, 800, 1000, 1200],
  co: [0, 10_000, 30_000, 45_000, 60_000, 90_000, 120_000, 150_000],
  so2: [0, 125, 350, 550, 800, 1600, 2100, 2630],
  no2: [0, 100, 200, 700, 1200, 2350, 3100, 3850],
  pm10: [0, 50, 150, 250, 350, 420, 500, 600],
  pm25: [0, 25, 50, 80, 150, 250, 350, 500],
};

/** Unrounded sub-index of one pollutant; negative concentrations count as 0. */
export function aqiSubIndex(pollutant: AqiPollutant, concentrationUgM3: number): number {
  const bp = AQI_BREAKPOINTS_UG_M3[pollutant];
  const c = Math.max(0, concentrationUgM3);
  for (let i = 0; i + 1 < bp.length; i++) {
    const lo = bp[i]!;
    const hi = bp[i + 1]!;
    if (c <= hi) {
      const iLo = AQI_BREAKPOINT_INDEX[i]!;
      const iHi = AQI_BREAKPOINT_INDEX[i + 1]!;
      return ((iHi - iLo) / (hi - lo)) * (c - lo) + iLo;
    }
  }
  return 500;
}

/**
 * NowCast concentration of PM2.5 or PM10 from the last 12 hourly means, newest first
 * (`hourlyMeans[0]` = c1, the current hour; `undefined` = no data for that hour).
 *
 * Per the decision: w* = c_min / c_max over the 12 hours; w = w* if w* > 1/2, else w = 1/2;
 * NowCast = Σ w^(i−1)·c_i / Σ w^(i−1) when w > 1/2, and Σ (1/2)^i·c_i when w = 1/2.
 * It needs at least 2 of the 3 most recent hours (c1, c2, c3); otherwise there is no NowCast.
 * With missing hours we drop their terms and keep the weights normalised, so a gap does not
 * read as clean air (the 1/2 form is only exact with all 12 hours).
 */
export function nowCast(hourlyMeans: readonly (number | undefined)[]): number | undefined {
  const c = hourlyMeans.slice(0, 12);
  const recent = c.slice(0, 3).filter((v) => v !== undefined && Number.isFinite(v)).length;
  if (recent < 2) return undefined;
  const present = c
    .map((v, i) => ({ v, i }))
    .filter((x): x is { v: number; i: number } => x.v !== undefined && Number.isFinite(x.v));
  const values = present.map((x) => Math.max(0, x.v));
  const cMax = Math.max(...values);
  if (cMax === 0) return 0;
  const wStar = Math.min(...values) / cMax;
  const w = Math.max(wStar, 0.5);
  if (w === 0.5 && present.length === 12) {
    // The decision's closed form for w = 1/2: Σ (1/2)^i · c_i, i = 1…12.
    return present.reduce((sum, x) => sum + 0.5 ** (x.i + 1) * Math.max(0, x.v), 0);
  }
  let num = 0;
  let den = 0;
  for (const x of present) {
    const weight = w ** x.i; // w^(i−1) with i counted from 1
    num += weight * Math.max(0, x.v);
    den += weight;
  }
  return num / den;
}

/** Inputs of the hourly AQI: NowCast for PM, 1-hour means for the gases, µg/m³. */
export type HourlyConcentrations = Partial<Record<AqiPollutant, number>>;

/** Hourly VN_AQI; `undefined` when neither PM2.5 nor PM10 is available. */
export function hourlyAqi(concentrations: HourlyConcentrations): AqiResult | undefined {
  if (concentrations.pm25 === undefined && concentrations.pm10 === undefined) return undefined;
  const subIndex: Partial<Record<AqiPollutant, number>> = {};
  let aqi = -1;
  let dominant: AqiPollutant = 'pm25';
  for (const pollutant of Object.keys(AQI_BREAKPOINTS_UG_M3) as AqiPollutant[]) {
    const c = concentrations[pollutant];
    if (c === undefined || !Number.isFinite(c)) continue;
    const value = Math.round(aqiSubIndex(pollutant, c));
    subIndex[pollutant] = value;
    if (value > aqi) {
      aqi = value;
      dominant = pollutant;
    }
  }
  return { aqi, level: aqiBandOf(aqi).level, dominant, subIndex };
}

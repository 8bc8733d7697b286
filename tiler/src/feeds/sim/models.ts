/**
 * The simulator's models: pure functions of (seed, source, time), so a run is reproducible and
 * any instant can be computed directly (backfill, tests). Local time is Vietnam time (UTC+7, no
 * daylight saving). Values are plausible, not measured: see docs/feeds.md.
 */

export const VN_OFFSET_MS = 7 * 3_600_000;

/** Hours since local midnight, 0–24. */
export function localHour(timeMs: number): number {
  return ((((timeMs + VN_OFFSET_MS) % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000;
}

/** A deterministic value in [0, 1) for (seed, key, step): the simulator's only randomness. */
export function noise(seed: number, key: string, step: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ step, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return (h >>> 0) / 4_294_967_296;
}

/** Smooth noise in [−1, 1]: interpolated between one value per `periodMs`. */
export function smoothNoise(seed: number, key: string, timeMs: number, periodMs: number): number {
  const x = timeMs / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const s = f * f * (3 - 2 * f);
  return 2 * (noise(seed, key, i) * (1 - s) + noise(seed, key, i + 1) * s) - 1;
}

const gauss = (x: number, mu: number, sigma: number) => Math.exp(-0.5 * ((x - mu) / sigma) ** 2);

/** Traffic demand 0–1 by local hour: rush hours 6:30–8:30 and 16:30–18:30, a midday plateau. */
export function trafficProfile(hour: number): number {
  const night = 0.08;
  const day = hour >= 6 && hour <= 21 ? 0.45 : 0;
  return Math.min(
    1,
    night +
      day * (1 - gauss(hour, 12.5, 1.2) * 0.15) +
      0.55 * gauss(hour, 7.5, 0.55) +
      0.55 * gauss(hour, 17.5, 0.55),
  );
}

export type StationCategory = 'urban' | 'traffic' | 'industrial';
export type Pollutant = 'pm25' | 'pm10' | 'no2' | 'co' | 'o3' | 'so2';

/** Typical background levels by station category, µg/m³ (CO too). */
const BASE_UG_M3: Record<StationCategory, Record<Pollutant, number>> = {
  urban: { pm25: 22, pm10: 40, no2: 25, co: 1200, o3: 40, so2: 10 },
  traffic: { pm25: 30, pm10: 60, no2: 45, co: 2500, o3: 35, so2: 12 },
  industrial: { pm25: 34, pm10: 65, no2: 35, co: 1800, o3: 38, so2: 30 },
};

/**
 * Concentration of a pollutant at a station: traffic pollutants follow the rush hours, ozone
 * peaks in the early afternoon sun, particulates build up under the night-time inversion.
 */
export function pollutantUgM3(
  seed: number,
  code: string,
  category: StationCategory,
  pollutant: Pollutant,
  timeMs: number,
): number {
  const h = localHour(timeMs);
  const base = BASE_UG_M3[category][pollutant];
  const rush = trafficProfile(h);
  let shape: number;
  switch (pollutant) {
    case 'o3':
      shape = 0.35 + 1.6 * gauss(h, 13.5, 2.2);
      break;
    case 'so2':
      shape = 0.8 + 0.3 * Math.sin(((h - 10) / 24) * 2 * Math.PI);
      break;
    case 'pm25':
    case 'pm10':
      shape = 0.55 + 0.9 * rush + 0.35 * (gauss(h, 23, 2) + gauss(h, 0, 2));
      break;
    default:
      shape = 0.45 + 1.1 * rush;
  }
  const wobble = 1 + 0.25 * smoothNoise(seed, `${code}:${pollutant}`, timeMs, 20 * 60_000);
  const jitter = 1 + 0.06 * (2 * noise(seed, `${code}:${pollutant}:j`, Math.floor(timeMs / 60_000)) - 1);
  return Math.max(0, base * shape * wobble * jitter);
}

/** Water level (m above Hòn Dấu) from a semi-diurnal + diurnal tide with slow noise. */
export function waterLevelM(
  seed: number,
  name: string,
  meanLevelM: number,
  tideAmplitudeM: number,
  timeMs: number,
): number {
  const hours = timeMs / 3_600_000;
  const m2 = Math.cos((2 * Math.PI * hours) / 12.42);
  const k1 = Math.cos((2 * Math.PI * hours) / 23.93 + 1.1);
  return (
    meanLevelM +
    tideAmplitudeM * (0.8 * m2 + 0.2 * k1) +
    0.03 * smoothNoise(seed, `${name}:lvl`, timeMs, 30 * 60_000)
  );
}

/** Rain in one minute (mm): afternoon showers on some days of the rainy season (May–November). */
export function rainMmPerMin(seed: number, name: string, timeMs: number): number {
  const month = new Date(timeMs + VN_OFFSET_MS).getUTCMonth() + 1;
  const day = Math.floor((timeMs + VN_OFFSET_MS) / 86_400_000);
  const wetSeason = month >= 5 && month <= 11;
  if (noise(seed, 'rainy-day', day) > (wetSeason ? 0.55 : 0.1)) return 0;
  const h = localHour(timeMs);
  const shower = gauss(h, 15.5 + 2 * noise(seed, 'shower-hour', day), 0.7);
  const local = 0.6 + 0.4 * noise(seed, `${name}:rain`, day);
  const v = 1.2 * shower * local * (1 + 0.5 * smoothNoise(seed, `${name}:rainn`, timeMs, 10 * 60_000));
  return v < 0.05 ? 0 : Math.round(v * 10) / 10;
}

/** Road-segment flow from demand: vehicles/h, mean speed, occupancy and a congestion flag. */
export function segmentFlow(
  seed: number,
  segmentId: string,
  lanes: number,
  maxspeedKmh: number,
  classWeight: number,
  timeMs: number,
): { intensity: number; averageVehicleSpeed: number; occupancy: number; congested: boolean } {
  const demand =
    trafficProfile(localHour(timeMs)) *
    classWeight *
    (1 + 0.15 * smoothNoise(seed, segmentId, timeMs, 15 * 60_000));
  // Motorbike-dominated flow: a lane carries ~1,800 vehicles/h at capacity.
  const capacity = 1800 * Math.max(1, lanes);
  const occupancy = Math.min(0.98, Math.max(0, demand));
  const intensity = Math.round(capacity * occupancy * (occupancy > 0.85 ? 0.9 : 1));
  const speed = maxspeedKmh * (1 - 0.85 * occupancy ** 2.5);
  return {
    intensity,
    averageVehicleSpeed: Math.round(speed * 10) / 10,
    occupancy: Math.round(occupancy * 100) / 100,
    congested: occupancy > 0.75,
  };
}

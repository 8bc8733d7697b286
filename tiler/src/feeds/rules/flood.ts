import type { FloodAlarmLevel } from '../../api/feeds.js';

/**
 * Flood alarm levels (báo động I, II, III) of a river gauge: the highest level whose
 * threshold the water level has reached. Thresholds are per gauge (data/feeds/water_gauges.json),
 * in metres above the national datum, as Decision 05/2020/QĐ-TTg states them.
 */
export function floodAlarmLevel(
  levelM: number | undefined,
  thresholdsM: readonly [number, number, number] | undefined,
): FloodAlarmLevel {
  if (levelM === undefined || !thresholdsM) return 0;
  if (levelM >= thresholdsM[2]) return 3;
  if (levelM >= thresholdsM[1]) return 2;
  if (levelM >= thresholdsM[0]) return 1;
  return 0;
}

export const FLOOD_LEVEL_NAMES_VI = ['', 'Báo động I', 'Báo động II', 'Báo động III'] as const;

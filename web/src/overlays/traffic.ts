import type { TrafficSegmentState } from '../api';
import type { MessageId } from '../i18n';

/**
 * Traffic colours: the observed mean speed relative to the segment's free-flow speed (its
 * `maxspeedKmh` in roads.geojson), as traffic maps do, so a 25 km/h residential street and a
 * 25 km/h QL13 do not look the same. The hub's `congested` flag (occupancy > 0.75) forces at
 * least "slow"; stale segments (no report for 10 min) are grey.
 */

export interface TrafficClass {
  id: 'free' | 'busy' | 'slow' | 'jam' | 'stale';
  colour: string;
  label: MessageId;
  /** Lower bound of speed / free-flow speed for this class. */
  minRatio: number;
}

export const TRAFFIC_CLASSES: readonly TrafficClass[] = [
  { id: 'free', colour: '#1FAA59', label: 'overlays.traffic.free', minRatio: 0.75 },
  { id: 'busy', colour: '#F7D038', label: 'overlays.traffic.busy', minRatio: 0.5 },
  { id: 'slow', colour: '#F47A1F', label: 'overlays.traffic.slow', minRatio: 0.25 },
  { id: 'jam', colour: '#C62828', label: 'overlays.traffic.jam', minRatio: 0 },
];
export const TRAFFIC_STALE: TrafficClass = {
  id: 'stale',
  colour: '#7D828A',
  label: 'overlays.traffic.stale',
  minRatio: 0,
};

/** Free-flow speed (km/h) when the road has no `maxspeedKmh`: a Vietnamese urban default. */
export const DEFAULT_FREE_FLOW_KMH = 40;

export function trafficClass(
  e: Pick<TrafficSegmentState, 'averageSpeedKmh' | 'congested' | 'freshness' | 'occupancy'>,
  freeFlowKmh: number = DEFAULT_FREE_FLOW_KMH,
): TrafficClass {
  if (e.freshness === 'stale') return TRAFFIC_STALE;
  let ratio: number;
  if (e.averageSpeedKmh !== undefined) ratio = e.averageSpeedKmh / Math.max(1, freeFlowKmh);
  else if (e.occupancy !== undefined) ratio = 1 - e.occupancy;
  else ratio = 1;
  let cls = TRAFFIC_CLASSES.find((c) => ratio >= c.minRatio) ?? TRAFFIC_CLASSES[TRAFFIC_CLASSES.length - 1]!;
  if (e.congested === true && (cls.id === 'free' || cls.id === 'busy')) cls = TRAFFIC_CLASSES[2]!;
  return cls;
}

/**
 * The hub's internal records, one per stage after validation (the wire shapes live in
 * api/feeds.ts and in the SensorThings / Smart Data Models / GTFS-rt specifications).
 * Times are epoch milliseconds (UTC) inside the hub; ISO strings only on the wire.
 */

/** A validated SensorThings Observation, ready to store. */
export interface ObservationRecord {
  datastreamId: number;
  phenomenonTimeMs: number;
  /** End of an interval phenomenonTime (`start/end`), else undefined. */
  phenomenonEndMs?: number | undefined;
  resultTimeMs?: number | undefined;
  /** The result as sent (number, string, boolean or object). */
  result: unknown;
  /** The result when it is a finite number: what roll-ups, rules and charts use. */
  resultNum?: number | undefined;
  resultQuality?: unknown;
  parameters?: Record<string, unknown> | undefined;
}

/** A validated Smart Data Models TrafficFlowObserved. */
export interface TrafficFlowRecord {
  /** `refRoadSegment`: the `id` of a road segment (e.g. `R-000001`). */
  segmentId: string;
  timeMs: number;
  intensityVehH?: number | undefined;
  averageSpeedKmh?: number | undefined;
  occupancy?: number | undefined;
  congested?: boolean | undefined;
  /** Position of the segment (the midpoint), when the sender gave a location. */
  lonDeg?: number | undefined;
  latDeg?: number | undefined;
  /** The entity id the sender used (urn:ngsi-ld:TrafficFlowObserved:…). */
  sourceId?: string | undefined;
}

/** A vehicle position from a GTFS-realtime FeedEntity. */
export interface VehiclePositionRecord {
  vehicleId: string;
  timeMs: number;
  lonDeg: number;
  latDeg: number;
  bearingDeg?: number | undefined;
  speedMS?: number | undefined;
  routeId?: string | undefined;
  tripId?: string | undefined;
  label?: string | undefined;
}

export type IngestItem =
  | { kind: 'observation'; record: ObservationRecord }
  | { kind: 'traffic'; record: TrafficFlowRecord }
  | { kind: 'vehicle'; record: VehiclePositionRecord };

/** Where an item came in, for counters and logs. */
export type IngestChannel = 'http' | 'mqtt';

/**
 * Live feed contracts shared by the hub (`bdtwin serve`) and the viewer (extend, don't break).
 * Browser-safe: no Node imports. Times are ISO 8601 strings (UTC, `Z`), as SensorThings uses.
 *
 * The viewer opens `ws://host:8080/ws`, sends a {@link SubscribeMessage}, gets one
 * {@link SnapshotMessage} with the latest state of every entity it asked for, then
 * {@link DeltaMessage}s with changed entities only (the newest state per entity: a slow
 * client is conflated, never queued). After a reconnect it sends `resume` with the last
 * `hubId`/`seq` it saw and gets the entities changed since, or a fresh snapshot.
 */

/** Layers a viewer can subscribe to. */
export type FeedLayer = 'air' | 'water' | 'traffic' | 'vehicles' | 'alerts';
export const FEED_LAYERS: readonly FeedLayer[] = ['air', 'water', 'traffic', 'vehicles', 'alerts'];

/** West, south, east, north in degrees (lon/lat, WGS 84). */
export type BBox = [number, number, number, number];

/**
 * `fresh` until the source stays silent longer than its limit (sensors 10 min, vehicles 90 s),
 * then `stale`: the viewer greys it out rather than showing an old value as current.
 */
export type Freshness = 'fresh' | 'stale';

// ---- VN_AQI (Decision 1459/QĐ-TCMT, 2019) -------------------------------------------------

export type AqiPollutant = 'pm25' | 'pm10' | 'o3' | 'co' | 'no2' | 'so2';

export interface AqiBand {
  /** 1 … 6. */
  level: number;
  min: number;
  max: number;
  /** Official label (Vietnamese) and an English gloss. */
  labelVi: string;
  labelEn: string;
  /** Official colour as hex, from the decision's RGB values. */
  colour: string;
  rgb: [number, number, number];
}

/** The six bands of Decision 1459/QĐ-TCMT, Table 4 (ranges, colours and labels). */
export const AQI_BANDS: readonly AqiBand[] = [
  { level: 1, min: 0, max: 50, labelVi: 'Tốt', labelEn: 'Good', colour: '#00E400', rgb: [0, 228, 0] },
  {
    level: 2,
    min: 51,
    max: 100,
    labelVi: 'Trung bình',
    labelEn: 'Moderate',
    colour: '#FFFF00',
    rgb: [255, 255, 0],
  },
  { level: 3, min: 101, max: 150, labelVi: 'Kém', labelEn: 'Poor', colour: '#FF7E00', rgb: [255, 126, 0] },
  { level: 4, min: 151, max: 200, labelVi: 'Xấu', labelEn: 'Bad', colour: '#FF0000', rgb: [255, 0, 0] },
  {
    level: 5,
    min: 201,
    max: 300,
    labelVi: 'Rất xấu',
    labelEn: 'Very bad',
    colour: '#8F3F97',
    rgb: [143, 63, 151],
  },
  {
    level: 6,
    min: 301,
    max: 500,
    labelVi: 'Nguy hại',
    labelEn: 'Hazardous',
    colour: '#7E0023',
    rgb: [126, 0, 35],
  },
];

/** The band an (integer) AQI falls in; values above 500 are Hazardous. */
export function aqiBandOf(aqi: number): AqiBand {
  for (const band of AQI_BANDS) if (aqi <= band.max) return band;
  return AQI_BANDS[AQI_BANDS.length - 1]!;
}

export interface AqiResult {
  /** Hourly VN_AQI, an integer 0–500. */
  aqi: number;
  level: number;
  /** The pollutant with the highest sub-index. */
  dominant: AqiPollutant;
  /** Sub-index per pollutant that had data. */
  subIndex: Partial<Record<AqiPollutant, number>>;
}

// ---- Entities pushed to viewers --------------------------------------------------------------

interface EntityBase {
  /** Unique across layers, e.g. `air:12` (Thing id), `traffic:R-000001`, `vehicle:K39-01`. */
  key: string;
  layer: FeedLayer;
  /** Hub-wide change counter when this state was produced (for resume). */
  seq: number;
  /** When the newest value was observed. */
  time: string;
  freshness: Freshness;
  lonDeg: number;
  latDeg: number;
}

/** An air-quality station (a SensorThings Thing with pollutant datastreams). */
export interface AirStationState extends EntityBase {
  layer: 'air';
  thingId: number;
  name: string;
  /** Monitoring point code, e.g. `ĐT4`, `GT5`, `CN9`. */
  code?: string;
  /** Latest values in µg/m³ (CO too, as VN_AQI uses µg/m³). */
  valuesUgM3: Partial<Record<AqiPollutant, number>>;
  /** Hourly VN_AQI; absent until PM2.5 or PM10 has data (the decision requires one of them). */
  aqi?: AqiResult;
}

export type FloodAlarmLevel = 0 | 1 | 2 | 3;

/** A water-level / rain gauge (Sài Gòn river points). */
export interface WaterGaugeState extends EntityBase {
  layer: 'water';
  thingId: number;
  name: string;
  /** Water level above the national datum (Hòn Dấu), metres. */
  levelM?: number;
  /** Rain in the last reporting interval, millimetres. */
  rainMm?: number;
  /** 0 = below alarm I; 1, 2, 3 = báo động I, II, III. */
  alarmLevel: FloodAlarmLevel;
  /** Thresholds for alarm I, II, III in metres, when the gauge has them. */
  alarmThresholdsM?: [number, number, number];
}

/** Road-segment flow, from Smart Data Models `TrafficFlowObserved`. */
export interface TrafficSegmentState extends EntityBase {
  layer: 'traffic';
  /** `refRoadSegment`: the `id` of a feature in roads.geojson (e.g. `R-000001`). */
  segmentId: string;
  /** Vehicles per hour. */
  intensityVehH?: number;
  averageSpeedKmh?: number;
  /** 0–1. */
  occupancy?: number;
  congested?: boolean;
}

/** A vehicle from GTFS-realtime VehiclePositions. */
export interface VehicleState extends EntityBase {
  layer: 'vehicles';
  vehicleId: string;
  routeId?: string;
  tripId?: string;
  bearingDeg?: number;
  speedMS?: number;
  label?: string;
}

export type AlertKind = 'flood' | 'air' | 'stale';

/** An alarm raised by the rules; `active: false` once it clears (kept so viewers can remove it). */
export interface AlertState extends EntityBase {
  layer: 'alerts';
  kind: AlertKind;
  /** The entity it is about, e.g. `water:5`. */
  subject: string;
  active: boolean;
  /** 1–3 for flood alarms, the AQI band level (4–6) for air. */
  level: number;
  messageVi: string;
  messageEn: string;
  /**
   * Who acknowledged this raise and when (ISO), set by `POST /api/alerts/:key/ack`. Dropped when
   * the alert is raised anew or escalates (a new raise needs a new acknowledgement); kept when
   * it clears, so the record of who saw it stays with it.
   */
  ack?: AlertAck;
}

export interface AlertAck {
  by: string;
  at: string;
}

/** `GET /api/alerts`: the alerts, newest first (active only unless `?all=1`). */
export interface AlertsResponse {
  alerts: AlertState[];
}

export type FeedEntity = AirStationState | WaterGaugeState | TrafficSegmentState | VehicleState | AlertState;

// ---- WebSocket /ws messages -----------------------------------------------------------------

/** Client → hub. Send once after opening the socket, and again to change the subscription. */
export interface SubscribeMessage {
  type: 'subscribe';
  layers: FeedLayer[];
  bbox?: BBox;
  /** After a reconnect: the last `hubId` and `seq` seen. */
  resume?: { hubId: string; seq: number };
}

export type ClientMessage = SubscribeMessage;

/** Hub → client: the latest state of every subscribed entity. */
export interface SnapshotMessage {
  type: 'snapshot';
  hubId: string;
  /** The hub's change counter; entities with `seq` ≤ this are included. */
  seq: number;
  entities: FeedEntity[];
}

/** Hub → client: entities changed since the previous message (newest state each). */
export interface DeltaMessage {
  type: 'delta';
  hubId: string;
  seq: number;
  entities: FeedEntity[];
  /** True when this delta answers a `resume` (the changes missed while away). */
  resumed?: boolean;
}

export interface FeedErrorMessage {
  type: 'error';
  error: string;
  field?: string;
}

export type ServerMessage = SnapshotMessage | DeltaMessage | FeedErrorMessage;

// ---- HTTP: history, replay, stats -----------------------------------------------------------

/** `GET /api/history?datastream=…&from=…&to=…&resolution=raw|1m` */
export interface HistoryResponse {
  datastream: number;
  resolution: 'raw' | '1m';
  from: string;
  to: string;
  /** raw: value = the result; 1m: value = the mean, with min/max/count. */
  points: { time: string; value: number; min?: number; max?: number; count?: number }[];
  truncated: boolean;
}

/** `GET /api/state?at=…`: the entities as they were at `at` (layers/bbox as query params). */
export interface StateAtResponse {
  at: string;
  entities: FeedEntity[];
}

/** Every JSON error from the hub's HTTP endpoints. */
export interface FeedHttpError {
  error: string;
  /** The offending field or query parameter, e.g. `result`, `phenomenonTime`, `$top`. */
  field?: string;
}

/** `GET /api/feeds/stats` */
export interface FeedStats {
  hubId: string;
  seq: number;
  accepted: { http: number; mqtt: number; traffic: number; vehicles: number };
  rejected: { http: number; mqtt: number };
  stored: { observations: number; trafficFlows: number; vehiclePositions: number };
  clients: number;
  entities: number;
  mqtt: {
    mode: 'embedded' | 'external' | 'off';
    port?: number;
    url?: string;
    /** External broker: connected now; reconnect attempts since the last loss (backoff). */
    connected?: boolean;
    reconnectAttempts?: number;
    lastError?: string;
  };
  /** The SQLite store: failing now (items held, retried with backoff), and outages so far. */
  storage?: {
    ok: boolean;
    /** Where the store is: the SQLite file, or the PostgreSQL URL without its password. */
    file: string;
    outages: number;
    outageMsTotal: number;
    failingSince?: string;
    attempts?: number;
    held?: number;
    lastError?: string;
  };
}

/** Topics and paths, in one place for the hub, the simulator, the benchmark and docs. */
export const FEED_TOPICS = {
  /** SensorThings MQTT extension: publish an Observation to create it. */
  observations: (datastreamId: number) => `v1.1/Datastreams(${datastreamId})/Observations`,
  /** Observations with `Datastream@iot.id` in the body. */
  anyObservation: 'v1.1/Observations',
  /** Smart Data Models TrafficFlowObserved (NGSI-LD normalised or key-values JSON). */
  trafficFlow: 'bdtwin/traffic/flow',
  /** GTFS-realtime FeedMessage (protobuf bytes). */
  vehiclePositions: 'bdtwin/gtfs-rt/vehicle-positions',
  /** Where the hub describes every rejected MQTT message. */
  errors: 'bdtwin/errors',
} as const;

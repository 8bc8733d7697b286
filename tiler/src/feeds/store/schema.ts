/**
 * SQLite schema of the feed store. SensorThings entities keep their own properties as JSON
 * (clients may add any), with the links the hub queries on as columns. Observations are one
 * row each with the numeric result in a column, so roll-ups, charts and rules never parse JSON.
 * `user_version` is the schema version: bump it and add a migration when this changes.
 */
export const SCHEMA_VERSION = 2;
// 2: alert_acks (additive: CREATE … IF NOT EXISTS upgrades a version-1 file in place).

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS things (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS locations (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS thing_locations (
  thing_id INTEGER NOT NULL REFERENCES things(id),
  location_id INTEGER NOT NULL REFERENCES locations(id),
  PRIMARY KEY (thing_id, location_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sensors (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS observed_properties (id INTEGER PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS datastreams (
  id INTEGER PRIMARY KEY,
  thing_id INTEGER NOT NULL REFERENCES things(id),
  sensor_id INTEGER NOT NULL REFERENCES sensors(id),
  observed_property_id INTEGER NOT NULL REFERENCES observed_properties(id),
  json TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS observations (
  id INTEGER PRIMARY KEY,
  datastream_id INTEGER NOT NULL,
  phenomenon_time_ms INTEGER NOT NULL,
  phenomenon_end_ms INTEGER,
  result_time_ms INTEGER,
  result_num REAL,
  result_json TEXT,
  extra_json TEXT
);
CREATE INDEX IF NOT EXISTS observations_ds_time ON observations (datastream_id, phenomenon_time_ms);
CREATE INDEX IF NOT EXISTS observations_time ON observations (phenomenon_time_ms);

-- One row per datastream and UTC minute: what charts and replay read beyond a few hours.
CREATE TABLE IF NOT EXISTS rollup_1m (
  datastream_id INTEGER NOT NULL,
  minute_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (datastream_id, minute_ms)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS traffic_flows (
  id INTEGER PRIMARY KEY,
  segment_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  intensity_veh_h REAL,
  average_speed_kmh REAL,
  occupancy REAL,
  congested INTEGER,
  lon_deg REAL,
  lat_deg REAL
);
CREATE INDEX IF NOT EXISTS traffic_flows_segment_time ON traffic_flows (segment_id, time_ms);
CREATE INDEX IF NOT EXISTS traffic_flows_time ON traffic_flows (time_ms);

CREATE TABLE IF NOT EXISTS vehicle_positions (
  id INTEGER PRIMARY KEY,
  vehicle_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  lon_deg REAL NOT NULL,
  lat_deg REAL NOT NULL,
  bearing_deg REAL,
  speed_m_s REAL,
  route_id TEXT,
  trip_id TEXT,
  label TEXT
);
CREATE INDEX IF NOT EXISTS vehicle_positions_time ON vehicle_positions (time_ms);

-- Every acknowledgement of an alert, for the record (the alert's current ack rides on its
-- latest-state row). Written in the same transaction as that row.
CREATE TABLE IF NOT EXISTS alert_acks (
  id INTEGER PRIMARY KEY,
  alert_key TEXT NOT NULL,
  raised_time TEXT NOT NULL,
  level INTEGER NOT NULL,
  by_name TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_acks_key ON alert_acks (alert_key, at_ms);

-- The latest state of every entity pushed to viewers (snapshot after a restart; resume).
CREATE TABLE IF NOT EXISTS latest (
  key TEXT PRIMARY KEY,
  layer TEXT NOT NULL,
  seq INTEGER NOT NULL,
  json TEXT NOT NULL
) WITHOUT ROWID;
`;

import { readFile } from 'node:fs/promises';
import { normaliseName } from '../state/catalog.js';

/**
 * The Kaze bus network (Becamex Tokyu) as a GTFS static feed, built from the route summaries
 * (ordered stop names per direction, departures at the first stop, ~2018 timetables) and the
 * OpenStreetMap bus stops.
 *
 * - Stops: a route's stop name is matched to an OSM stop by normalised words (accents,
 *   abbreviations such as UBND, CĐ, THCS, VHTT); stops that match none get a position
 *   interpolated between their matched neighbours on the route, and say so in `stop_desc`.
 * - Times: only first-stop departures are published, so arrival times along a trip are
 *   estimated from the straight-line distance between stops at an average 18 km/h with a
 *   20 s dwell per stop. Trips run every day (one `calendar.txt` service).
 */

export interface KazeRoute {
  route: string;
  name: string;
  direction: string;
  stops: string[];
  firstStopDepartures: string[];
}

export interface GtfsStop {
  stopId: string;
  name: string;
  lonDeg: number;
  latDeg: number;
  /** True when no OSM stop matched and the position was interpolated. */
  interpolated: boolean;
}

export interface GtfsTrip {
  tripId: string;
  routeId: string;
  directionId: 0 | 1;
  headsign: string;
  /** Stop ids with arrival = departure seconds after local midnight. */
  stopTimes: { stopId: string; timeS: number }[];
}

export interface GtfsFeed {
  stops: Map<string, GtfsStop>;
  routes: { routeId: string; shortName: string; longName: string }[];
  trips: GtfsTrip[];
}

export const KAZE_AGENCY = {
  id: 'becamex-tokyu',
  name: 'Becamex Tokyu Bus (Kaze)',
  url: 'https://www.becamex-tokyu.com',
  timezone: 'Asia/Ho_Chi_Minh',
};

const AVERAGE_SPEED_M_S = 18 / 3.6;
const DWELL_S = 20;

const ABBREVIATIONS: [RegExp, string][] = [
  [/\bubnd\b/g, 'uy ban nhan dan'],
  [/\bcd\b/g, 'cao dang'],
  [/\bdh\b/g, 'dai hoc'],
  [/\bthcs\b/g, 'trung hoc co so'],
  [/\bvhtt\b/g, 'van hoa the thao'],
  [/\btp\b/g, 'thanh pho'],
  [/\btpm\b/g, 'thanh pho moi'],
  [/\bvisip\b/g, 'vsip'],
  [/\bpnt\b/g, 'pham ngoc thach'],
  [/\bluky\b/g, 'lucky'],
  [/\bnew city\b/g, 'thanh pho moi'],
  [/\bdai lo bd\b/g, 'dai lo binh duong'],
  [/\bbd\b/g, 'binh duong'],
  [/\btram\b/g, ''],
];

function words(name: string): Set<string> {
  let s = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (const [re, to] of ABBREVIATIONS) s = s.replace(re, to);
  return new Set(s.split(' ').filter((w) => w && w !== 'so' && w !== 'duong'));
}

function similarity(a: Set<string>, b: Set<string>): number {
  let common = 0;
  for (const w of a) if (b.has(w)) common++;
  return common / Math.max(1, Math.min(a.size, b.size) + 0.5 * Math.abs(a.size - b.size));
}

function distanceM(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const x = (b[0] - a[0]) * rad * Math.cos(((a[1] + b[1]) / 2) * rad);
  const y = (b[1] - a[1]) * rad;
  return Math.hypot(x, y) * 6_371_000;
}

function parseClock(text: string): number {
  const [h, m, s] = text.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

export function buildKazeFeed(routes: KazeRoute[], stopsGeojson: unknown): GtfsFeed {
  const osm = ((stopsGeojson as { features?: unknown[] }).features ?? [])
    .map((f) => f as { properties?: { name?: string }; geometry?: { coordinates?: [number, number] } })
    .filter((f) => f.properties?.name && f.geometry?.coordinates)
    .map((f) => ({
      name: f.properties!.name!.trim(),
      words: words(f.properties!.name!),
      pos: f.geometry!.coordinates!,
    }));
  const stops = new Map<string, GtfsStop>();
  const stopIdOf = (name: string) => `S-${normaliseName(name).slice(0, 40)}`;

  const match = (name: string): [number, number] | undefined => {
    const w = words(name);
    let best: { score: number; pos: [number, number] } | undefined;
    for (const s of osm) {
      const score = similarity(w, s.words);
      if (!best || score > best.score) best = { score, pos: s.pos };
    }
    return best && best.score >= 0.6 ? best.pos : undefined;
  };

  // Positions: matched first, then interpolated along each route between matched neighbours.
  for (const r of routes) {
    const positions = r.stops.map((name) =>
      stops.get(stopIdOf(name))?.interpolated === false
        ? ([stops.get(stopIdOf(name))!.lonDeg, stops.get(stopIdOf(name))!.latDeg] as [number, number])
        : match(name),
    );
    r.stops.forEach((name, i) => {
      const id = stopIdOf(name);
      if (stops.has(id) && !stops.get(id)!.interpolated) return;
      let pos = positions[i];
      let interpolated = false;
      if (!pos) {
        let prev = i - 1;
        while (prev >= 0 && !positions[prev]) prev--;
        let next = i + 1;
        while (next < positions.length && !positions[next]) next++;
        const a = prev >= 0 ? positions[prev] : undefined;
        const b = next < positions.length ? positions[next] : undefined;
        if (a && b) {
          const f = (i - prev) / (next - prev);
          pos = [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
        } else pos = a ?? b;
        interpolated = true;
      }
      if (!pos) return;
      if (!stops.has(id) || interpolated === false) {
        stops.set(id, {
          stopId: id,
          name: name.trim(),
          lonDeg: round7(pos[0]),
          latDeg: round7(pos[1]),
          interpolated,
        });
      }
    });
  }

  const routeList = new Map<string, { routeId: string; shortName: string; longName: string }>();
  const trips: GtfsTrip[] = [];
  for (const r of routes) {
    routeList.set(r.route, { routeId: r.route, shortName: r.route, longName: r.name });
    const ids = r.stops.map(stopIdOf).filter((id) => stops.has(id));
    if (ids.length < 2) continue;
    const offsets: number[] = [0];
    for (let i = 1; i < ids.length; i++) {
      const a = stops.get(ids[i - 1]!)!;
      const b = stops.get(ids[i]!)!;
      const travel = distanceM([a.lonDeg, a.latDeg], [b.lonDeg, b.latDeg]) / AVERAGE_SPEED_M_S;
      offsets.push(offsets[i - 1]! + Math.round(travel) + DWELL_S);
    }
    const directionId: 0 | 1 = r.direction === 'backward' ? 1 : 0;
    const dir = r.direction === 'backward' ? 'b' : r.direction === 'forward' ? 'f' : 'o';
    for (const dep of r.firstStopDepartures) {
      const start = parseClock(dep);
      trips.push({
        tripId: `${r.route}-${dir}-${dep.slice(0, 5).replace(':', '')}`,
        routeId: r.route,
        directionId,
        headsign: r.stops.at(-1)!.trim(),
        stopTimes: ids.map((stopId, i) => ({ stopId, timeS: start + offsets[i]! })),
      });
    }
  }
  return { stops, routes: [...routeList.values()], trips };
}

export async function loadKazeFeed(routesFile: string, stopsFile: string): Promise<GtfsFeed> {
  const routes = JSON.parse(await readFile(routesFile, 'utf8')) as KazeRoute[];
  const stops = JSON.parse(await readFile(stopsFile, 'utf8')) as unknown;
  return buildKazeFeed(routes, stops);
}

/** The feed's files (GTFS Schedule reference), as text. */
export function gtfsFiles(feed: GtfsFeed): Record<string, string> {
  const csv = (rows: (string | number)[][]) =>
    `${rows.map((r) => r.map((v) => (typeof v === 'string' && /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\n')}\n`;
  const clock = (s: number) =>
    `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return {
    'agency.txt': csv([
      ['agency_id', 'agency_name', 'agency_url', 'agency_timezone', 'agency_lang'],
      [KAZE_AGENCY.id, KAZE_AGENCY.name, KAZE_AGENCY.url, KAZE_AGENCY.timezone, 'vi'],
    ]),
    'stops.txt': csv([
      ['stop_id', 'stop_name', 'stop_desc', 'stop_lat', 'stop_lon'],
      ...[...feed.stops.values()].map((s) => [
        s.stopId,
        s.name,
        s.interpolated
          ? 'position interpolated between neighbouring stops (not in OpenStreetMap)'
          : 'OpenStreetMap',
        s.latDeg,
        s.lonDeg,
      ]),
    ]),
    'routes.txt': csv([
      ['route_id', 'agency_id', 'route_short_name', 'route_long_name', 'route_type'],
      ...feed.routes.map((r) => [r.routeId, KAZE_AGENCY.id, r.shortName, r.longName, 3]),
    ]),
    'trips.txt': csv([
      ['route_id', 'service_id', 'trip_id', 'trip_headsign', 'direction_id'],
      ...feed.trips.map((t) => [t.routeId, 'daily', t.tripId, t.headsign, t.directionId]),
    ]),
    'stop_times.txt': csv([
      ['trip_id', 'arrival_time', 'departure_time', 'stop_id', 'stop_sequence', 'timepoint'],
      ...feed.trips.flatMap((t) =>
        t.stopTimes.map((st, i) => [
          t.tripId,
          clock(st.timeS),
          clock(st.timeS),
          st.stopId,
          i + 1,
          i === 0 ? 1 : 0,
        ]),
      ),
    ]),
    'calendar.txt': csv([
      [
        'service_id',
        'monday',
        'tuesday',
        'wednesday',
        'thursday',
        'friday',
        'saturday',
        'sunday',
        'start_date',
        'end_date',
      ],
      ['daily', 1, 1, 1, 1, 1, 1, 1, '20250101', '20271231'],
    ]),
    'feed_info.txt': csv([
      ['feed_publisher_name', 'feed_publisher_url', 'feed_lang', 'feed_version'],
      [
        'bdtwin (from OSM stops, ODbL, and Kaze timetables ~2018)',
        'https://www.openstreetmap.org/copyright',
        'vi',
        '1',
      ],
    ]),
  };
}

/** Where a trip's bus is at `secondsOfDay` (local time), interpolated between stops. */
export function tripPosition(
  feed: GtfsFeed,
  trip: GtfsTrip,
  secondsOfDay: number,
): { lonDeg: number; latDeg: number; bearingDeg: number; speedMS: number } | undefined {
  const st = trip.stopTimes;
  if (secondsOfDay < st[0]!.timeS || secondsOfDay > st.at(-1)!.timeS) return undefined;
  for (let i = 1; i < st.length; i++) {
    const a = st[i - 1]!;
    const b = st[i]!;
    if (secondsOfDay > b.timeS) continue;
    const pa = feed.stops.get(a.stopId)!;
    const pb = feed.stops.get(b.stopId)!;
    // Dwell at the stop first, then drive.
    const driveStart = a.timeS + (i === 1 ? 0 : DWELL_S);
    const f =
      b.timeS <= driveStart
        ? 1
        : Math.min(1, Math.max(0, (secondsOfDay - driveStart) / (b.timeS - driveStart)));
    const rad = Math.PI / 180;
    const dx = (pb.lonDeg - pa.lonDeg) * Math.cos(pa.latDeg * rad);
    const dy = pb.latDeg - pa.latDeg;
    const bearing = (Math.atan2(dx, dy) / rad + 360) % 360;
    const moving = secondsOfDay >= driveStart && f < 1;
    return {
      lonDeg: pa.lonDeg + (pb.lonDeg - pa.lonDeg) * f,
      latDeg: pa.latDeg + (pb.latDeg - pa.latDeg) * f,
      bearingDeg: Math.round(bearing),
      speedMS: moving ? AVERAGE_SPEED_M_S : 0,
    };
  }
  return undefined;
}

function round7(v: number): number {
  return Math.round(v * 1e7) / 1e7;
}

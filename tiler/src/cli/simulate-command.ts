import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gtfsFiles, loadKazeFeed } from '../feeds/gtfs/kaze.js';
import { parseIncident } from '../feeds/sim/incidents.js';
import { runSimulator, SIMULATE_DEFAULTS } from '../feeds/sim/simulate.js';
import { intOption, parseOrUsage } from './main.js';
import { REPO_ROOT } from './serve-command.js';

const D = SIMULATE_DEFAULTS;
const USAGE = `Usage: bdtwin simulate [--url ${D.url}] [--mqtt mqtt://localhost:1883] [options]

Simulated devices of Thủ Dầu Một that use only the hub's public protocols: air-quality
stations (ĐT, GT, CN codes) and Sài Gòn river gauges created over SensorThings and reporting
over MQTT (or SensorThings HTTP without --mqtt); traffic flow on QL13 and the demo streets
(TrafficFlowObserved over HTTP); Kaze buses on their routes and timetables (GTFS-realtime).

Options:
  --url <url>              hub (bdtwin serve)                                [${D.url}]
  --mqtt <url>             broker for observations (mqtt://… or ws://…/mqtt)  [none: HTTP]
  --seed <n>               same seed, same values                             [${D.seed}]
  --interval <s>           reporting period of each sensor                    [${D.intervalS}]
  --rate <obs/s>           total sensor observations per second (load tests; overrides --interval)
  --traffic-interval <s>   period of each road segment                        [${D.trafficIntervalS}]
  --vehicle-interval <s>   period of the GTFS-realtime feed                   [${D.vehicleIntervalS}]
  --roads <classes>        road classes to simulate                           [${D.roadClasses.join(',')}]
  --backfill <hours>       hours of past air quality sent first (VN_AQI NowCast) [${D.backfillHours}]
  --incident <kind[@min]>  flood or pm25, now or minutes after start; repeatable
  --duration <s>           stop after this long                               [run until stopped]
  --source <name>          ingest source name (MQTT user name)                [simulator]

The ingest token (bdtwin tokens add simulator) is read from BDTWIN_INGEST_TOKEN, never argv.`;

export async function simulateCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        mqtt: { type: 'string' },
        seed: { type: 'string' },
        interval: { type: 'string' },
        rate: { type: 'string' },
        'traffic-interval': { type: 'string' },
        'vehicle-interval': { type: 'string' },
        roads: { type: 'string' },
        backfill: { type: 'string' },
        incident: { type: 'string', multiple: true },
        duration: { type: 'string' },
        source: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (!parsed) return 1;
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (m: string) => {
    console.error(`bdtwin simulate: ${m}`);
    return 1;
  };
  const ints: Record<string, number> = {};
  for (const [name, fallback] of [
    ['seed', D.seed],
    ['interval', D.intervalS],
    ['rate', 0],
    ['traffic-interval', D.trafficIntervalS],
    ['vehicle-interval', D.vehicleIntervalS],
    ['backfill', D.backfillHours],
    ['duration', -1],
  ] as const) {
    const v = intOption(values[name] as string | undefined, name, fallback);
    if (typeof v === 'string') return fail(v);
    ints[name] = v;
  }
  for (const name of ['interval', 'traffic-interval', 'vehicle-interval'] as const) {
    if (ints[name]! < 1) return fail(`--${name} must be at least 1 second`);
  }
  const incidents = (values.incident as string[] | undefined) ?? [];
  try {
    for (const i of incidents) parseIncident(i, 0);
  } catch (error) {
    return fail((error as Error).message);
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  try {
    const stats = await runSimulator({
      url: (values.url as string | undefined) ?? D.url,
      ...(typeof values.mqtt === 'string' ? { mqttUrl: values.mqtt } : {}),
      seed: ints.seed!,
      intervalS: ints.interval!,
      ...(ints.rate! > 0 ? { rate: ints.rate! } : {}),
      trafficIntervalS: ints['traffic-interval']!,
      vehicleIntervalS: ints['vehicle-interval']!,
      roadClasses: ((values.roads as string | undefined) ?? D.roadClasses.join(',')).split(','),
      backfillHours: ints.backfill!,
      incidents,
      ...(ints.duration! >= 0 ? { durationS: ints.duration! } : {}),
      repoRoot: REPO_ROOT,
      signal: controller.signal,
      source: (values.source as string | undefined) ?? 'simulator',
      ...(process.env.BDTWIN_INGEST_TOKEN ? { token: process.env.BDTWIN_INGEST_TOKEN } : {}),
    });
    console.log(
      `bdtwin simulate: done: ${stats.observations} observations, ${stats.flows} flows, ${stats.vehiclePositions} bus positions, ${stats.errors} errors`,
    );
    return stats.errors > 0 ? 1 : 0;
  } catch (error) {
    const e = error as Error & { cause?: { code?: string } };
    if (e.cause?.code === 'ECONNREFUSED')
      return fail(`no hub at ${values.url ?? D.url} (start bdtwin serve first)`);
    return fail(e.message);
  }
}

const GTFS_USAGE = `Usage: bdtwin gtfs --out <dir>

Writes a GTFS static feed of the Kaze bus network (agency, stops, routes, trips, stop_times,
calendar, feed_info .txt) from data/transport: OSM stops (ODbL) and the route timetables.`;

export async function gtfsCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    { args: argv, options: { out: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } } },
    GTFS_USAGE,
  );
  if (!parsed) return 1;
  if (parsed.values.help) {
    console.log(GTFS_USAGE);
    return 0;
  }
  if (typeof parsed.values.out !== 'string') {
    console.error(`bdtwin gtfs: --out <dir> is required\n\n${GTFS_USAGE}`);
    return 1;
  }
  const out = path.resolve(parsed.values.out);
  await writeKazeGtfs(out);
  console.log(`bdtwin gtfs: wrote ${out}`);
  return 0;
}

/** Writes the Kaze GTFS feed into `dir` (created if missing). */
export async function writeKazeGtfs(dir: string): Promise<{ stops: number; trips: number }> {
  const feed = await loadKazeFeed(
    path.join(REPO_ROOT, 'data/transport/kaze_bus_routes_summary.json'),
    path.join(REPO_ROOT, 'data/transport/kaze_bus_stops_osm.geojson'),
  );
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(gtfsFiles(feed))) await writeFile(path.join(dir, name), text);
  return { stops: feed.stops.size, trips: feed.trips.length };
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEED_DEFAULTS, type FeedHubOptions } from '../feeds/hub.js';
import { RETENTION_DEFAULTS } from '../feeds/store/backend.js';
import { isPostgresUrl, resolveFeedsDb, shownFeedsDb } from '../feeds/store/open.js';
import { authSummary, loadAuth } from '../serve/auth/config.js';
import { SERVER_DEFAULTS, startServer } from '../serve/server.js';
import { intOption, parseOrUsage } from './main.js';

/** Repository root, found from this file (tiler/dist/cli/ or tiler/src/cli/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const USAGE = `Usage: bdtwin serve [--port ${SERVER_DEFAULTS.port}] [--host ${SERVER_DEFAULTS.host}] [--data <dir>] [--web <dir>] [feed options]

Serves the viewer (--web, default web/dist), the layers in --data (default build/demo:
a layers.json manifest, or discovered tilesets and GeoJSON) at /data/…, and GET /api/layers.

With the live feed hub (docs/feeds.md): SensorThings API at /v1.1/…, viewer WebSocket at
/ws, MQTT over WebSocket at /mqtt, history and replay at /api/history and /api/state.

Feed options:
  --no-feeds              serve files only, no feed hub
  --feeds-db <file|url>   SQLite file, or a PostgreSQL URL postgres://user@host:5432/db
                          (larger deployments; or BDTWIN_FEEDS_DB)     [${FEED_DEFAULTS.dbFile}]
  --mqtt-port <n>         embedded MQTT broker's TCP port, 0 = none     [${FEED_DEFAULTS.mqttPort}]
  --mqtt-url <url>        use an external broker (mqtt://host:1883) instead of embedding one
  --sync <full|normal>    SQLite synchronous mode (full: durable across power loss) [full]
                          (PostgreSQL: commits are durable with synchronous_commit=on)
  --retention-days <n>    keep raw observations this many days          [${RETENTION_DEFAULTS.rawDays}]
  --gtfs-rt-url <url>     poll a GTFS-realtime VehiclePositions feed every 10 s
  --log                   log every request

Access control (docs/security.md):
  --auth-dir <dir>        users, ingest tokens and session secret           [build/auth]
  --trust-proxy           behind a reverse proxy (X-Forwarded-For/-Proto; https → Secure cookies)
  Environment: BDTWIN_USERS, BDTWIN_TOKENS, BDTWIN_SESSION_SECRET, BDTWIN_CORS_ORIGINS,
  BDTWIN_OIDC_ISSUER / _CLIENT_ID / _CLIENT_SECRET / _ROLE_CLAIM / _REDIRECT_URL.
  Users: bdtwin users add <name> --role planner|operator|admin; tokens: bdtwin tokens add <source>.`;

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        data: { type: 'string' },
        web: { type: 'string' },
        log: { type: 'boolean' },
        'no-feeds': { type: 'boolean' },
        'feeds-db': { type: 'string' },
        'mqtt-port': { type: 'string' },
        'mqtt-url': { type: 'string' },
        sync: { type: 'string' },
        'retention-days': { type: 'string' },
        'gtfs-rt-url': { type: 'string' },
        'auth-dir': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
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
  const fail = (message: string) => {
    console.error(`bdtwin serve: ${message}`);
    return 1;
  };
  const port = intOption(values.port as string | undefined, 'port', SERVER_DEFAULTS.port);
  if (typeof port === 'string' || port > 65_535) {
    return fail(typeof port === 'string' ? port : '--port must be ≤ 65535');
  }
  const mqttPort = intOption(values['mqtt-port'] as string | undefined, 'mqtt-port', FEED_DEFAULTS.mqttPort);
  if (typeof mqttPort === 'string' || mqttPort > 65_535) {
    return fail(typeof mqttPort === 'string' ? mqttPort : '--mqtt-port must be ≤ 65535');
  }
  const retentionDays = intOption(
    values['retention-days'] as string | undefined,
    'retention-days',
    RETENTION_DEFAULTS.rawDays,
  );
  if (typeof retentionDays === 'string' || retentionDays < 1)
    return fail('--retention-days must be a whole number ≥ 1');
  const sync = (values.sync as string | undefined) ?? 'full';
  if (sync !== 'full' && sync !== 'normal') return fail(`--sync must be "full" or "normal", got "${sync}"`);
  // A URL in the environment keeps its password out of `ps` (or use PGPASSWORD / ~/.pgpass).
  const feedsDb = (values['feeds-db'] as string | undefined) ?? process.env.BDTWIN_FEEDS_DB;
  if (feedsDb !== undefined && isPostgresUrl(feedsDb) && values.sync !== undefined)
    return fail('--sync is for the SQLite store; PostgreSQL commits are durable with synchronous_commit=on');
  const mqttUrl = values['mqtt-url'] as string | undefined;
  if (mqttUrl !== undefined && !/^(mqtt|tcp):\/\/[^/]+/.test(mqttUrl)) {
    return fail(`--mqtt-url must look like mqtt://host:1883, got "${mqttUrl}"`);
  }
  const host = (values.host as string | undefined) ?? SERVER_DEFAULTS.host;
  const dataDir = path.resolve((values.data as string | undefined) ?? path.join(REPO_ROOT, 'build/demo'));
  const webDir = path.resolve((values.web as string | undefined) ?? path.join(REPO_ROOT, 'web/dist'));
  const dbFile = resolveFeedsDb(feedsDb, REPO_ROOT, FEED_DEFAULTS.dbFile);
  const roadsFile = path.join(dataDir, 'roads.geojson');
  const feeds: FeedHubOptions | undefined =
    values['no-feeds'] === true
      ? undefined
      : {
          dbFile,
          sync,
          mqttPort,
          mqttHost: host,
          retention: { ...RETENTION_DEFAULTS, rawDays: retentionDays },
          ...(mqttUrl ? { mqttUrl } : {}),
          ...(typeof values['gtfs-rt-url'] === 'string' ? { gtfsRtUrl: values['gtfs-rt-url'] } : {}),
          ...(existsSync(roadsFile) ? { roadsFile } : {}),
        };
  try {
    const authDir = path.resolve(
      (values['auth-dir'] as string | undefined) ?? path.join(REPO_ROOT, 'build/auth'),
    );
    const inside = path.relative(dataDir, authDir);
    if (!inside.startsWith('..') && !path.isAbsolute(inside))
      return fail(`--auth-dir ${authDir} is inside the data folder, which is served: put it elsewhere`);
    const { auth, paths, corsOrigins } = await loadAuth(authDir);
    const server = await startServer({
      port,
      host,
      dataDir,
      webDir,
      logger: values.log === true,
      ...(feeds ? { feeds } : {}),
      auth,
      corsOrigins,
      trustProxy: values['trust-proxy'] === true,
    });
    console.log(`bdtwin: serving ${server.url} (data ${dataDir}, viewer ${webDir})`);
    for (const line of authSummary(auth, paths)) console.log(line);
    if (server.hub) console.log(feedSummary(server.url, server.hub.mqttStatus(), dbFile));
    const stop = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return await new Promise<number>(() => {});
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { port?: number };
    const why =
      e.code === 'EADDRINUSE'
        ? `port ${e.port ?? port} is already in use (try --port${e.port === mqttPort ? ' or --mqtt-port' : ''})`
        : e.message;
    return fail(why);
  }
}

/** The lines that tell a user (and the tests) where the hub listens. */
export function feedSummary(
  url: string,
  mqtt: { mode: string; port?: number; url?: string },
  dbFile: string,
): string {
  const host = new URL(url).hostname;
  const broker =
    mqtt.mode === 'external'
      ? `MQTT via ${mqtt.url}`
      : `MQTT ${mqtt.port !== undefined ? `mqtt://${host}:${mqtt.port} and ` : ''}${url.replace(/^http/, 'ws')}/mqtt`;
  return [
    `bdtwin: feed hub: SensorThings ${url}/v1.1, viewer WebSocket ${url.replace(/^http/, 'ws')}/ws`,
    `bdtwin: feed hub: ${broker}; store ${shownFeedsDb(dbFile)}`,
  ].join('\n');
}

/**
 * `npm start`: builds what is missing or stale (demo city, tiles, viewer), then serves
 * everything on http://localhost:8080 (override with PORT=… or `npm start -- --port 9000`)
 * with the live feed hub (embedded MQTT on 1883) and the simulator feeding it, so the demo is
 * alive on first start. `--no-sim` serves the hub without the simulator; `--no-feeds` neither.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { feedSummary } from '../tiler/src/cli/serve-command.js';
import { writeKazeGtfs } from '../tiler/src/cli/simulate-command.js';
import { FEED_DEFAULTS } from '../tiler/src/feeds/hub.js';
import { runSimulator, SIMULATE_DEFAULTS } from '../tiler/src/feeds/sim/simulate.js';
import { resolveFeedsDb } from '../tiler/src/feeds/store/open.js';
import { authSummary, loadAuth } from '../tiler/src/serve/auth/config.js';
import { ensureDemoAccess, SIMULATOR_SOURCE } from '../tiler/src/serve/auth/demo.js';
import { startServer } from '../tiler/src/serve/server.js';
import { ensureDemoCatalog } from './catalog/demo.js';
import { ensureDemo, ensureWebBuild, REPO_ROOT } from './demo.js';
import { ensureDemoPlanning } from './planning/demo.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'mqtt-port': { type: 'string' },
    'feeds-db': { type: 'string' },
    'no-sim': { type: 'boolean' },
    'no-feeds': { type: 'boolean' },
    incident: { type: 'string', multiple: true },
  },
});
const port = Number(values.port ?? process.env.PORT ?? 8080);
const mqttPort = Number(values['mqtt-port'] ?? process.env.MQTT_PORT ?? FEED_DEFAULTS.mqttPort);
const feedsOn = values['no-feeds'] !== true;
const simOn = feedsOn && values['no-sim'] !== true;
const started = performance.now();
const { dataDir } = await ensureDemo();
// The planning scenarios of the New City (/planner): zoning, today, 2030 TOD.
await ensureDemoPlanning({ dataDir });
// The layer catalogue (/api/catalog): sectors, parcels on the terrain, completeness by ward.
await ensureDemoCatalog(dataDir);
const webDir = await ensureWebBuild();
// The Kaze buses as GTFS static, served at /data/gtfs/ beside the stops layer.
await writeKazeGtfs(path.join(dataDir, 'gtfs'));
const dbFile = resolveFeedsDb(values['feeds-db'], REPO_ROOT, FEED_DEFAULTS.dbFile);
try {
  const host = values.host ?? 'localhost';
  // Access control (docs/security.md): demo users on first start, a fresh simulator token each
  // start, secrets under the gitignored build/auth/ (or BDTWIN_USERS / BDTWIN_TOKENS / …).
  const authDir = path.join(REPO_ROOT, 'build/auth');
  const { auth, paths, corsOrigins } = await loadAuth(authDir);
  const demoAccess = await ensureDemoAccess(authDir, auth.users!, auth.tokens!);
  const server = await startServer({
    auth,
    corsOrigins,
    port,
    host,
    dataDir,
    webDir,
    ...(feedsOn
      ? { feeds: { dbFile, mqttPort, mqttHost: host, roadsFile: path.join(dataDir, 'roads.geojson') } }
      : {}),
  });
  console.log(
    `bdtwin demo ready in ${((performance.now() - started) / 1000).toFixed(1)} s: open ${server.url}`,
  );
  for (const line of [...authSummary(auth, paths), ...demoAccess.lines]) console.log(line);
  if (server.hub) {
    console.log(feedSummary(server.url, server.hub.mqttStatus(), dbFile));
    console.log(
      `bdtwin: GTFS static feed of the Kaze buses at ${server.url}/data/gtfs/stops.txt (and routes, trips…)`,
    );
  }
  const controller = new AbortController();
  const stop = () => {
    controller.abort();
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  if (simOn && server.hub) {
    // In-process but only through the public protocols (SensorThings HTTP, MQTT, GTFS-rt),
    // exactly as `npx bdtwin simulate` would from another machine.
    const mqttUrl = server.hub.mqttPort
      ? `mqtt://127.0.0.1:${server.hub.mqttPort}`
      : `ws://127.0.0.1:${server.port}/mqtt`;
    console.log(`bdtwin: simulator on (npm start -- --no-sim to turn it off); devices report to ${mqttUrl}`);
    runSimulator({
      ...SIMULATE_DEFAULTS,
      url: `http://127.0.0.1:${server.port}`,
      mqttUrl,
      incidents: values.incident ?? [],
      repoRoot: REPO_ROOT,
      signal: controller.signal,
      source: SIMULATOR_SOURCE,
      token: demoAccess.simulatorToken,
    }).catch((error: Error) => console.error(`bdtwin simulate: ${error.message}`));
  }
} catch (error) {
  const e = error as NodeJS.ErrnoException & { port?: number };
  console.error(
    e.code === 'EADDRINUSE'
      ? `port ${e.port ?? port} is already in use: stop the other server or use --port / --mqtt-port`
      : e.message,
  );
  process.exit(1);
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_DEFAULTS, startServer } from '../serve/server.js';
import { intOption, parseOrUsage } from './main.js';

/** Repository root, found from this file (tiler/dist/cli/ or tiler/src/cli/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const USAGE = `Usage: bdtwin serve [--port ${SERVER_DEFAULTS.port}] [--host ${SERVER_DEFAULTS.host}] [--data <dir>] [--web <dir>]

Serves the viewer (--web, default web/dist), the layers in --data (default build/demo:
a layers.json manifest, or discovered tilesets and GeoJSON) at /data/…, and GET /api/layers.`;

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
  const port = intOption(values.port as string | undefined, 'port', SERVER_DEFAULTS.port);
  if (typeof port === 'string' || port > 65_535) {
    console.error(`bdtwin serve: ${typeof port === 'string' ? port : '--port must be ≤ 65535'}`);
    return 1;
  }
  const dataDir = path.resolve((values.data as string | undefined) ?? path.join(REPO_ROOT, 'build/demo'));
  const webDir = path.resolve((values.web as string | undefined) ?? path.join(REPO_ROOT, 'web/dist'));
  try {
    const server = await startServer({
      port,
      host: (values.host as string | undefined) ?? SERVER_DEFAULTS.host,
      dataDir,
      webDir,
      logger: values.log === true,
    });
    console.log(`bdtwin: serving ${server.url} (data ${dataDir}, viewer ${webDir})`);
    const stop = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return await new Promise<number>(() => {});
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${port} is already in use (try --port)` : e.message;
    console.error(`bdtwin serve: ${why}`);
    return 1;
  }
}

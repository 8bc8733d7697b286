/**
 * `npm start`: builds what is missing or stale (demo city, tiles, viewer), then serves
 * everything on http://localhost:8080 (override with PORT=… or `npm start -- --port 9000`).
 */
import { parseArgs } from 'node:util';
import { startServer } from '../tiler/src/serve/server.js';
import { ensureDemo, ensureWebBuild } from './demo.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' } } });
const port = Number(values.port ?? process.env.PORT ?? 8080);
const started = performance.now();
const { dataDir } = await ensureDemo();
const webDir = await ensureWebBuild();
try {
  const server = await startServer({ port, host: values.host ?? 'localhost', dataDir, webDir });
  console.log(
    `bdtwin demo ready in ${((performance.now() - started) / 1000).toFixed(1)} s: open ${server.url}`,
  );
} catch (error) {
  const e = error as NodeJS.ErrnoException;
  console.error(
    e.code === 'EADDRINUSE'
      ? `port ${port} is already in use: stop the other server or use --port`
      : e.message,
  );
  process.exit(1);
}

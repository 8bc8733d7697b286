import { stat } from 'node:fs/promises';
import path from 'node:path';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerCatalogRoutes } from '../catalog/routes.js';
import { FeedHub, type FeedHubOptions } from '../feeds/hub.js';
import { registerFeedRoutes } from '../feeds/routes.js';
import { registerKioskRoutes } from '../kiosk/routes.js';
import { registerScenarioRoutes } from '../planning/routes.js';
import { ArchiveFiles } from './archives.js';
import { brokerAccessOf } from './auth/broker.js';
import { DataAccess } from './auth/data-access.js';
import { type AuthOptions, registerAuth } from './auth/plugin.js';
import { requestRole } from './auth/request.js';
import { canSee } from './auth/roles.js';
import { registerErrorHandler } from './errors.js';
import { DATA_URL_PREFIX, discoverLayersWithVisibility } from './layers.js';

/**
 * The bdtwin HTTP service: the built viewer at `/`, data (tilesets, GeoJSON) at `/data/…`,
 * and the layer list at `GET /api/layers`. Static files get ETags and revalidation, so a
 * re-tiled city is picked up on reload; content-hashed viewer assets are cached for a year.
 *
 * With `feeds`, the live feed hub too (docs/feeds.md): SensorThings at `/v1.1/…`, viewer
 * WebSocket at `/ws`, MQTT over WebSocket at `/mqtt`, history and replay under `/api/`, and the
 * embedded MQTT broker on its own port.
 */

export interface ServerOptions {
  /** TCP port; 0 picks a free one (tests). */
  port?: number;
  /** Interface to listen on. `localhost` answers on 127.0.0.1 and ::1. */
  host?: string;
  /** Folder with the layers (`layers.json` manifest, tilesets, GeoJSON). */
  dataDir: string;
  /** Folder with the built viewer (`web/dist`). */
  webDir: string;
  /** Log requests (pino) to stdout. */
  logger?: boolean;
  /** Run the feed hub (off unless given; `bdtwin serve` turns it on). */
  feeds?: FeedHubOptions;
  /** Mount the routes of a hub opened by the caller instead (it stays the caller's to close). */
  hub?: FeedHub;
  /**
   * Users, sessions, ingest tokens, OIDC (docs/security.md). Without it nobody can log in, every
   * caller is public and ingest is open: what tests of other features get.
   */
  auth?: AuthOptions;
  /** Origins allowed to call the service from a browser (CORS); default none: same origin only. */
  corsOrigins?: string[];
  /** Behind a reverse proxy: trust X-Forwarded-For/-Proto (client address, https → Secure cookies). */
  trustProxy?: boolean;
}

export const SERVER_DEFAULTS = { port: 8080, host: 'localhost' };

/** How long close() lets requests that wait on the feed store finish before it stops the hub. */
export const CLOSE_GRACE_MS = 5_000;

export interface RunningServer {
  url: string;
  port: number;
  app: FastifyInstance;
  /** The feed hub, when the service runs one. */
  hub?: FeedHub;
  close(): Promise<void>;
}

/** Types `send` does not know, or knows under a less useful name. */
const MIME_TYPES: Record<string, string> = {
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
  '.geojson': 'application/geo+json',
  '.b3dm': 'application/octet-stream',
  '.subtree': 'application/octet-stream',
  '.terrain': 'application/vnd.quantized-mesh',
  '.pbf': 'application/vnd.mapbox-vector-tile',
  '.wasm': 'application/wasm',
};

function setContentType(reply: { header(name: string, value: string): unknown }, filePath: string) {
  const type = MIME_TYPES[path.extname(filePath).toLowerCase()];
  if (type) reply.header('Content-Type', type);
}

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const dataDir = path.resolve(options.dataDir);
  const webDir = path.resolve(options.webDir);
  const corsOrigins = options.corsOrigins ?? [];
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: options.trustProxy ?? false,
    // JSON APIs take small bodies; ingest routes set their own limits (feeds/ingest/errors.ts).
    bodyLimit: 256 * 1024,
  });
  registerErrorHandler(app);
  // Same origin only unless an allow-list is configured (BDTWIN_CORS_ORIGINS); credentials are
  // never sent cross-origin, so another site cannot use a logged-in operator's session.
  await app.register(cors, { origin: corsOrigins.length > 0 ? corsOrigins : false });
  await app.register(helmet, {
    // A policy that still lets CesiumJS run: its web workers are same-origin scripts (some
    // created from blob: URLs), its decoders are WebAssembly, its widgets set inline styles,
    // and imagery/textures may be data: or blob: URLs. Nothing may come from another origin.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // 'unsafe-eval': Cesium's widgets bind their templates with Knockout, which compiles
        // bindings with new Function(). Scripts still come only from this origin.
        scriptSrc: ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'"],
        workerSrc: ["'self'", 'blob:'],
        childSrc: ["'self'", 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", 'data:', 'blob:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Other origins may embed tiles only when they are on the CORS allow-list.
    crossOriginResourcePolicy: { policy: corsOrigins.length > 0 ? 'cross-origin' : 'same-origin' },
    crossOriginEmbedderPolicy: false,
    // Served over plain HTTP on a LAN: HSTS would lock browsers out of http://.
    strictTransportSecurity: false,
  });
  await app.register(compress, {
    // glb and quantized-mesh compress 2–4×; JSON and GeoJSON much more.
    customTypes: /^(text\/|application\/(json|geo\+json|javascript|vnd\.quantized-mesh)|model\/gltf)/,
    threshold: 1024,
  });

  // Who the caller is, before any route; then the /data/ gate (404 for what the role may not see).
  await registerAuth(app, options.auth ?? {});
  app.addHook('onRequest', new DataAccess(dataDir, 1_000, (m) => app.log.error(m)).onRequest);
  // Entries of *.3tz archives at /data/<name>.3tz/<path>, after the gate (serve/archives.ts).
  const archives = new ArchiveFiles(dataDir);
  app.addHook('onRequest', archives.onRequest);
  app.addHook('onClose', () => archives.close());

  if (options.hub) await registerFeedRoutes(app, options.hub);

  app.get('/api/layers', async (req, reply) => {
    reply.header('Cache-Control', 'no-cache');
    const role = requestRole(req);
    return (await discoverLayersWithVisibility(dataDir))
      .filter((l) => canSee(role, l.visibility))
      .map(({ visibility: _v, ...layer }) => layer);
  });
  await registerScenarioRoutes(app, { dataDir });
  await registerCatalogRoutes(app, { dataDir });
  await registerKioskRoutes(app, { dataDir });

  await app.register(fastifyStatic, {
    root: dataDir,
    prefix: DATA_URL_PREFIX,
    decorateReply: false,
    etag: true,
    lastModified: true,
    // Revalidate every time (cheap 304s): tiles change when the city is re-tiled.
    cacheControl: true,
    maxAge: 0,
    setHeaders: (reply, filePath) => {
      setContentType(reply, filePath);
      reply.header('Cache-Control', 'no-cache');
      // Terrain: `bdtwin terrain` stores .terrain tiles gzipped (as cesium-terrain-builder does);
      // the header lets the browser inflate them (and stops compress from gzipping them again).
      if (filePath.endsWith('.terrain')) reply.header('Content-Encoding', 'gzip');
      // Vector tiles: `bdtwin add` stores them gzipped too (as tippecanoe's exports are).
      if (filePath.endsWith('.pbf')) reply.header('Content-Encoding', 'gzip');
    },
  });

  const haveWeb = await stat(path.join(webDir, 'index.html')).then(
    () => true,
    () => false,
  );
  if (haveWeb) {
    await app.register(fastifyStatic, {
      root: webDir,
      prefix: '/',
      etag: true,
      setHeaders: (reply, filePath) => {
        setContentType(reply, filePath);
        const rel = path.relative(webDir, filePath);
        // Vite names assets by content hash; everything else must revalidate.
        reply.header(
          'Cache-Control',
          rel.startsWith(`assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }

  app.setNotFoundHandler((req, reply) => {
    const url = req.url.split('?')[0] ?? '';
    // Viewer routes (/ops, /kiosk, …) are client-side: answer with the app shell.
    if (
      haveWeb &&
      req.method === 'GET' &&
      !url.startsWith('/api/') &&
      !url.startsWith(DATA_URL_PREFIX) &&
      !path.extname(url)
    ) {
      return reply.header('Cache-Control', 'no-cache').sendFile('index.html', webDir);
    }
    return reply.code(404).send({ error: 'not found', path: url });
  });
  return app;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? SERVER_DEFAULTS.host;
  const tokens = options.auth?.tokens;
  const ownHub = options.feeds
    ? await FeedHub.open({
        mqttHost: host,
        ...(tokens ? { brokerAccess: brokerAccessOf(tokens) } : {}),
        ...options.feeds,
      })
    : undefined;
  const hub = options.hub ?? ownHub;
  let app: FastifyInstance;
  try {
    app = await createServer({ ...options, ...(hub ? { hub } : {}) });
    await app.listen({ port: options.port ?? SERVER_DEFAULTS.port, host });
  } catch (error) {
    await ownHub?.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? SERVER_DEFAULTS.port);
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    app,
    ...(hub ? { hub } : {}),
    close: async () => {
      // Node closes the keep-alive connections that are idle when close() is called; one whose
      // request was still running would hold the close for the keep-alive timeout (72 s).
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      // Requests waiting on the feed store (an outage, a COMMIT of unknown outcome) are answered
      // by stopping the hub once the grace period is over: 503 for held items, nothing hangs.
      const grace = ownHub ? setTimeout(() => void ownHub.close(), CLOSE_GRACE_MS) : undefined;
      try {
        await app.close();
      } finally {
        clearInterval(idle);
        clearTimeout(grace);
      }
      await ownHub?.close();
    },
  };
}

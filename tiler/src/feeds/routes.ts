import fastifyWebsocket from '@fastify/websocket';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { createWebSocketStream } from 'ws';
import {
  type AlertsResponse,
  type BBox,
  FEED_LAYERS,
  type FeedLayer,
  type HistoryResponse,
  type StateAtResponse,
} from '../api/feeds.js';
import { requireRole } from '../serve/auth/plugin.js';
import { requestRole } from '../serve/auth/request.js';
import { canSee } from '../serve/auth/roles.js';
import { ackIdentity } from './alerts/ack-identity.js';
import type { FeedHub } from './hub.js';
import { FeedInputError, INGEST_LIMITS, parseInstant, parseJsonBody } from './ingest/errors.js';
import { decodeVehiclePositions } from './ingest/gtfs-rt.js';
import { registerSensorThings } from './ingest/sensorthings.js';
import { stateAt } from './push/replay.js';
import { StorageOutcomeUnknownError, StorageUnavailableError } from './store/group-commit.js';

/**
 * The hub's HTTP and WebSocket endpoints, mounted on the service (`bdtwin serve`):
 *
 * - `/v1.1/…` SensorThings API; `POST /api/traffic/flow` (TrafficFlowObserved);
 *   `POST /api/gtfs-rt/vehicle-positions` (protobuf FeedMessage);
 * - `GET /api/history`, `GET /api/state?at=`, `GET /api/feeds/stats`;
 * - `GET /api/alerts[?all=1]`, `POST /api/alerts/:key/ack` `{ "by" }` (see alerts/ack-identity.ts);
 * - WebSocket `/ws` (viewers) and `/mqtt` (MQTT over WebSocket, embedded broker only).
 *
 * Registered in their own plugin scope, so their JSON parsing and error shapes
 * (`{"error", "field"}`) do not change the rest of the service.
 */
export async function registerFeedRoutes(app: FastifyInstance, hub: FeedHub): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(fastifyWebsocket, {
      options: {
        maxPayload: INGEST_LIMITS.maxBatchBytes,
        // MQTT over WebSocket clients ask for the "mqtt" subprotocol and refuse a server that does
        // not choose it.
        handleProtocols: (protocols: Set<string>) =>
          protocols.has('mqtt') ? 'mqtt' : protocols.has('mqttv3.1') ? 'mqttv3.1' : false,
      },
    });

    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      ['application/json', 'application/geo+json', 'application/ld+json', 'text/plain'],
      { parseAs: 'string', bodyLimit: INGEST_LIMITS.maxBatchBytes },
      (req, body, done) => {
        try {
          // Traffic batches may be larger than one SensorThings entity.
          const limit = req.url.startsWith('/api/traffic/')
            ? INGEST_LIMITS.maxBatchBytes
            : INGEST_LIMITS.maxJsonBytes;
          done(null, parseJsonBody(String(body), limit));
        } catch (error) {
          done(error as Error, undefined);
        }
      },
    );
    scope.addContentTypeParser(
      ['application/x-protobuf', 'application/protobuf', 'application/octet-stream'],
      { parseAs: 'buffer', bodyLimit: INGEST_LIMITS.maxBatchBytes },
      (_req, body, done) => done(null, body),
    );

    scope.setErrorHandler((error: FastifyError, req, reply) => {
      if (req.method === 'POST') hub.rejectedHttp();
      if (error instanceof FeedInputError) return reply.code(error.status).send(error.toJSON());
      // A store outage outlasted its retries: not stored, so not acknowledged; send it again.
      if (error instanceof StorageUnavailableError)
        return reply.code(503).header('Retry-After', '5').send({ error: error.publicMessage });
      // Shut down with a COMMIT's outcome unknown: neither "stored" nor "not stored" is true.
      if (error instanceof StorageOutcomeUnknownError)
        return reply.code(500).send({ error: error.publicMessage });
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .code(413)
          .send({ error: `payload is larger than ${INGEST_LIMITS.maxBatchBytes} bytes`, field: 'body' });
      }
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        return reply
          .code(415)
          .send({ error: `unsupported Content-Type ${req.headers['content-type']}`, field: 'Content-Type' });
      }
      if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
        return reply.code(400).send({ error: 'the body is empty', field: 'body' });
      }
      if ((error.statusCode ?? 500) < 500)
        return reply.code(error.statusCode!).send({ error: error.message });
      req.log.error({ err: error, reqId: req.id }, 'feed request failed');
      // Never the internal message (SQLite errors name files and statements): the id finds the log line.
      return reply.code(500).send({ error: `internal error (request id ${req.id})`, requestId: req.id });
    });

    registerSensorThings(scope, hub);

    scope.post('/api/traffic/flow', async (req, reply) => {
      const items = hub.trafficItems(req.body);
      await hub.ingest(items, 'http');
      return reply.code(202).send({ accepted: items.length });
    });

    scope.post('/api/gtfs-rt/vehicle-positions', async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) {
        throw new FeedInputError(415, 'send the FeedMessage as application/x-protobuf', 'Content-Type');
      }
      const records = decodeVehiclePositions(req.body, hub.now());
      await hub.ingest(
        records.map((record) => ({ kind: 'vehicle' as const, record })),
        'http',
      );
      return reply.code(202).send({ accepted: records.length });
    });

    scope.get(
      '/api/history',
      async (
        req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
      ): Promise<HistoryResponse> => {
        const q = req.query;
        const ds = Number(q.datastream);
        if (!Number.isInteger(ds))
          throw new FeedInputError(400, 'datastream must be a Datastream @iot.id', 'datastream');
        // One the catalog does not know yet (another hub on the same PostgreSQL database
        // created it) is read once, so its visibility is known before anything is answered.
        if (!hub.catalog.datastreams.has(ds) && !(await hub.catalog.refreshDatastream(ds)))
          throw new FeedInputError(404, `Datastream(${ds}) does not exist`, 'datastream');
        // A Datastream the caller may not see answers exactly as a missing one.
        if (!hub.access.canSeeDatastream(requestRole(req), ds))
          throw new FeedInputError(404, `Datastream(${ds}) does not exist`, 'datastream');
        const toMs = q.to ? parseInstant(q.to) : hub.now();
        if (toMs === undefined) throw new FeedInputError(400, 'to must be an ISO 8601 instant', 'to');
        const fromMs = q.from ? parseInstant(q.from) : toMs - 24 * 3_600_000;
        if (fromMs === undefined || fromMs > toMs) {
          throw new FeedInputError(400, 'from must be an ISO 8601 instant before to', 'from');
        }
        const resolution = q.resolution ?? (toMs - fromMs > 6 * 3_600_000 ? '1m' : 'raw');
        if (resolution !== 'raw' && resolution !== '1m') {
          throw new FeedInputError(400, 'resolution must be raw or 1m', 'resolution');
        }
        const limit = q.limit === undefined ? 50_000 : Number(q.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 200_000) {
          throw new FeedInputError(400, 'limit must be 1–200000', 'limit');
        }
        const rows = await hub.store.history(ds, fromMs, toMs, resolution, limit + 1);
        return {
          datastream: ds,
          resolution,
          from: new Date(fromMs).toISOString(),
          to: new Date(toMs).toISOString(),
          points: rows
            .slice(0, limit)
            .map(({ timeMs, ...rest }) => ({ time: new Date(timeMs).toISOString(), ...rest })),
          truncated: rows.length > limit,
        };
      },
    );

    scope.get(
      '/api/state',
      async (
        req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
      ): Promise<StateAtResponse> => {
        const q = req.query;
        const atMs = q.at ? parseInstant(q.at) : hub.now();
        if (atMs === undefined) throw new FeedInputError(400, 'at must be an ISO 8601 instant', 'at');
        let layers: FeedLayer[] | undefined;
        if (q.layers) {
          layers = q.layers.split(',') as FeedLayer[];
          if (layers.some((l) => !FEED_LAYERS.includes(l))) {
            throw new FeedInputError(400, `layers must be among ${FEED_LAYERS.join(', ')}`, 'layers');
          }
        }
        let bbox: BBox | undefined;
        if (q.bbox) {
          const b = q.bbox.split(',').map(Number);
          if (b.length !== 4 || b.some((v) => !Number.isFinite(v))) {
            throw new FeedInputError(400, 'bbox must be west,south,east,north', 'bbox');
          }
          bbox = b as BBox;
        }
        const role = requestRole(req);
        // Replay shows what live shows: nothing the caller's role may not see.
        const entities = (await stateAt(hub, atMs, layers, bbox)).filter((e) =>
          hub.access.canSeeEntity(role, e),
        );
        return { at: new Date(atMs).toISOString(), entities };
      },
    );

    scope.get<{ Querystring: Record<string, string | undefined> }>(
      '/api/alerts',
      { preHandler: requireRole('operator') },
      async (req): Promise<AlertsResponse> => ({
        alerts: hub.alerts(req.query.all === '1' || req.query.all === 'true'),
      }),
    );

    scope.post<{ Params: { key: string } }>(
      '/api/alerts/:key/ack',
      { preHandler: requireRole('operator') },
      async (req, reply) => {
        const by = ackIdentity(req);
        const alert = await hub.acknowledgeAlert(req.params.key, by);
        if (!alert) throw new FeedInputError(404, `alert ${req.params.key} does not exist`, 'key');
        return reply.code(200).send({ alert });
      },
    );

    // Health counters (no observations, no places): public, as a load balancer's probe needs it.
    scope.get('/api/feeds/stats', async (req) => {
      const stats = { ...(await hub.stats()), push: hub.push.clientStats() };
      if (canSee(requestRole(req), 'operator')) return stats;
      // Health counters are public; where the database lives and what failed are not.
      const { storage, mqtt } = stats as {
        storage?: Record<string, unknown>;
        mqtt?: Record<string, unknown>;
      };
      return {
        ...stats,
        ...(storage ? { storage: omit(storage, ['file', 'lastError']) } : {}),
        ...(mqtt ? { mqtt: omit(mqtt, ['url', 'lastError']) } : {}),
      };
    });

    scope.get('/ws', { websocket: true }, (socket, req) => {
      // The role is fixed for the connection's life (log in again → reconnect).
      const role = requestRole(req);
      hub.push.attach(socket, (e) => hub.access.canSeeEntity(role, e));
    });

    scope.get('/mqtt', { websocket: true }, (socket, req) => {
      const broker = hub.embeddedBroker;
      if (!broker) {
        socket.close(1011, 'this hub uses an external MQTT broker');
        return;
      }
      const stream = createWebSocketStream(socket);
      stream.on('error', () => stream.destroy());
      broker.handle(stream, req.raw);
    });
  });
}

function omit(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
}

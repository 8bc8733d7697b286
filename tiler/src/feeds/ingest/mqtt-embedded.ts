import { createServer, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { FEED_TOPICS } from '../../api/feeds.js';
import type { MqttMessageHandler } from './mqtt-handler.js';

/**
 * The embedded MQTT broker (aedes) on a TCP port, and the stream handler the service uses for
 * MQTT over WebSocket at `/mqtt`.
 *
 * Acknowledge only after commit: aedes calls `authorizePublish` before it writes PUBACK (QoS 1)
 * or PUBREC (QoS 2), so the hub stores the observation there and calls back after the commit.
 * If the store fails the callback gets an error and aedes drops the connection without the
 * acknowledgement, so the device sends the message again. A message the hub rejects (bad JSON,
 * unknown datastream…) is acknowledged, since resending cannot fix it, but is not stored and
 * not forwarded; it is described on `bdtwin/errors`.
 */
/**
 * Who may connect, publish and subscribe (serve/auth/broker.ts builds it from the ingest tokens).
 * Without it the broker is open, as it was before access control (tests of other features).
 */
export interface BrokerAccess {
  /** True while no token exists (development): everything is allowed. */
  open(): boolean;
  /** The source a CONNECT authenticates as, or undefined to refuse it. */
  authenticate(username: string | undefined, password: string | undefined): Promise<string | undefined>;
  /** Whether `source` may publish to `topic` or subscribe to the filter `topic`. */
  mayUse(source: string, topic: string): boolean;
}

export interface EmbeddedBroker {
  broker: Aedes;
  port: number | undefined;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  handler: MqttMessageHandler,
  options: { port: number; host: string; access?: BrokerAccess },
): Promise<EmbeddedBroker> {
  const rejected = new WeakSet<object>();
  const access = options.access;
  const sources = new WeakMap<Client, string>();
  const allowed = (client: Client, topic: string) => {
    if (!access || access.open()) return true;
    const source = sources.get(client);
    return source !== undefined && access.mayUse(source, topic);
  };
  const broker = await Aedes.createBroker({
    // CONNECT: user name = the source, password = its ingest token (return code 4 otherwise).
    authenticate: (client, username, password, callback) => {
      if (!access) return callback(null, true);
      access.authenticate(username, password?.toString('utf8')).then(
        (source) => {
          if (source === undefined) {
            const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
            return callback(error as Parameters<typeof callback>[0], false);
          }
          sources.set(client, source);
          callback(null, true);
        },
        () => callback(null, false),
      );
    },
    authorizeSubscribe: (client, subscription, callback) => {
      if (!client || allowed(client, subscription.topic)) return callback(null, subscription);
      callback(new Error(`not allowed to subscribe to ${subscription.topic}`), null);
    },
    // Clients may not publish as the hub on its error topic, nor outside their token's topics.
    authorizePublish: (client: Client | null, packet, callback) => {
      if (!client) return callback(null);
      if (packet.topic === FEED_TOPICS.errors)
        return callback(new Error(`${FEED_TOPICS.errors} is the hub's`));
      if (!allowed(client, packet.topic))
        return callback(new Error(`not allowed to publish to ${packet.topic}`));
      handler(packet.topic, packet.payload as Buffer, client.id).then(
        (outcome) => {
          if (outcome === 'rejected') rejected.add(packet);
          callback(null);
        },
        (error: Error) => callback(error),
      );
    },
    authorizeForward: (_client, packet: AedesPublishPacket) => (rejected.has(packet) ? null : packet),
  });
  let server: Server | undefined;
  let port: number | undefined;
  if (options.port > 0 || options.port === -1) {
    server = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(options.port === -1 ? 0 : options.port, options.host, () => resolve());
    });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : options.port;
  }
  return {
    broker,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const done = () => broker.close(() => resolve());
        if (server) server.close(() => done());
        else done();
      }),
  };
}

import { createServer, type Server } from 'node:net';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import { FEED_TOPICS } from '../../api/feeds.js';
import { canSee, type Role } from '../../serve/auth/roles.js';
import type { MessageAudience } from '../access.js';
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
 *
 * Forward only what the subscriber may see: with access rules, each message forwarded to a
 * subscriber must be visible to the subscriber's read role (its token's, `public` by default) by
 * the same decision as the HTTP API (FeedAccess.messageAudience). Subscribing to `#` stays
 * allowed within the token's topics; it just does not deliver what the role may not see.
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
  /**
   * The role whose visibility bounds what `source` receives (its token's read role; `public`
   * while the broker is open); undefined: nothing (its token was removed).
   */
  readRole(source: string): Role | undefined;
}

export interface EmbeddedBroker {
  broker: Aedes;
  port: number | undefined;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  handler: MqttMessageHandler,
  options: {
    port: number;
    host: string;
    access?: BrokerAccess;
    /** Who may receive a message (FeedAccess.messageAudience); with `access` only. */
    audienceOf?: (topic: string, payload: Buffer) => MessageAudience;
  },
): Promise<EmbeddedBroker> {
  // Keyed by the payload: aedes forwards a copy of the packet it authorised, with the same buffer.
  const rejected = new WeakSet<Buffer>();
  const audiences = new WeakMap<Buffer, MessageAudience>();
  const access = options.access;
  const audienceOf = options.audienceOf;
  const sources = new WeakMap<Client, string>();
  const allowed = (client: Client, topic: string) => {
    if (!access || access.open()) return true;
    const source = sources.get(client);
    return source !== undefined && access.mayUse(source, topic);
  };
  /** Whether `client` may receive the message (decided once per message, then per role). */
  const readable = (client: Client, packet: AedesPublishPacket) => {
    if (!access || !audienceOf) return true;
    const source = sources.get(client);
    const role = source === undefined ? undefined : access.readRole(source);
    if (role === undefined) return false;
    const payload = packet.payload;
    // A string payload (only from code in this process, never from a client) is not cached.
    if (typeof payload === 'string')
      return mayRead(role, client, audienceOf(packet.topic, Buffer.from(payload)));
    let audience = audiences.get(payload);
    if (!audience) {
      audience = audienceOf(packet.topic, payload);
      audiences.set(payload, audience);
    }
    return mayRead(role, client, audience);
  };
  const mayRead = (role: Role, client: Client, audience: MessageAudience) =>
    canSee(role, audience.visibility) || (audience.owner !== undefined && audience.owner === client.id);

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
    // `$SYS/…` (the broker's client list and counters) and other `$` topics are nobody's business
    // once access rules are on; otherwise within the token's topics.
    authorizeSubscribe: (client, subscription, callback) => {
      const system = access !== undefined && subscription.topic.startsWith('$');
      if (!client || (!system && allowed(client, subscription.topic))) return callback(null, subscription);
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
          if (outcome === 'rejected' && typeof packet.payload !== 'string') rejected.add(packet.payload);
          callback(null);
        },
        (error: Error) => callback(error),
      );
    },
    authorizeForward: (client, packet: AedesPublishPacket) =>
      (typeof packet.payload !== 'string' && rejected.has(packet.payload)) || !readable(client, packet)
        ? null
        : packet,
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

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
export interface EmbeddedBroker {
  broker: Aedes;
  port: number | undefined;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(
  handler: MqttMessageHandler,
  options: { port: number; host: string },
): Promise<EmbeddedBroker> {
  const rejected = new WeakSet<object>();
  const broker = await Aedes.createBroker({
    // Clients may not publish as the hub on its error topic.
    authorizePublish: (client: Client | null, packet, callback) => {
      if (!client) return callback(null);
      if (packet.topic === FEED_TOPICS.errors)
        return callback(new Error(`${FEED_TOPICS.errors} is the hub's`));
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

import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { FEED_TOPICS } from '../../api/feeds.js';
import type { MqttMessageHandler } from './mqtt-handler.js';

/**
 * The hub as a subscriber of an external broker (Mosquitto, EMQX…): `--mqtt-url mqtt://host:1883`.
 *
 * Written on mqtt-packet rather than mqtt.js because mqtt.js handles incoming messages one at a
 * time when the acknowledgement waits for the handler: one commit per message. Here every
 * PUBLISH of a socket read goes to the store at once (group commit) and each PUBACK is written
 * after its commit. The session is persistent (clean = false, fixed client id), so the broker
 * keeps messages while the hub is down and resends unacknowledged ones after a reconnect:
 * at-least-once, like any MQTT QoS 1 consumer.
 */
export interface ExternalSubscriber {
  url: string;
  connected(): boolean;
  /** Reconnect attempts since the connection was lost (0 while connected), and why it was. */
  status(): { connected: boolean; reconnectAttempts: number; lastError?: string };
  publish(topic: string, payload: string): void;
  close(): Promise<void>;
}

const SUBSCRIPTIONS = [
  'v1.1/+/Observations',
  FEED_TOPICS.anyObservation,
  FEED_TOPICS.trafficFlow,
  FEED_TOPICS.vehiclePositions,
];

export function startExternalSubscriber(
  url: string,
  handler: MqttMessageHandler,
  options: { clientId?: string; log?: (line: string) => void } = {},
): Promise<ExternalSubscriber> {
  const u = new URL(url);
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:') {
    return Promise.reject(new Error(`--mqtt-url must be mqtt://host:port, got ${url}`));
  }
  const host = u.hostname || 'localhost';
  const port = Number(u.port || 1883);
  const clientId = options.clientId ?? 'bdtwin-hub';
  const log = options.log ?? (() => {});
  let socket: Socket | undefined;
  let isConnected = false;
  let closing = false;
  // Reconnects back off exponentially (1 s, 2 s … 30 s) so a broker coming back up is not
  // hammered; reset on a successful CONNACK.
  let attempts = 0;
  let lastError: string | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let ping: NodeJS.Timeout | undefined;
  let firstResolve: ((s: ExternalSubscriber) => void) | undefined;
  let firstReject: ((e: Error) => void) | undefined;

  const api: ExternalSubscriber = {
    url,
    connected: () => isConnected,
    status: () => ({
      connected: isConnected,
      reconnectAttempts: attempts,
      ...(lastError ? { lastError } : {}),
    }),
    publish(topic, payload) {
      if (socket && isConnected)
        socket.write(
          mqttPacket.generate({ cmd: 'publish', topic, payload, qos: 0, dup: false, retain: false }),
        );
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (ping) clearInterval(ping);
        if (retryTimer) clearTimeout(retryTimer);
        if (!socket || socket.destroyed) return resolve();
        socket.once('close', () => resolve());
        if (isConnected) socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
        else socket.destroy();
      }),
  };

  const open = () => {
    const s = connect({ host, port });
    socket = s;
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    s.setNoDelay(true);
    s.on('connect', () => {
      s.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: false,
          clientId,
          keepalive: 30,
          ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
          ...(u.password ? { password: Buffer.from(decodeURIComponent(u.password)) } : {}),
        }),
      );
    });
    parser.on('packet', (packet) => {
      switch (packet.cmd) {
        case 'connack':
          if (packet.returnCode !== 0) {
            const error = new Error(`${url} refused the connection (CONNACK ${packet.returnCode})`);
            lastError = error.message;
            firstReject?.(error);
            s.destroy();
            return;
          }
          isConnected = true;
          if (attempts > 0) log(`bdtwin hub: reconnected to ${url} after ${attempts} attempt(s)`);
          attempts = 0;
          lastError = undefined;
          s.write(
            mqttPacket.generate({
              cmd: 'subscribe',
              messageId: 1,
              subscriptions: SUBSCRIPTIONS.map((topic) => ({ topic, qos: 1 as const })),
            }),
          );
          ping = setInterval(() => s.write(mqttPacket.generate({ cmd: 'pingreq' })), 15_000);
          break;
        case 'suback':
          firstResolve?.(api);
          firstResolve = undefined;
          firstReject = undefined;
          log(`bdtwin hub: subscribed to ${url}`);
          break;
        case 'publish': {
          const { topic, payload, qos, messageId } = packet;
          handler(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), 'external').then(
            () => {
              if (qos > 0 && !s.destroyed)
                s.write(mqttPacket.generate({ cmd: 'puback', messageId: messageId! }));
            },
            (error: Error) => {
              // Not stored: drop the connection unacknowledged so the broker delivers it again.
              log(`bdtwin hub: store failed (${error.message}); reconnecting to ${url}`);
              s.destroy();
            },
          );
          break;
        }
        default:
          break;
      }
    });
    s.on('data', (chunk) => parser.parse(chunk));
    s.on('error', (error) => {
      lastError = error.message;
      if (firstReject) {
        firstReject(new Error(`cannot reach the MQTT broker at ${url}: ${error.message}`));
        firstReject = undefined;
        firstResolve = undefined;
        closing = true;
      }
    });
    s.on('close', () => {
      isConnected = false;
      if (ping) clearInterval(ping);
      if (!closing) {
        attempts++;
        const delayMs = Math.min(30_000, 1000 * 2 ** (attempts - 1));
        log(
          `bdtwin hub: lost ${url}${lastError ? ` (${lastError})` : ''}; reconnect attempt ${attempts} in ${delayMs} ms`,
        );
        retryTimer = setTimeout(open, delayMs);
      }
    });
  };

  return new Promise<ExternalSubscriber>((resolve, reject) => {
    firstResolve = resolve;
    firstReject = reject;
    open();
  });
}

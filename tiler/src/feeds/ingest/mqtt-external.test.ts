import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../serve/server.js';
import { airStationBody, createThing } from '../testing/fixtures.js';

/** The hub subscribed to a separate broker (a bare aedes here; Mosquitto in the benchmark). */
let dir: string;
let broker: Aedes;
let tcp: Server;
let brokerUrl: string;
let server: RunningServer;
const log: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-external-'));
  broker = await Aedes.createBroker();
  tcp = createServer(broker.handle);
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
  brokerUrl = `mqtt://127.0.0.1:${(tcp.address() as { port: number }).port}`;
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    feeds: { dbFile: path.join(dir, 'hub.sqlite'), mqttUrl: brokerUrl, log: (l) => log.push(l) },
  });
});
afterAll(async () => {
  await server?.close();
  await new Promise<void>((r) => tcp.close(() => r()));
  await new Promise<void>((r) => broker.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('external MQTT broker (--mqtt-url)', () => {
  it('stores what devices publish to the broker and reports bad messages on bdtwin/errors there', async () => {
    const { datastreams } = await createThing(server.url, airStationBody('GT5', 106.668, 10.99, ['PM2.5']));
    const device = await mqtt.connectAsync(brokerUrl);
    const errors: string[] = [];
    await device.subscribeAsync('bdtwin/errors');
    device.on('message', (_t, p) => errors.push(String(p)));
    for (let i = 0; i < 200; i++) {
      await device.publishAsync(
        `v1.1/Datastreams(${datastreams[0]})/Observations`,
        JSON.stringify({ result: i }),
        { qos: 1 },
      );
    }
    await device.publishAsync('v1.1/Datastreams(777)/Observations', '{"result": 1}', { qos: 1 });
    const deadline = Date.now() + 5000;
    while ((await server.hub!.store.countObservations()) < 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(await server.hub!.store.countObservations()).toBe(200);
    while (errors.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(errors[0]!)).toMatchObject({ field: 'Datastream' });
    expect((await server.hub!.stats()).mqtt).toEqual({
      mode: 'external',
      url: brokerUrl,
      connected: true,
      reconnectAttempts: 0,
    });
    await device.endAsync();
  });
});

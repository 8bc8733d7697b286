/**
 * Helpers for the hub's tests and benchmark: JSON posts, Thing creation, and a WebSocket
 * viewer that records what it receives.
 */
import WebSocket from 'ws';
import type { FeedEntity, ServerMessage, SubscribeMessage } from '../../api/feeds.js';

export { airStationBody, gaugeBody } from '../sim/sta-bodies.js';

export async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** Creates a Thing with Datastreams and returns the Datastream ids in order. */
export async function createThing(
  baseUrl: string,
  body: unknown,
): Promise<{ thingId: number; datastreams: number[] }> {
  const created = await postJson(`${baseUrl}/v1.1/Things`, body);
  if (created.status !== 201)
    throw new Error(`create Thing: ${created.status} ${JSON.stringify(created.json)}`);
  const thingId = created.json['@iot.id'] as number;
  const list = (await (await fetch(`${baseUrl}/v1.1/Things(${thingId})/Datastreams?$top=1000`)).json()) as {
    value: { '@iot.id': number }[];
  };
  return { thingId, datastreams: list.value.map((d) => d['@iot.id']).sort((a, b) => a - b) };
}

/** A viewer on `/ws`: keeps every message and the newest state per entity. */
export class TestViewer {
  readonly messages: ServerMessage[] = [];
  readonly latest = new Map<string, FeedEntity>();
  readonly socket: WebSocket;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(msg);
      if (msg.type === 'snapshot') this.latest.clear();
      if (msg.type === 'snapshot' || msg.type === 'delta')
        for (const e of msg.entities) this.latest.set(e.key, e);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    });
  }

  async open(subscribe: Omit<SubscribeMessage, 'type'>): Promise<this> {
    if (this.socket.readyState !== WebSocket.OPEN) await new Promise((r) => this.socket.once('open', r));
    this.socket.send(JSON.stringify({ type: 'subscribe', ...subscribe }));
    return this;
  }

  until(test: () => boolean, timeoutMs = 5_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('viewer: timed out waiting')), timeoutMs);
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}

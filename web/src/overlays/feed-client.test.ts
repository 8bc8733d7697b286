import { describe, expect, it } from 'vitest';
import type { FeedEntity, SubscribeMessage } from '../api';
import {
  applyFeedMessage,
  type ConnectionStatus,
  FeedClient,
  reconnectDelayMs,
  type SocketLike,
  sameOriginFeedUrl,
} from './feed-client';

function air(key: string, seq: number, pm25: number): FeedEntity {
  return {
    key,
    layer: 'air',
    seq,
    time: '2025-07-01T00:00:00.000Z',
    freshness: 'fresh',
    lonDeg: 106.65,
    latDeg: 10.98,
    thingId: 1,
    name: key,
    valuesUgM3: { pm25 },
  };
}

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
}

/** A client on fake sockets and a fake clock with manually fired timers. */
function harness() {
  let now = 1_000_000;
  const sockets: FakeSocket[] = [];
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let nextId = 1;
  const statuses: ConnectionStatus[] = [];
  const client = new FeedClient({
    url: 'ws://hub/ws',
    layers: ['air', 'alerts'],
    staleAfterMs: 10_000,
    offlineAfterMs: 5_000,
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    now: () => now,
    random: () => 1,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimer: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  });
  client.onStatus = (s) => statuses.push(s);
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers = timers.filter((t) => t !== due);
      now = due.at;
      due.fn();
    }
    now = end;
  };
  return { client, sockets, statuses, advance };
}

describe('applyFeedMessage', () => {
  it('replaces the map on a snapshot and merges deltas, ignoring older states', () => {
    const map = new Map<string, FeedEntity>([['air:9', air('air:9', 1, 5)]]);
    applyFeedMessage(map, { type: 'snapshot', hubId: 'h', seq: 10, entities: [air('air:1', 10, 20)] });
    expect([...map.keys()]).toEqual(['air:1']);
    const changed = applyFeedMessage(map, {
      type: 'delta',
      hubId: 'h',
      seq: 12,
      entities: [air('air:1', 12, 30), air('air:2', 11, 40)],
    });
    expect(changed.map((e) => e.key)).toEqual(['air:1', 'air:2']);
    // A resume delta carrying an older state of air:1 must not roll it back.
    expect(
      applyFeedMessage(map, { type: 'delta', hubId: 'h', seq: 12, entities: [air('air:1', 11, 25)] }),
    ).toEqual([]);
    expect((map.get('air:1') as { valuesUgM3: { pm25: number } }).valuesUgM3.pm25).toBe(30);
  });
});

describe('reconnectDelayMs', () => {
  it('doubles from 0.5 s to a 15 s ceiling, with jitter down to half', () => {
    const full = [0, 1, 2, 3, 4, 5, 6, 10].map((a) => reconnectDelayMs(a, () => 1));
    expect(full).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(reconnectDelayMs(3, () => 0)).toBe(2000);
  });
});

describe('sameOriginFeedUrl', () => {
  it('uses ws for http and wss for https', () => {
    expect(sameOriginFeedUrl({ protocol: 'http:', host: 'localhost:8080' })).toBe('ws://localhost:8080/ws');
    expect(sameOriginFeedUrl({ protocol: 'https:', host: 'twin.example' }, '/app')).toBe(
      'wss://twin.example/app/ws',
    );
  });
});

describe('FeedClient', () => {
  it('subscribes, applies snapshot and deltas, and resumes from the last seq after a drop', () => {
    const { client, sockets, statuses, advance } = harness();
    const updates: { keys: string[]; reset: boolean }[] = [];
    client.onUpdate = (u) => updates.push({ keys: u.entities.map((e) => e.key), reset: u.reset });
    client.start();
    expect(client.status).toBe('connecting');
    sockets[0]!.open();
    expect(JSON.parse(sockets[0]!.sent[0]!)).toEqual({ type: 'subscribe', layers: ['air', 'alerts'] });
    sockets[0]!.receive({ type: 'snapshot', hubId: 'hub-1', seq: 5, entities: [air('air:1', 5, 10)] });
    sockets[0]!.receive({ type: 'delta', hubId: 'hub-1', seq: 7, entities: [air('air:2', 7, 12)] });
    expect(client.seq).toBe(7);
    expect(updates).toEqual([
      { keys: ['air:1'], reset: true },
      { keys: ['air:2'], reset: false },
    ]);

    // The hub goes away: reconnecting at once, offline after 5 s of failed retries.
    sockets[0]!.close();
    expect(client.status).toBe('reconnecting');
    advance(500); // first retry
    expect(sockets).toHaveLength(2);
    sockets[1]!.close(); // refused
    advance(6_000);
    expect(client.status).toBe('offline');

    // It comes back: the new socket resumes where we were.
    const last = sockets[sockets.length - 1]!;
    last.open();
    expect(client.status).toBe('connected');
    const resume = JSON.parse(last.sent[0]!) as SubscribeMessage;
    expect(resume.resume).toEqual({ hubId: 'hub-1', seq: 7 });
    last.receive({
      type: 'delta',
      hubId: 'hub-1',
      seq: 9,
      resumed: true,
      entities: [air('air:1', 9, 50)],
    });
    expect((client.entities.get('air:1') as { valuesUgM3: { pm25: number } }).valuesUgM3.pm25).toBe(50);
    expect(client.entities.size).toBe(2);
    expect(client.reconnects).toBe(1);
    expect(statuses).toEqual(['connected', 'reconnecting', 'offline', 'connected']);
    client.stop();
  });

  it('turns stale when an open socket goes quiet, and back on the next message', () => {
    const { client, sockets, advance } = harness();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'snapshot', hubId: 'h', seq: 1, entities: [] });
    advance(11_000);
    expect(client.status).toBe('stale');
    sockets[0]!.receive({ type: 'delta', hubId: 'h', seq: 2, entities: [air('air:1', 2, 1)] });
    expect(client.status).toBe('connected');
    client.stop();
  });

  it('asks for a snapshot when a delta comes from another hub', () => {
    const { client, sockets } = harness();
    client.start();
    sockets[0]!.open();
    sockets[0]!.receive({ type: 'snapshot', hubId: 'a', seq: 3, entities: [air('air:1', 3, 1)] });
    sockets[0]!.receive({ type: 'delta', hubId: 'b', seq: 1, entities: [air('air:1', 1, 2)] });
    expect(client.hubId).toBeUndefined();
    expect(JSON.parse(sockets[0]!.sent.at(-1)!)).toEqual({ type: 'subscribe', layers: ['air', 'alerts'] });
    client.stop();
  });
});

import { describe, expect, it } from 'vitest';
import type { FeedEntity } from '../api';
import type { FeedUpdate } from './feed-client';
import { batchMessages, type WorkerCommand, type WorkerEvent, WorkerFeed } from './worker-feed';

/**
 * The main thread's side of the feed worker, with the worker's messages made by the same
 * function the worker uses (batchMessages) and delivered by hand: what the overlays are handed,
 * and when the next batch is pulled.
 */

const vehicle = (i: number): FeedEntity => ({
  key: `vehicle:${i}`,
  layer: 'vehicles',
  seq: i,
  time: '2026-11-26T08:00:00.000Z',
  freshness: 'fresh',
  lonDeg: 106.6 + i * 1e-4,
  latDeg: 10.98,
  vehicleId: String(i),
});
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
const meta = { messages: 3, workerMs: 1.5, lastMessageAt: 1, reconnects: 0 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Worker that records commands; the test plays its messages. */
function fakeWorker() {
  const commands: WorkerCommand['type'][] = [];
  const worker = {
    onmessage: null as ((ev: MessageEvent<WorkerEvent>) => void) | null,
    postMessage: (cmd: WorkerCommand) => commands.push(cmd.type),
    terminate: () => {},
  };
  const deliver = (msg: WorkerEvent) => worker.onmessage!({ data: msg } as MessageEvent<WorkerEvent>);
  return { worker: worker as unknown as Worker, commands, deliver };
}

/** A started WorkerFeed on a fake worker, keeping what it hands on. */
function startedFeed() {
  const w = fakeWorker();
  const feed = new WorkerFeed(w.worker, 'ws://x/ws', ['vehicles']);
  const updates: FeedUpdate[] = [];
  feed.onUpdate = (u) => updates.push(u);
  feed.start();
  return { w, feed, updates };
}

describe('feed worker batches in parts', () => {
  it('splits a batch into parts of at most the chunk size, the counts on the first', () => {
    const msgs = batchMessages({ entities: range(0, 7).map(vehicle), reset: false }, meta, 3);
    expect(msgs.map((m) => [m.part, m.parts, m.entities.length, m.messages])).toEqual([
      [0, 3, 3, 3],
      [1, 3, 3, 0],
      [2, 3, 1, 0],
    ]);
    expect(msgs.flatMap((m) => m.entities.map((e) => e.key))).toEqual(range(0, 7).map((i) => `vehicle:${i}`));
    // A reset that holds nothing still goes (it says everything is gone).
    expect(batchMessages({ entities: [], reset: true }, meta, 3)).toHaveLength(1);
  });

  it('hands on each part of a live batch as it comes, and pulls again only after the last is applied', async () => {
    const { w, feed, updates } = startedFeed();
    expect(w.commands).toEqual(['start', 'pull']);
    const [a, b, c] = batchMessages({ entities: range(0, 7).map(vehicle), reset: false }, meta, 3);
    w.deliver(a!);
    expect(updates.map((u) => u.entities.length)).toEqual([3]);
    // Applied, but parts are still to come: no pull yet.
    feed.ready();
    await sleep(5);
    expect(w.commands).toEqual(['start', 'pull']);
    w.deliver(b!);
    w.deliver(c!);
    expect(updates.map((u) => u.entities.length)).toEqual([3, 3, 1]);
    expect(feed.entities.size).toBe(7);
    expect(feed.messages).toBe(3);
    feed.ready();
    await sleep(5);
    expect(w.commands).toEqual(['start', 'pull', 'pull']);
    // A second ready while that pull is unanswered sends nothing more.
    feed.ready();
    await sleep(5);
    expect(w.commands).toEqual(['start', 'pull', 'pull']);
  });

  it('gathers the parts of a reset and hands them on together, replacing what was there', async () => {
    const { w, feed, updates } = startedFeed();
    w.deliver(batchMessages({ entities: [vehicle(99)], reset: false }, meta, 3)[0]!);
    feed.ready();
    await sleep(5);
    const parts = batchMessages({ entities: range(0, 5).map(vehicle), reset: true }, meta, 3);
    w.deliver(parts[0]!);
    expect(updates).toHaveLength(1);
    w.deliver(parts[1]!);
    expect(updates).toHaveLength(2);
    expect(updates[1]!.reset).toBe(true);
    expect(updates[1]!.entities.map((e) => e.key).sort()).toEqual(range(0, 5).map((i) => `vehicle:${i}`));
    expect([...feed.entities.keys()].sort()).toEqual(range(0, 5).map((i) => `vehicle:${i}`));
  });
});

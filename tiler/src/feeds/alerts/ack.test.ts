import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertState, AlertsResponse } from '../../api/feeds.js';
import { type RunningServer, startServer } from '../../serve/server.js';
import { FeedStore } from '../store/store.js';
import { createThing, gaugeBody, postJson, TestViewer } from '../testing/fixtures.js';

/**
 * Acknowledging an alert on the hub: validation, the state pushed to viewers and listed by
 * `/api/alerts`, the record in SQLite, and that it survives a restart of the service.
 */

let dir: string;
let server: RunningServer;
let base: string;
let gauge: { thingId: number; datastreams: number[] };
const viewers: TestViewer[] = [];
const iso = (ms: number) => new Date(ms).toISOString();

const start = () =>
  startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    webDir: dir,
    feeds: { dbFile: path.join(dir, 'hub.sqlite'), mqttPort: 0, log: () => {} },
    // Alerts are the operators' (serve/auth); this test is about acknowledging, not access.
    auth: { anonymousRole: 'operator' },
  });

async function level(m: number, atMs = Date.now()): Promise<void> {
  const res = await postJson(`${base}/v1.1/Datastreams(${gauge.datastreams[0]})/Observations`, {
    phenomenonTime: iso(atMs),
    result: m,
  });
  expect(res.status).toBe(201);
}

async function alerts(all = false): Promise<AlertState[]> {
  return ((await (await fetch(`${base}/api/alerts${all ? '?all=1' : ''}`)).json()) as AlertsResponse).alerts;
}

const ackUrl = (key: string) => `${base}/api/alerts/${encodeURIComponent(key)}/ack`;

/** Waits until the hub's group commit has applied what was posted. */
async function until(test: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-ack-'));
  server = await start();
  base = server.url;
  gauge = await createThing(base, gaugeBody('Cầu Ông Cộ', 106.6505, 10.9745, [1.3, 1.5, 1.7]));
});

afterAll(async () => {
  for (const v of viewers) v.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('POST /api/alerts/:key/ack', () => {
  it('records who acknowledged the alert and when, pushes it and lists it', async () => {
    const key = `alert:flood:water:${gauge.thingId}`;
    await level(1.42); // above alarm I (1.3)
    await until(async () => (await alerts()).some((a) => a.key === key && a.active));
    expect((await alerts()).find((a) => a.key === key)?.ack).toBeUndefined();

    const viewer = new TestViewer(`${base.replace('http', 'ws')}/ws`);
    viewers.push(viewer);
    await viewer.open({ layers: ['alerts'] });
    await viewer.until(() => viewer.latest.has(key));

    const before = Date.now();
    const res = await postJson(ackUrl(key), { by: '  Nguyễn  Văn An ' });
    expect(res.status).toBe(200);
    const acked = res.json.alert as AlertState;
    expect(acked.ack?.by).toBe('Nguyễn Văn An');
    const atMs = Date.parse(acked.ack!.at);
    expect(atMs).toBeGreaterThanOrEqual(before - 5);
    expect(atMs).toBeLessThanOrEqual(Date.now() + 5);

    // Viewers get it over /ws; /api/alerts lists it.
    await viewer.until(() => (viewer.latest.get(key) as AlertState | undefined)?.ack?.by === 'Nguyễn Văn An');
    expect((await alerts()).find((a) => a.key === key)?.ack).toEqual(acked.ack);

    // A second acknowledgement of the same raise keeps the first.
    const again = await postJson(ackUrl(key), { by: 'Trần Thị Bình' });
    expect(again.status).toBe(200);
    expect((again.json.alert as AlertState).ack).toEqual(acked.ack);
  });

  it('survives a restart of the service (stored in the hub SQLite, with a record row)', async () => {
    const key = `alert:flood:water:${gauge.thingId}`;
    const before = (await alerts()).find((a) => a.key === key)!;
    await server.close();
    const store = new FeedStore(path.join(dir, 'hub.sqlite'));
    try {
      expect(store.acksOf(key)).toEqual([
        { raisedTime: before.time, level: 1, by: 'Nguyễn Văn An', atMs: Date.parse(before.ack!.at) },
      ]);
    } finally {
      store.close();
    }
    server = await start();
    base = server.url;
    const after = (await alerts()).find((a) => a.key === key);
    expect(after?.ack).toEqual(before.ack);
    expect(after?.active).toBe(true);
  });

  it('drops the acknowledgement when the alert escalates, keeps it when it clears', async () => {
    const key = `alert:flood:water:${gauge.thingId}`;
    await level(1.62); // alarm II: a new situation someone must see
    await until(async () => (await alerts()).find((a) => a.key === key)?.level === 2);
    expect((await alerts()).find((a) => a.key === key)?.ack).toBeUndefined();

    expect((await postJson(ackUrl(key), { by: 'Lê Minh' })).status).toBe(200);
    await level(1.0); // below alarm I: cleared
    await until(async () => (await alerts(true)).find((a) => a.key === key)?.active === false);
    expect(await alerts()).not.toContainEqual(expect.objectContaining({ key }));
    expect((await alerts(true)).find((a) => a.key === key)?.ack?.by).toBe('Lê Minh');

    await level(1.35); // raised again: unacknowledged
    await until(async () => (await alerts()).some((a) => a.key === key));
    expect((await alerts()).find((a) => a.key === key)?.ack).toBeUndefined();
  });

  it('rejects a non-string, empty or too long name and an unknown alert, with the field named', async () => {
    const key = `alert:flood:water:${gauge.thingId}`;
    const cases: [unknown, number, string][] = [
      [{ by: 42 }, 400, 'by must be the name'],
      [{ by: '   ' }, 400, 'by must not be empty'],
      [{ by: 'x'.repeat(81) }, 400, 'at most 80 characters'],
    ];
    for (const [body, status, message] of cases) {
      const res = await postJson(ackUrl(key), body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.error).toContain(message);
      expect(res.json.field).toBe('by');
    }
    expect((await postJson(ackUrl(key), { by: 'ư'.repeat(80) })).status).toBe(200);
    const unknown = await postJson(ackUrl('alert:flood:water:99999'), { by: 'An' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'alert alert:flood:water:99999 does not exist', field: 'key' });
  });
});

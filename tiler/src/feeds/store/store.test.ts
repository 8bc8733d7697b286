import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertAck, AlertState, FeedEntity } from '../../api/feeds.js';
import type { ObservationRecord } from '../model.js';
import { postgresMissing, startTestPostgres, type TestPostgres } from '../testing/postgres.js';
import type { FeedStoreBackend } from './backend.js';
import { GroupCommit } from './group-commit.js';
import { openFeedStore } from './open.js';
import { PG_SCHEMA_VERSION } from './postgres-schema.js';
import { FeedStore } from './store.js';

/**
 * The store contract, run against both backends: SQLite (a real file) and PostgreSQL (a real
 * server started for the test, testing/postgres.ts). Same calls, same answers.
 */

const PG_MISSING = postgresMissing();
if (PG_MISSING) console.warn(`feed store tests: PostgreSQL skipped: ${PG_MISSING}`);

let dir: string;
let cluster: TestPostgres | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bdtwin-store-'));
  if (!PG_MISSING) cluster = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.destroy();
  await rm(dir, { recursive: true, force: true });
});

interface Backend {
  name: string;
  skip: string | undefined;
  /** A fresh, empty store location (file or database URL). */
  fresh(name: string): Promise<string>;
}

const BACKENDS: Backend[] = [
  { name: 'SQLite', skip: undefined, fresh: async (name) => path.join(dir, `${name}.sqlite`) },
  {
    name: 'PostgreSQL',
    skip: PG_MISSING,
    fresh: async (name) => cluster!.createDatabase(name.replace(/-/g, '_')),
  },
];

const alertState = (key: string, seq: number): AlertState =>
  ({
    key,
    layer: 'alerts',
    seq,
    time: '2025-07-01T03:00:00.000Z',
    lonDeg: 106.65,
    latDeg: 10.98,
    kind: 'flood',
    level: 2,
    active: true,
    message: 'Mực nước vượt báo động II',
    thingId: 1,
  }) as unknown as AlertState;

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(
    `feed store on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`,
    () => {
      let store: FeedStoreBackend;
      let location: string;
      let ds: number;
      let ds2: number;
      let thing: number;
      let restricted: number;
      const obs = (t: string, v: number, d = ds): ObservationRecord => ({
        datastreamId: d,
        phenomenonTimeMs: Date.parse(t),
        result: v,
        resultNum: v,
      });
      const batch = (observations: ObservationRecord[], latest: FeedEntity[] = []) => ({
        observations,
        flows: [],
        vehicles: [],
        latest,
      });

      beforeAll(async () => {
        location = await backend.fresh(`contract-${backend.name.toLowerCase()}`);
        store = await openFeedStore(location, { log: () => {} });
      }, 30_000);
      afterAll(async () => {
        await store?.close();
      });

      it('creates entities in one plan: new and existing references, Thing ↔ Location links', async () => {
        const ids = await store.insertEntities({
          inserts: [
            { table: 'things', json: { name: 'Trạm Phú Cường', properties: { code: 'ĐT1' } } },
            {
              table: 'locations',
              json: {
                name: 'p',
                encodingType: 'application/geo+json',
                location: { type: 'Point', coordinates: [106.65, 10.98] },
              },
            },
            { table: 'sensors', json: { name: 's' } },
            { table: 'observed_properties', json: { name: 'PM2.5', definition: 'x' } },
            {
              table: 'datastreams',
              json: { name: 'b PM2.5' },
              thing: { planned: 0 },
              sensor: { planned: 2 },
              observedProperty: { planned: 3 },
            },
            {
              table: 'datastreams',
              json: { name: 'a PM10' },
              thing: { planned: 0 },
              sensor: { planned: 2 },
              observedProperty: { planned: 3 },
            },
          ],
          links: [{ thing: { planned: 0 }, location: { planned: 1 } }],
        });
        expect(ids).toHaveLength(6);
        [thing, , , , ds, ds2] = ids as [number, number, number, number, number, number];
        const stored = await store.getEntity('datastreams', ds);
        expect(stored).toMatchObject({
          id: ds,
          thingId: thing,
          sensorId: ids[2],
          observedPropertyId: ids[3],
        });
        expect(stored?.json).toEqual({ name: 'b PM2.5' });
        expect((await store.getEntity('things', thing))?.json).toEqual({
          name: 'Trạm Phú Cường',
          properties: { code: 'ĐT1' },
        });
        expect(await store.getEntity('things', 999_999)).toBeUndefined();
        // An existing Thing referenced by id, a second Location linked to it.
        const [loc2] = await store.insertEntities({
          inserts: [{ table: 'locations', json: { name: 'q' } }],
          links: [{ thing, location: { planned: 0 } }],
        });
        const locs = await store.listEntities('locations', {
          top: 10,
          skip: 0,
          orderBy: [],
          linkedTo: { table: 'things', id: thing },
        });
        expect(locs.rows.map((r) => r.id)).toEqual([ids[1], loc2]);
        const things = await store.listEntities('things', {
          top: 10,
          skip: 0,
          orderBy: [],
          linkedTo: { table: 'locations', id: loc2! },
        });
        expect(things.rows.map((r) => r.id)).toEqual([thing]);
      });

      it('rolls back a whole plan when one insert fails', async () => {
        const before = (await store.allEntities('things')).length;
        // SQLite throws, PostgreSQL rejects: awaited, both are a rejection.
        await expect(
          (async () =>
            store.insertEntities({
              inserts: [
                { table: 'things', json: { name: 'half' } },
                // No such sensor: the foreign key refuses it, and the Thing goes too.
                {
                  table: 'datastreams',
                  json: { name: 'x' },
                  thing: { planned: 0 },
                  sensor: 987_654,
                  observedProperty: 987_654,
                },
              ],
              links: [],
            }))(),
        ).rejects.toThrow();
        expect((await store.allEntities('things')).length).toBe(before);
      });

      it('lists entities with $orderby, $top, $skip, a count, links and exclusions', async () => {
        const all = await store.listEntities('datastreams', {
          top: 10,
          skip: 0,
          orderBy: [{ field: 'name', desc: false }],
        });
        expect(all.rows.map((r) => r.json.name)).toEqual(['a PM10', 'b PM2.5']);
        expect(all.count).toBe(2);
        const page = await store.listEntities('datastreams', {
          top: 1,
          skip: 1,
          orderBy: [{ field: 'name', desc: true }],
        });
        expect(page.rows.map((r) => r.json.name)).toEqual(['a PM10']);
        expect(page.count).toBe(2);
        const byId = await store.listEntities('datastreams', {
          top: 10,
          skip: 0,
          orderBy: [{ field: 'id', desc: true }],
        });
        expect(byId.rows.map((r) => r.id)).toEqual([ds2, ds]);
        const linked = await store.listEntities('datastreams', {
          top: 10,
          skip: 0,
          orderBy: [],
          linkedTo: { table: 'things', id: thing },
          excludeIds: [ds2],
        });
        expect(linked).toMatchObject({ count: 1, rows: [{ id: ds }] });
        expect((await store.allEntities('datastreams')).map((d) => d.id)).toEqual([ds, ds2]);
      });

      it('finds restricted Things and what hangs off them only', async () => {
        const [t, loc, s, op, d] = (await store.insertEntities({
          inserts: [
            { table: 'things', json: { name: 'CCTV', properties: { visibility: 'operator' } } },
            { table: 'locations', json: { name: 'hidden spot' } },
            { table: 'sensors', json: { name: 'cam' } },
            { table: 'observed_properties', json: { name: 'count', definition: 'x' } },
            {
              table: 'datastreams',
              json: { name: 'vehicles' },
              thing: { planned: 0 },
              sensor: { planned: 2 },
              observedProperty: { planned: 3 },
            },
          ],
          // The hidden Thing's own Location, and the public Thing's first Location shared with it.
          links: [
            { thing: { planned: 0 }, location: { planned: 1 } },
            {
              thing: { planned: 0 },
              location: (await store.listEntities('locations', { top: 1, skip: 0, orderBy: [] })).rows[0]!.id,
            },
          ],
        })) as [number, number, number, number, number];
        restricted = t;
        expect(s && op).toBeTruthy();
        expect(await store.restrictedThings()).toEqual([{ id: t, visibility: 'operator' }]);
        // The shared Location stays visible: it is linked to a public Thing too.
        expect(await store.linkedToThings([t])).toEqual({ datastreams: [d], locations: [loc] });
      });

      it('writes a batch in one transaction and resolves each add with its id after the commit', async () => {
        const sizes: number[] = [];
        const gc = new GroupCommit<ObservationRecord, number>((items) => {
          sizes.push(items.length);
          return store.writeBatch(batch(items));
        });
        const ids = await Promise.all(
          Array.from({ length: 1000 }, (_, i) => gc.add(obs('2025-07-01T01:00:00Z', i))),
        );
        expect(sizes).toEqual([1000]); // one turn of the event loop → one transaction
        expect(new Set(ids).size).toBe(1000);
        // Ids follow the batch's order.
        expect([...ids].sort((a, b) => a - b)).toEqual(ids);
        expect((await store.getObservation(ids[0]!))?.result).toBe(0);
        expect((await store.getObservation(ids[999]!))?.result).toBe(999);
      });

      it('keeps non-numeric results, resultQuality, parameters and interval times', async () => {
        const [id] = await store.writeBatch(
          batch([
            {
              datastreamId: ds2,
              phenomenonTimeMs: Date.parse('2025-07-01T00:30:00Z'),
              phenomenonEndMs: Date.parse('2025-07-01T00:31:00Z'),
              resultTimeMs: Date.parse('2025-07-01T00:32:00Z'),
              result: { state: 'có mưa', 'quote"d': [1, 'x\\y'] },
              resultQuality: 'good',
              parameters: { sensorTempC: 31.5 },
            },
          ]),
        );
        expect(await store.getObservation(id!)).toEqual({
          id,
          datastreamId: ds2,
          phenomenonTimeMs: Date.parse('2025-07-01T00:30:00Z'),
          phenomenonEndMs: Date.parse('2025-07-01T00:31:00Z'),
          resultTimeMs: Date.parse('2025-07-01T00:32:00Z'),
          result: { state: 'có mưa', 'quote"d': [1, 'x\\y'] },
          resultQuality: 'good',
          parameters: { sensorTempC: 31.5 },
        });
        expect(await store.getObservation(id! + 1_000_000)).toBeUndefined();
      });

      it('answers observation queries: $filter on time, $orderby, $top, $skip, count, exclusions', async () => {
        await store.writeBatch(
          batch([
            obs('2025-07-02T00:00:00Z', 5, ds2),
            obs('2025-07-02T00:01:00Z', 3, ds2),
            obs('2025-07-02T00:02:00Z', 9, ds2),
          ]),
        );
        const q = await store.listObservations({
          datastreamId: ds2,
          where: [{ field: 'phenomenonTime', op: 'ge', ms: Date.parse('2025-07-02T00:00:00Z') }],
          orderBy: [{ field: 'result', desc: true }],
          top: 2,
          skip: 0,
        });
        expect(q.rows.map((o) => o.result)).toEqual([9, 5]);
        expect(q.count).toBe(3);
        const older = await store.listObservations({
          datastreamId: ds2,
          where: [
            { field: 'phenomenonTime', op: 'lt', ms: Date.parse('2025-07-02T00:02:00Z') },
            { field: 'phenomenonTime', op: 'gt', ms: Date.parse('2025-07-01T12:00:00Z') },
          ],
          orderBy: [{ field: 'phenomenonTime', desc: false }],
          top: 10,
          skip: 1,
        });
        expect(older.rows.map((o) => o.result)).toEqual([3]);
        expect(older.count).toBe(2);
        const none = await store.listObservations({
          excludeDatastreams: [ds, ds2],
          where: [],
          orderBy: [],
          top: 10,
          skip: 0,
        });
        expect(none).toEqual({ rows: [], count: 0 });
        const exact = await store.listObservations({
          where: [{ field: 'phenomenonTime', op: 'eq', ms: Date.parse('2025-07-02T00:01:00Z') }],
          orderBy: [],
          top: 10,
          skip: 0,
        });
        expect(exact.rows.map((o) => o.result)).toEqual([3]);
        expect(await store.countObservations()).toBe(1000 + 1 + 3);
      });

      it('keeps 1-minute roll-ups (count, min, max, mean) across batches', async () => {
        await store.writeBatch(
          batch([
            obs('2025-07-01T02:00:10Z', 4),
            obs('2025-07-01T02:00:50Z', 8),
            obs('2025-07-01T02:01:00Z', 1),
          ]),
        );
        await store.writeBatch(batch([obs('2025-07-01T02:00:30Z', 12)]));
        const h = await store.history(
          ds,
          Date.parse('2025-07-01T02:00:00Z'),
          Date.parse('2025-07-01T02:02:00Z'),
          '1m',
          10,
        );
        expect(h).toEqual([
          { timeMs: Date.parse('2025-07-01T02:00:00Z'), value: 8, min: 4, max: 12, count: 3 },
          { timeMs: Date.parse('2025-07-01T02:01:00Z'), value: 1, min: 1, max: 1, count: 1 },
        ]);
        expect(
          await store.rollupsBetween(
            ds,
            Date.parse('2025-07-01T02:00:00Z'),
            Date.parse('2025-07-01T02:01:00Z'),
          ),
        ).toEqual([
          { minuteMs: Date.parse('2025-07-01T02:00:00Z'), count: 3, sum: 24 },
          { minuteMs: Date.parse('2025-07-01T02:01:00Z'), count: 1, sum: 1 },
        ]);
        const raw = await store.history(
          ds,
          Date.parse('2025-07-01T02:00:00Z'),
          Date.parse('2025-07-01T02:00:59Z'),
          'raw',
          2,
        );
        expect(raw).toEqual([
          { timeMs: Date.parse('2025-07-01T02:00:10Z'), value: 4 },
          { timeMs: Date.parse('2025-07-01T02:00:30Z'), value: 12 },
        ]);
        expect(await store.latestObservationAt(ds, Date.parse('2025-07-01T02:00:40Z'))).toEqual({
          timeMs: Date.parse('2025-07-01T02:00:30Z'),
          value: 12,
        });
        expect(await store.latestObservationAt(ds, Date.parse('2020-01-01T00:00:00Z'))).toBeUndefined();
      });

      it('stores traffic flows and vehicle positions for replay: the newest per segment and per bus', async () => {
        const t = Date.parse('2025-07-01T07:00:00Z');
        await store.writeBatch({
          observations: [],
          flows: [
            {
              segmentId: 'R-1',
              timeMs: t,
              intensityVehH: 900,
              averageSpeedKmh: 30,
              occupancy: 0.4,
              congested: false,
              lonDeg: 106.6,
              latDeg: 10.9,
            },
            {
              segmentId: 'R-1',
              timeMs: t + 60_000,
              intensityVehH: 1500,
              averageSpeedKmh: 12,
              congested: true,
            },
            { segmentId: 'R-2', timeMs: t, intensityVehH: 100 },
          ],
          vehicles: [
            { vehicleId: 'K1', timeMs: t, lonDeg: 106.61, latDeg: 10.97, routeId: 'K01' },
            {
              vehicleId: 'K1',
              timeMs: t + 30_000,
              lonDeg: 106.62,
              latDeg: 10.98,
              bearingDeg: 90,
              speedMS: 8,
              routeId: 'K01',
              tripId: 'T1',
              label: '61B-123',
            },
          ],
          latest: [],
        });
        const flows = (await store.trafficAt(t + 120_000, t - 1)).sort((a, b) =>
          a.segmentId.localeCompare(b.segmentId),
        );
        expect(flows).toEqual([
          {
            segmentId: 'R-1',
            timeMs: t + 60_000,
            intensityVehH: 1500,
            averageSpeedKmh: 12,
            occupancy: undefined,
            congested: true,
            lonDeg: undefined,
            latDeg: undefined,
          },
          {
            segmentId: 'R-2',
            timeMs: t,
            intensityVehH: 100,
            averageSpeedKmh: undefined,
            occupancy: undefined,
            congested: undefined,
            lonDeg: undefined,
            latDeg: undefined,
          },
        ]);
        expect(await store.vehiclesAt(t + 120_000, t - 1)).toEqual([
          {
            vehicleId: 'K1',
            timeMs: t + 30_000,
            lonDeg: 106.62,
            latDeg: 10.98,
            bearingDeg: 90,
            speedMS: 8,
            routeId: 'K01',
            tripId: 'T1',
            label: '61B-123',
          },
        ]);
        expect(await store.countRows('traffic_flows')).toBe(3);
        expect(await store.countRows('vehicle_positions')).toBe(2);
      });

      it('keeps the latest state per entity and acknowledgements with their record', async () => {
        const a = alertState('alert:flood:water:1', 10);
        await store.writeBatch(batch([], [a, { ...a, key: 'alert:flood:water:2', seq: 11 } as AlertState]));
        const acked = {
          ...a,
          seq: 12,
          ack: { by: 'Nguyễn Văn An', at: '2025-07-01T03:05:00.000Z' },
        } as AlertState & { ack: AlertAck };
        const other = { ...a, key: 'alert:flood:water:2', seq: 13, level: 3 } as AlertState;
        await store.writeAck(acked, [other]);
        const latest = await store.latestEntities();
        expect(latest.map((e) => [e.key, e.seq])).toEqual([
          ['alert:flood:water:1', 12],
          ['alert:flood:water:2', 13],
        ]);
        expect((latest[0] as AlertState).ack).toEqual(acked.ack);
        expect(await store.acksOf('alert:flood:water:1')).toEqual([
          { raisedTime: a.time, level: 2, by: 'Nguyễn Văn An', atMs: Date.parse('2025-07-01T03:05:00.000Z') },
        ]);
        expect(await store.acksOf('nothing')).toEqual([]);
      });

      it('keeps its hub id and meta values across a reopen', async () => {
        const hubId = store.hubId;
        expect(hubId).toMatch(/^[0-9a-f-]{36}$/);
        await store.setMeta('k', 'v1');
        await store.setMeta('k', 'v2');
        const again = await openFeedStore(location, { log: () => {} });
        try {
          expect(again.hubId).toBe(hubId);
          expect(await again.getMeta('k')).toBe('v2');
          expect(await again.getMeta('missing')).toBeUndefined();
          expect((await again.allEntities('things')).map((t) => t.id)).toContain(restricted);
        } finally {
          await again.close();
        }
      });

      it('deletes raw rows and roll-ups past their retention, in chunks', async () => {
        const now = Date.parse('2025-08-15T00:00:00Z');
        const before = await store.countObservations();
        let n = 0;
        while ((await store.applyRetention(now, { rawDays: 30, rollupDays: 400 }, 100)) > 0) n++;
        expect(n).toBeGreaterThan(1); // in chunks
        expect(await store.countObservations()).toBe(0);
        expect(await store.countRows('traffic_flows')).toBe(0);
        expect(before).toBeGreaterThan(0);
        // Roll-ups are kept longer: the 30-day replay still has them.
        expect(
          (await store.history(ds, Date.parse('2025-07-01T00:00:00Z'), now, '1m', 10)).length,
        ).toBeGreaterThan(0);
        expect(
          await store.applyRetention(Date.parse('2027-01-01T00:00:00Z'), { rawDays: 30, rollupDays: 400 }),
        ).toBeGreaterThan(0);
        expect(await store.history(ds, Date.parse('2025-07-01T00:00:00Z'), now, '1m', 10)).toEqual([]);
      });
    },
  );
}

describe('feed store on SQLite: its own settings', () => {
  it('runs in WAL mode with synchronous=FULL', () => {
    const store = new FeedStore(path.join(dir, 'pragmas.sqlite'));
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    } finally {
      store.close();
    }
  });
});

describe.skipIf(PG_MISSING)(
  `feed store on PostgreSQL: its own settings${PG_MISSING ? ` (skipped: ${PG_MISSING})` : ''}`,
  () => {
    it('creates its schema, versioned in meta, and commits with synchronous_commit on (durable before ack)', async () => {
      const url = await cluster!.createDatabase('settings');
      const store = await openFeedStore(url, { log: () => {} });
      await store.close();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        expect((await client.query("SELECT value FROM meta WHERE key = 'schemaVersion'")).rows).toEqual([
          { value: String(PG_SCHEMA_VERSION) },
        ]);
        expect((await client.query('SHOW synchronous_commit')).rows[0].synchronous_commit).toBe('on');
        expect((await client.query('SHOW fsync')).rows[0].fsync).toBe('on');
        // A database made by a newer bdtwin is refused, not silently written in an old shape.
        await client.query("UPDATE meta SET value = '99' WHERE key = 'schemaVersion'");
      } finally {
        await client.end();
      }
      await expect(openFeedStore(url, { log: () => {} })).rejects.toThrow(
        /schema 99 is newer than this bdtwin/,
      );
    });

    it('turns synchronous_commit back on for its writes where the server has it off', async () => {
      const url = await cluster!.createDatabase('async_commit');
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query('ALTER DATABASE async_commit SET synchronous_commit = off');
      await admin.end();
      const lines: string[] = [];
      const store = await openFeedStore(url, { log: (l) => lines.push(l) });
      try {
        expect(lines.join('\n')).toMatch(/synchronous_commit=off; the hub sets it on for its own writes/);
        // Seen from inside a write transaction of the store's own.
        const seen = await (
          store as unknown as { tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> }
        ).tx(async (c) => (await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit as string);
        expect(seen).toBe('on');
      } finally {
        await store.close();
      }
    });

    it('names the URL without its password when the server cannot be reached or the URL is wrong', async () => {
      const port = cluster!.port;
      await expect(
        openFeedStore(`postgres://hub:s3cret@127.0.0.1:${port}/no_such_db`, { log: () => {} }),
      ).rejects.toThrow(
        /cannot open the PostgreSQL feed store postgres:\/\/hub@127\.0\.0\.1:\d+\/no_such_db: .*(does not exist|role "hub")/,
      );
      const refused = openFeedStore('postgres://hub:s3cret@127.0.0.1:1/x?password=s3cret', { log: () => {} });
      await expect(refused).rejects.toThrow(
        /^cannot open the PostgreSQL feed store postgres:\/\/hub@127\.0\.0\.1:1\/x: connect ECONNREFUSED .*is the server running/,
      );
      await expect(refused).rejects.not.toThrow(/s3cret/);
      await expect(openFeedStore('postgres://hub:s3cret@host:notaport/x')).rejects.toThrow(
        /^postgres:\/\/hub@host:notaport\/x is not a valid PostgreSQL URL/,
      );
    });
  },
);

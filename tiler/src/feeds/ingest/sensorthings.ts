import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestRole } from '../../serve/auth/request.js';
import { isVisibility } from '../../serve/auth/roles.js';
import type { FeedHub } from '../hub.js';
import type {
  EntityPlan,
  EntityRef,
  EntityTable,
  StoredEntity,
  StoredObservation,
} from '../store/backend.js';
import { FeedInputError } from './errors.js';
import { parseQueryOptions, type QueryOptions } from './odata.js';

/**
 * OGC SensorThings API v1.1, the subset devices and clients use (see docs/feeds.md):
 * read and create Things, Locations, Sensors, ObservedProperties, Datastreams, Observations;
 * deep insert of a Thing with Locations and Datastreams, and of a Datastream with its Thing,
 * Sensor and ObservedProperty; navigation (`Things(1)/Datastreams`, `Datastreams(1)/Observations`);
 * `$top`, `$skip`, `$count`, `$orderby`, `$expand` (one level), `$filter` on time.
 */

type Collection = 'Things' | 'Locations' | 'Sensors' | 'ObservedProperties' | 'Datastreams' | 'Observations';

const TABLES: Record<Exclude<Collection, 'Observations'>, EntityTable> = {
  Things: 'things',
  Locations: 'locations',
  Sensors: 'sensors',
  ObservedProperties: 'observed_properties',
  Datastreams: 'datastreams',
};

/** Navigation properties per collection: name → target collection, and whether it is one entity. */
const NAV: Record<Collection, Record<string, { to: Collection; single: boolean }>> = {
  Things: {
    Locations: { to: 'Locations', single: false },
    Datastreams: { to: 'Datastreams', single: false },
  },
  Locations: { Things: { to: 'Things', single: false } },
  Sensors: { Datastreams: { to: 'Datastreams', single: false } },
  ObservedProperties: { Datastreams: { to: 'Datastreams', single: false } },
  Datastreams: {
    Thing: { to: 'Things', single: true },
    Sensor: { to: 'Sensors', single: true },
    ObservedProperty: { to: 'ObservedProperties', single: true },
    Observations: { to: 'Observations', single: false },
  },
  Observations: { Datastream: { to: 'Datastreams', single: true } },
};

/** Properties each entity type must have on create (v1.1 §8.2, relaxed for `description`). */
const REQUIRED: Record<Exclude<Collection, 'Observations'>, string[]> = {
  Things: ['name'],
  Locations: ['name', 'encodingType', 'location'],
  Sensors: ['name', 'encodingType'],
  ObservedProperties: ['name', 'definition'],
  Datastreams: ['name', 'unitOfMeasurement', 'observationType'],
};

const ORDERABLE_ENTITY = ['id', 'name'];
const ORDERABLE_OBSERVATION = ['id', 'phenomenonTime', 'resultTime', 'result'];

/** `Things(12)/Datastreams` → segments. */
interface PathSegment {
  name: string;
  id?: number;
}

/**
 * What one caller may not see (feeds/access.ts): hidden entities read as "does not exist" and
 * are left out of lists and counts, so a public caller cannot tell an operator Thing exists.
 */
interface View {
  things: ReadonlySet<number>;
  datastreams: ReadonlySet<number>;
  locations: ReadonlySet<number>;
}

/** Everything visible: for answers to the writer that just created the entity. */
const ALL: View = { things: new Set(), datastreams: new Set(), locations: new Set() };

function parsePath(rest: string): PathSegment[] {
  const parts = rest.split('/').filter(Boolean);
  return parts.map((p) => {
    const m = /^([A-Za-z]+)(?:\((\d+)\))?$/.exec(p);
    if (!m) throw new FeedInputError(404, `no such SensorThings resource: ${p}`, 'path');
    return m[2] === undefined ? { name: m[1]! } : { name: m[1]!, id: Number(m[2]) };
  });
}

export function registerSensorThings(app: FastifyInstance, hub: FeedHub): void {
  const store = hub.store;
  const base = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? 'localhost'}/v1.1`;
  const viewOf = async (req: FastifyRequest): Promise<View> => {
    const h = await hub.access.hidden(requestRole(req));
    return {
      things: new Set(h.things),
      datastreams: new Set(h.datastreams),
      locations: new Set(h.locations),
    };
  };
  const hiddenIn = (view: View, c: Collection, id: number): boolean => {
    if (c === 'Things') return view.things.has(id);
    if (c === 'Datastreams') return view.datastreams.has(id);
    if (c === 'Locations') return view.locations.has(id);
    return false;
  };

  const entityJson = (c: Collection, e: StoredEntity, root: string): Record<string, unknown> => {
    const self = `${root}/${c}(${e.id})`;
    const out: Record<string, unknown> = { '@iot.id': e.id, '@iot.selfLink': self, ...e.json };
    for (const nav of Object.keys(NAV[c])) out[`${nav}@iot.navigationLink`] = `${self}/${nav}`;
    return out;
  };
  const observationJson = (o: StoredObservation, root: string): Record<string, unknown> => {
    const self = `${root}/Observations(${o.id})`;
    return {
      '@iot.id': o.id,
      '@iot.selfLink': self,
      phenomenonTime:
        new Date(o.phenomenonTimeMs).toISOString() +
        (o.phenomenonEndMs !== null ? `/${new Date(o.phenomenonEndMs).toISOString()}` : ''),
      resultTime: o.resultTimeMs === null ? null : new Date(o.resultTimeMs).toISOString(),
      result: o.result,
      ...(o.resultQuality !== undefined ? { resultQuality: o.resultQuality } : {}),
      ...(o.parameters !== undefined ? { parameters: o.parameters } : {}),
      'Datastream@iot.navigationLink': `${self}/Datastream`,
    };
  };

  const getOne = async (
    c: Collection,
    id: number,
    root: string,
    view: View,
  ): Promise<Record<string, unknown> | undefined> => {
    if (c === 'Observations') {
      const o = await store.getObservation(id);
      return o && !view.datastreams.has(o.datastreamId) ? observationJson(o, root) : undefined;
    }
    if (hiddenIn(view, c, id)) return undefined;
    const e = await store.getEntity(TABLES[c], id);
    return e ? entityJson(c, e, root) : undefined;
  };

  /** The id of the single entity a navigation property of (c, id) points to. */
  const singleTarget = async (c: Collection, id: number, nav: string): Promise<number | undefined> => {
    if (c === 'Datastreams') {
      const ds = await store.getEntity('datastreams', id);
      if (!ds) return undefined;
      return nav === 'Thing' ? ds.thingId : nav === 'Sensor' ? ds.sensorId : ds.observedPropertyId;
    }
    if (c === 'Observations') return (await store.getObservation(id))?.datastreamId;
    return undefined;
  };

  const expand = async (
    c: Collection,
    item: Record<string, unknown>,
    q: QueryOptions,
    root: string,
    view: View,
  ) => {
    for (const nav of q.expand) {
      const target = NAV[c][nav];
      if (!target) throw new FeedInputError(400, `cannot $expand ${nav} on ${c}`, '$expand');
      const id = item['@iot.id'] as number;
      if (target.single) {
        const tid = await singleTarget(c, id, nav);
        item[nav] = (tid === undefined ? undefined : await getOne(target.to, tid, root, view)) ?? null;
      } else {
        item[nav] = (
          await list(
            target.to,
            { ...q, expand: [], top: 100, skip: 0, filter: [], orderBy: [] },
            root,
            view,
            { from: c, id },
          )
        ).value;
      }
    }
    return item;
  };

  /** Expands each item in turn (in order; a page is at most a few hundred). */
  const expandAll = async (
    c: Collection,
    items: Record<string, unknown>[],
    q: QueryOptions,
    root: string,
    view: View,
  ) => {
    if (q.expand.length === 0) return items;
    const out: Record<string, unknown>[] = [];
    for (const item of items) out.push(await expand(c, item, q, root, view));
    return out;
  };

  const list = async (
    c: Collection,
    q: QueryOptions,
    root: string,
    view: View,
    parent?: { from: Collection; id: number },
  ): Promise<{ value: Record<string, unknown>[]; count: number }> => {
    if (c === 'Observations') {
      const { rows, count } = await store.listObservations({
        ...(parent ? { datastreamId: parent.id } : {}),
        excludeDatastreams: [...view.datastreams],
        where: q.filter,
        orderBy: q.orderBy as { field: 'id' | 'phenomenonTime' | 'resultTime' | 'result'; desc: boolean }[],
        top: q.top,
        skip: q.skip,
      });
      return {
        value: await expandAll(
          c,
          rows.map((o) => observationJson(o, root)),
          q,
          root,
          view,
        ),
        count,
      };
    }
    if (q.filter.length)
      throw new FeedInputError(400, `$filter on ${c} is not supported (only on Observations)`, '$filter');
    const { rows, count } = await store.listEntities(TABLES[c], {
      top: q.top,
      skip: q.skip,
      orderBy: q.orderBy,
      excludeIds: [
        ...(c === 'Things'
          ? view.things
          : c === 'Datastreams'
            ? view.datastreams
            : c === 'Locations'
              ? view.locations
              : []),
      ],
      ...(parent
        ? { linkedTo: { table: TABLES[parent.from as Exclude<Collection, 'Observations'>], id: parent.id } }
        : {}),
    });
    return {
      value: await expandAll(
        c,
        rows.map((e) => entityJson(c, e, root)),
        q,
        root,
        view,
      ),
      count,
    };
  };

  app.get('/v1.1', async (req) => {
    const root = base(req);
    return {
      value: (Object.keys(NAV) as Collection[]).map((name) => ({ name, url: `${root}/${name}` })),
      serverSettings: {
        conformance: [
          'http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel',
          'http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities',
          'http://www.opengis.net/spec/iot_sensing/1.1/req/request-data',
          'http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete/create-entity',
          'http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation',
        ],
        'http://www.opengis.net/spec/iot_sensing/1.1/req/create-observations-via-mqtt/observations-creation':
          {
            endpoints: [
              `mqtt://${(req.headers.host ?? 'localhost').replace(/:\d+$/, '')}:${hub.mqttPort ?? 1883}`,
            ],
          },
      },
    };
  });

  app.get(
    '/v1.1/*',
    async (req: FastifyRequest<{ Params: { '*': string }; Querystring: Record<string, string> }>, reply) => {
      const root = base(req);
      const view = await viewOf(req);
      const segs = parsePath(req.params['*']);
      const [first, second, third] = segs;
      if (!first || !(first.name in NAV) || third) throw notFound(req.params['*']);
      const c = first.name as Collection;
      if (first.id === undefined) {
        if (second) throw notFound(req.params['*']);
        return sendList(reply, c, req.query, root, req.url, view);
      }
      if (!second) {
        const q = parseQueryOptions(req.query, []);
        const item = await getOne(c, first.id, root, view);
        if (!item) throw new FeedInputError(404, `${c}(${first.id}) does not exist`, 'path');
        return expand(c, item, q, root, view);
      }
      const target = NAV[c][second.name];
      if (!target || second.id !== undefined) throw notFound(req.params['*']);
      if (!(await getOne(c, first.id, root, view)))
        throw new FeedInputError(404, `${c}(${first.id}) does not exist`, 'path');
      if (target.single) {
        const tid = await singleTarget(c, first.id, second.name);
        const item = tid === undefined ? undefined : await getOne(target.to, tid, root, view);
        if (!item) throw new FeedInputError(404, `${c}(${first.id})/${second.name} does not exist`, 'path');
        return item;
      }
      return sendList(reply, target.to, req.query, root, req.url, view, { from: c, id: first.id });
    },
  );

  const sendList = async (
    reply: FastifyReply,
    c: Collection,
    query: Record<string, string>,
    root: string,
    url: string,
    view: View,
    parent?: { from: Collection; id: number },
  ) => {
    const q = parseQueryOptions(query, c === 'Observations' ? ORDERABLE_OBSERVATION : ORDERABLE_ENTITY);
    const { value, count } = await list(c, q, root, view, parent);
    const out: Record<string, unknown> = {};
    if (q.count) out['@iot.count'] = count;
    if (q.top > 0 && q.skip + value.length < count) {
      const next = new URL(url, 'http://x');
      next.searchParams.set('$skip', String(q.skip + q.top));
      next.searchParams.set('$top', String(q.top));
      out['@iot.nextLink'] = `${root.replace(/\/v1\.1$/, '')}${next.pathname}${next.search}`;
    }
    out.value = value;
    reply.header('Cache-Control', 'no-cache');
    return out;
  };

  app.post('/v1.1/*', async (req: FastifyRequest<{ Params: { '*': string } }>, reply) => {
    const root = base(req);
    const segs = parsePath(req.params['*']);
    const [first, second, third] = segs;
    if (!first || third) throw notFound(req.params['*']);
    const body = req.body;
    let created: { c: Collection; id: number };
    const isObservation = first.name === 'Observations' && first.id === undefined && !second;
    const isDatastreamObservation =
      first.name === 'Datastreams' &&
      first.id !== undefined &&
      second?.name === 'Observations' &&
      second.id === undefined;
    if (isObservation || isDatastreamObservation) {
      // The hot path: answer from what was stored rather than reading it back.
      const record = await hub.parseObservation(body, isDatastreamObservation ? first.id : undefined);
      const [id] = await hub.ingest([{ kind: 'observation', record }], 'http');
      const item = observationJson(
        {
          id: id!,
          datastreamId: record.datastreamId,
          phenomenonTimeMs: record.phenomenonTimeMs,
          phenomenonEndMs: record.phenomenonEndMs ?? null,
          resultTimeMs: record.resultTimeMs ?? null,
          result: record.result,
          ...(record.resultQuality !== undefined ? { resultQuality: record.resultQuality } : {}),
          ...(record.parameters !== undefined ? { parameters: record.parameters } : {}),
        },
        root,
      );
      reply.code(201).header('Location', item['@iot.selfLink'] as string);
      return item;
    } else if (first.name in TABLES && first.id === undefined && !second) {
      const c = first.name as Exclude<Collection, 'Observations'>;
      const plan: EntityPlan = { inserts: [], links: [] };
      const root = await createEntity(plan, c, body, '');
      created = { c, id: idOf(root, await store.insertEntities(plan)) };
      await refreshCatalog(created.c, created.id);
    } else if (
      first.name === 'Things' &&
      first.id !== undefined &&
      (second?.name === 'Datastreams' || second?.name === 'Locations')
    ) {
      const c = second.name;
      if (!(await store.getEntity('things', first.id)))
        throw new FeedInputError(404, `Things(${first.id}) does not exist`, 'path');
      const b = { ...asObject(body, '') };
      if (c === 'Datastreams') b.Thing = { '@iot.id': first.id };
      const plan: EntityPlan = { inserts: [], links: [] };
      const root = await createEntity(plan, c, b, '');
      if (c === 'Locations') plan.links.push({ thing: first.id, location: root });
      created = { c, id: idOf(root, await store.insertEntities(plan)) };
      await refreshCatalog(c, created.id);
      if (c === 'Locations') await hub.catalog.refreshThing(first.id);
    } else {
      throw new FeedInputError(405, `cannot create entities at ${req.params['*']}`, 'path');
    }
    const item = (await getOne(created.c, created.id, root, ALL))!;
    reply.code(201).header('Location', item['@iot.selfLink'] as string);
    return item;
  });

  const refreshCatalog = async (c: Collection, id: number) => {
    if (c === 'Datastreams') await hub.catalog.refreshDatastream(id);
    if (c === 'Things') {
      await hub.catalog.refreshThing(id);
      const { rows } = await store.listEntities('datastreams', {
        top: 10_000,
        skip: 0,
        orderBy: [],
        linkedTo: { table: 'things', id },
      });
      for (const ds of rows) await hub.catalog.refreshDatastream(ds.id, ds);
    }
  };

  /**
   * Validates an entity and its deep-inserted related entities and adds them to `plan` (written
   * afterwards in one transaction, all or nothing); returns the reference of the entity itself.
   * Entities it links to by `@iot.id` must exist: they are read now, outside the transaction,
   * which is safe because entities are never deleted.
   */
  const createEntity = async (
    plan: EntityPlan,
    c: Exclude<Collection, 'Observations'>,
    body: unknown,
    at: string,
    /** A Datastream deep-inserted with its Thing: that Thing. */
    ofThing?: EntityRef,
  ): Promise<EntityRef> => {
    const o = asObject(body, at);
    for (const key of REQUIRED[c]) {
      if (o[key] === undefined || o[key] === null || o[key] === '') {
        throw new FeedInputError(400, `${c.replace(/s$/, '')} needs "${key}"`, `${at}${key}`);
      }
    }
    if (typeof o.name !== 'string') throw new FeedInputError(400, 'name must be a string', `${at}name`);
    const visibility = (o.properties as { visibility?: unknown } | undefined)?.visibility;
    if (c === 'Things' && visibility !== undefined && !isVisibility(visibility)) {
      throw new FeedInputError(
        400,
        'properties.visibility must be public, planner, operator or admin',
        `${at}properties.visibility`,
      );
    }
    if (
      o.properties !== undefined &&
      (typeof o.properties !== 'object' || o.properties === null || Array.isArray(o.properties))
    ) {
      throw new FeedInputError(400, 'properties must be a JSON object', `${at}properties`);
    }
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k.startsWith('@iot.') || k.includes('@iot.') || /^[A-Z]/.test(k)) continue; // links, navigation
      own[k] = v;
    }
    const ref = async (
      nav: 'Thing' | 'Sensor' | 'ObservedProperty',
      table: EntityTable,
      coll: Exclude<Collection, 'Observations'>,
    ): Promise<EntityRef> => {
      const v = o[nav] ?? (o[`${nav}@iot.id`] !== undefined ? { '@iot.id': o[`${nav}@iot.id`] } : undefined);
      if (v === undefined) throw new FeedInputError(400, `Datastream needs a ${nav}`, `${at}${nav}`);
      const r = asObject(v, `${at}${nav}.`);
      if (r['@iot.id'] !== undefined) {
        const id = r['@iot.id'];
        if (!Number.isInteger(id) || !(await store.getEntity(table, id as number))) {
          throw new FeedInputError(404, `${coll}(${JSON.stringify(id)}) does not exist`, `${at}${nav}`);
        }
        return id as number;
      }
      return createEntity(plan, coll, r, `${at}${nav}.`);
    };
    const planned = (insert: EntityPlan['inserts'][number]): EntityRef => ({
      planned: plan.inserts.push(insert) - 1,
    });
    if (c === 'Datastreams') {
      const uom = o.unitOfMeasurement as Record<string, unknown>;
      if (typeof uom !== 'object' || Array.isArray(uom)) {
        throw new FeedInputError(
          400,
          'unitOfMeasurement must be {name, symbol, definition}',
          `${at}unitOfMeasurement`,
        );
      }
      const thing = ofThing ?? (await ref('Thing', 'things', 'Things'));
      const sensor = await ref('Sensor', 'sensors', 'Sensors');
      const observedProperty = await ref('ObservedProperty', 'observed_properties', 'ObservedProperties');
      return planned({ table: 'datastreams', json: own, thing, sensor, observedProperty });
    }
    if (c === 'Locations') {
      const loc = o.location as { type?: unknown } | undefined;
      if (!loc || typeof loc !== 'object' || typeof loc.type !== 'string') {
        throw new FeedInputError(400, 'location must be a GeoJSON geometry', `${at}location`);
      }
    }
    const id = planned({ table: TABLES[c], json: own });
    if (c === 'Things') {
      const locations = o.Locations;
      if (locations !== undefined) {
        if (!Array.isArray(locations))
          throw new FeedInputError(400, 'Locations must be an array', `${at}Locations`);
        for (const [i, l] of locations.entries()) {
          const lo = asObject(l, `${at}Locations[${i}].`);
          let lid: EntityRef;
          if (lo['@iot.id'] !== undefined) {
            const existing = lo['@iot.id'];
            if (!Number.isInteger(existing) || !(await store.getEntity('locations', existing as number))) {
              throw new FeedInputError(
                404,
                `Locations(${JSON.stringify(existing)}) does not exist`,
                `${at}Locations[${i}]`,
              );
            }
            lid = existing as number;
          } else lid = await createEntity(plan, 'Locations', lo, `${at}Locations[${i}].`);
          plan.links.push({ thing: id, location: lid });
        }
      }
      const datastreams = o.Datastreams;
      if (datastreams !== undefined) {
        if (!Array.isArray(datastreams))
          throw new FeedInputError(400, 'Datastreams must be an array', `${at}Datastreams`);
        for (const [i, d] of datastreams.entries()) {
          // The Thing is the one being created: refer to it by its place in the plan.
          const ds = { ...asObject(d, `${at}Datastreams[${i}].`) };
          delete ds.Thing;
          delete ds['Thing@iot.id'];
          await createEntity(plan, 'Datastreams', ds, `${at}Datastreams[${i}].`, id);
        }
      }
    }
    if (c === 'Locations' && Array.isArray(o.Things)) {
      for (const t of o.Things) {
        const tid = (t as { '@iot.id'?: unknown })['@iot.id'];
        if (Number.isInteger(tid) && (await store.getEntity('things', tid as number)))
          plan.links.push({ thing: tid as number, location: id });
      }
    }
    return id;
  };
}

/** The id of a planned or existing entity once the plan is written. */
function idOf(ref: EntityRef, ids: readonly number[]): number {
  return typeof ref === 'number' ? ref : ids[ref.planned]!;
}

function asObject(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new FeedInputError(400, 'expected a JSON object', at ? at.replace(/\.$/, '') : 'body');
  }
  return v as Record<string, unknown>;
}

function notFound(path: string) {
  return new FeedInputError(404, `no such SensorThings resource: /v1.1/${path}`, 'path');
}

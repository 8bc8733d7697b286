import type { AqiPollutant } from '../../api/feeds.js';
import type { Visibility } from '../../serve/auth/roles.js';
import { thingVisibilityOf } from '../access.js';
import type { FeedStoreBackend, StoredEntity } from '../store/backend.js';

/**
 * What the rules need to know about SensorThings entities: which quantity a Datastream
 * measures (from its ObservedProperty, or `properties.quantity`), the factor to the hub's unit,
 * where its Thing stands and who may see it. Kept in memory (loaded at start, refreshed when
 * entities are created): ingest, the rules and the MQTT broker's forwarding decisions read it
 * synchronously, whatever the store. Entities are never updated or deleted (no PATCH, no
 * DELETE), so what is loaded stays true.
 */

export type Quantity = AqiPollutant | 'waterLevel' | 'rainfall';

/** ObservedProperty names (normalised: lower case, no accents, letters and digits only). */
const QUANTITY_NAMES: Record<string, Quantity> = {
  pm25: 'pm25',
  pm2: 'pm25',
  pm10: 'pm10',
  o3: 'o3',
  ozone: 'o3',
  co: 'co',
  carbonmonoxide: 'co',
  no2: 'no2',
  nitrogendioxide: 'no2',
  so2: 'so2',
  sulphurdioxide: 'so2',
  sulfurdioxide: 'so2',
  waterlevel: 'waterLevel',
  mucnuoc: 'waterLevel',
  rainfall: 'rainfall',
  rain: 'rainfall',
  precipitation: 'rainfall',
  luongmua: 'rainfall',
};

/** Unit symbols with a factor to the hub's unit (µg/m³, m, mm). */
const UNIT_FACTORS: Record<string, number> = {
  'mg/m3': 1000,
  'mg/m³': 1000,
  'µg/m3': 1,
  'µg/m³': 1,
  'μg/m³': 1,
  'ug/m3': 1,
  m: 1,
  cm: 0.01,
  mm: 1,
};

export function normaliseName(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export function quantityOf(
  observedPropertyName: string | undefined,
  declared?: unknown,
): Quantity | undefined {
  if (typeof declared === 'string' && Object.values(QUANTITY_NAMES).includes(declared as Quantity))
    return declared as Quantity;
  if (!observedPropertyName) return undefined;
  return QUANTITY_NAMES[normaliseName(observedPropertyName)];
}

export interface ThingInfo {
  id: number;
  name: string;
  /** `properties.visibility` (feeds/access.ts): public when absent. */
  visibility: Visibility;
  code?: string;
  layer?: 'air' | 'water';
  lonDeg?: number;
  latDeg?: number;
  alarmThresholdsM?: [number, number, number];
}

export interface DatastreamInfo {
  id: number;
  thingId: number;
  quantity?: Quantity;
  /** Multiply results by this to get the hub's unit. */
  factor: number;
  /** An OM_Measurement: results must be numbers. */
  measurement?: boolean;
}

export class Catalog {
  readonly things = new Map<number, ThingInfo>();
  readonly datastreams = new Map<number, DatastreamInfo>();
  /** Datastreams per Thing: the VN_AQI of a station reads all of its pollutants. */
  readonly byThing = new Map<number, DatastreamInfo[]>();

  private constructor(private readonly store: FeedStoreBackend) {}

  /** Every Thing and Datastream of the store. */
  static async load(store: FeedStoreBackend): Promise<Catalog> {
    const catalog = new Catalog(store);
    for (const t of await store.allEntities('things')) await catalog.refreshThing(t.id, t);
    for (const ds of await store.allEntities('datastreams')) await catalog.addDatastream(ds, false);
    return catalog;
  }

  /** Reads a Datastream (and its Thing again: a Location may have been linked since). */
  async refreshDatastream(id: number, stored?: StoredEntity): Promise<DatastreamInfo | undefined> {
    const ds = stored ?? (await this.store.getEntity('datastreams', id));
    return ds ? this.addDatastream(ds, true) : undefined;
  }

  private async addDatastream(ds: StoredEntity, refreshThing: boolean): Promise<DatastreamInfo> {
    const id = ds.id;
    const op = await this.store.getEntity('observed_properties', ds.observedPropertyId!);
    const known = refreshThing ? undefined : this.things.get(ds.thingId!);
    const thing = known ?? (await this.refreshThing(ds.thingId!));
    // Everything read: from here on no await, so no one sees a half-updated catalog.
    const props = (ds.json.properties ?? {}) as Record<string, unknown>;
    const quantity = quantityOf(op?.json.name as string | undefined, props.quantity);
    const unit = (ds.json.unitOfMeasurement ?? {}) as { symbol?: unknown };
    const factor = typeof unit.symbol === 'string' ? (UNIT_FACTORS[unit.symbol] ?? 1) : 1;
    const measurement = String(ds.json.observationType ?? '').endsWith('OM_Measurement');
    const info: DatastreamInfo = {
      id,
      thingId: ds.thingId!,
      factor,
      measurement,
      ...(quantity ? { quantity } : {}),
    };
    const previous = this.datastreams.get(id);
    this.datastreams.set(id, info);
    const siblings = (this.byThing.get(info.thingId) ?? []).filter((d) => d !== previous && d.id !== id);
    siblings.push(info);
    this.byThing.set(info.thingId, siblings);
    if (thing && !thing.layer && quantity) {
      thing.layer = quantity === 'waterLevel' || quantity === 'rainfall' ? 'water' : 'air';
    }
    return info;
  }

  async refreshThing(id: number, stored?: StoredEntity): Promise<ThingInfo | undefined> {
    const t = stored ?? (await this.store.getEntity('things', id));
    if (!t) return undefined;
    const loc = (
      await this.store.listEntities('locations', {
        top: 1,
        skip: 0,
        orderBy: [],
        linkedTo: { table: 'things', id },
      })
    ).rows[0];
    const props = (t.json.properties ?? {}) as Record<string, unknown>;
    const info: ThingInfo = {
      id,
      name: String(t.json.name ?? `Thing ${id}`),
      visibility: thingVisibilityOf(t.json),
    };
    if (typeof props.code === 'string') info.code = props.code;
    if (props.layer === 'air' || props.layer === 'water') info.layer = props.layer;
    const thresholds = props.alarmThresholdsM;
    if (
      Array.isArray(thresholds) &&
      thresholds.length === 3 &&
      thresholds.every((v) => typeof v === 'number' && Number.isFinite(v))
    ) {
      info.alarmThresholdsM = thresholds as [number, number, number];
    }
    const point = pointOf(loc?.json.location);
    if (point) {
      info.lonDeg = point[0];
      info.latDeg = point[1];
    }
    const previous = this.things.get(id);
    if (!info.layer) {
      // A layer learnt from the Thing's Datastreams (refreshDatastream) stays.
      if (previous?.layer) info.layer = previous.layer;
      else {
        const quantity = this.byThing.get(id)?.find((d) => d.quantity)?.quantity;
        if (quantity) info.layer = quantity === 'waterLevel' || quantity === 'rainfall' ? 'water' : 'air';
      }
    }
    this.things.set(id, info);
    return info;
  }
}

/** A representative lon/lat of a GeoJSON geometry (Point, or the middle vertex of a line). */
export function pointOf(geometry: unknown): [number, number] | undefined {
  const g = geometry as { type?: string; coordinates?: unknown; geometry?: unknown } | undefined;
  if (!g || typeof g !== 'object') return undefined;
  if (g.type === 'Feature') return pointOf(g.geometry);
  const isPos = (p: unknown): p is [number, number] =>
    Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number';
  if (g.type === 'Point' && isPos(g.coordinates)) return [g.coordinates[0], g.coordinates[1]];
  if (g.type === 'LineString' && Array.isArray(g.coordinates) && g.coordinates.length > 0) {
    const coords = g.coordinates as unknown[];
    if (coords.length === 2 && isPos(coords[0]) && isPos(coords[1])) {
      return [(coords[0][0] + coords[1][0]) / 2, (coords[0][1] + coords[1][1]) / 2];
    }
    const mid = coords[Math.floor(coords.length / 2)];
    if (isPos(mid)) return [mid[0], mid[1]];
  }
  return undefined;
}

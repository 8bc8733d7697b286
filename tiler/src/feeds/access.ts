import { FEED_TOPICS, type FeedEntity, type FeedLayer } from '../api/feeds.js';
import { canSee, isVisibility, type Role, type Visibility } from '../serve/auth/roles.js';
import { datastreamOfTopic } from './ingest/observation.js';
import type { Catalog } from './state/catalog.js';
import type { FeedStoreBackend } from './store/backend.js';

/**
 * Who may see which live data (docs/security.md). Two levels:
 * - the feed layer: air quality, water levels and bus positions are public; traffic detail and
 *   alerts (incidents, alarms, stale sensors) are the operators';
 * - the SensorThings Thing: `properties.visibility` when the device declared one (e.g. an
 *   operator-only CCTV counter), else public. A Datastream, its Observations, its history and
 *   its entity in replay and on `/ws` have their Thing's visibility.
 * Both must allow the caller. Things are never updated (no PATCH), so a Thing's visibility is
 * read from the catalog (state/catalog.ts, in memory, whatever the store): the MQTT broker asks
 * synchronously, for every message it forwards. The same rules decide what the embedded MQTT broker forwards to a
 * subscriber (messageAudience), so HTTP, `/ws`, history, replay and MQTT cannot drift apart.
 */
export const FEED_LAYER_VISIBILITY: Record<FeedLayer, Visibility> = {
  air: 'public',
  water: 'public',
  vehicles: 'public',
  traffic: 'operator',
  alerts: 'operator',
};

export function thingVisibilityOf(json: Record<string, unknown> | undefined): Visibility {
  return visibilityValue((json?.properties as { visibility?: unknown } | undefined)?.visibility);
}

/** Absent → public; a value that is not a visibility → admin (fail closed; creation rejects it). */
function visibilityValue(v: unknown): Visibility {
  if (v === undefined || v === null) return 'public';
  return isVisibility(v) ? v : 'admin';
}

/** Who may receive one MQTT message: those who may see `visibility`, and the client `owner`. */
export interface MessageAudience {
  visibility: Visibility;
  /** An MQTT client id that receives it whatever its role (its own error reports). */
  owner?: string;
}

/** A JSON object payload, or undefined (never throws). */
function jsonOf(payload: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The Datastream an Observation on `v1.1/Observations` names (as parseObservation reads it). */
function datastreamIdInBody(payload: Buffer): number | undefined {
  const o = jsonOf(payload);
  const ref = o?.Datastream as { '@iot.id'?: unknown } | undefined;
  const raw = o?.['Datastream@iot.id'] ?? (ref && typeof ref === 'object' ? ref['@iot.id'] : undefined);
  return Number.isInteger(raw) ? (raw as number) : undefined;
}

export class FeedAccess {
  constructor(
    private readonly store: FeedStoreBackend,
    private readonly catalog: Catalog,
  ) {}

  /** A Thing's visibility; admin for one the catalog does not know (fail closed). */
  thingVisibility(thingId: number): Visibility {
    return this.catalog.things.get(thingId)?.visibility ?? 'admin';
  }

  canSeeThing(role: Role, thingId: number): boolean {
    return canSee(role, this.thingVisibility(thingId));
  }

  canSeeDatastream(role: Role, datastreamId: number): boolean {
    if (role === 'admin') return true;
    const v = this.datastreamVisibility(datastreamId);
    return v === undefined || canSee(role, v);
  }

  /**
   * A Datastream has its Thing's visibility; undefined when the catalog does not know it (callers
   * that answer requests refresh the catalog first: routes.ts).
   */
  datastreamVisibility(datastreamId: number): Visibility | undefined {
    const ds = this.catalog.datastreams.get(datastreamId);
    return ds ? this.thingVisibility(ds.thingId) : undefined;
  }

  /**
   * Who may receive an MQTT message the embedded broker would forward (feeds/ingest/
   * mqtt-embedded.ts): an Observation has its Datastream's visibility (as canSeeDatastream),
   * traffic flows and vehicle positions their feed layer's. The hub's reports on `bdtwin/errors`
   * are operators', and each also its sender's (`owner`: the MQTT client id it describes).
   * Anything else — a topic the hub does not consume, an Observation naming no known Datastream —
   * is admin's: fail closed.
   */
  messageAudience(topic: string, payload: Buffer): MessageAudience {
    const ds = datastreamOfTopic(topic);
    if (ds !== undefined) {
      const id = ds ?? datastreamIdInBody(payload);
      const v = id === undefined ? undefined : this.datastreamVisibility(id);
      return { visibility: v ?? 'admin' };
    }
    if (topic === FEED_TOPICS.trafficFlow) return { visibility: FEED_LAYER_VISIBILITY.traffic };
    if (topic === FEED_TOPICS.vehiclePositions) return { visibility: FEED_LAYER_VISIBILITY.vehicles };
    if (topic === FEED_TOPICS.errors) {
      const owner = jsonOf(payload)?.clientId;
      return { visibility: 'operator', ...(typeof owner === 'string' ? { owner } : {}) };
    }
    return { visibility: 'admin' };
  }

  canSeeLayer(role: Role, layer: FeedLayer): boolean {
    return canSee(role, FEED_LAYER_VISIBILITY[layer]);
  }

  /** An entity pushed on `/ws` or answered by `/api/state`. */
  canSeeEntity(role: Role, e: FeedEntity): boolean {
    if (!this.canSeeLayer(role, e.layer)) return false;
    if ((e.layer === 'air' || e.layer === 'water') && role !== 'admin')
      return this.canSeeThing(role, e.thingId);
    return true;
  }

  /** Things, Datastreams and Locations the role may not see (for SQL exclusion), ids ascending. */
  async hidden(role: Role): Promise<{ things: number[]; datastreams: number[]; locations: number[] }> {
    if (role === 'admin') return { things: [], datastreams: [], locations: [] };
    const things = (await this.store.restrictedThings())
      .filter((t) => !canSee(role, visibilityValue(t.visibility)))
      .map((t) => t.id);
    if (things.length === 0) return { things, datastreams: [], locations: [] };
    const { datastreams, locations } = await this.store.linkedToThings(things);
    return { things, datastreams, locations };
  }
}

import type { FeedEntity, FeedLayer } from '../api/feeds.js';
import { canSee, isVisibility, type Role, type Visibility } from '../serve/auth/roles.js';
import type { FeedStore } from './store/store.js';

/**
 * Who may see which live data (docs/security.md). Two levels:
 * - the feed layer: air quality, water levels and bus positions are public; traffic detail and
 *   alerts (incidents, alarms, stale sensors) are the operators';
 * - the SensorThings Thing: `properties.visibility` when the device declared one (e.g. an
 *   operator-only CCTV counter), else public. A Datastream, its Observations, its history and
 *   its entity in replay and on `/ws` have their Thing's visibility.
 * Both must allow the caller. Things are never updated (no PATCH), so a Thing's visibility is
 * cached once read.
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

export class FeedAccess {
  private readonly things = new Map<number, Visibility>();

  constructor(private readonly store: FeedStore) {}

  thingVisibility(thingId: number): Visibility {
    let v = this.things.get(thingId);
    if (v === undefined) {
      const thing = this.store.getEntity('things', thingId);
      v = thingVisibilityOf(thing?.json);
      if (thing) this.things.set(thingId, v);
    }
    return v;
  }

  canSeeThing(role: Role, thingId: number): boolean {
    return canSee(role, this.thingVisibility(thingId));
  }

  canSeeDatastream(role: Role, datastreamId: number): boolean {
    if (role === 'admin') return true;
    const ds = this.store.getEntity('datastreams', datastreamId);
    return ds?.thingId === undefined || this.canSeeThing(role, ds.thingId);
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
  hidden(role: Role): { things: number[]; datastreams: number[]; locations: number[] } {
    if (role === 'admin') return { things: [], datastreams: [], locations: [] };
    const things = this.store
      .restrictedThings()
      .filter((t) => !canSee(role, visibilityValue(t.visibility)))
      .map((t) => t.id);
    if (things.length === 0) return { things, datastreams: [], locations: [] };
    const { datastreams, locations } = this.store.linkedToThings(things);
    return { things, datastreams, locations };
  }
}

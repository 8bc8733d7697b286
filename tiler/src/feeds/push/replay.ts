import type { BBox, FeedEntity, FeedLayer } from '../../api/feeds.js';
import type { FeedHub } from '../hub.js';
import { LatestState } from '../state/latest-state.js';

const HOUR_MS = 3_600_000;
/** How far back replay looks for the last value of a source (then it shows as stale). */
const LOOKBACK_MS = HOUR_MS;

/**
 * The entities as they were at `atMs`: the same rules as the live state, fed from the store
 * (the newest observation of each datastream at or before `atMs`, the hourly means from the
 * 1-minute roll-ups for the VN_AQI NowCast, the newest flow per segment and position per bus).
 * Roll-ups have minute resolution, so the minute that contains `atMs` counts whole.
 */
export async function stateAt(
  hub: FeedHub,
  atMs: number,
  layers?: FeedLayer[],
  bbox?: BBox,
): Promise<FeedEntity[]> {
  const state = new LatestState(hub.catalog);
  const store = hub.store;
  // Asked all at once (a PostgreSQL pool answers them side by side), applied in catalog order.
  const sources = await Promise.all(
    [...hub.catalog.datastreams.values()]
      .filter((ds) => ds.quantity)
      .map(async (ds) => ({
        ds,
        rollups:
          ds.quantity !== 'waterLevel' && ds.quantity !== 'rainfall'
            ? await store.rollupsBetween(ds.id, atMs - 12 * HOUR_MS, atMs)
            : [],
        last: await store.latestObservationAt(ds.id, atMs),
      })),
  );
  const [flows, vehicles] = await Promise.all([
    store.trafficAt(atMs, atMs - LOOKBACK_MS),
    store.vehiclesAt(atMs, atMs - 10 * 60_000),
  ]);
  for (const { ds, rollups, last } of sources) {
    for (const r of rollups) state.seedRollup(ds.id, r.minuteMs, r.count, r.sum);
    if (last && last.timeMs > atMs - 24 * HOUR_MS) {
      state.applyObservation(
        { datastreamId: ds.id, phenomenonTimeMs: last.timeMs, result: last.value, resultNum: last.value },
        atMs,
        false,
      );
    }
  }
  for (const f of flows) {
    const pos = hub.segmentPosition(f.segmentId, f.lonDeg, f.latDeg);
    if (pos) state.applyTraffic(f, pos, atMs);
  }
  for (const v of vehicles) state.applyVehicle(v, atMs);
  return state.takeChanged().filter((e) => {
    if (layers && !layers.includes(e.layer)) return false;
    if (!bbox) return true;
    return e.lonDeg >= bbox[0] && e.latDeg >= bbox[1] && e.lonDeg <= bbox[2] && e.latDeg <= bbox[3];
  });
}

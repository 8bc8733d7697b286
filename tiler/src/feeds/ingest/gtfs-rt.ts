import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import type { VehiclePositionRecord } from '../model.js';
import { checkNotFuture, FeedInputError } from './errors.js';

/**
 * GTFS-realtime VehiclePositions: a protobuf FeedMessage whose entities carry `vehicle`
 * (VehiclePosition). The vehicle id is `vehicle.vehicle.id`, else the entity id; the time is
 * `vehicle.timestamp`, else the header's (POSIX seconds).
 */
const { transit_realtime: rt } = GtfsRealtimeBindings;

export function decodeVehiclePositions(bytes: Uint8Array, nowMs: number): VehiclePositionRecord[] {
  let feed: GtfsRealtimeBindings.transit_realtime.FeedMessage;
  try {
    feed = rt.FeedMessage.decode(bytes);
  } catch (error) {
    throw new FeedInputError(400, `not a GTFS-realtime FeedMessage (${(error as Error).message})`, 'body');
  }
  const headerTime = Number(feed.header?.timestamp ?? 0);
  const out: VehiclePositionRecord[] = [];
  feed.entity.forEach((entity, i) => {
    const v = entity.vehicle;
    if (!v || entity.isDeleted) return;
    const pos = v.position;
    if (!pos) return;
    const field = `entity[${i}].vehicle.position`;
    if (!(Math.abs(pos.latitude) <= 90) || !(Math.abs(pos.longitude) <= 180)) {
      throw new FeedInputError(
        400,
        `latitude/longitude out of range (${pos.latitude}, ${pos.longitude})`,
        field,
      );
    }
    const seconds = Number(v.timestamp ?? 0) || headerTime;
    const timeMs = seconds > 0 ? seconds * 1000 : nowMs;
    checkNotFuture(timeMs, nowMs, `entity[${i}].vehicle.timestamp`);
    out.push({
      vehicleId: v.vehicle?.id || entity.id,
      timeMs,
      lonDeg: Math.round(pos.longitude * 1e7) / 1e7,
      latDeg: Math.round(pos.latitude * 1e7) / 1e7,
      bearingDeg: pos.bearing ?? undefined,
      speedMS: pos.speed ?? undefined,
      routeId: v.trip?.routeId || undefined,
      tripId: v.trip?.tripId || undefined,
      label: v.vehicle?.label || undefined,
    });
  });
  return out;
}

/** Encodes vehicle positions as a GTFS-realtime FeedMessage (the simulator and tests use it). */
export function encodeVehiclePositions(vehicles: VehiclePositionRecord[], nowMs: number): Uint8Array {
  const message = rt.FeedMessage.fromObject({
    header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: Math.floor(nowMs / 1000) },
    entity: vehicles.map((v) => ({
      id: v.vehicleId,
      vehicle: {
        vehicle: { id: v.vehicleId, ...(v.label ? { label: v.label } : {}) },
        trip: { ...(v.tripId ? { tripId: v.tripId } : {}), ...(v.routeId ? { routeId: v.routeId } : {}) },
        position: {
          latitude: v.latDeg,
          longitude: v.lonDeg,
          ...(v.bearingDeg !== undefined ? { bearing: v.bearingDeg } : {}),
          ...(v.speedMS !== undefined ? { speed: v.speedMS } : {}),
        },
        timestamp: Math.floor(v.timeMs / 1000),
      },
    })),
  });
  return rt.FeedMessage.encode(message).finish();
}

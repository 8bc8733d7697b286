import type { FeedEntity } from '../api';
import type { AlertItem } from './alerts';
import type { OverlayController, OverlayLayer, SeekTiming, UpdateStats } from './controller';
import type { ConnectionStatus } from './feed-client';

/**
 * `window.__bdtwin.overlays`: what the live overlays draw, for browser tests, the benchmark and
 * the console. Read-mostly; the actions are the same the UI calls.
 */
export interface OverlayHooks {
  readonly connection: ConnectionStatus;
  /** Times the socket was re-opened after a drop. */
  readonly reconnects: number;
  /** Messages received from the hub. */
  readonly messages: number;
  readonly mode: 'live' | 'replay';
  readonly counts: Readonly<Record<OverlayLayer, number>>;
  /** Keys drawn now, e.g. `air:4`, `water:7`, `traffic:R-000001`, `vehicle:kaze-…`. */
  keys(layer: OverlayLayer): string[];
  /** The entity as drawn now (live or replayed). */
  entity(key: string): FeedEntity | null;
  /** A sensor marker: fill colour, text (AQI or level), stale, height of its foot (m). */
  marker(
    key: string,
  ): { colour: string; text: string; stale: boolean; heightM: number; shown: boolean } | null;
  /** A traffic segment's class and colour. */
  traffic(key: string): { id: string; colour: string } | null;
  /** Where a bus marker is drawn now, and its look. */
  vehicle(key: string): { lon: number; lat: number; colour: string; text: string; stale: boolean } | null;
  /** The alert list as shown. */
  alerts(): AlertItem[];
  /** Whether traffic geometry is built for every reported segment. */
  readonly trafficSettled: boolean;
  /** Main-thread ms applying feed data: per slice, and per conflated batch (controller.ts). */
  updateStats(): UpdateStats;
  resetUpdateStats(): void;
  /** Renders continuously for a while; intervals between frames (benchmark). */
  measureFrames(
    durationMs: number,
  ): Promise<{ frames: number; meanMs: number; p50Ms: number; p95Ms: number }>;
  seek(atMs: number): Promise<SeekTiming | null>;
  live(): void;
  setAllVisible(show: boolean): void;
  setLayerVisible(layer: OverlayLayer, show: boolean): void;
  /** Closes the socket as a network failure would (it reconnects by itself). */
  dropConnection(): void;
}

export function overlayHooks(c: OverlayController): OverlayHooks {
  return {
    get connection() {
      return c.client.status;
    },
    get reconnects() {
      return c.client.reconnects;
    },
    get messages() {
      return c.client.messages;
    },
    get mode() {
      return c.getView().mode;
    },
    get counts() {
      return c.getView().counts;
    },
    keys(layer) {
      if (layer === 'traffic') return c.traffic.keys();
      if (layer === 'vehicles') return [...c.vehicles.keys()];
      return [...c.sensors.keys()].filter((k) => k.startsWith(`${layer}:`));
    },
    entity(key) {
      return c.entity(key) ?? null;
    },
    marker(key) {
      const l = c.sensors.look(key);
      return l
        ? { colour: l.colour, text: l.text, stale: l.stale, heightM: l.heightM, shown: l.shown }
        : null;
    },
    traffic(key) {
      const cls = c.traffic.classOf(key);
      return cls ? { id: cls.id, colour: cls.colour } : null;
    },
    vehicle(key) {
      const v = c.vehicles.drawnAt(key, performance.now());
      return v
        ? { lon: v.lon, lat: v.lat, colour: v.look.colour, text: v.look.text, stale: v.look.stale }
        : null;
    },
    alerts() {
      return c.getView().alerts;
    },
    get trafficSettled() {
      return c.traffic.settled;
    },
    updateStats() {
      return c.updateStats();
    },
    resetUpdateStats() {
      c.resetUpdateStats();
    },
    measureFrames(durationMs) {
      return c.measureFrames(durationMs);
    },
    async seek(atMs) {
      return (await c.seek(atMs)) ?? null;
    },
    live() {
      c.live();
    },
    setAllVisible(show) {
      c.setAllVisible(show);
    },
    setLayerVisible(layer, show) {
      c.setLayerVisible(layer, show);
    },
    dropConnection() {
      c.client.dropConnection();
    },
  };
}

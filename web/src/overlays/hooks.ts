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
  /** The sensor markers' texture atlas: distinct images in it, times it was renewed. */
  sensorAtlas(): { images: number; renewals: number };
  /** Renew the sensor atlas past this many images (tests; default MAX_ATLAS_IMAGES); at once if it is. */
  setSensorAtlasBudget(maxImages: number): void;
}

/**
 * A class, not an object literal with getters: V8 keeps the accessors of one early literal
 * (and the controller their closures hold) alive in the literal's allocation site, so a viewer
 * the operations wall had replaced after a context loss stayed in memory for good (~17 MB of
 * heap, found with a heap snapshot after 12 recoveries). See scene/testHooks.ts too.
 */
class ControllerHooks implements OverlayHooks {
  constructor(private readonly c: OverlayController) {}

  get connection(): ConnectionStatus {
    return this.c.client.status;
  }

  get reconnects(): number {
    return this.c.client.reconnects;
  }

  get messages(): number {
    return this.c.client.messages;
  }

  get mode(): OverlayHooks['mode'] {
    return this.c.getView().mode;
  }

  get counts(): OverlayHooks['counts'] {
    return this.c.getView().counts;
  }

  keys(layer: OverlayLayer): string[] {
    if (layer === 'traffic') return this.c.traffic.keys();
    if (layer === 'vehicles') return [...this.c.vehicles.keys()];
    return [...this.c.sensors.keys()].filter((k) => k.startsWith(`${layer}:`));
  }

  entity(key: string): FeedEntity | null {
    return this.c.entity(key) ?? null;
  }

  marker(key: string): ReturnType<OverlayHooks['marker']> {
    const l = this.c.sensors.look(key);
    return l ? { colour: l.colour, text: l.text, stale: l.stale, heightM: l.heightM, shown: l.shown } : null;
  }

  traffic(key: string): ReturnType<OverlayHooks['traffic']> {
    const cls = this.c.traffic.classOf(key);
    return cls ? { id: cls.id, colour: cls.colour } : null;
  }

  vehicle(key: string): ReturnType<OverlayHooks['vehicle']> {
    const v = this.c.vehicles.drawnAt(key, performance.now());
    return v
      ? { lon: v.lon, lat: v.lat, colour: v.look.colour, text: v.look.text, stale: v.look.stale }
      : null;
  }

  alerts(): AlertItem[] {
    return this.c.getView().alerts;
  }

  get trafficSettled(): boolean {
    return this.c.traffic.settled;
  }

  updateStats(): UpdateStats {
    return this.c.updateStats();
  }

  resetUpdateStats(): void {
    this.c.resetUpdateStats();
  }

  measureFrames(durationMs: number): ReturnType<OverlayHooks['measureFrames']> {
    return this.c.measureFrames(durationMs);
  }

  async seek(atMs: number): Promise<SeekTiming | null> {
    return (await this.c.seek(atMs)) ?? null;
  }

  live(): void {
    this.c.live();
  }

  setAllVisible(show: boolean): void {
    this.c.setAllVisible(show);
  }

  setLayerVisible(layer: OverlayLayer, show: boolean): void {
    this.c.setLayerVisible(layer, show);
  }

  dropConnection(): void {
    this.c.client.dropConnection();
  }

  sensorAtlas(): { images: number; renewals: number } {
    return { images: this.c.sensors.atlasImages, renewals: this.c.sensors.renewals };
  }

  setSensorAtlasBudget(maxImages: number): void {
    this.c.sensors.setAtlasBudget(maxImages);
  }
}

export function overlayHooks(c: OverlayController): OverlayHooks {
  return new ControllerHooks(c);
}

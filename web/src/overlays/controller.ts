import type { AlertState, FeedEntity, FeedLayer } from '../api';
import type { TwinScene } from '../scene/twinScene';
import { AlertBook, type AlertItem, replayAlertItems } from './alerts';
import { type ConnectionStatus, type FeedUpdate, sameOriginFeedUrl } from './feed-client';
import { GroundHeights } from './ground';
import { ReplayFetcher } from './replay';
import { SensorLayer } from './sensor-layer';
import { type RoadSegment, TrafficLayer } from './traffic-layer';
import { VehicleLayer } from './vehicle-layer';
import { vehicleAlive } from './vehicles';
import { createFeed, type FeedSource } from './worker-feed';

/**
 * The live overlays: the hub's feed (feed-client) drawn on the city by one layer per kind,
 * the alert list, and replay. Owns its Cesium collections the way TwinScene owns the city's;
 * React reads an immutable `OverlayView` (useSyncExternalStore) and calls the actions.
 *
 * Data flow: WebSocket message → FeedClient map → `apply` → layers update their primitives in
 * place → one `requestRender`. In replay, `/api/state?at=` replaces what is drawn and live
 * messages only update the client's map (and the alert book), until "Trực tiếp".
 */

export type OverlayLayer = 'air' | 'water' | 'traffic' | 'vehicles';
export const OVERLAY_LAYERS: readonly OverlayLayer[] = ['air', 'water', 'traffic', 'vehicles'];
const FEED: FeedLayer[] = ['air', 'water', 'traffic', 'vehicles', 'alerts'];

export interface OverlayView {
  /** Whether the service runs a feed hub: null while asking, false for `--no-feeds`. */
  available: boolean | null;
  connection: ConnectionStatus;
  /** Wall-clock time of the last message from the hub (0: none yet). */
  lastMessageAt: number;
  mode: 'live' | 'replay';
  /** The replayed moment (ms since epoch), or null when live. */
  replayAt: number | null;
  replayLoading: boolean;
  replayError: string | null;
  /** The alert list: live (unacknowledged) or as it was at the replayed moment. */
  alerts: AlertItem[];
  /** The clicked sensor, segment or bus, as currently drawn (updates with the data). */
  selected: FeedEntity | null;
  visible: Readonly<Record<OverlayLayer, boolean>>;
  counts: Readonly<Record<OverlayLayer, number>>;
}

export interface SeekTiming {
  atMs: number;
  /** Request to answer, answer to drawn (layers updated), and both up to the next rendered frame. */
  fetchMs: number;
  applyMs: number;
  totalMs: number;
  entities: number;
}

export interface OverlayOptions {
  /** WebSocket URL of the hub (default: `/ws` on the page's origin). */
  feedUrl?: string;
  /** Base URL for `/api/…` (default: the app's base). */
  base?: string;
  /** Where acknowledgements are kept (default: localStorage; null: nowhere). */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null;
}

const ACK_STORAGE_KEY = 'bdtwin.overlays.acknowledged';
const MAX_STORED_ACKS = 500;
/** Glides are drawn at up to this rate (ms between frames), not at the display's full rate. */
const ANIMATION_FRAME_MS = 40;
/** …and at least every this often, however slow frames are. */
const MAX_ANIMATION_PAUSE_MS = 1_000;
/** React re-renders at most this often from data (the scene itself updates at once). */
const VIEW_THROTTLE_MS = 250;
const PRUNE_INTERVAL_MS = 10_000;
/**
 * Longest a replay seek holds the render loop while it waits for the hub (see `holdFrames`):
 * a slow answer must not freeze the camera for longer.
 */
const SEEK_HOLD_MS = 1_000;
/** Update timings kept for statistics (bench, test hooks). */
const TIMING_RING = 4096;
/** Applying feed data yields to rendering and input after about this long (ms). */
const SLICE_MS = 5;

interface Ring {
  values: Float64Array;
  count: number;
}

/** A batch from the feed being applied in slices. */
interface Job {
  entities: readonly FeedEntity[];
  next: number;
  reset: boolean;
  keys: Set<string> | undefined;
  animate: boolean;
  /** When the first slice's clock starts: the batch's arrival (its deserialisation counts). */
  sliceStart: number | undefined;
  totalMs: number;
}

export interface UpdateStats {
  /** Per slice of main-thread work (ms). */
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** Per conflated batch: all its slices together. */
  batches: { count: number; p50: number; p95: number; max: number; meanEntities: number };
  /**
   * Per batch, the part of its first slice before any entity is applied (ms): reading the
   * worker's message (deserialising it on this thread) and sorting out its alerts.
   */
  receive: { count: number; p50: number; p95: number; max: number };
  /** Hub messages received (conflated into the batches by the feed worker). */
  hubMessages: number;
}

/** Runs `fn` as a new task (not a microtask), letting rendering and input in first. */
const channel = typeof MessageChannel === 'undefined' ? undefined : new MessageChannel();
const yieldQueue: (() => void)[] = [];
if (channel) {
  channel.port1.onmessage = () => yieldQueue.shift()?.();
}
function yieldTask(fn: () => void): void {
  if (!channel) {
    setTimeout(fn, 0);
    return;
  }
  yieldQueue.push(fn);
  channel.port2.postMessage(null);
}

export class OverlayController {
  readonly client: FeedSource;
  readonly ground: GroundHeights;
  readonly sensors: SensorLayer;
  readonly traffic: TrafficLayer;
  readonly vehicles: VehicleLayer;
  private readonly twin: TwinScene;
  private readonly alertBook: AlertBook;
  private replayAlerts: AlertItem[] | null = null;
  private readonly replay: ReplayFetcher;
  private readonly base: string;
  private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];
  private view: OverlayView;
  private selectedKey: string | null = null;
  private viewTimer: ReturnType<typeof setTimeout> | undefined;
  private animationTimer: ReturnType<typeof setTimeout> | undefined;
  /** Main-thread time per slice of applying feed data, and per whole batch (ms). */
  private readonly sliceTimings: Ring = { values: new Float64Array(TIMING_RING), count: 0 };
  private readonly batchTimings: Ring = { values: new Float64Array(TIMING_RING), count: 0 };
  private readonly receiveTimings: Ring = { values: new Float64Array(TIMING_RING), count: 0 };
  private batchEntities = 0;
  private jobs: Job[] = [];
  /** When the animation timer last asked for a frame (0: the frame was someone else's). */
  private pacedAt = 0;
  /**
   * How long the last glide frame took from request to drawn (ms). Measured from the request,
   * not inside Cesium's render: with a software rasteriser the GL work runs in the GPU process
   * and the main thread waits for it when the frame is presented, outside `render()`.
   */
  private lastFrameMs = 0;
  private lastFrameEnd = 0;
  /** Resolvers waiting for the next rendered frame (replay timing). */
  private frameWaiters: (() => void)[] = [];
  lastSeek: SeekTiming | undefined;
  private destroyed = false;
  /** A seek holding the render loop (`holdFrames`). */
  private renderHold: { token: number; timer: ReturnType<typeof setTimeout> } | undefined;
  private holdTokens = 0;

  constructor(twin: TwinScene, options: OverlayOptions = {}) {
    this.twin = twin;
    const { scene } = twin.viewer;
    const base = options.base ?? import.meta.env.BASE_URL;
    this.storage = options.storage === undefined ? safeLocalStorage() : options.storage;
    this.alertBook = new AlertBook(this.loadAcks());
    this.ground = new GroundHeights(scene);
    const render = () => this.requestRender();
    this.sensors = new SensorLayer(scene, this.ground, render);
    this.traffic = new TrafficLayer(scene, render);
    this.vehicles = new VehicleLayer(scene, this.ground);
    this.replay = new ReplayFetcher(base);
    this.client = createFeed(options.feedUrl ?? sameOriginFeedUrl(window.location, base), FEED);
    this.base = base;
    this.view = {
      available: null,
      connection: this.client.status,
      lastMessageAt: 0,
      mode: 'live',
      replayAt: null,
      replayLoading: false,
      replayError: null,
      alerts: [],
      selected: null,
      visible: { air: true, water: true, traffic: true, vehicles: true },
      counts: { air: 0, water: 0, traffic: 0, vehicles: 0 },
    };
  }

  async start(): Promise<void> {
    const available = await hubAvailable(this.base);
    if (this.destroyed) return;
    this.patch({ available }, true);
    if (!available) return;
    const { scene } = this.twin.viewer;
    this.client.onUpdate = (u) => this.onFeed(u);
    this.client.onStatus = (connection) => this.patch({ connection }, true);
    this.client.start();
    this.cleanups.push(
      scene.preRender.addEventListener(() => {
        this.vehicles.tick(performance.now());
      }),
      scene.postRender.addEventListener(() => this.afterFrame()),
      this.twin.addPickHandler((picked) => this.onPick(picked)),
    );
    const prune = setInterval(() => {
      if (this.view.mode === 'live' && this.vehicles.prune(Date.now()) > 0) this.requestRender();
    }, PRUNE_INTERVAL_MS);
    this.cleanups.push(() => clearInterval(prune));
    // Traffic is drawn on the roads layer's own lines, once the viewer has loaded them.
    void this.twin.settled.then(() => {
      if (this.destroyed) return;
      const features = this.twin.roadFeatures();
      if (features) this.traffic.setRoads(roadSegments(features));
    });
  }

  destroy(): void {
    this.destroyed = true;
    // A slice already queued (yieldTask) would touch primitives destroyed below: the uncaught
    // "This object was destroyed" the ops soak saw after context losses.
    this.jobs = [];
    this.releaseFrames();
    this.client.stop();
    this.replay.cancel();
    for (const c of this.cleanups.splice(0)) c();
    if (this.viewTimer) clearTimeout(this.viewTimer);
    if (this.animationTimer) clearTimeout(this.animationTimer);
    this.sensors.destroy();
    this.traffic.destroy();
    this.vehicles.destroy();
    this.ground.destroy();
    this.listeners.clear();
  }

  // --- React store ---------------------------------------------------------------------------

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getView = (): OverlayView => this.view;

  // --- actions -------------------------------------------------------------------------------

  select(key: string | null): void {
    this.selectedKey = key;
    if (key !== null) this.twin.clearSelection();
    this.patch({ selected: key === null ? null : (this.entity(key) ?? null) }, true);
  }

  acknowledge(ackId: string): void {
    this.alertBook.acknowledge(ackId);
    this.saveAcks();
    this.patch({ alerts: this.alertItems() }, true);
  }

  /** Flies to an alert's place and opens its sensor's panel. */
  async flyToAlert(key: string): Promise<boolean> {
    const item = this.view.alerts.find((a) => a.key === key);
    if (!item) return false;
    this.select(this.entity(item.subject) ? item.subject : null);
    return this.twin.flyTo(
      {
        lon: item.lonDeg,
        lat: item.latDeg,
        height: this.ground.approx(item.lonDeg, item.latDeg),
        range: 2_500,
        heading: 0,
        pitch: -45,
      },
      1.5,
    );
  }

  setLayerVisible(layer: OverlayLayer, show: boolean): void {
    if (this.destroyed) return;
    if (layer === 'air' || layer === 'water') this.sensors.setVisible(layer, show);
    else if (layer === 'traffic') this.traffic.setVisible(show);
    else this.vehicles.setVisible(show);
    this.patch({ visible: { ...this.view.visible, [layer]: show } }, true);
    this.requestRender();
  }

  /** Every overlay on or off at once (the benchmark's "hidden" case); keeps per-layer choices. */
  setAllVisible(show: boolean): void {
    if (this.destroyed) return;
    this.sensors.setAllVisible(show);
    this.traffic.setVisible(show && this.view.visible.traffic);
    this.vehicles.setVisible(show && this.view.visible.vehicles);
    this.requestRender();
  }

  /** Shows the scene as it was at `atMs`; resolves with timings once that state is drawn. */
  async seek(atMs: number): Promise<SeekTiming | undefined> {
    // A scrub may reach a controller whose viewer went with a lost WebGL context.
    if (this.destroyed || this.twin.viewer.isDestroyed()) return undefined;
    const t0 = performance.now();
    this.dropJobs();
    // Live glides would keep drawing frames (~0.5 s each on software WebGL) while the state
    // is fetched; the replay shows still positions anyway.
    this.vehicles.stopGlides();
    if (this.animationTimer) clearTimeout(this.animationTimer);
    this.animationTimer = undefined;
    this.patch({ mode: 'replay', replayAt: atMs, replayLoading: true, replayError: null }, true);
    const release = this.holdFrames(SEEK_HOLD_MS);
    let state: Awaited<ReturnType<ReplayFetcher['seek']>>;
    try {
      state = await this.replay.seek(atMs);
    } catch (error) {
      release();
      this.patch({ replayLoading: false, replayError: (error as Error).message }, true);
      return undefined;
    }
    if (!state || this.view.mode !== 'replay') {
      release();
      return undefined;
    }
    const t1 = performance.now();
    this.apply(state.entities, true, atMs, false);
    this.replayAlerts = replayAlertItems(state.entities.filter(isAlert));
    const t2 = performance.now();
    release();
    this.patch({ replayLoading: false, alerts: this.replayAlerts }, true);
    await this.nextFrame();
    const timing = {
      atMs,
      fetchMs: t1 - t0,
      applyMs: t2 - t1,
      totalMs: performance.now() - t0,
      entities: state.entities.length,
    };
    this.lastSeek = timing;
    return timing;
  }

  /** Back to live: redraws the client's latest state and follows the feed again. */
  live(): void {
    if (this.destroyed) return;
    this.replay.cancel();
    this.releaseFrames();
    this.dropJobs();
    this.replayAlerts = null;
    this.view = { ...this.view, mode: 'live', replayAt: null, replayLoading: false, replayError: null };
    this.apply([...this.client.entities.values()], true, Date.now(), false);
    this.patch({ alerts: this.alertItems() }, true);
    // What changed during the replay comes next, conflated (onFeed stopped pulling).
    this.client.ready();
  }

  // --- statistics ----------------------------------------------------------------------------

  /**
   * Main-thread time applying feed data (ms): per slice (the longest the main thread is held at
   * once; this is what the `bdtwin:overlay-update` performance measures record) and per batch
   * (all slices of one conflated batch), with the batches' mean size.
   */
  updateStats(): UpdateStats {
    const stats = (ring: Ring) => {
      const n = Math.min(ring.count, TIMING_RING);
      const xs = Array.from(ring.values.subarray(0, n)).sort((a, b) => a - b);
      const q = (p: number) => xs[Math.min(n - 1, Math.floor(p * n))] ?? 0;
      return { count: ring.count, p50: q(0.5), p95: q(0.95), max: xs[n - 1] ?? 0 };
    };
    const slices = stats(this.sliceTimings);
    const batches = stats(this.batchTimings);
    return {
      ...slices,
      batches: { ...batches, meanEntities: batches.count ? this.batchEntities / batches.count : 0 },
      receive: stats(this.receiveTimings),
      hubMessages: this.client.messages,
    };
  }

  resetUpdateStats(): void {
    this.sliceTimings.count = 0;
    this.batchTimings.count = 0;
    this.receiveTimings.count = 0;
    this.batchEntities = 0;
  }

  /**
   * Renders continuously for `durationMs` and returns the intervals between frames (ms): what a
   * frame costs with everything the main thread does meanwhile (feed updates, glides).
   */
  measureFrames(
    durationMs: number,
  ): Promise<{ frames: number; meanMs: number; p50Ms: number; p95Ms: number }> {
    const { scene } = this.twin.viewer;
    return new Promise((resolve) => {
      const times: number[] = [];
      const end = performance.now() + durationMs;
      const remove = scene.postRender.addEventListener(() => {
        const now = performance.now();
        times.push(now);
        if (now < end) {
          scene.requestRender();
          return;
        }
        remove();
        const gaps = times.slice(1).map((t, i) => t - times[i]!);
        const sorted = [...gaps].sort((a, b) => a - b);
        const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
        resolve({
          frames: gaps.length,
          meanMs: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length),
          p50Ms: q(0.5),
          p95Ms: q(0.95),
        });
      });
      scene.requestRender();
    });
  }

  /** The entity as drawn now (live or replayed). */
  entity(key: string): FeedEntity | undefined {
    return this.sensors.entity(key) ?? this.traffic.entity(key) ?? this.vehicles.entity(key);
  }

  // --- internals -----------------------------------------------------------------------------

  private onFeed(u: FeedUpdate): void {
    if (this.destroyed) return;
    const alerts = u.entities.filter(isAlert);
    if (alerts.length || u.reset) this.alertBook.update(alerts, u.reset);
    this.patch(
      {
        lastMessageAt: this.client.lastMessageAt,
        ...(this.view.mode === 'live' && (alerts.length || u.reset) ? { alerts: this.alertItems() } : {}),
      },
      alerts.length > 0,
    );
    // In replay the feed is not pulled: the worker keeps conflating (newest state per entity,
    // bounded) and the main thread is free for the replay; live() pulls again.
    if (this.view.mode !== 'live') return;
    const queued = this.jobs.length > 0;
    this.jobs.push({
      entities: u.entities,
      next: 0,
      reset: u.reset,
      keys: u.reset ? new Set() : undefined,
      animate: !u.reset,
      sliceStart: queued ? undefined : u.receivedAt,
      totalMs: 0,
    });
    if (!queued) {
      this.runJob();
      return;
    }
    // Behind another batch's part: this task only read the message; that counts as a slice
    // of its own (and as the part's receive time), and the part is applied in its turn.
    const ms = performance.now() - u.receivedAt;
    this.record(this.receiveTimings, ms);
    this.record(this.sliceTimings, ms);
    performance.measure('bdtwin:overlay-update', { start: u.receivedAt, duration: ms });
  }

  /**
   * Applies the head job in slices of about SLICE_MS, yielding between them, so a large batch
   * (a snapshot, or a second's worth of 7,000 entities conflated while a slow frame was drawn)
   * never blocks input or rendering for long. The next batch is pulled when this one is in.
   */
  private runJob(): void {
    const job = this.jobs[0];
    if (!job || this.destroyed) return;
    const arrived = job.sliceStart !== undefined;
    const t0 = job.sliceStart ?? performance.now();
    job.sliceStart = undefined;
    // The slice's clock started at t0: for a batch's first slice that is its arrival, so the
    // time spent deserialising it counts against the same budget.
    const deadline = t0 + SLICE_MS;
    const now = performance.now();
    if (arrived) this.record(this.receiveTimings, now - t0);
    const dataNow = Date.now();
    const { entities } = job;
    while (job.next < entities.length) {
      const e = entities[job.next++]!;
      if (this.applyOne(e, now, dataNow, job.animate, job.reset)) job.keys?.add(e.key);
      if ((job.next & 31) === 0 && performance.now() > deadline) break;
    }
    const done = job.next >= entities.length;
    if (done) this.finishApply(job.keys, dataNow, false);
    const sliceMs = performance.now() - t0;
    job.totalMs += sliceMs;
    this.record(this.sliceTimings, sliceMs);
    performance.measure('bdtwin:overlay-update', { start: t0, duration: sliceMs });
    if (!done) {
      // No render request here: a frame between slices would cost a whole frame per slice on a
      // slow renderer. The scene is redrawn once the batch is in.
      yieldTask(() => this.runJob());
      return;
    }
    this.jobs.shift();
    this.record(this.batchTimings, job.totalMs);
    this.batchEntities += entities.length;
    if (this.batchTimings.count % 1000 === 0) performance.clearMeasures('bdtwin:overlay-update');
    // The next batch is pulled once everything received is applied (a batch comes in parts).
    if (this.jobs.length) yieldTask(() => this.runJob());
    else this.client.ready();
  }

  /** Draws entities at once; `reset` means these are all there is (others are removed). */
  private apply(entities: readonly FeedEntity[], reset: boolean, dataNowMs: number, animate: boolean): void {
    const now = performance.now();
    const keys = reset ? new Set<string>() : undefined;
    for (const e of entities) if (this.applyOne(e, now, dataNowMs, animate, reset)) keys?.add(e.key);
    this.finishApply(keys, dataNowMs, true);
  }

  /** One entity into its layer; false when it is not drawn (alerts, a bus long gone). */
  private applyOne(e: FeedEntity, now: number, dataNowMs: number, animate: boolean, reset: boolean): boolean {
    switch (e.layer) {
      case 'air':
      case 'water':
        this.sensors.upsert(e);
        return true;
      case 'traffic':
        this.traffic.upsert(e);
        return true;
      case 'vehicles':
        // The hub keeps a vehicle forever; one silent for 10 min has left service.
        if (reset && !animate && !vehicleAlive(e.time, dataNowMs)) return false;
        this.vehicles.upsert(e, now, animate);
        return true;
      default:
        return false;
    }
  }

  private finishApply(keys: Set<string> | undefined, dataNowMs: number, renderNow: boolean): void {
    if (keys) {
      this.sensors.retain(keys);
      this.traffic.retain(keys);
      this.vehicles.retain(keys);
      this.vehicles.prune(dataNowMs);
    }
    const counts = {
      air: 0,
      water: 0,
      traffic: this.traffic.size,
      vehicles: this.vehicles.size,
    };
    for (const key of this.sensors.keys()) counts[key.startsWith('air:') ? 'air' : 'water']++;
    const selected = this.selectedKey === null ? null : (this.entity(this.selectedKey) ?? null);
    this.view = { ...this.view, counts, selected };
    if (renderNow) this.requestRender();
    else this.scheduleFrame();
  }

  /** Drops live batches not yet applied (replay or live redraw takes over). */
  private dropJobs(): void {
    if (this.jobs.length === 0) return;
    this.jobs = [];
    this.client.ready();
  }

  private record(ring: Ring, ms: number): void {
    ring.values[ring.count++ % TIMING_RING] = ms;
  }

  private alertItems(): AlertItem[] {
    return this.view.mode === 'replay' && this.replayAlerts ? this.replayAlerts : this.alertBook.items();
  }

  private onPick(picked: unknown): boolean {
    const id = (picked as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string' && this.entity(id)) {
      this.select(id);
      return true;
    }
    if (this.selectedKey !== null) this.select(null);
    return false;
  }

  /**
   * Holds Cesium's render loop until the returned function is called (or `maxMs` passes): while
   * a seek waits for the hub, a frame of the outgoing state would only delay the answer — on
   * software WebGL one frame holds the main thread ~0.5 s. A newer hold replaces an older one,
   * whose release then does nothing. A loop stopped by someone else (Cesium stops it after a
   * render error) is left alone.
   */
  private holdFrames(maxMs: number): () => void {
    const { viewer } = this.twin;
    if (viewer.isDestroyed()) return () => {};
    if (this.renderHold) clearTimeout(this.renderHold.timer);
    else if (!viewer.useDefaultRenderLoop) return () => {};
    const token = ++this.holdTokens;
    viewer.useDefaultRenderLoop = false;
    const release = () => {
      if (this.renderHold?.token === token) this.releaseFrames();
    };
    this.renderHold = { token, timer: setTimeout(release, maxMs) };
    return release;
  }

  /** Ends any hold: the render loop runs again. */
  private releaseFrames(): void {
    if (!this.renderHold) return;
    clearTimeout(this.renderHold.timer);
    this.renderHold = undefined;
    const { viewer } = this.twin;
    if (!viewer.isDestroyed()) viewer.useDefaultRenderLoop = true;
  }

  private requestRender(): void {
    // Late callbacks (a terrain query, a timer) may come after teardown: a destroyed Viewer has
    // no scene to ask.
    const { viewer } = this.twin;
    if (this.destroyed || viewer.isDestroyed() || viewer.scene.isDestroyed()) return;
    viewer.scene.requestRender();
  }

  private afterFrame(): void {
    const waiters = this.frameWaiters;
    if (waiters.length) {
      this.frameWaiters = [];
      for (const w of waiters) w();
    }
    const now = performance.now();
    if (this.pacedAt) this.lastFrameMs = now - this.pacedAt;
    this.pacedAt = 0;
    this.lastFrameEnd = now;
    if (this.vehicles.movingCount > 0) this.scheduleFrame();
  }

  /**
   * A frame for new data or gliding buses, rate-limited: at most every ANIMATION_FRAME_MS, and
   * where a frame takes longer than that (software WebGL: ~0.5 s), only after a pause as long as
   * the last frame — so slow renderers keep half the main thread for feed data and input instead
   * of drawing one frame per batch. User actions (clicks, replay) still render at once.
   */
  private scheduleFrame(): void {
    if (this.animationTimer) return;
    const pause = Math.min(MAX_ANIMATION_PAUSE_MS, Math.max(ANIMATION_FRAME_MS, this.lastFrameMs));
    const wait = Math.max(0, pause - (performance.now() - this.lastFrameEnd));
    this.animationTimer = setTimeout(() => {
      this.animationTimer = undefined;
      this.pacedAt = performance.now();
      this.requestRender();
    }, wait);
  }

  private nextFrame(): Promise<void> {
    return new Promise((resolve) => {
      this.frameWaiters.push(resolve);
      this.requestRender();
    });
  }

  private patch(p: Partial<OverlayView>, now: boolean): void {
    this.view = { ...this.view, ...p };
    if (now) {
      if (this.viewTimer) clearTimeout(this.viewTimer);
      this.viewTimer = undefined;
      this.emit();
    } else {
      this.viewTimer ??= setTimeout(() => {
        this.viewTimer = undefined;
        this.emit();
      }, VIEW_THROTTLE_MS);
    }
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private loadAcks(): string[] {
    try {
      const raw = this.storage?.getItem(ACK_STORAGE_KEY);
      const list = raw ? (JSON.parse(raw) as unknown) : [];
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  private saveAcks(): void {
    try {
      const list = [...this.alertBook.acknowledged].slice(-MAX_STORED_ACKS);
      this.storage?.setItem(ACK_STORAGE_KEY, JSON.stringify(list));
    } catch {
      /* storage full or blocked: acknowledgements last for this session */
    }
  }
}

/**
 * Whether the service runs the feed hub. Its SensorThings root answers JSON; a service started
 * with `--no-feeds` answers the app shell (HTML) for that path. Asking this way keeps a hub-less
 * viewer free of failed requests and WebSocket errors. A network error counts as "yes": the
 * service is restarting, and the feed client will keep trying.
 */
async function hubAvailable(base: string): Promise<boolean> {
  try {
    const res = await fetch(`${base.replace(/\/?$/, '/')}v1.1/Things?$top=1`, {
      headers: { accept: 'application/json' },
    });
    return res.ok && (res.headers.get('content-type') ?? '').includes('json');
  } catch {
    return true;
  }
}

function isAlert(e: FeedEntity): e is AlertState {
  return e.layer === 'alerts';
}

function safeLocalStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** roads.geojson features → traffic segments (id, line with heights, free-flow speed). */
export function roadSegments(
  features: readonly {
    properties: Record<string, unknown> | null;
    geometry: { type: string; coordinates?: unknown } | null;
  }[],
): RoadSegment[] {
  const out: RoadSegment[] = [];
  for (const f of features) {
    const id = f.properties?.id;
    if (typeof id !== 'string' || f.geometry?.type !== 'LineString') continue;
    const speed = f.properties?.maxspeedKmh;
    out.push({
      id,
      line: f.geometry.coordinates as RoadSegment['line'],
      freeFlowKmh: typeof speed === 'number' && speed > 0 ? speed : undefined,
    });
  }
  return out;
}

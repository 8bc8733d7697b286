import type { Viewer } from 'cesium';
import type { Story, StoryStop } from '../../../../tiler/src/api/kiosk.js';
import type { BuildingProperties } from '../../api';
import { getLang, setLang } from '../../i18n';
import { installTestHooks } from '../../scene/testHooks';
import { type LoadPhase, TwinScene } from '../../scene/twinScene';
import { cameraViewOf, flyToView } from '../../state/cesiumView';
import type { CameraView } from '../../state/viewState';
import {
  flightSeconds,
  type KioskConfig,
  type KioskEffect,
  type KioskState,
  startKiosk,
  step,
} from './attract';
import { applySceneProfile, applyTilesetProfile, type KioskProfile } from './profile';
import { installTouchTwist, turnAboutScreenCentre, twistStats } from './touchTwist';

/** How often the attract/idle machine is ticked (ms): well inside the ±1 s the idle reset allows. */
const TICK_MS = 200;
/** How long the touch hint stays up after a visitor takes over (ms). */
const HINT_MS = 8000;

/** What the React UI draws. */
export interface KioskSnapshot {
  mode: KioskState['mode'];
  stop: number;
  phase: LoadPhase;
  selected: BuildingProperties | null;
  hint: boolean;
  attributions: string[];
}

/**
 * `window.__bdtwinKiosk`: the kiosk's state for browser tests and staff debugging
 * (docs/kiosk.md). Times are `performance.now()` milliseconds.
 */
export interface KioskHooks {
  readonly mode: KioskState['mode'];
  readonly stop: number;
  readonly laps: number;
  readonly resets: number;
  readonly idleS: number;
  readonly profile: KioskProfile;
  readonly lastInputAtMs: number;
  readonly lastResetAtMs: number | null;
  /** Camera now, as a shareable view. */
  camera(): CameraView;
  /** The first stop's camera (where a reset returns to). */
  readonly startCamera: CameraView;
  /** Put the camera at a view instantly (benchmark flights; not an input, the idle timer runs on). */
  setCamera(view: CameraView): void;
  /** Building tile contents loaded so far (npm run bench:kiosk). */
  readonly tilesLoadedCount: number;
  /** The stops shown, in order, since start (last 100): the tour's loop as it happened. */
  readonly shownStops: readonly number[];
  /** The camera right after the last idle reset put it back (null before any reset). */
  readonly lastResetCamera: CameraView | null;
  /** Two-finger twist applied so far (touchTwist.ts). */
  readonly twist: { appliedRad: number; pivotMisses: number };
  /** Turn the view as a twist of `deg` (clockwise on screen) would, without touches. */
  turn(deg: number): void;
}

declare global {
  interface Window {
    __bdtwinKiosk?: KioskHooks;
  }
}

/**
 * Runs the kiosk on a Cesium viewer: the public layers (TwinScene, no live overlays), the story
 * tour, the idle reset and the visitor's building picks. React owns the UI and reads
 * `snapshot`; this class owns the scene and the clock.
 */
export class KioskController {
  readonly twin: TwinScene;
  private readonly viewer: Viewer;
  private readonly story: Story;
  private readonly config: KioskConfig;
  private state: KioskState;
  private snap: KioskSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: (() => void)[] = [];
  private hintTimer: ReturnType<typeof setTimeout> | undefined;
  private lastResetAtMs: number | null = null;
  private tilesLoadedCount = 0;
  private readonly shownStops: number[] = [];
  private lastResetCamera: CameraView | null = null;
  /** The last real input (the machine's lastInputMs also restarts on a reset). */
  private lastInputAtMs = 0;
  /** Ids of the layers the service listed (the scene skips catalogue-only ones). */
  private layerIds: string[] = [];

  constructor(
    viewer: Viewer,
    story: Story,
    readonly idleS: number,
    readonly profile: KioskProfile,
  ) {
    this.viewer = viewer;
    this.story = story;
    this.config = { stopDurationsMs: story.stops.map((s) => s.durationS * 1000), idleMs: idleS * 1000 };
    this.snap = { mode: 'attract', stop: 0, phase: 'layers', selected: null, hint: false, attributions: [] };
    this.twin = new TwinScene(viewer, {
      onState: (s) => {
        this.layerIds = s.layers.map((l) => l.id);
        const attributions = [...new Set(s.layers.flatMap((l) => (l.attribution ? [l.attribution] : [])))];
        this.publish({ phase: s.phase, attributions });
      },
      onSelect: (b) => this.publish({ selected: b }),
    });
    applySceneProfile(viewer, profile);
    const start = startKiosk(performance.now());
    this.state = start.state;
    this.apply(start.effects);
  }

  get snapshot(): KioskSnapshot {
    return this.snap;
  }

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  start(): void {
    const uninstallHooks = installTestHooks(this.twin);
    this.cleanups.push(uninstallHooks, installTouchTwist(this.viewer));
    void this.twin.start().then(() => {
      for (const tileset of this.twin.tilesets) {
        applyTilesetProfile(tileset, this.profile);
        const off = tileset.tileLoad.addEventListener(() => {
          this.tilesLoadedCount++;
        });
        this.cleanups.push(off);
      }
      // Layers arrived after the first stop was shown: give them the stop's visibility.
      this.showLayers(this.currentStop());
    });
    const timer = setInterval(() => this.dispatch({ type: 'tick', nowMs: performance.now() }), TICK_MS);
    this.cleanups.push(() => clearInterval(timer));
    // Any touch, click, wheel or key is a visitor. Capture phase: before Cesium or a button
    // handles it, so the tour stops before the gesture moves the camera.
    const input = (e: Event) => {
      if (
        e.type === 'pointermove' &&
        (e as PointerEvent).buttons === 0 &&
        (e as PointerEvent).pointerType === 'mouse'
      )
        return;
      // Switching language while the tour plays keeps it playing (in the new language).
      if (this.state.mode === 'attract' && (e.target as Element | null)?.closest?.('[data-kiosk-keeps-tour]'))
        return;
      // The event's own time (same clock as performance.now()): on a busy page the handler may
      // run late, and the idle time counts from the touch, not from when it was handled.
      this.dispatch({
        type: 'input',
        nowMs: e.timeStamp > 0 ? Math.min(e.timeStamp, performance.now()) : performance.now(),
      });
    };
    for (const type of [
      'pointerdown',
      'pointermove',
      'touchstart',
      'touchmove',
      'wheel',
      'keydown',
    ] as const) {
      window.addEventListener(type, input, { capture: true, passive: true });
      this.cleanups.push(() => window.removeEventListener(type, input, { capture: true }));
    }
    const self = this;
    const hooks: KioskHooks = {
      get mode() {
        return self.state.mode;
      },
      get stop() {
        return self.state.stop;
      },
      get laps() {
        return self.state.laps;
      },
      get resets() {
        return self.state.resets;
      },
      get lastInputAtMs() {
        return self.lastInputAtMs;
      },
      get lastResetAtMs() {
        return self.lastResetAtMs;
      },
      idleS: this.idleS,
      profile: this.profile,
      camera: () => cameraViewOf(this.viewer),
      startCamera: this.story.stops[0]!.view.camera,
      setCamera: (view) => void flyToView(this.viewer, view, 0),
      get tilesLoadedCount() {
        return self.tilesLoadedCount;
      },
      shownStops: this.shownStops,
      twist: twistStats,
      turn: (deg) => turnAboutScreenCentre(this.viewer, (deg * Math.PI) / 180),
      get lastResetCamera() {
        return self.lastResetCamera;
      },
    };
    window.__bdtwinKiosk = hooks;
    this.cleanups.push(() => {
      if (window.__bdtwinKiosk === hooks) delete window.__bdtwinKiosk;
    });
  }

  /** The "play the tour" button: back to the story now, as an idle reset would. */
  playTour(): void {
    const now = performance.now();
    this.state = { ...this.state, mode: 'attract', stop: 0, stopStartedMs: now, lastInputMs: now, laps: 0 };
    this.apply([{ type: 'reset' }, { type: 'showStop', stop: 0, animate: true }]);
  }

  dismissHint(): void {
    this.publish({ hint: false });
  }

  clearSelection(): void {
    this.twin.clearSelection();
  }

  destroy(): void {
    clearTimeout(this.hintTimer);
    for (const c of this.cleanups.splice(0)) c();
    this.twin.destroy();
  }

  // --- internals ---------------------------------------------------------------------------

  private dispatch(event: Parameters<typeof step>[1]): void {
    if (event.type === 'input') this.lastInputAtMs = event.nowMs;
    const r = step(this.state, event, this.config);
    this.state = r.state;
    this.apply(r.effects);
    if (r.state.mode !== this.snap.mode || r.state.stop !== this.snap.stop)
      this.publish({ mode: r.state.mode, stop: r.state.stop });
  }

  private currentStop(): StoryStop {
    return this.story.stops[this.state.stop] ?? this.story.stops[0]!;
  }

  private apply(effects: KioskEffect[]): void {
    for (const e of effects) {
      if (e.type === 'showStop') {
        const stop = this.story.stops[e.stop]!;
        this.shownStops.push(e.stop);
        if (this.shownStops.length > 100) this.shownStops.shift();
        this.twin.clearSelection();
        this.showLayers(stop);
        void flyToView(this.viewer, stop.view.camera, e.animate ? flightSeconds(stop.durationS) : 0);
        if (!e.animate && this.lastResetAtMs !== null) this.lastResetCamera = cameraViewOf(this.viewer);
      } else if (e.type === 'handOver') {
        this.viewer.camera.cancelFlight();
        clearTimeout(this.hintTimer);
        this.hintTimer = setTimeout(() => this.publish({ hint: false }), HINT_MS);
        this.publish({ hint: true });
      } else {
        this.lastResetAtMs = performance.now();
        clearTimeout(this.hintTimer);
        const lang = this.story.stops[0]!.view.lang ?? 'vi';
        if (getLang() !== lang) setLang(lang);
        this.publish({ hint: false, selected: null });
      }
    }
  }

  /** Show exactly the stop's layers (all when it lists none). */
  private showLayers(stop: StoryStop): void {
    const wanted = stop.view.layers;
    for (const id of this.layerIds) this.twin.setLayerShown(id, !wanted || wanted.includes(id));
  }

  private publish(patch: Partial<KioskSnapshot>): void {
    this.snap = { ...this.snap, ...patch };
    for (const f of [...this.listeners]) f();
  }
}

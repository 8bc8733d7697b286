import type { Viewer } from 'cesium';
import type { OverlayController } from '../../overlays/controller';
import type { TwinScene } from '../../scene/twinScene';
import type { CameraView } from '../../state/viewState';
import type { Bookmark } from './bookmarks';
import type { FeedHealth } from './feedHealth';
import type { AirKpi, AlertsKpi, CongestionKpi, SensorsKpi } from './kpi';
import type { TourPhase } from './tour';

/**
 * What outlives one Cesium viewer on the wall: the camera to restore, recovery bookkeeping, and
 * the live scene of the current generation. A recovery replaces `scene`; this object stays.
 */
export interface OpsRuntime {
  /** Where the camera was when the last viewer was lost (restored on the next one). */
  camera: CameraView | null;
  generation: number;
  /** The last generation given up (its loss already handled): each viewer is replaced once. */
  givenUp: number;
  recoveries: number;
  /** performance.now() of the loss being recovered from; 0 when not recovering. */
  lostAt: number;
  /** Loss → first frame with tiles drawn in the new viewer (ms), per recovery. */
  recoveryMs: number[];
  lastLossReason: string;
  /** Frames rendered by the current viewer. */
  frames: number;
  scene: { viewer: Viewer; twin: TwinScene; overlays: OverlayController } | null;
}

export interface OpsKpis {
  air: AirKpi | null;
  congestion: CongestionKpi | null;
  alerts: AlertsKpi;
  sensors: SensorsKpi;
  health: FeedHealth;
}

/** `window.__bdtwinOps`: the wall's state for browser tests, the soak benchmark and the console. */
export interface OpsHooks {
  readonly generation: number;
  readonly recoveries: number;
  readonly recovering: boolean;
  readonly recoveryMs: number[];
  readonly frames: number;
  /** Features in the tiles drawn in the last frame of the current viewer. */
  readonly renderedFeatures: number;
  readonly kpis: OpsKpis | null;
  readonly tour: { phase: TourPhase; stop: number };
  readonly bookmarks: readonly Bookmark[];
  camera(): CameraView | null;
  /** Bytes the tilesets hold now, and the budget they share. */
  memory(): {
    tilesetBytes: number;
    budgetBytes: number;
    tilesets: number;
    globeTileCacheSize: number;
  } | null;
  /** Sets Cesium's resolutionScale of the current viewer (tests at 4K on a software renderer). */
  setResolutionScale(scale: number): void;
  /** Forces a WebGL context loss on the current canvas (WEBGL_lose_context); false if unsupported. */
  loseContext(): boolean;
}

declare global {
  interface Window {
    __bdtwinOps?: OpsHooks;
  }
}

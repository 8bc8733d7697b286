import type { LookAt } from '../../scene/camera';
import type { CompareMode, Picked, PlannerScene } from './plannerScene';

/**
 * `window.__bdtwinPlanner`: a read-mostly view of the planner for browser tests and the console
 * (docs/planning.md), like `window.__bdtwin` for the viewer.
 */
export interface PlannerHooks {
  /** Scenarios fetched, A and B chosen and their layers added. */
  readonly ready: boolean;
  /** Every scenario tileset has the current views' tiles and the cameras are still. */
  readonly tilesLoaded: boolean;
  readonly mode: CompareMode;
  readonly split: number;
  readonly scenarios: [string, string] | null;
  readonly picked: Picked | null;
  readonly viewers: number;
  readonly errors: string[];
  worldToScreen(
    lonDeg: number,
    latDeg: number,
    heightM?: number,
    viewer?: number,
  ): { x: number; y: number } | null;
  lookAt(view: LookAt): void;
  camera(viewer: number): { lon: number; lat: number; height: number; heading: number; pitch: number } | null;
}

declare global {
  interface Window {
    __bdtwinPlanner?: PlannerHooks;
  }
}

export function installPlannerHooks(
  scene: PlannerScene,
  state: () => { scenarios: [string, string] | null; picked: Picked | null; errors: string[] },
): () => void {
  const hooks: PlannerHooks = {
    get ready() {
      return scene.layersReady;
    },
    get tilesLoaded() {
      return scene.tilesLoaded;
    },
    get mode() {
      return scene.compareMode;
    },
    get split() {
      return scene.splitPosition;
    },
    get scenarios() {
      return state().scenarios;
    },
    get picked() {
      return state().picked;
    },
    get viewers() {
      return scene.viewers.length;
    },
    get errors() {
      return state().errors;
    },
    worldToScreen: (lon, lat, h, v) => scene.worldToScreen(lon, lat, h, v),
    lookAt: (view) => scene.lookAt(view),
    camera: (i) => scene.cameraOf(i),
  };
  window.__bdtwinPlanner = hooks;
  return () => {
    if (window.__bdtwinPlanner === hooks) delete window.__bdtwinPlanner;
  };
}

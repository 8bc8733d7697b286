import type { CompletenessResponse } from './contracts';
import type { CatalogController, SelectedFeature } from './controller';
import { directUploads } from './vectorTileImagery';

/**
 * `window.__bdtwinCatalog`: the catalogue's state for browser tests and the console
 * (docs/catalog.md). Read-mostly; the few actions are what a user does with the panel.
 */
export interface CatalogHooks {
  /** `/api/catalog` fetched and the layers that open shown are loaded (or failed). */
  readonly ready: boolean;
  readonly date: string;
  readonly layers: {
    id: string;
    owner: string;
    shown: boolean;
    status: string;
    featureCount: number;
    /** Loaded and its primitives/tiles ready to draw. */
    drawn: boolean;
  }[];
  readonly completeness: CompletenessResponse | undefined;
  readonly selected: SelectedFeature | null;
  /** Rings of the picked feature's outline drawn now (vector-tile layers). */
  readonly highlightRings: number;
  /** Vector tiles uploaded as raw pixels by `uploadTilesDirectly` (vectorTileImagery.ts). */
  readonly directUploads: number;
  /** Units of a time-aware layer valid on the current date. */
  unitCounts(id: string): { total: number; tdm: number; tdmWards: number } | undefined;
  completenessMapReady(): boolean;
  setShown(id: string, shown: boolean): Promise<void>;
  setDate(day: string): void;
  openPanel(open: boolean): void;
  openDashboard(open: boolean): void;
  /**
   * Main-thread time of each rendered frame (ms, from `scene.preUpdate` to `scene.postRender`:
   * culling, tile and primitive updates, draw-command submission), recorded between start and
   * stop; for scripts/bench/catalog.ts. `requestRender` is kept on while recording.
   */
  startFrameTimer(): void;
  stopFrameTimer(): number[];
}

declare global {
  interface Window {
    __bdtwinCatalog?: CatalogHooks;
  }
}

export function installCatalogHooks(
  c: CatalogController,
  ui: { openPanel(open: boolean): void; openDashboard(open: boolean): void },
): () => void {
  let times: number[] = [];
  let stopTimer: (() => void) | undefined;
  const hooks: CatalogHooks = {
    get ready() {
      return c.ready;
    },
    get date() {
      return c.date;
    },
    get layers() {
      return c.entries.map((e) => {
        const scene = c.scene(e.info.id);
        return {
          id: e.info.id,
          owner: e.owner,
          shown: e.shown,
          status: e.status,
          featureCount: scene?.featureCount ?? 0,
          drawn: e.owner === 'twin' ? true : (scene?.ready() ?? false),
        };
      });
    },
    get completeness() {
      return c.completeness;
    },
    get selected() {
      return c.selected;
    },
    get highlightRings() {
      return c.highlight.rings;
    },
    get directUploads() {
      return directUploads.tiles;
    },
    unitCounts: (id) => c.unitCounts(id),
    completenessMapReady: () => c.completenessMapReady(),
    setShown: (id, shown) => c.setShown(id, shown),
    setDate: (day) => c.setDate(day),
    openPanel: ui.openPanel,
    openDashboard: ui.openDashboard,
    startFrameTimer() {
      stopTimer?.();
      const { scene } = c.twin.viewer;
      times = [];
      let started = 0;
      const pre = scene.preUpdate.addEventListener(() => {
        started = performance.now();
      });
      const post = scene.postRender.addEventListener(() => {
        if (started) times.push(performance.now() - started);
        started = 0;
      });
      const wasRequestMode = scene.requestRenderMode;
      scene.requestRenderMode = false;
      stopTimer = () => {
        pre();
        post();
        scene.requestRenderMode = wasRequestMode;
        stopTimer = undefined;
      };
    },
    stopFrameTimer() {
      stopTimer?.();
      return times;
    },
  };
  window.__bdtwinCatalog = hooks;
  return () => {
    if (window.__bdtwinCatalog === hooks) delete window.__bdtwinCatalog;
  };
}

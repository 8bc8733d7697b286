import { Cartesian3, Cartographic, SceneTransforms } from 'cesium';
import type { BuildingProperties } from '../api';
import type { OverlayController } from '../overlays/controller';
import { type OverlayHooks, overlayHooks } from '../overlays/hooks';
import { cameraViewOf } from '../state/cesiumView';
import type { CameraView } from '../state/viewState';
import type { LookAt } from './camera';
import type { TwinScene } from './twinScene';

/**
 * `window.__bdtwin`: a small, read-mostly view of the scene for browser tests and for
 * debugging in the console. Documented in docs/viewer.md.
 */
export interface BdtwinHooks {
  /** Viewer created, layer list fetched and every layer added to the scene (or failed). */
  readonly ready: boolean;
  /** Every buildings tileset has all tiles for the current view loaded (see docs). */
  readonly tilesLoaded: boolean;
  /** Sum of `content.featuresLength` over the tiles drawn in the last rendered frame. */
  readonly renderedFeatures: number;
  /** Properties of the picked building, or null. */
  readonly selected: BuildingProperties | null;
  /** Layer load errors (messages), empty when all went well. */
  readonly errors: string[];
  /** Page (CSS pixel) coordinates of a world point, or null when it is not in front of the camera. */
  worldToScreen(lonDeg: number, latDeg: number, heightM?: number): { x: number; y: number } | null;
  /**
   * Ellipsoid height (m) of the globe surface drawn at a point (terrain tiles loaded so far),
   * or null where no tile is loaded yet; 0 everywhere without terrain.
   */
  groundHeight(lonDeg: number, latDeg: number): number | null;
  /**
   * The terrain's water mask as Cesium took it: whether the provider has one, and how many of
   * the globe tiles drawn last frame carry a coastline (a 256 × 256 mask, not all land or water).
   */
  terrainWater(): { hasWaterMask: boolean; coastTiles: number };
  /** Put the camera `range` metres from a point, instantly; tiles then reload (`tilesLoaded` goes false). */
  lookAt(view: LookAt): void;
  /** The same, animated; resolves when the flight ends. */
  flyTo(view: LookAt, durationS?: number): Promise<boolean>;
  /** Where the camera is now, as the shareable URL writes it (web/src/state/viewState.ts). */
  cameraView(): CameraView;
  /** The live overlays (web/src/overlays/hooks.ts), when the viewer runs them. */
  readonly overlays?: OverlayHooks;
}

declare global {
  interface Window {
    __bdtwin?: BdtwinHooks;
  }
}

export function installTestHooks(twin: TwinScene, overlays?: OverlayController): () => void {
  const hooks: BdtwinHooks = {
    ...(overlays ? { overlays: overlayHooks(overlays) } : {}),
    get ready() {
      return twin.layersSettled;
    },
    get tilesLoaded() {
      return twin.tilesLoaded;
    },
    get renderedFeatures() {
      return twin.renderedFeatures;
    },
    get selected() {
      return twin.selected;
    },
    get errors() {
      return twin.errorMessages();
    },
    worldToScreen(lonDeg, latDeg, heightM = 0) {
      const { scene } = twin.viewer;
      const world = Cartesian3.fromDegrees(lonDeg, latDeg, heightM);
      const win = SceneTransforms.worldToWindowCoordinates(scene, world);
      if (!win) return null;
      const rect = scene.canvas.getBoundingClientRect();
      return { x: rect.left + win.x, y: rect.top + win.y };
    },
    groundHeight(lonDeg, latDeg) {
      return twin.viewer.scene.globe.getHeight(Cartographic.fromDegrees(lonDeg, latDeg)) ?? null;
    },
    terrainWater() {
      const { globe } = twin.viewer.scene;
      // Private but stable since 2014: the quadtree's list of tiles rendered last frame.
      const surface = (globe as unknown as { _surface?: { _tilesToRender?: unknown[] } })._surface;
      const tiles = (surface?._tilesToRender ?? []) as {
        data?: { terrainData?: { waterMask?: { length: number } } };
      }[];
      return {
        hasWaterMask: twin.viewer.terrainProvider.hasWaterMask,
        coastTiles: tiles.filter((t) => t.data?.terrainData?.waterMask?.length === 256 * 256).length,
      };
    },
    lookAt(view) {
      twin.lookAt(view);
    },
    flyTo(view, durationS) {
      return twin.flyTo(view, durationS);
    },
    cameraView() {
      return cameraViewOf(twin.viewer);
    },
  };
  window.__bdtwin = hooks;
  return () => {
    if (window.__bdtwin === hooks) delete window.__bdtwin;
  };
}

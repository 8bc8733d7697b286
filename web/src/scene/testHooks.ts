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

/**
 * A class, not an object literal with getters: V8 keeps the accessors of one early literal, and
 * the scene their closures hold, alive in the literal's allocation site — a viewer replaced
 * after a WebGL context loss (/ops) stayed in memory for good.
 */
class SceneHooks implements BdtwinHooks {
  readonly overlays?: OverlayHooks;

  constructor(
    private readonly twin: TwinScene,
    overlays?: OverlayController,
  ) {
    if (overlays) this.overlays = overlayHooks(overlays);
  }

  get ready(): boolean {
    return this.twin.layersSettled;
  }

  get tilesLoaded(): boolean {
    return this.twin.tilesLoaded;
  }

  get renderedFeatures(): number {
    return this.twin.renderedFeatures;
  }

  get selected(): BuildingProperties | null {
    return this.twin.selected;
  }

  get errors(): string[] {
    return this.twin.errorMessages();
  }

  worldToScreen(lonDeg: number, latDeg: number, heightM = 0): { x: number; y: number } | null {
    const { scene } = this.twin.viewer;
    const world = Cartesian3.fromDegrees(lonDeg, latDeg, heightM);
    const win = SceneTransforms.worldToWindowCoordinates(scene, world);
    if (!win) return null;
    const rect = scene.canvas.getBoundingClientRect();
    return { x: rect.left + win.x, y: rect.top + win.y };
  }

  groundHeight(lonDeg: number, latDeg: number): number | null {
    return this.twin.viewer.scene.globe.getHeight(Cartographic.fromDegrees(lonDeg, latDeg)) ?? null;
  }

  terrainWater(): { hasWaterMask: boolean; coastTiles: number } {
    const { globe } = this.twin.viewer.scene;
    // Private but stable since 2014: the quadtree's list of tiles rendered last frame.
    const surface = (globe as unknown as { _surface?: { _tilesToRender?: unknown[] } })._surface;
    const tiles = (surface?._tilesToRender ?? []) as {
      data?: { terrainData?: { waterMask?: { length: number } } };
    }[];
    return {
      hasWaterMask: this.twin.viewer.terrainProvider.hasWaterMask,
      coastTiles: tiles.filter((t) => t.data?.terrainData?.waterMask?.length === 256 * 256).length,
    };
  }

  lookAt(view: LookAt): void {
    this.twin.lookAt(view);
  }

  flyTo(view: LookAt, durationS?: number): Promise<boolean> {
    return this.twin.flyTo(view, durationS);
  }

  cameraView(): CameraView {
    return cameraViewOf(this.twin.viewer);
  }
}

export function installTestHooks(twin: TwinScene, overlays?: OverlayController): () => void {
  const hooks = new SceneHooks(twin, overlays);
  window.__bdtwin = hooks;
  return () => {
    if (window.__bdtwin === hooks) delete window.__bdtwin;
  };
}

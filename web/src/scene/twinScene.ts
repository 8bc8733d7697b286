import {
  type Cartesian2,
  Cesium3DTileFeature,
  type Cesium3DTileset,
  Color,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  type TerrainProvider,
  type Viewer,
} from 'cesium';
import { BUILDING_PROPERTY_IDS, type BuildingProperties, type LayerInfo } from '../api';
import { onLangChange, t } from '../i18n';
import { buildingStyle, HIGHLIGHT_COLOR, type StyleMode } from './buildingStyle';
import { flyTo, HOME_VIEW, type LookAt, lookAt } from './camera';
import { fetchLayers, type LoadedLayer, loadLayer } from './layers';
import { addOfflineImagery, configureScene } from './viewerSetup';

/** Camera stillness (s) after which Cesium requests every tile of the view (foveatedTimeDelay 0.2 s). */
const STILL_SECONDS = 0.25;

/** Camera bookkeeping Cesium keeps per frame (public fields, missing from the typings). */
interface CameraMotion {
  positionWCDeltaMagnitude: number;
  positionWCDeltaMagnitudeLastFrame: number;
  timeSinceMoved: number;
}

/** layers: fetching the list; tiles: buildings loading; empty: the service has no layers. */
export type LoadPhase = 'layers' | 'tiles' | 'ready' | 'empty' | 'error';

export interface SceneState {
  phase: LoadPhase;
  layers: LayerInfo[];
  /** Human-readable problems (one per failed layer), shown in the status bar. */
  errors: { layer?: LayerInfo; message: string }[];
}

export interface SceneCallbacks {
  onState(state: SceneState): void;
  onSelect(building: BuildingProperties | null): void;
  onFrame?(renderedFeatures: number): void;
}

/**
 * Everything the viewer does to the Cesium scene: offline set-up, layers from `/api/layers`,
 * building styles, picking and the per-frame statistics behind the test hooks.
 * React owns the UI; this class owns the Cesium objects.
 */
export class TwinScene {
  readonly viewer: Viewer;
  private readonly callbacks: SceneCallbacks;
  private readonly abort = new AbortController();
  private readonly loaded: LoadedLayer[] = [];
  private readonly cleanups: (() => void)[] = [];
  private state: SceneState = { phase: 'layers', layers: [], errors: [] };
  private styleMode: StyleMode = 'use';
  private highlighted: { feature: Cesium3DTileFeature; color: Color } | null = null;
  private frameFeatures = 0;
  private cameraSettling = true;
  private readonly pickHandlers: ((picked: unknown, position: Cartesian2) => boolean)[] = [];
  private settle: () => void = () => {};
  /** Resolves once the layer list was fetched and every layer was added (or failed). */
  readonly settled: Promise<void> = new Promise((resolve) => {
    this.settle = resolve;
  });

  /** Whether the layer list was fetched and every layer was added (or failed). */
  layersSettled = false;
  /** Features in the tiles drawn in the last rendered frame. */
  renderedFeatures = 0;
  /** Properties of the picked building, or null. */
  selected: BuildingProperties | null = null;

  constructor(viewer: Viewer, callbacks: SceneCallbacks) {
    this.viewer = viewer;
    this.callbacks = callbacks;
    configureScene(viewer, HOME_VIEW.lon, HOME_VIEW.lat);
    lookAt(viewer, HOME_VIEW);
    this.installHomeButton();
    this.installPicking();
    this.installFrameStats();
  }

  get tilesets(): Cesium3DTileset[] {
    return this.loaded.flatMap((l) => (l.tileset ? [l.tileset] : []));
  }

  /**
   * True when the layers are in, the camera has come to rest, and every buildings tileset
   * reported all tiles for the current view loaded in the last rendered frame.
   */
  get tilesLoaded(): boolean {
    const tilesets = this.tilesets;
    return (
      this.layersSettled &&
      !this.cameraSettling &&
      this.loaded.every((l) => l.ready()) &&
      tilesets.length > 0 &&
      tilesets.every((tileset) => tileset.tilesLoaded)
    );
  }

  async start(): Promise<void> {
    const { signal } = this.abort;
    // Imagery is decoration: without it the globe keeps its base colour.
    addOfflineImagery(this.viewer).catch((e: unknown) => console.error('[bdtwin] imagery:', e));
    let layers: LayerInfo[];
    try {
      // Layers only the catalogue lists are loaded on demand by its panel (web/src/catalog).
      layers = (await fetchLayers(signal)).filter((l) => (l as { origin?: string }).origin !== 'catalog');
    } catch (e) {
      if (signal.aborted) return;
      this.fail(undefined, e);
      this.setState({ phase: 'error' });
      this.settle();
      return;
    }
    this.setState({ layers, phase: 'tiles' });
    const clampToGround = layers.some((l) => l.kind === 'terrain');
    // Terrain first: points and labels are placed on it.
    let terrain: TerrainProvider | undefined;
    for (const info of layers.filter((l) => l.kind === 'terrain')) {
      try {
        const layer = await loadLayer(this.viewer, info, { signal, clampToGround });
        if (signal.aborted) {
          layer.destroy();
          return;
        }
        this.loaded.push(layer);
        terrain = layer.terrain ?? terrain;
      } catch (e) {
        if (!signal.aborted) this.fail(info, e);
      }
    }
    await Promise.all(
      layers
        .filter((l) => l.kind !== 'terrain')
        .map(async (info) => {
          try {
            const layer = await loadLayer(this.viewer, info, {
              signal,
              clampToGround,
              ...(terrain ? { terrain } : {}),
            });
            if (signal.aborted) {
              layer.destroy();
              return;
            }
            this.loaded.push(layer);
            if (layer.tileset) this.watchTileset(layer.tileset);
          } catch (e) {
            if (!signal.aborted) this.fail(info, e);
          }
        }),
    );
    if (signal.aborted) return;
    this.layersSettled = true;
    this.settle();
    this.viewer.scene.requestRender();
    if (layers.length === 0) this.setState({ phase: 'empty' });
    else if (this.tilesets.length === 0)
      this.setState({ phase: this.state.errors.length ? 'error' : 'ready' });
  }

  /** Shows or hides a loaded layer by id (catalogue panel); false when there is no such layer. */
  setLayerShown(id: string, shown: boolean): boolean {
    const layers = this.loaded.filter((l) => l.info.id === id && l.setShown);
    for (const l of layers) l.setShown!(shown);
    return layers.length > 0;
  }

  errorMessages(): string[] {
    return this.state.errors.map((e) => (e.layer ? `${e.layer.id}: ${e.message}` : e.message));
  }

  setStyleMode(mode: StyleMode): void {
    this.styleMode = mode;
    for (const tileset of this.tilesets) tileset.style = buildingStyle(mode);
    this.reapplyHighlightAfterStyle();
  }

  lookAt(view: LookAt): void {
    this.cameraSettling = true;
    lookAt(this.viewer, view);
  }

  async flyTo(view: LookAt, durationS?: number): Promise<boolean> {
    this.cameraSettling = true;
    const done = await flyTo(this.viewer, view, durationS);
    this.cameraSettling = true;
    this.viewer.scene.requestRender();
    return done;
  }

  /** The features of the loaded roads layer (live traffic draws on them), if any. */
  roadFeatures(): NonNullable<LoadedLayer['features']> | undefined {
    return this.loaded.find((l) => l.info.kind === 'roads' && l.features)?.features;
  }

  /**
   * Lets another owner of scene objects (the live overlays) claim clicks: a handler gets every
   * pick result (and the window position, for owners that pick otherwise: imagery is not in
   * `scene.pick`) and returns true when it took it; then no building is selected.
   */
  addPickHandler(handler: (picked: unknown, position: Cartesian2) => boolean): () => void {
    this.pickHandlers.push(handler);
    return () => {
      const i = this.pickHandlers.indexOf(handler);
      if (i >= 0) this.pickHandlers.splice(i, 1);
    };
  }

  /** Pick at window (canvas CSS pixel) coordinates; selects a building or clears the selection. */
  pickAt(position: Cartesian2): BuildingProperties | null {
    const picked: unknown = this.viewer.scene.pick(position);
    let claimed = false;
    for (const handler of this.pickHandlers) claimed = handler(picked, position) || claimed;
    if (claimed) {
      this.clearSelection();
      return null;
    }
    if (picked instanceof Cesium3DTileFeature && this.tilesets.includes(picked.tileset)) {
      this.select(picked);
    } else {
      this.clearSelection();
    }
    return this.selected;
  }

  clearSelection(): void {
    this.unhighlight();
    if (this.selected !== null) {
      this.selected = null;
      this.callbacks.onSelect(null);
    }
    this.viewer.scene.requestRender();
  }

  destroy(): void {
    this.abort.abort();
    for (const c of this.cleanups.splice(0)) c();
    for (const l of this.loaded.splice(0)) l.destroy();
  }

  // --- internals ---------------------------------------------------------------------------

  private setState(patch: Partial<SceneState>): void {
    this.state = { ...this.state, ...patch };
    this.callbacks.onState(this.state);
  }

  private fail(layer: LayerInfo | undefined, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`[bdtwin] ${layer ? `layer ${layer.id}: ` : ''}${message}`);
    this.setState({ errors: [...this.state.errors, layer ? { layer, message } : { message }] });
  }

  private watchTileset(tileset: Cesium3DTileset): void {
    tileset.style = buildingStyle(this.styleMode);
    const onVisible = tileset.tileVisible.addEventListener((tile) => {
      this.frameFeatures += tile.content?.featuresLength ?? 0;
    });
    const onLoaded = tileset.allTilesLoaded.addEventListener(() => {
      if (this.tilesLoaded) this.setState({ phase: 'ready' });
    });
    this.cleanups.push(onVisible, onLoaded);
    this.viewer.scene.requestRender();
  }

  private installFrameStats(): void {
    const { scene } = this.viewer;
    const pre = scene.preRender.addEventListener(() => {
      this.frameFeatures = 0;
    });
    const post = scene.postRender.addEventListener(() => {
      // Cesium skips tile requests while the camera moves (cullRequestsWhileMoving, foveated
      // deferral), so "all tiles loaded" only means something once the camera has been still
      // for two frames and ~0.25 s. Keep rendering until then (requestRenderMode would stop).
      const cam = scene.camera as typeof scene.camera & CameraMotion;
      const still =
        cam.positionWCDeltaMagnitude === 0 &&
        cam.positionWCDeltaMagnitudeLastFrame === 0 &&
        cam.timeSinceMoved >= STILL_SECONDS;
      if (still) this.cameraSettling = false;
      else {
        this.cameraSettling = true;
        scene.requestRender();
      }
      // Async geometry (roads, boundaries) is built over frames: keep drawing until it is in.
      if (!this.loaded.every((l) => l.ready())) scene.requestRender();
      if (this.frameFeatures !== this.renderedFeatures) {
        this.renderedFeatures = this.frameFeatures;
        this.callbacks.onFrame?.(this.renderedFeatures);
      }
      if (this.tilesets.length === 0) return;
      if (this.state.phase === 'tiles' && this.tilesLoaded) this.setState({ phase: 'ready' });
      else if (this.state.phase === 'ready' && !this.tilesLoaded) this.setState({ phase: 'tiles' });
    });
    this.cleanups.push(pre, post);
  }

  private installPicking(): void {
    const handler = new ScreenSpaceEventHandler(this.viewer.scene.canvas);
    handler.setInputAction((e: ScreenSpaceEventHandler.PositionedEvent) => {
      this.pickAt(e.position);
    }, ScreenSpaceEventType.LEFT_CLICK);
    this.cleanups.push(() => handler.destroy());
  }

  private installHomeButton(): void {
    const home = this.viewer.homeButton;
    if (!home) return;
    home.viewModel.tooltip = t('home.tooltip');
    // The tooltip is Cesium's, outside React: follow a language switch here.
    this.cleanups.push(
      onLangChange(() => {
        home.viewModel.tooltip = t('home.tooltip');
      }),
    );
    const remove = home.viewModel.command.beforeExecute.addEventListener((e: { cancel: boolean }) => {
      e.cancel = true;
      void this.flyTo(HOME_VIEW);
    });
    this.cleanups.push(remove);
  }

  private select(feature: Cesium3DTileFeature): void {
    this.unhighlight();
    const props: Record<string, unknown> = {};
    for (const id of BUILDING_PROPERTY_IDS) props[id] = feature.getProperty(id);
    this.selected = {
      id: String(props.id ?? ''),
      name: String(props.name ?? ''),
      height: Number(props.height ?? Number.NaN),
      storeys: Number(props.storeys ?? 0),
      use: String(props.use ?? ''),
      ward: String(props.ward ?? ''),
      source: String(props.source ?? ''),
    };
    this.highlighted = { feature, color: Color.clone(feature.color) };
    feature.color = Color.fromCssColorString(HIGHLIGHT_COLOR);
    this.callbacks.onSelect(this.selected);
    this.viewer.scene.requestRender();
  }

  private unhighlight(): void {
    const h = this.highlighted;
    this.highlighted = null;
    if (!h) return;
    try {
      // The tile may have been unloaded meanwhile; then there is nothing to restore.
      h.feature.color = h.color;
    } catch {
      /* stale feature */
    }
  }

  /** A new style recolours every feature on the next frame; put the highlight back after it. */
  private reapplyHighlightAfterStyle(): void {
    const h = this.highlighted;
    if (!h) {
      this.viewer.scene.requestRender();
      return;
    }
    const remove = this.viewer.scene.postRender.addEventListener(() => {
      remove();
      try {
        h.color = Color.clone(h.feature.color);
        h.feature.color = Color.fromCssColorString(HIGHLIGHT_COLOR);
      } catch {
        /* stale feature */
      }
      this.viewer.scene.requestRender();
    });
    this.viewer.scene.requestRender();
  }
}

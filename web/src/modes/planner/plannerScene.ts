import {
  BoundingSphere,
  buildModuleUrl,
  type Cartesian2,
  Cartesian3,
  Cesium3DTileColorBlendMode,
  Cesium3DTileFeature,
  Cesium3DTileset,
  Math as CesiumMath,
  HeadingPitchRange,
  ImageryLayer,
  JulianDate,
  Matrix4,
  Rectangle,
  SceneTransforms,
  ScreenSpaceEventHandler,
  ScreenSpaceEventType,
  ShadowMode,
  SingleTileImageryProvider,
  SplitDirection,
  SunLight,
  TextureMagnificationFilter,
  TileMapServiceImageryProvider,
  Viewer,
} from 'cesium';
import type { ScenarioInfo, ScenarioMetrics, SunHoursGrid } from '../../../../tiler/src/api/planning.js';
import { type LookAt, lookAt } from '../../scene/camera';
import { configureScene, OFFLINE_VIEWER_OPTIONS } from '../../scene/viewerSetup';
import { heatmapCanvas } from './heatmap';
import { sharedImageryProvider } from './sharedImagery';
import { buildingStyle, type EnvelopeStyleMode, envelopeStyle } from './styles';

/**
 * The planner's Cesium side. Two ways to compare scenario A with B:
 * - swipe: ONE viewer holding both scenarios' tilesets, A drawn left of `scene.splitPosition`
 *   and B right of it (Cesium3DTileset.splitDirection), each with its own style; the globe,
 *   imagery and terrain exist once, so nothing shared is fetched twice;
 * - side by side: two viewers (A left, B right) whose cameras follow each other; the imagery
 *   provider is shared through a per-tile promise cache (sharedImagery.ts).
 * React owns the controls; this class owns the Cesium objects.
 */

export type CompareMode = 'swipe' | 'sideBySide';
export type SunOverlay = 'off' | 'each' | 'delta';
export type Side = 'A' | 'B';

export interface ScenarioData {
  info: ScenarioInfo;
  metrics: ScenarioMetrics;
  sunHours?: SunHoursGrid;
  violatingBuildingIds: string[];
}

export type Picked =
  | { kind: 'parcel'; side: Side; parcelId: string }
  | { kind: 'building'; side: Side; id: string; heightM: number; storeys: number; use: string };

export interface PlannerCallbacks {
  onPick(picked: Picked | null): void;
  onError(message: string): void;
}

interface SideLayers {
  side: Side;
  viewer: Viewer;
  envelopes?: Cesium3DTileset;
  buildings?: Cesium3DTileset;
  heat?: ImageryLayer;
}

/** Camera bookkeeping Cesium keeps per frame (public fields missing from the typings). */
interface CameraMotion {
  positionWCDeltaMagnitude: number;
  positionWCDeltaMagnitudeLastFrame: number;
  timeSinceMoved: number;
}

const VIETNAM_UTC_OFFSET_H = 7;

/** `YYYY-MM-DD` and a local hour (UTC+7, no daylight saving) → the instant. */
export function vietnamTime(date: string, hour: number): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, (m ?? 1) - 1, d ?? 1) + (hour - VIETNAM_UTC_OFFSET_H) * 3_600_000);
}

export class PlannerScene {
  readonly viewers: Viewer[] = [];
  private readonly containers: [HTMLElement, HTMLElement];
  private readonly callbacks: PlannerCallbacks;
  private readonly imagery: Promise<TileMapServiceImageryProvider>;
  private sharedImagery: Promise<TileMapServiceImageryProvider> | undefined;
  private sides: SideLayers[] = [];
  private readonly cleanups: (() => void)[] = [];
  private viewerCleanups: (() => void)[][] = [];
  private scenarios: [ScenarioData, ScenarioData] | undefined;
  private mode: CompareMode = 'swipe';
  private split = 0.5;
  private envelopeMode: EnvelopeStyleMode = 'violations';
  private visible = { envelopes: true, buildings: true };
  private sun = { date: '2025-12-21', hour: 15, shadows: false };
  private overlay: SunOverlay = 'off';
  private leader = 0;
  private generation = 0;
  private settling = true;
  layersReady = false;

  constructor(left: HTMLElement, right: HTMLElement, callbacks: PlannerCallbacks) {
    this.containers = [left, right];
    this.callbacks = callbacks;
    this.imagery = TileMapServiceImageryProvider.fromUrl(buildModuleUrl('Assets/Textures/NaturalEarthII'));
    this.addViewer(0);
  }

  // ---- public API ----------------------------------------------------------------------------

  get compareMode(): CompareMode {
    return this.mode;
  }

  get splitPosition(): number {
    return this.split;
  }

  /** All scenario tilesets have what the current views need, and the cameras are still. */
  get tilesLoaded(): boolean {
    const tilesets = this.sides.flatMap((s) => [s.envelopes, s.buildings]).filter((t) => t !== undefined);
    return this.layersReady && !this.settling && tilesets.length > 0 && tilesets.every((t) => t.tilesLoaded);
  }

  async setScenarios(a: ScenarioData, b: ScenarioData): Promise<void> {
    const first = !this.scenarios;
    this.scenarios = [a, b];
    await this.rebuild();
    if (first) this.home();
  }

  async setMode(mode: CompareMode): Promise<void> {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode === 'sideBySide') {
      this.addViewer(1);
      this.copyCamera(0, 1);
    } else {
      this.removeViewer(1);
      this.viewers[0]!.scene.splitPosition = this.split;
    }
    await this.rebuild();
  }

  setSplit(fraction: number): void {
    this.split = Math.min(0.98, Math.max(0.02, fraction));
    const viewer = this.viewers[0];
    if (!viewer) return;
    viewer.scene.splitPosition = this.split;
    viewer.scene.requestRender();
  }

  setEnvelopeStyle(mode: EnvelopeStyleMode): void {
    this.envelopeMode = mode;
    for (const s of this.sides) if (s.envelopes) s.envelopes.style = envelopeStyle(mode);
    this.requestRender();
  }

  setLayerVisible(kind: 'envelopes' | 'buildings', visible: boolean): void {
    this.visible[kind] = visible;
    for (const s of this.sides) {
      const t = s[kind];
      if (t) t.show = visible;
    }
    this.requestRender();
  }

  /** Date and local hour (UTC+7) of the sun; shadows on or off. */
  setSun(sun: { date: string; hour: number; shadows: boolean }): void {
    this.sun = sun;
    for (const v of this.viewers) this.applySun(v);
    for (const s of this.sides) {
      const mode = sun.shadows ? ShadowMode.ENABLED : ShadowMode.DISABLED;
      if (s.buildings) s.buildings.shadows = mode;
    }
    this.requestRender();
  }

  async setSunOverlay(overlay: SunOverlay): Promise<void> {
    this.overlay = overlay;
    await this.updateHeat();
  }

  lookAt(view: LookAt): void {
    this.settling = true;
    lookAt(this.viewers[0]!, view);
    if (this.viewers[1]) this.copyCamera(0, 1);
  }

  /** Page (CSS px) position of a world point in viewer `index`, or null. */
  worldToScreen(lonDeg: number, latDeg: number, heightM = 0, index = 0): { x: number; y: number } | null {
    const viewer = this.viewers[index];
    if (!viewer) return null;
    const win = SceneTransforms.worldToWindowCoordinates(
      viewer.scene,
      Cartesian3.fromDegrees(lonDeg, latDeg, heightM),
    );
    if (!win) return null;
    const rect = viewer.scene.canvas.getBoundingClientRect();
    return { x: rect.left + win.x, y: rect.top + win.y };
  }

  /** Camera of viewer `index` (degrees, metres), for tests of the synced views. */
  cameraOf(
    index: number,
  ): { lon: number; lat: number; height: number; heading: number; pitch: number } | null {
    const camera = this.viewers[index]?.camera;
    if (!camera) return null;
    const c = camera.positionCartographic;
    return {
      lon: CesiumMath.toDegrees(c.longitude),
      lat: CesiumMath.toDegrees(c.latitude),
      height: c.height,
      heading: CesiumMath.toDegrees(camera.heading),
      pitch: CesiumMath.toDegrees(camera.pitch),
    };
  }

  destroy(): void {
    this.generation++;
    for (const c of this.cleanups.splice(0)) c();
    this.clearSides();
    for (let i = this.viewers.length - 1; i >= 0; i--) this.removeViewer(i);
  }

  // ---- viewers -------------------------------------------------------------------------------

  private addViewer(index: 0 | 1): void {
    if (this.viewers[index]) return;
    const viewer = new Viewer(this.containers[index], { ...OFFLINE_VIEWER_OPTIONS, homeButton: false });
    configureScene(viewer, 106.685, 11.055);
    this.viewers[index] = viewer;
    const cleanups: (() => void)[] = [];
    this.viewerCleanups[index] = cleanups;
    // Both viewers share one imagery provider; the second asks through the per-tile cache. The
    // first one does too, so whichever view asks first fetches and the other reuses it.
    this.sharedImagery ??= this.imagery.then((p) => sharedImageryProvider(p));
    this.sharedImagery
      .then((provider) => {
        if (viewer.isDestroyed()) return;
        viewer.imageryLayers.add(new ImageryLayer(provider), 0);
        viewer.scene.requestRender();
      })
      .catch((e: unknown) => this.callbacks.onError(`imagery: ${String(e)}`));
    this.applySun(viewer);
    // Whoever the user touches leads; the other follows its camera every frame it moves.
    const claim = () => {
      this.leader = index;
    };
    const canvas = viewer.scene.canvas;
    for (const ev of ['pointerdown', 'wheel', 'touchstart'] as const)
      canvas.addEventListener(ev, claim, { passive: true });
    cleanups.push(() => {
      for (const ev of ['pointerdown', 'wheel', 'touchstart'] as const) canvas.removeEventListener(ev, claim);
    });
    cleanups.push(
      viewer.scene.postRender.addEventListener(() => {
        const cam = viewer.scene.camera as typeof viewer.scene.camera & CameraMotion;
        const moving =
          cam.positionWCDeltaMagnitude !== 0 ||
          cam.positionWCDeltaMagnitudeLastFrame !== 0 ||
          cam.timeSinceMoved < 0.25;
        if (moving) {
          this.settling = true;
          viewer.scene.requestRender();
          if (this.leader === index && this.viewers.length > 1) this.copyCamera(index, index === 0 ? 1 : 0);
        } else if (
          this.viewers.every((v) => {
            const c = v.scene.camera as typeof v.scene.camera & CameraMotion;
            return (
              c.positionWCDeltaMagnitude === 0 &&
              c.positionWCDeltaMagnitudeLastFrame === 0 &&
              c.timeSinceMoved >= 0.25
            );
          })
        ) {
          this.settling = false;
        }
      }),
    );
    const handler = new ScreenSpaceEventHandler(canvas);
    handler.setInputAction(
      (e: ScreenSpaceEventHandler.PositionedEvent) => this.pick(index, e.position),
      ScreenSpaceEventType.LEFT_CLICK,
    );
    cleanups.push(() => handler.destroy());
  }

  private removeViewer(index: number): void {
    const viewer = this.viewers[index];
    if (!viewer) return;
    for (const c of this.viewerCleanups[index]?.splice(0) ?? []) c();
    this.sides = this.sides.filter((s) => s.viewer !== viewer);
    if (!viewer.isDestroyed()) viewer.destroy();
    this.viewers.splice(index, 1);
    this.viewerCleanups.splice(index, 1);
    if (this.leader >= this.viewers.length) this.leader = 0;
  }

  private copyCamera(from: number, to: number): void {
    const a = this.viewers[from]?.camera;
    const target = this.viewers[to];
    if (!a || !target) return;
    target.camera.setView({
      destination: Cartesian3.clone(a.positionWC),
      orientation: { direction: Cartesian3.clone(a.directionWC), up: Cartesian3.clone(a.upWC) },
    });
    target.scene.requestRender();
  }

  private applySun(viewer: Viewer): void {
    // The real sun for the chosen date and hour, so shadows fall where they would.
    viewer.clock.currentTime = JulianDate.fromDate(vietnamTime(this.sun.date, this.sun.hour));
    viewer.scene.light = new SunLight();
    viewer.shadows = this.sun.shadows;
    if (this.sun.shadows) {
      viewer.shadowMap.softShadows = false;
      viewer.shadowMap.maximumDistance = 3000;
    }
    viewer.scene.requestRender();
  }

  private requestRender(): void {
    this.settling = true;
    for (const v of this.viewers) v.scene.requestRender();
  }

  private home(): void {
    const env = this.sides[0]?.envelopes;
    if (!env) return;
    const sphere = env.boundingSphere;
    const viewer = this.viewers[0]!;
    viewer.camera.viewBoundingSphere(
      new BoundingSphere(sphere.center, sphere.radius),
      new HeadingPitchRange(CesiumMath.toRadians(20), CesiumMath.toRadians(-38), sphere.radius * 1.6),
    );
    viewer.camera.lookAtTransform(Matrix4.IDENTITY);
    if (this.viewers[1]) this.copyCamera(0, 1);
    this.requestRender();
  }

  // ---- scenario layers -----------------------------------------------------------------------

  private clearSides(): void {
    for (const s of this.sides) {
      if (s.viewer.isDestroyed()) continue;
      for (const t of [s.envelopes, s.buildings]) if (t) s.viewer.scene.primitives.remove(t);
      if (s.heat) s.viewer.imageryLayers.remove(s.heat, true);
    }
    this.sides = [];
  }

  private async rebuild(): Promise<void> {
    const generation = ++this.generation;
    this.layersReady = false;
    this.clearSides();
    if (!this.scenarios) return;
    const [a, b] = this.scenarios;
    const swipe = this.mode === 'swipe';
    const plan: { side: Side; data: ScenarioData; viewer: Viewer; split: SplitDirection }[] = [
      {
        side: 'A',
        data: a,
        viewer: this.viewers[0]!,
        split: swipe ? SplitDirection.LEFT : SplitDirection.NONE,
      },
      {
        side: 'B',
        data: b,
        viewer: this.viewers[swipe ? 0 : 1]!,
        split: swipe ? SplitDirection.RIGHT : SplitDirection.NONE,
      },
    ];
    if (swipe) this.viewers[0]!.scene.splitPosition = this.split;
    const sides = await Promise.all(
      plan.map(async ({ side, data, viewer, split }) => {
        const layers: SideLayers = { side, viewer };
        for (const layer of data.info.layers) {
          if (layer.kind !== 'envelopes' && layer.kind !== 'buildings') continue;
          try {
            const tileset = await Cesium3DTileset.fromUrl(layer.url, {
              enablePick: true,
              maximumScreenSpaceError: 2,
              shadows:
                this.sun.shadows && layer.kind === 'buildings' ? ShadowMode.ENABLED : ShadowMode.DISABLED,
            });
            tileset.splitDirection = split;
            if (layer.kind === 'envelopes') {
              // The style's colour (with its alpha) replaces the glTF's own translucent blue.
              tileset.colorBlendMode = Cesium3DTileColorBlendMode.REPLACE;
              tileset.style = envelopeStyle(this.envelopeMode);
              tileset.show = this.visible.envelopes;
              layers.envelopes = tileset;
            } else {
              tileset.style = buildingStyle(data.violatingBuildingIds);
              tileset.show = this.visible.buildings;
              layers.buildings = tileset;
            }
          } catch (e) {
            this.callbacks.onError(
              `${data.info.id}/${layer.id}: ${e instanceof Error ? e.message : String(e)}`,
            );
          }
        }
        return layers;
      }),
    );
    if (generation !== this.generation) {
      for (const s of sides) for (const t of [s.envelopes, s.buildings]) t?.destroy();
      return;
    }
    for (const s of sides) {
      // Buildings first, envelopes after: translucent volumes draw over what they contain.
      if (s.buildings) s.viewer.scene.primitives.add(s.buildings);
      if (s.envelopes) s.viewer.scene.primitives.add(s.envelopes);
    }
    this.sides = sides;
    await this.updateHeat();
    if (generation !== this.generation) return;
    this.layersReady = true;
    this.requestRender();
  }

  private async updateHeat(): Promise<void> {
    for (const s of this.sides) {
      if (s.heat && !s.viewer.isDestroyed()) s.viewer.imageryLayers.remove(s.heat, true);
      delete s.heat;
    }
    if (this.overlay === 'off' || !this.scenarios) {
      this.requestRender();
      return;
    }
    const [a, b] = this.scenarios;
    const swipe = this.mode === 'swipe';
    const add = async (
      side: SideLayers | undefined,
      grid: SunHoursGrid | undefined,
      minus: SunHoursGrid | undefined,
      split: SplitDirection,
    ) => {
      if (!side || !grid) return;
      const url = heatmapCanvas(grid, minus).toDataURL('image/png');
      const provider = await SingleTileImageryProvider.fromUrl(url, {
        rectangle: Rectangle.fromDegrees(grid.west, grid.south, grid.east, grid.north),
      });
      if (side.viewer.isDestroyed()) return;
      const layer = side.viewer.imageryLayers.addImageryProvider(provider);
      // One pixel per 2 m cell: keep cells crisp rather than blurred together.
      layer.magnificationFilter = TextureMagnificationFilter.NEAREST;
      layer.splitDirection = split;
      side.heat = layer;
    };
    const sideA = this.sides.find((s) => s.side === 'A');
    const sideB = this.sides.find((s) => s.side === 'B');
    if (this.overlay === 'delta') {
      // B − A on both halves / both views: the difference is one picture.
      await add(sideA, b.sunHours, a.sunHours, SplitDirection.NONE);
      if (!swipe) await add(sideB, b.sunHours, a.sunHours, SplitDirection.NONE);
    } else {
      await add(sideA, a.sunHours, undefined, swipe ? SplitDirection.LEFT : SplitDirection.NONE);
      await add(sideB, b.sunHours, undefined, swipe ? SplitDirection.RIGHT : SplitDirection.NONE);
    }
    this.requestRender();
  }

  // ---- picking -------------------------------------------------------------------------------

  private pick(index: number, position: Cartesian2): void {
    const viewer = this.viewers[index];
    if (!viewer) return;
    const picked: unknown = viewer.scene.pick(position);
    if (!(picked instanceof Cesium3DTileFeature)) {
      this.callbacks.onPick(null);
      return;
    }
    let side = this.sides.find((s) => s.envelopes === picked.tileset || s.buildings === picked.tileset);
    if (!side) {
      this.callbacks.onPick(null);
      return;
    }
    // In swipe mode both scenarios are in one view: the half clicked says which one is meant.
    if (this.mode === 'swipe') {
      const wanted: Side = position.x / viewer.scene.canvas.clientWidth < this.split ? 'A' : 'B';
      side = this.sides.find((s) => s.side === wanted) ?? side;
    }
    const parcelId = picked.getProperty('parcelId') as string | undefined;
    if (parcelId !== undefined) {
      this.callbacks.onPick({ kind: 'parcel', side: side.side, parcelId });
      return;
    }
    this.callbacks.onPick({
      kind: 'building',
      side: side.side,
      id: String(picked.getProperty('id') ?? ''),
      heightM: Number(picked.getProperty('height') ?? 0),
      storeys: Number(picked.getProperty('storeys') ?? 0),
      use: String(picked.getProperty('use') ?? ''),
    });
  }
}

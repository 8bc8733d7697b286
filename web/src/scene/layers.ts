import {
  ArcType,
  Cartesian2,
  Cartesian3,
  Cesium3DTileset,
  CesiumTerrainProvider,
  Color,
  Credit,
  DistanceDisplayCondition,
  GeometryInstance,
  GroundPolylineGeometry,
  GroundPolylinePrimitive,
  HorizontalOrigin,
  LabelCollection,
  LabelStyle,
  Material,
  NearFarScalar,
  PointPrimitiveCollection,
  PolylineGeometry,
  PolylineMaterialAppearance,
  Primitive,
  ShadowMode,
  Terrain,
  VerticalOrigin,
  type Viewer,
} from 'cesium';
import type { LayerInfo } from '../api';
import { fetchGeoJson, labelPoint, linesOf, type Position, pointsOf } from './geojson';
import { BOUNDARY_STYLE, BUS_STOP_STYLE, ROAD_STYLES, type RoadClass } from './layerStyle';

/** What a loaded layer leaves in the scene, so it can be removed again. */
export interface LoadedLayer {
  info: LayerInfo;
  tileset?: Cesium3DTileset;
  /** Whether its primitives finished building their geometry (they do so over several frames). */
  ready(): boolean;
  destroy(): void;
}

/** `GET /api/layers` (relative to the app's base URL). */
export async function fetchLayers(signal?: AbortSignal): Promise<LayerInfo[]> {
  const url = `${import.meta.env.BASE_URL}api/layers`;
  const res = await fetch(url, signal ? { signal } : {});
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${url})`);
  const layers = (await res.json()) as unknown;
  if (!Array.isArray(layers)) throw new Error(`${url}: expected a JSON array`);
  return layers as LayerInfo[];
}

export interface LoadOptions {
  signal: AbortSignal;
  /**
   * Drape lines on terrain (GroundPolylinePrimitive, shadow volumes). Only needed when a terrain
   * layer is present; on the bare ellipsoid plain polylines just above it look the same and
   * are far cheaper (17k demo streets as ground polylines make SwiftShader frames take >10 s).
   */
  clampToGround: boolean;
}

export async function loadLayer(viewer: Viewer, info: LayerInfo, options: LoadOptions): Promise<LoadedLayer> {
  const layer = await loadLayerContent(viewer, info, options);
  if (!info.attribution) return layer;
  // Licences such as ODbL and CC-BY-SA require the source to be shown with the data.
  const credit = new Credit(escapeHtml(info.attribution), true);
  viewer.creditDisplay.addStaticCredit(credit);
  return {
    ...layer,
    destroy() {
      if (!viewer.isDestroyed()) viewer.creditDisplay.removeStaticCredit(credit);
      layer.destroy();
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function loadLayerContent(viewer: Viewer, info: LayerInfo, options: LoadOptions): Promise<LoadedLayer> {
  const { signal } = options;
  switch (info.kind) {
    case 'buildings':
      return loadBuildings(viewer, info);
    case 'boundaries':
      return loadBoundaries(viewer, info, options);
    case 'roads':
      return loadRoads(viewer, info, options);
    case 'points':
      return loadPoints(viewer, info, signal);
    case 'terrain':
      return loadTerrain(viewer, info);
    default:
      throw new Error(`unknown layer kind ${(info as LayerInfo).kind}`);
  }
}

function removing(
  viewer: Viewer,
  info: LayerInfo,
  primitives: object[],
  extra?: Partial<LoadedLayer>,
): LoadedLayer {
  return {
    info,
    ...extra,
    // Primitive and GroundPolylinePrimitive expose `ready`; collections and tilesets draw at once.
    ready: () => primitives.every((p) => (p as { ready?: unknown }).ready !== false),
    destroy() {
      if (viewer.isDestroyed()) return;
      for (const p of primitives) viewer.scene.primitives.remove(p);
      viewer.scene.requestRender();
    },
  };
}

/** 3D Tiles 1.1 buildings (glb + EXT_structural_metadata, class `building`). */
async function loadBuildings(viewer: Viewer, info: LayerInfo): Promise<LoadedLayer> {
  const tileset = await Cesium3DTileset.fromUrl(info.url, {
    shadows: ShadowMode.DISABLED,
    // Features must be pickable and styleable individually.
    enablePick: true,
    // Geometric errors here are measured (the height of the tallest building a parent leaves
    // out), not inflated, so refine as soon as a left-out building would span ~2 pixels.
    maximumScreenSpaceError: 2,
  });
  if (viewer.isDestroyed()) {
    tileset.destroy();
    throw new Error('viewer destroyed');
  }
  viewer.scene.primitives.add(tileset);
  return removing(viewer, info, [tileset], { tileset });
}

/** Height of un-draped lines above the ellipsoid (m): above the globe, below any roof. */
const LINE_HEIGHT_M = 0.5;

/**
 * One batched primitive for many lines of one width and material: ground-clamped when there is
 * terrain, otherwise geodesic polylines at LINE_HEIGHT_M.
 */
function linesPrimitive(
  lines: Position[][],
  width: number,
  material: Material,
  clampToGround: boolean,
): GroundPolylinePrimitive | Primitive | undefined {
  const instances: GeometryInstance[] = [];
  for (const line of lines) {
    const flat: number[] = [];
    let last: Position | undefined;
    for (const p of line) {
      if (last && last[0] === p[0] && last[1] === p[1]) continue;
      flat.push(p[0], p[1]);
      last = p;
    }
    if (flat.length < 4) continue;
    const geometry = clampToGround
      ? new GroundPolylineGeometry({ positions: Cartesian3.fromDegreesArray(flat), width })
      : new PolylineGeometry({
          positions: Cartesian3.fromDegreesArrayHeights(withHeight(flat, LINE_HEIGHT_M)),
          width,
          arcType: ArcType.GEODESIC,
        });
    instances.push(new GeometryInstance({ geometry }));
  }
  if (!instances.length) return undefined;
  const appearance = new PolylineMaterialAppearance({ material });
  return clampToGround
    ? new GroundPolylinePrimitive({ geometryInstances: instances, appearance, allowPicking: false })
    : new Primitive({ geometryInstances: instances, appearance, allowPicking: false });
}

function colorMaterial(css: string): Material {
  return Material.fromType('Color', { color: Color.fromCssColorString(css) });
}

function withHeight(lonLat: number[], h: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < lonLat.length; i += 2) out.push(lonLat[i]!, lonLat[i + 1]!, h);
  return out;
}

/** Roads: one batched ground-clamped primitive per road class. */
async function loadRoads(viewer: Viewer, info: LayerInfo, options: LoadOptions): Promise<LoadedLayer> {
  const fc = await fetchGeoJson<{ class?: string }>(info.url, options.signal);
  const byClass = new Map<RoadClass, Position[][]>();
  for (const f of fc.features) {
    const cls = f.properties?.class as RoadClass | undefined;
    if (!cls) continue;
    const lines = byClass.get(cls) ?? [];
    lines.push(...linesOf(f.geometry));
    byClass.set(cls, lines);
  }
  const primitives: object[] = [];
  const byHeight: { primitive: { show: boolean }; maxCameraHeightM: number }[] = [];
  // Narrow classes first so wider (more important) roads draw on top.
  for (const style of [...ROAD_STYLES].reverse()) {
    const lines = byClass.get(style.id);
    if (!lines?.length) continue;
    const primitive = linesPrimitive(lines, style.width, colorMaterial(style.color), options.clampToGround);
    if (!primitive) continue;
    primitives.push(viewer.scene.primitives.add(primitive));
    byHeight.push({ primitive, maxCameraHeightM: style.maxCameraHeightM });
  }
  // Minor streets appear as the camera comes down, as on a map.
  const { scene } = viewer;
  const removeListener = scene.preRender.addEventListener(() => {
    const h = scene.camera.positionCartographic.height;
    for (const r of byHeight) r.primitive.show = h < r.maxCameraHeightM;
  });
  scene.requestRender();
  const layer = removing(viewer, info, primitives);
  return {
    ...layer,
    destroy() {
      removeListener();
      layer.destroy();
    },
  };
}

/** Ward boundaries: dashed ground outlines plus one name label per ward. */
async function loadBoundaries(viewer: Viewer, info: LayerInfo, options: LoadOptions): Promise<LoadedLayer> {
  const fc = await fetchGeoJson<{ name?: string }>(info.url, options.signal);
  const rings = fc.features.flatMap((f) => linesOf(f.geometry));
  const primitives: object[] = [];
  const dash = Material.fromType('PolylineDash', {
    color: Color.fromCssColorString(BOUNDARY_STYLE.color),
    gapColor: Color.fromCssColorString('#FFFFFF').withAlpha(0.35),
    dashLength: 24,
  });
  const outline = linesPrimitive(rings, BOUNDARY_STYLE.width, dash, options.clampToGround);
  if (outline) primitives.push(viewer.scene.primitives.add(outline));
  const labels = new LabelCollection({ scene: viewer.scene });
  for (const f of fc.features) {
    const name = f.properties?.name;
    const at = labelPoint(f.geometry);
    if (!name || !at) continue;
    labels.add({
      text: name,
      position: Cartesian3.fromDegrees(at[0], at[1], 30),
      font: '600 20px sans-serif',
      fillColor: Color.WHITE,
      outlineColor: Color.fromCssColorString('#5a0050'),
      outlineWidth: 4,
      style: LabelStyle.FILL_AND_OUTLINE,
      horizontalOrigin: HorizontalOrigin.CENTER,
      verticalOrigin: VerticalOrigin.CENTER,
      // Always readable above buildings; shrink with distance.
      disableDepthTestDistance: Number.POSITIVE_INFINITY,
      scaleByDistance: new NearFarScalar(2_000, 1.0, 60_000, 0.55),
    });
  }
  primitives.push(viewer.scene.primitives.add(labels));
  viewer.scene.requestRender();
  return removing(viewer, info, primitives);
}

/** Points of interest (bus stops): small dots, names when close. */
async function loadPoints(viewer: Viewer, info: LayerInfo, signal: AbortSignal): Promise<LoadedLayer> {
  const fc = await fetchGeoJson<{ name?: string }>(info.url, signal);
  const points = new PointPrimitiveCollection();
  const labels = new LabelCollection({ scene: viewer.scene });
  const color = Color.fromCssColorString(BUS_STOP_STYLE.color);
  const near = new DistanceDisplayCondition(0, 2_500);
  for (const f of fc.features) {
    for (const p of pointsOf(f.geometry)) {
      const position = Cartesian3.fromDegrees(p[0], p[1], 3);
      points.add({
        position,
        color,
        pixelSize: BUS_STOP_STYLE.size,
        outlineColor: Color.WHITE,
        outlineWidth: 1.5,
        disableDepthTestDistance: 5_000,
      });
      const name = f.properties?.name;
      if (name) {
        labels.add({
          text: name,
          position,
          font: '13px sans-serif',
          fillColor: Color.WHITE,
          outlineColor: Color.BLACK,
          outlineWidth: 3,
          style: LabelStyle.FILL_AND_OUTLINE,
          pixelOffset: new Cartesian2(8, 0),
          horizontalOrigin: HorizontalOrigin.LEFT,
          verticalOrigin: VerticalOrigin.CENTER,
          distanceDisplayCondition: near,
          disableDepthTestDistance: 2_500,
        });
      }
    }
  }
  viewer.scene.primitives.add(points);
  viewer.scene.primitives.add(labels);
  viewer.scene.requestRender();
  return removing(viewer, info, [points, labels]);
}

/** Quantized-mesh terrain (`layer.json`), replacing the default ellipsoid. */
async function loadTerrain(viewer: Viewer, info: LayerInfo): Promise<LoadedLayer> {
  const provider = await CesiumTerrainProvider.fromUrl(info.url, { requestVertexNormals: true });
  if (viewer.isDestroyed()) throw new Error('viewer destroyed');
  const previous = viewer.terrainProvider;
  viewer.scene.setTerrain(new Terrain(Promise.resolve(provider)));
  return {
    info,
    ready: () => true,
    destroy() {
      if (!viewer.isDestroyed()) viewer.terrainProvider = previous;
    },
  };
}

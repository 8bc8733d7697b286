import {
  ArcType,
  Cartesian2,
  Cartesian3,
  Cartographic,
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
  sampleTerrainMostDetailed,
  Terrain,
  type TerrainProvider,
  VerticalOrigin,
  type Viewer,
} from 'cesium';
import type { LayerInfo } from '../api';
import { inLang, onLangChange } from '../i18n';
import { canvasFont, uiFontReady } from '../i18n/font';
import { type Feature, fetchGeoJson, labelPoint, linesOf, type Position, pointsOf } from './geojson';
import { BOUNDARY_STYLE, BUS_STOP_STYLE, ROAD_STYLES, type RoadClass } from './layerStyle';

/** What a loaded layer leaves in the scene, so it can be removed again. */
export interface LoadedLayer {
  info: LayerInfo;
  tileset?: Cesium3DTileset;
  /** A terrain layer's provider, once it is the globe's terrain. */
  terrain?: TerrainProvider;
  /** A roads layer's features (ids, classes, lines with ground heights), e.g. for live traffic. */
  features?: Feature<Record<string, unknown>>[];
  /** Whether its primitives finished building their geometry (they do so over several frames). */
  ready(): boolean;
  /** Shows or hides it without unloading (the catalogue panel's toggle); absent for terrain. */
  setShown?(shown: boolean): void;
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
  /** The terrain in the scene, if any: points and labels are placed on it, not at sea level. */
  terrain?: TerrainProvider;
}

/**
 * Ellipsoid heights (m) of the ground under points: from the terrain's most detailed tiles, or
 * 0 (the bare ellipsoid) without terrain. A point that cannot be sampled gets 0.
 */
async function groundHeights(
  terrain: TerrainProvider | undefined,
  points: readonly Position[],
): Promise<number[]> {
  if (!terrain || points.length === 0) return points.map(() => 0);
  const samples = await sampleTerrainMostDetailed(
    terrain,
    points.map((p) => Cartographic.fromDegrees(p[0], p[1])),
  );
  return samples.map((c) => (Number.isFinite(c.height) ? c.height : 0));
}

export async function loadLayer(viewer: Viewer, info: LayerInfo, options: LoadOptions): Promise<LoadedLayer> {
  const layer = await loadLayerContent(viewer, info, options);
  const attribution = info.attribution;
  if (!attribution) return layer;
  // Licences such as ODbL and CC-BY-SA require the source to be shown with the data; in the
  // active language where the layer has an English line (a switch swaps the credit).
  const creditNow = () => new Credit(escapeHtml(inLang(attribution, info.en?.attribution)), true);
  let credit = creditNow();
  viewer.creditDisplay.addStaticCredit(credit);
  const unlisten = onLangChange(() => {
    if (viewer.isDestroyed()) return;
    viewer.creditDisplay.removeStaticCredit(credit);
    credit = creditNow();
    viewer.creditDisplay.addStaticCredit(credit);
    viewer.scene.requestRender();
  });
  return {
    ...layer,
    destroy() {
      unlisten();
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
      return loadPoints(viewer, info, signal, options.terrain);
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
    setShown(shown: boolean) {
      for (const p of primitives) (p as { show: boolean }).show = shown;
      if (!viewer.isDestroyed()) viewer.scene.requestRender();
    },
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
 * One batched primitive for many lines of one width and material. Lines that carry heights
 * (z = ground height, written by the tiler from the same terrain) are drawn just above them as
 * plain polylines — cheap; other lines are ground-clamped when there is terrain (shadow
 * volumes: a software renderer takes seconds per frame for thousands of them), else drawn at
 * LINE_HEIGHT_M above the ellipsoid.
 */
function linesPrimitive(
  lines: Position[][],
  width: number,
  material: Material,
  clampToGround: boolean,
): GroundPolylinePrimitive | Primitive | undefined {
  const withZ = lines.every((line) => line.every((p) => p.length >= 3));
  const drape = clampToGround && !withZ;
  const instances: GeometryInstance[] = [];
  for (const line of lines) {
    const flat: number[] = [];
    let last: Position | undefined;
    for (const p of line) {
      if (last && last[0] === p[0] && last[1] === p[1]) continue;
      flat.push(p[0], p[1], withZ ? (p[2] ?? 0) + LINE_HEIGHT_M : LINE_HEIGHT_M);
      last = p;
    }
    if (flat.length < 6) continue;
    const geometry = drape
      ? new GroundPolylineGeometry({ positions: Cartesian3.fromDegreesArray(withoutHeight(flat)), width })
      : new PolylineGeometry({
          positions: Cartesian3.fromDegreesArrayHeights(flat),
          width,
          arcType: ArcType.GEODESIC,
        });
    instances.push(new GeometryInstance({ geometry }));
  }
  if (!instances.length) return undefined;
  const appearance = new PolylineMaterialAppearance({ material });
  return drape
    ? new GroundPolylinePrimitive({ geometryInstances: instances, appearance, allowPicking: false })
    : new Primitive({ geometryInstances: instances, appearance, allowPicking: false });
}

function colorMaterial(css: string): Material {
  return Material.fromType('Color', { color: Color.fromCssColorString(css) });
}

function withoutHeight(lonLatH: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < lonLatH.length; i += 3) out.push(lonLatH[i]!, lonLatH[i + 1]!);
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
    features: fc.features as Feature<Record<string, unknown>>[],
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
  const named = fc.features.flatMap((f) => {
    const name = f.properties?.name;
    const at = labelPoint(f.geometry);
    return name && at ? [{ name, at }] : [];
  });
  const ground = await groundHeights(
    options.terrain,
    named.map((n) => n.at),
  );
  // Canvas labels keep the glyphs of the font loaded when first drawn: wait for Be Vietnam Pro.
  await uiFontReady;
  for (const [i, { name, at }] of named.entries()) {
    labels.add({
      text: name,
      position: Cartesian3.fromDegrees(at[0], at[1], ground[i]! + 30),
      font: canvasFont(600, 20),
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
async function loadPoints(
  viewer: Viewer,
  info: LayerInfo,
  signal: AbortSignal,
  terrain: TerrainProvider | undefined,
): Promise<LoadedLayer> {
  const fc = await fetchGeoJson<{ name?: string }>(info.url, signal);
  const all = fc.features.flatMap((f) => pointsOf(f.geometry));
  const ground = await groundHeights(terrain, all);
  await uiFontReady;
  let k = 0;
  const points = new PointPrimitiveCollection();
  const labels = new LabelCollection({ scene: viewer.scene });
  const color = Color.fromCssColorString(BUS_STOP_STYLE.color);
  const near = new DistanceDisplayCondition(0, 2_500);
  for (const f of fc.features) {
    for (const p of pointsOf(f.geometry)) {
      const position = Cartesian3.fromDegrees(p[0], p[1], ground[k++]! + 3);
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
          font: canvasFont(400, 13),
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

/**
 * Quantized-mesh terrain (`layer.json` from `bdtwin terrain`), replacing the bare ellipsoid.
 * Heights are WGS 84 ellipsoid heights, the same datum the building tiler clamps bases to.
 */
async function loadTerrain(viewer: Viewer, info: LayerInfo): Promise<LoadedLayer> {
  // Normals light the relief; the tiles carry them (octvertexnormals). The water mask, where
  // the tiler was given water polygons, makes Cesium draw rivers as water (waves, sun glint);
  // without one in layer.json Cesium does not ask for it.
  // fromUrl wants the folder: it appends "/layer.json" itself (and, given the file, would ask
  // for layer.json/layer.json, fail, and silently fall back to a layer.json-less default).
  const folder = info.url.replace(/layer\.json(\?.*)?$/, '');
  const provider = await CesiumTerrainProvider.fromUrl(folder, {
    requestVertexNormals: true,
    requestWaterMask: true,
  });
  if (viewer.isDestroyed()) throw new Error('viewer destroyed');
  const { globe } = viewer.scene;
  const previous = viewer.terrainProvider;
  const previousDepthTest = globe.depthTestAgainstTerrain;
  viewer.scene.setTerrain(new Terrain(Promise.resolve(provider)));
  // Hills hide what is behind them, and a building's base buried on the uphill side stays buried.
  globe.depthTestAgainstTerrain = true;
  globe.enableLighting = true;
  viewer.scene.requestRender();
  return {
    info,
    terrain: provider,
    // The terrain counts as loaded when the globe has every tile for the view.
    ready: () => viewer.isDestroyed() || globe.tilesLoaded,
    destroy() {
      if (viewer.isDestroyed()) return;
      viewer.terrainProvider = previous;
      globe.depthTestAgainstTerrain = previousDepthTest;
      globe.enableLighting = false;
    },
  };
}

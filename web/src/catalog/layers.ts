import {
  Cartesian2,
  Cartesian3,
  Cartographic,
  Cesium3DTileFeature,
  Cesium3DTileStyle,
  Cesium3DTileset,
  ClassificationType,
  Color,
  ColorGeometryInstanceAttribute,
  DistanceDisplayCondition,
  EllipsoidTerrainProvider,
  GeometryInstance,
  GroundPolylineGeometry,
  GroundPolylinePrimitive,
  GroundPrimitive,
  HorizontalOrigin,
  LabelCollection,
  LabelStyle,
  NearFarScalar,
  PerInstanceColorAppearance,
  PointPrimitiveCollection,
  PolygonGeometry,
  PolygonHierarchy,
  PolylineColorAppearance,
  ShadowMode,
  ShowGeometryInstanceAttribute,
  sampleTerrainMostDetailed,
  VerticalOrigin,
  type Viewer,
} from 'cesium';
import { canvasFont } from '../i18n/font';
import {
  type Feature,
  type FeatureCollection,
  labelPoint,
  linesOf,
  type Position,
  pointsOf,
} from '../scene/geojson';
import { type CatalogLayerInfo, styleColor, validOn } from './contracts';
import { defaultOpacity, tilesetStyleJson } from './style';
import { loadVectorTiles } from './vectorTileLayer';

/**
 * Cesium objects for catalogue layers the viewer loads on demand (the demo's own layers stay
 * TwinScene's). 2D layers are draped on the terrain: polygons as one `GroundPrimitive` (per-feature
 * colour and show attributes, so a style, opacity or date change rewrites attributes instead of
 * rebuilding geometry), their outlines and lines as one `GroundPolylinePrimitive`, points as a
 * point collection placed on the sampled terrain. Tiled polygon layers are vector tiles painted
 * into an imagery layer (vectorTileLayer.ts) or, in the 3D Tiles form, a `Cesium3DTileset` drawn
 * as classification volumes; both styled with the same colour table (docs/catalog.md).
 */

/** What a click on a catalogue layer reports. */
export interface PickedFeature {
  layerId: string;
  properties: Record<string, unknown>;
  /** The feature's rings, each flat [lon0, lat0, …] in degrees, where it is outlined when picked. */
  outline?: number[][];
}

/** Identifies a primitive's instance; Cesium hands it back from `scene.pick`. */
interface InstanceId {
  catalogLayer: string;
  index: number;
}

export interface CatalogScene {
  info: CatalogLayerInfo;
  /** Number of features loaded (a tileset reports what its loaded tiles hold). */
  featureCount: number;
  ready(): boolean;
  setShown(shown: boolean): void;
  setOpacity(opacity: number): void;
  /** Time-aware layers: show the features valid on `day`; returns how many are. */
  setDate(day: string): void;
  /** Features valid on the current date (all, for layers without feature dates). */
  visibleFeatures(): Feature[];
  /** The feature behind a pick result, if it is this layer's. */
  pickedFeature(picked: unknown): PickedFeature | undefined;
  /**
   * Layers `scene.pick` cannot see (imagery): the feature under a window position, if any.
   * Asked only when nothing else was picked there.
   */
  pickAt?(position: Cartesian2): Promise<PickedFeature | undefined>;
  destroy(): void;
}

/** Loads a catalogue layer from its URL or, for a dropped file, from a collection in memory. */
export async function loadCatalogLayer(
  viewer: Viewer,
  info: CatalogLayerInfo,
  options: { signal?: AbortSignal; collection?: FeatureCollection; day: string; shown: boolean },
): Promise<CatalogScene> {
  if (info.kind === 'polygon-tiles') return loadTiled(viewer, info, options.shown);
  if (info.kind === 'polygon-vector-tiles') {
    return loadVectorTiles(viewer, info, {
      day: options.day,
      shown: options.shown,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
  const fc = options.collection ?? (await fetchCollection(info.url, options.signal));
  return drape(viewer, info, fc, options.day, options.shown);
}

async function fetchCollection(url: string, signal?: AbortSignal): Promise<FeatureCollection> {
  const res = await fetch(url, signal ? { signal } : {});
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${url})`);
  const json = (await res.json()) as FeatureCollection;
  if (json?.type !== 'FeatureCollection' || !Array.isArray(json.features)) {
    throw new Error(`not a GeoJSON FeatureCollection (${url})`);
  }
  return json;
}

async function loadTiled(viewer: Viewer, info: CatalogLayerInfo, shown: boolean): Promise<CatalogScene> {
  const tileset = await Cesium3DTileset.fromUrl(info.url, {
    shadows: ShadowMode.DISABLED,
    enablePick: true,
    // The prisms straddle the ground; drawn as classification volumes they paint their colour on
    // whatever terrain level of detail is on screen, never buried or floating (docs/catalog.md).
    classificationType: ClassificationType.TERRAIN,
    // A parcel smaller than a few pixels is not worth drawing (docs/catalog.md: measured).
    maximumScreenSpaceError: 4,
  });
  if (viewer.isDestroyed()) {
    tileset.destroy();
    throw new Error('viewer destroyed');
  }
  let opacity = defaultOpacity(info);
  const applyStyle = () => {
    tileset.style = new Cesium3DTileStyle(tilesetStyleJson(info.style, opacity));
  };
  applyStyle();
  tileset.show = shown;
  viewer.scene.primitives.add(tileset);
  let loadedFeatures = 0;
  tileset.tileLoad.addEventListener((tile) => {
    loadedFeatures += tile.content?.featuresLength ?? 0;
  });
  return {
    info,
    get featureCount() {
      return loadedFeatures;
    },
    ready: () => !tileset.show || tileset.tilesLoaded,
    setShown(v) {
      tileset.show = v;
      viewer.scene.requestRender();
    },
    setOpacity(v) {
      opacity = v;
      applyStyle();
      viewer.scene.requestRender();
    },
    setDate() {},
    visibleFeatures: () => [],
    pickedFeature(picked) {
      if (!(picked instanceof Cesium3DTileFeature) || picked.tileset !== tileset) return undefined;
      const properties: Record<string, unknown> = {};
      for (const id of picked.getPropertyIds()) properties[id] = picked.getProperty(id);
      // The volume's height is the tiler's, not the data's.
      delete properties.height;
      delete properties.storeys;
      // The tiler records its input file; for a catalogue layer that is `bdtwin add`'s staging file.
      if (/\.staging\.geojsonl$/.test(String(properties.source ?? ''))) delete properties.source;
      return { layerId: info.id, properties };
    },
    destroy() {
      if (!viewer.isDestroyed()) viewer.scene.primitives.remove(tileset);
    },
  };
}

function hasTerrain(viewer: Viewer): boolean {
  return !(viewer.terrainProvider instanceof EllipsoidTerrainProvider);
}

function ringPositions(ring: Position[]): Cartesian3[] {
  const flat: number[] = [];
  let last: Position | undefined;
  for (const p of ring) {
    if (last && last[0] === p[0] && last[1] === p[1]) continue;
    flat.push(p[0], p[1]);
    last = p;
  }
  return Cartesian3.fromDegreesArray(flat);
}

function polygonsOf(f: Feature): Position[][][] {
  const g = f.geometry;
  if (!g) return [];
  if (g.type === 'Polygon') return [g.coordinates];
  if (g.type === 'MultiPolygon') return g.coordinates;
  return [];
}

async function drape(
  viewer: Viewer,
  info: CatalogLayerInfo,
  fc: FeatureCollection,
  initialDay: string,
  shown: boolean,
): Promise<CatalogScene> {
  const { scene } = viewer;
  const features = fc.features;
  let opacity = defaultOpacity(info);
  let day = initialDay;
  let visible = shown;
  const valid = (f: Feature) => !info.timeFeatures || validOn((f.properties ?? {}) as object, day);
  const colorOf = (f: Feature, alpha: number) =>
    Color.fromCssColorString(styleColor(info.style, f.properties)).withAlpha(alpha);
  const fillAlpha = () =>
    info.kind === 'boundaries' ? Math.min(opacity, info.style.opacity ?? 0.18) : opacity;
  const lineAlpha = () => (info.kind === 'boundaries' ? 1 : Math.min(1, opacity + 0.3));

  const fillIds: InstanceId[] = [];
  const fillFeature: number[] = [];
  const lineIds: InstanceId[] = [];
  const lineFeature: number[] = [];
  const fills: GeometryInstance[] = [];
  const lines: GeometryInstance[] = [];
  const outlined = info.kind === 'boundaries' || info.kind === 'lines' || features.length <= 5_000;
  const width = info.style.widthPx ?? (info.kind === 'boundaries' ? 3 : 2);
  features.forEach((f, index) => {
    const isValid = valid(f);
    const attributes = () => ({
      color: ColorGeometryInstanceAttribute.fromColor(colorOf(f, 1)),
      show: new ShowGeometryInstanceAttribute(isValid),
    });
    if (info.kind === 'polygons' || info.kind === 'boundaries') {
      for (const poly of polygonsOf(f)) {
        const [outer, ...holes] = poly;
        if (!outer || outer.length < 4) continue;
        const id: InstanceId = { catalogLayer: info.id, index };
        const hierarchy = new PolygonHierarchy(
          ringPositions(outer),
          holes.map((h) => new PolygonHierarchy(ringPositions(h))),
        );
        const a = attributes();
        a.color = ColorGeometryInstanceAttribute.fromColor(colorOf(f, fillAlpha()));
        fills.push(
          new GeometryInstance({
            geometry: new PolygonGeometry({ polygonHierarchy: hierarchy }),
            id,
            attributes: a,
          }),
        );
        fillIds.push(id);
        fillFeature.push(index);
      }
    }
    if (outlined && info.kind !== 'points') {
      for (const line of linesOf(f.geometry)) {
        const positions = ringPositions(line);
        if (positions.length < 2) continue;
        const id: InstanceId = { catalogLayer: info.id, index };
        const a = attributes();
        a.color = ColorGeometryInstanceAttribute.fromColor(colorOf(f, lineAlpha()));
        lines.push(
          new GeometryInstance({
            geometry: new GroundPolylineGeometry({ positions, width }),
            id,
            attributes: a,
          }),
        );
        lineIds.push(id);
        lineFeature.push(index);
      }
    }
  });
  const primitives: { show: boolean; ready?: boolean }[] = [];
  const fillPrimitive = fills.length
    ? scene.primitives.add(
        new GroundPrimitive({
          geometryInstances: fills,
          appearance: new PerInstanceColorAppearance({ flat: true, translucent: true }),
          // Terrain only: a parcel colour must not paint the walls of the buildings on it.
          classificationType: ClassificationType.TERRAIN,
        }),
      )
    : undefined;
  if (fillPrimitive) primitives.push(fillPrimitive);
  const linePrimitive = lines.length
    ? scene.primitives.add(
        new GroundPolylinePrimitive({
          geometryInstances: lines,
          appearance: new PolylineColorAppearance({ translucent: true }),
          classificationType: ClassificationType.TERRAIN,
        }),
      )
    : undefined;
  if (linePrimitive) primitives.push(linePrimitive);

  // Points and labels sit on the terrain drawn (sampled once), always visible above roofs nearby.
  const points = info.kind === 'points' ? new PointPrimitiveCollection() : undefined;
  const labels = info.labelProperty || info.kind === 'points' ? new LabelCollection({ scene }) : undefined;
  const pointRefs: {
    index: number;
    point?: ReturnType<PointPrimitiveCollection['add']>;
    label?: ReturnType<LabelCollection['add']>;
  }[] = [];
  const anchors: { index: number; at: Position }[] = [];
  features.forEach((f, index) => {
    if (info.kind === 'points') for (const p of pointsOf(f.geometry)) anchors.push({ index, at: p });
    else if (info.labelProperty) {
      const at = labelPoint(f.geometry);
      if (at) anchors.push({ index, at });
    }
  });
  let heights = anchors.map(() => 0);
  if (anchors.length && hasTerrain(viewer)) {
    try {
      const sampled = await sampleTerrainMostDetailed(
        viewer.terrainProvider,
        anchors.map((a) => Cartographic.fromDegrees(a.at[0], a.at[1])),
      );
      heights = sampled.map((c) => (Number.isFinite(c.height) ? c.height : 0));
    } catch {
      /* outside the terrain: leave them at 0 */
    }
  }
  const near = new DistanceDisplayCondition(0, info.kind === 'points' ? 6_000 : 80_000);
  anchors.forEach(({ index, at }, k) => {
    const f = features[index]!;
    const position = Cartesian3.fromDegrees(at[0], at[1], heights[k]! + (info.kind === 'points' ? 4 : 20));
    const ref: (typeof pointRefs)[number] = { index };
    if (points) {
      ref.point = points.add({
        position,
        color: colorOf(f, 1),
        pixelSize: info.style.widthPx ?? 9,
        outlineColor: Color.WHITE,
        outlineWidth: 1.5,
        disableDepthTestDistance: 5_000,
        id: { catalogLayer: info.id, index } satisfies InstanceId,
        show: valid(f),
      });
    }
    const text = info.labelProperty ? f.properties?.[info.labelProperty] : undefined;
    if (labels && text !== undefined && text !== null && text !== '') {
      ref.label = labels.add({
        text: String(text),
        position,
        font: info.kind === 'points' ? canvasFont(400, 12) : canvasFont(600, 15),
        fillColor: Color.WHITE,
        outlineColor: info.kind === 'points' ? Color.BLACK : colorOf(f, 1).darken(0.4, new Color()),
        outlineWidth: 3,
        style: LabelStyle.FILL_AND_OUTLINE,
        pixelOffset: info.kind === 'points' ? new Cartesian2(8, 0) : Cartesian2.ZERO,
        horizontalOrigin: info.kind === 'points' ? HorizontalOrigin.LEFT : HorizontalOrigin.CENTER,
        verticalOrigin: VerticalOrigin.CENTER,
        distanceDisplayCondition: near,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        scaleByDistance: new NearFarScalar(2_000, 1.0, 60_000, 0.6),
        show: valid(f),
      });
    }
    pointRefs.push(ref);
  });
  if (points) primitives.push(scene.primitives.add(points));
  if (labels) primitives.push(scene.primitives.add(labels));
  for (const p of primitives) p.show = visible;

  /** Rewrites per-instance attributes once the primitive has built its geometry. */
  const update = () => {
    if (viewer.isDestroyed()) return;
    const apply = (
      primitive: GroundPrimitive | GroundPolylinePrimitive | undefined,
      ids: InstanceId[],
      featureOf: number[],
      alpha: number,
    ) => {
      if (!primitive?.ready) return false;
      ids.forEach((id, k) => {
        const f = features[featureOf[k]!]!;
        const a = primitive.getGeometryInstanceAttributes(id) as { color: Uint8Array; show: Uint8Array };
        a.color = ColorGeometryInstanceAttribute.toValue(colorOf(f, alpha), a.color);
        a.show = ShowGeometryInstanceAttribute.toValue(valid(f), a.show);
      });
      return true;
    };
    const pending =
      (fillPrimitive && !apply(fillPrimitive, fillIds, fillFeature, fillAlpha())) ||
      (linePrimitive && !apply(linePrimitive, lineIds, lineFeature, lineAlpha()));
    for (const ref of pointRefs) {
      const f = features[ref.index]!;
      if (ref.point) {
        ref.point.show = valid(f);
        ref.point.color = colorOf(f, Math.max(0.2, opacity));
      }
      if (ref.label) ref.label.show = valid(f);
    }
    scene.requestRender();
    // Geometry still building: try again after the next frame.
    if (pending) {
      const remove = scene.postRender.addEventListener(() => {
        remove();
        update();
      });
    }
  };

  // Render until the geometry is built (update() re-requests a frame while it is pending): in
  // requestRenderMode nothing else may ask for a frame, and the layer would never draw.
  update();

  return {
    info,
    featureCount: features.length,
    ready: () => primitives.every((p) => p.ready !== false),
    setShown(v) {
      visible = v;
      for (const p of primitives) p.show = v;
      scene.requestRender();
    },
    setOpacity(v) {
      opacity = v;
      update();
    },
    setDate(d) {
      if (!info.timeFeatures || d === day) return;
      day = d;
      update();
    },
    visibleFeatures: () => features.filter(valid),
    pickedFeature(picked) {
      const id = (picked as { id?: unknown } | undefined)?.id as InstanceId | undefined;
      if (!id || id.catalogLayer !== info.id) return undefined;
      return { layerId: info.id, properties: { ...(features[id.index]?.properties ?? {}) } };
    },
    destroy() {
      if (viewer.isDestroyed()) return;
      for (const p of primitives) scene.primitives.remove(p);
      scene.requestRender();
    },
  };
}

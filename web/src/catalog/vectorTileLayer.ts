import { type Cartesian2, Cartesian3, ImageryLayer, type Viewer } from 'cesium';
import type { CatalogLayerInfo, VectorTileSetJson } from './contracts';
import { FRAME_BUDGET_DEFAULTS, FrameBudget } from './frameBudget';
import type { CatalogScene, PickedFeature } from './layers';
import { defaultOpacity } from './style';
import { uploadTilesDirectly, VectorTileImageryProvider } from './vectorTileImagery';
import { acquireVectorTileWorker, type PickedVectorFeature } from './vectorTileWorkerClient';

/**
 * A `polygon-vector-tiles` catalogue layer on the globe: one ImageryLayer over a
 * VectorTileImageryProvider (docs/catalog.md). Show and opacity are the layer's `show` and
 * `alpha` (nothing is repainted); a date change of a time-aware layer repaints through a new
 * provider. `ready()` means the tiles for the current view are drawn: a frame was rendered from
 * where the camera is now (the globe's `tilesLoaded` still speaks of the previous view right
 * after a jump), the globe had nothing left to load in it, and no tile is still being painted.
 */

/** Checks what the viewer relies on in a tiles.json, naming the URL and the field. */
export function checkTileJson(json: unknown, url: string): VectorTileSetJson {
  const t = json as Partial<VectorTileSetJson> | null;
  const fail = (what: string) => {
    throw new Error(`${url}: ${what}`);
  };
  if (!t || typeof t !== 'object') return fail('not a JSON object');
  if (typeof t.tilejson !== 'string') fail('no "tilejson" version: not a TileJSON file');
  if (!Array.isArray(t.tiles) || typeof t.tiles[0] !== 'string') fail('"tiles" must list a URL template');
  const zoom = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 24;
  if (!zoom(t.minzoom) || !zoom(t.maxzoom) || t.maxzoom! < t.minzoom!)
    fail(`"minzoom"/"maxzoom" must be zooms 0–24 with minzoom ≤ maxzoom (got ${t.minzoom}, ${t.maxzoom})`);
  if (!Array.isArray(t.bounds) || t.bounds.length !== 4 || !t.bounds.every(Number.isFinite))
    fail('"bounds" must be [west, south, east, north] in degrees');
  if (!Array.isArray(t.bdtwin?.available) || t.bdtwin.available.length !== t.maxzoom! - t.minzoom! + 1)
    fail(
      '"bdtwin.available" must list the tiles of each zoom from minzoom to maxzoom (written by bdtwin add)',
    );
  return t as VectorTileSetJson;
}

export async function loadVectorTiles(
  viewer: Viewer,
  info: CatalogLayerInfo,
  options: { signal?: AbortSignal; day: string; shown: boolean },
): Promise<CatalogScene> {
  const tileJsonUrl = new URL(info.url, window.location.href).href;
  const res = await fetch(tileJsonUrl, options.signal ? { signal: options.signal } : {});
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${info.url})`);
  const tileJson = checkTileJson(await res.json(), info.url);
  if (viewer.isDestroyed()) throw new Error('viewer destroyed');
  const { scene } = viewer;
  const worker = acquireVectorTileWorker();
  let day = options.day;
  let shown = options.shown;
  let alpha = defaultOpacity(info);

  // Painted tiles reach Cesium two per frame: it uploads all it has received at the next one.
  const budget = new FrameBudget({
    ...FRAME_BUDGET_DEFAULTS,
    frames: scene.postRender,
    wake: () => scene.requestRender(),
  });
  const make = () => {
    const provider = new VectorTileImageryProvider({
      tileJson,
      tileJsonUrl,
      style: info.style,
      day: info.timeFeatures ? day : undefined,
      attribution: info.attribution,
      worker,
      budget,
      onTile: () => scene.requestRender(),
    });
    const layer = new ImageryLayer(provider, {
      alpha,
      show: shown,
      // Imagery level ≈ terrain level for 512-px Web Mercator tiles on Cesium's geographic
      // terrain tiles (level + 1 for 256 px): below this, coarse terrain tiles would need every
      // minzoom tile of the layer, each a speckle of sub-pixel parcels.
      minimumTerrainLevel: tileJson.minzoom,
    });
    if (uploadTilesDirectly(layer)) provider.rows = 'south-first';
    viewer.imageryLayers.add(layer);
    return { provider, layer };
  };
  let current = make();

  // Where the camera was when the last frame was rendered.
  const { camera } = scene;
  const seen = { position: new Cartesian3(), direction: new Cartesian3(), rendered: false };
  const removePostRender = scene.postRender.addEventListener(() => {
    Cartesian3.clone(camera.positionWC, seen.position);
    Cartesian3.clone(camera.directionWC, seen.direction);
    seen.rendered = true;
  });
  const renderedHere = () =>
    seen.rendered &&
    Cartesian3.equalsEpsilon(camera.positionWC, seen.position, 0, 1e-3) &&
    Cartesian3.equalsEpsilon(camera.directionWC, seen.direction, 1e-9);

  return {
    info,
    featureCount: tileJson.bdtwin.featureCount,
    ready: () =>
      !current.layer.show ||
      (current.layer.ready && renderedHere() && scene.globe.tilesLoaded && current.provider.pending === 0),
    setShown(v) {
      shown = v;
      current.layer.show = v;
      // Not drawn until a frame has been rendered with it.
      seen.rendered = false;
      scene.requestRender();
    },
    setOpacity(v) {
      alpha = v;
      current.layer.alpha = v;
      scene.requestRender();
    },
    setDate(d) {
      if (!info.timeFeatures || d === day) return;
      day = d;
      // Repaint: a new provider with the day; the old layer goes once the new one is in.
      const old = current;
      current = make();
      seen.rendered = false;
      viewer.imageryLayers.remove(old.layer, true);
      scene.requestRender();
    },
    visibleFeatures: () => [],
    // Imagery is not in scene.pick's result: see pickAt.
    pickedFeature: () => undefined,
    async pickAt(position: Cartesian2): Promise<PickedFeature | undefined> {
      if (!current.layer.show || viewer.isDestroyed()) return undefined;
      const ray = viewer.camera.getPickRay(position);
      const found = ray ? viewer.imageryLayers.pickImageryLayerFeatures(ray, scene) : undefined;
      if (!found) return undefined;
      const layer = current.layer;
      const hit = (await found).find((f) => f.imageryLayer === layer);
      if (!hit) return undefined;
      const { properties, outline } = hit.data as PickedVectorFeature;
      return { layerId: info.id, properties: { ...properties }, outline };
    },
    destroy() {
      removePostRender();
      budget.destroy();
      worker.release();
      if (viewer.isDestroyed()) return;
      viewer.imageryLayers.remove(current.layer, true);
      scene.requestRender();
    },
  };
}

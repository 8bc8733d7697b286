import {
  buildModuleUrl,
  Color,
  ImageryLayer,
  ScreenSpaceEventType,
  TileMapServiceImageryProvider,
  type Viewer,
} from 'cesium';

/**
 * Constructor options for an offline Cesium Viewer: no ion token, no Bing, no geocoder,
 * no default base layer or terrain request. Imagery is added by `addOfflineImagery`.
 */
export const OFFLINE_VIEWER_OPTIONS = {
  baseLayer: false,
  baseLayerPicker: false,
  geocoder: false,
  animation: false,
  timeline: false,
  fullscreenButton: false,
  sceneModePicker: false,
  navigationHelpButton: false,
  projectionPicker: false,
  vrButton: false,
  infoBox: false,
  selectionIndicator: false,
  homeButton: true,
  scene3DOnly: true,
  // Mostly static scene: render only when something changed (camera, tiles, styles).
  requestRenderMode: true,
  maximumRenderTimeChange: Number.POSITIVE_INFINITY,
} as const;

/** Cesium's bundled Natural Earth II (served from /cesium/Assets, low resolution, offline). */
export async function addOfflineImagery(viewer: Viewer): Promise<void> {
  const provider = await TileMapServiceImageryProvider.fromUrl(
    buildModuleUrl('Assets/Textures/NaturalEarthII'),
  );
  if (viewer.isDestroyed()) return;
  viewer.imageryLayers.add(new ImageryLayer(provider), 0);
  viewer.scene.requestRender();
}

/** Scene tweaks for a small-area city view. */
export function configureScene(viewer: Viewer): void {
  const { scene } = viewer;
  scene.globe.baseColor = Color.fromCssColorString('#2f3d2c');
  scene.globe.showGroundAtmosphere = false;
  scene.fog.enabled = false;
  // Keep the camera above ground and not absurdly close.
  scene.screenSpaceCameraController.minimumZoomDistance = 20;
  scene.screenSpaceCameraController.maximumZoomDistance = 2_000_000;
  // Double-click would "track" a picked entity; we have no entities to track.
  viewer.cesiumWidget.screenSpaceEventHandler.removeInputAction(ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
  // The credit container links to cesium.com only when clicked; it loads nothing by itself.
}

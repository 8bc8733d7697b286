import {
  buildModuleUrl,
  Cartesian3,
  Math as CesiumMath,
  Color,
  DirectionalLight,
  ImageryLayer,
  JulianDate,
  Matrix4,
  ScreenSpaceEventType,
  TileMapServiceImageryProvider,
  Transforms,
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

/**
 * A fixed afternoon light from the south-west, 45° above the horizon, instead of the real sun
 * at the current clock time: buildings read the same at any hour, and the south and west
 * facades seen from the default (south-looking-north) views are lit with different strengths.
 */
function fixedLight(lonDeg: number, latDeg: number): DirectionalLight {
  const enu = Transforms.eastNorthUpToFixedFrame(Cartesian3.fromDegrees(lonDeg, latDeg));
  const azimuth = CesiumMath.toRadians(215); // clockwise from north: south-west
  const elevation = CesiumMath.toRadians(45);
  const toSun = new Cartesian3(
    Math.sin(azimuth) * Math.cos(elevation), // east
    Math.cos(azimuth) * Math.cos(elevation), // north
    Math.sin(elevation), // up
  );
  const direction = Matrix4.multiplyByPointAsVector(
    enu,
    Cartesian3.negate(toSun, new Cartesian3()),
    new Cartesian3(),
  );
  return new DirectionalLight({ direction: Cartesian3.normalize(direction, direction), intensity: 2.2 });
}

/** The WebGL renderer's name, e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))". */
export function rendererName(viewer: Viewer): string {
  const gl = viewer.scene.canvas.getContext('webgl2') ?? viewer.scene.canvas.getContext('webgl');
  if (!gl) return '';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
}

/** CPU rasterisers (SwiftShader, llvmpipe): a machine without a usable GPU. */
export function isSoftwareRenderer(name: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software/i.test(name);
}

/** Scene tweaks for a small-area city view around (lonDeg, latDeg). */
export function configureScene(viewer: Viewer, lonDeg: number, latDeg: number): void {
  const { scene } = viewer;
  // A fixed daytime clock (15:00 in Vietnam) for the sky; the scene is not time-dynamic.
  viewer.clock.currentTime = JulianDate.fromIso8601('2025-03-20T08:00:00Z');
  viewer.clock.shouldAnimate = false;
  scene.light = fixedLight(lonDeg, latDeg);
  // Without a GPU, 4× MSAA makes every frame several times slower; drop it.
  if (isSoftwareRenderer(rendererName(viewer))) scene.msaaSamples = 1;
  scene.globe.baseColor = Color.fromCssColorString('#2f3d2c');
  scene.globe.showGroundAtmosphere = false;
  // The imagery is coarse (Natural Earth II): a coarser globe mesh looks the same and finishes
  // loading in far fewer frames.
  scene.globe.maximumScreenSpaceError = 4;
  scene.fog.enabled = false;
  // Keep the camera above ground and not absurdly close.
  scene.screenSpaceCameraController.minimumZoomDistance = 20;
  scene.screenSpaceCameraController.maximumZoomDistance = 2_000_000;
  // Double-click would "track" a picked entity; we have no entities to track.
  viewer.cesiumWidget.screenSpaceEventHandler.removeInputAction(ScreenSpaceEventType.LEFT_DOUBLE_CLICK);
}

/**
 * The light viewer (`/light.html`): the same buildings tileset drawn with three.js and
 * 3d-tiles-renderer instead of CesiumJS — no globe, no imagery, so it stays smooth on modest
 * kiosk PCs and under software rendering. It also proves the tiler's output loads in a second
 * 3D Tiles client (glTF + KHR_mesh_quantization + EXT_meshopt_compression + EXT_mesh_features
 * + EXT_structural_metadata). Test hooks: `window.__bdtwinLight` (docs/viewer.md).
 */
import { TilesRenderer } from '3d-tiles-renderer';
import { GLTFExtensionsPlugin, ReorientationPlugin } from '3d-tiles-renderer/plugins';
import {
  AmbientLight,
  Color,
  DirectionalLight,
  type Mesh,
  MeshStandardMaterial,
  PerspectiveCamera,
  Raycaster,
  Scene,
  Vector2,
  WebGLRenderer,
} from 'three';
import { MapControls } from 'three/examples/jsm/controls/MapControls.js';
import { MeshoptDecoder } from 'three/examples/jsm/libs/meshopt_decoder.module.js';
import type { LayerInfo } from '../api';
import { t } from '../i18n';
import { HOME_VIEW } from '../scene/home';

interface LightHooks {
  /** All tiles for the current view are loaded and drawn. */
  loaded: boolean;
  /** Meshes of loaded tile content in the scene. */
  meshes: number;
  /** Building id under a canvas pixel (read from EXT_mesh_features + EXT_structural_metadata). */
  pick(x: number, y: number): string | null;
  error: string | null;
  /** Tile contents (glb models) loaded so far (npm run bench:kiosk). */
  tilesLoadedCount: number;
  /**
   * Put the camera at a shareable camera view (web/src/state/viewState.ts units), in the local
   * east-north-up frame the ReorientationPlugin gives the tileset (flat-earth offsets from
   * HOME_VIEW, good to a few metres across the city). For the kiosk benchmark's flight.
   */
  setCamera(view: {
    lonDeg: number;
    latDeg: number;
    heightM: number;
    headingDeg: number;
    pitchDeg: number;
  }): void;
}

declare global {
  interface Window {
    __bdtwinLight?: LightHooks;
  }
}

const status = document.getElementById('status')!;
// `?lang=en` or the remembered choice, as on the other pages (the HTML itself says Vietnamese).
document.title = t('light.title');
status.textContent = t('light.loading', { percent: 0 });
const hooks: LightHooks = {
  loaded: false,
  meshes: 0,
  pick: () => null,
  error: null,
  tilesLoadedCount: 0,
  setCamera: () => {},
};
window.__bdtwinLight = hooks;

const DEG = Math.PI / 180;

async function main() {
  const layers = (await (await fetch('/api/layers')).json()) as LayerInfo[];
  const buildings = layers.find((l) => l.kind === 'buildings');
  if (!buildings) throw new Error('the service lists no buildings layer');

  const renderer = new WebGLRenderer({ antialias: false });
  renderer.setPixelRatio(1);
  renderer.setSize(window.innerWidth, window.innerHeight);
  document.body.appendChild(renderer.domElement);
  const scene = new Scene();
  scene.background = new Color('#9cb59a');
  scene.add(new AmbientLight(0xffffff, 1.2));
  const sun = new DirectionalLight(0xffffff, 2.2);
  sun.position.set(-1, 1.4, 0.8); // afternoon light from the south-west, as in the Cesium viewer
  scene.add(sun);
  const camera = new PerspectiveCamera(60, window.innerWidth / window.innerHeight, 5, 200_000);
  // ReorientationPlugin puts the home point at the origin with +y up, north towards −z.
  camera.position.set(0, 2600, 3800);
  const controls = new MapControls(camera, renderer.domElement);
  controls.target.set(0, 0, 0);
  controls.update();

  const tiles = new TilesRenderer(buildings.url);
  tiles.registerPlugin(new GLTFExtensionsPlugin({ meshoptDecoder: MeshoptDecoder, metadata: true }));
  tiles.registerPlugin(
    new ReorientationPlugin({ lat: HOME_VIEW.lat * DEG, lon: HOME_VIEW.lon * DEG, recenter: true }),
  );
  // Same screen-space error as the Cesium viewer: the tiler's errors are measured, not inflated.
  tiles.errorTarget = 2;
  tiles.setCamera(camera);
  tiles.setResolutionFromRenderer(camera, renderer);
  scene.add(tiles.group);

  // The glb material is light grey for Cesium styles to tint; colour by height here.
  tiles.addEventListener('load-model', (e: { scene: { traverse(f: (o: Mesh) => void): void } }) => {
    e.scene.traverse((o) => {
      if (!o.isMesh) return;
      o.material = new MeshStandardMaterial({ color: '#e9dcc3', roughness: 0.9, metalness: 0 });
    });
  });

  const raycaster = new Raycaster();
  hooks.pick = (x, y) => {
    const ndc = new Vector2(
      (x / renderer.domElement.clientWidth) * 2 - 1,
      -(y / renderer.domElement.clientHeight) * 2 + 1,
    );
    raycaster.setFromCamera(ndc, camera);
    const hit = raycaster.intersectObject(tiles.group, true)[0];
    const mesh = hit?.object as (Mesh & { userData: Record<string, never> }) | undefined;
    const features = mesh?.userData.meshFeatures as
      | {
          getFeatures(t: number, b: unknown): (number | null)[];
          getFeatureInfo(): { propertyTable?: number }[];
        }
      | undefined;
    const metadata = mesh?.userData.structuralMetadata as
      | { getPropertyTableData(t: number, id: number): Record<string, unknown> }
      | undefined;
    if (!hit || !features || !metadata || hit.faceIndex == null || !hit.barycoord) return null;
    const id = features.getFeatures(hit.faceIndex, hit.barycoord)[0];
    const table = features.getFeatureInfo()[0]?.propertyTable ?? 0;
    if (id == null) return null;
    return String(metadata.getPropertyTableData(table, id).id ?? '');
  };

  let modelLoaded = false;
  tiles.addEventListener('load-model', () => {
    modelLoaded = true;
    hooks.tilesLoadedCount++;
  });
  hooks.setCamera = (v) => {
    // Metres per degree at the home latitude (WGS84), enough for a city-sized frame.
    const lat0 = HOME_VIEW.lat * DEG;
    const mLat = 111_132.954 - 559.822 * Math.cos(2 * lat0);
    const mLon = 111_319.49 * Math.cos(lat0);
    const x = (v.lonDeg - HOME_VIEW.lon) * mLon;
    const z = -(v.latDeg - HOME_VIEW.lat) * mLat;
    camera.position.set(x, v.heightM, z);
    const h = v.headingDeg * DEG;
    const p = v.pitchDeg * DEG;
    const dir = [Math.sin(h) * Math.cos(p), Math.sin(p), -Math.cos(h) * Math.cos(p)] as const;
    controls.target.set(x + dir[0] * 100, v.heightM + dir[1] * 100, z + dir[2] * 100);
    camera.lookAt(controls.target);
    controls.update();
  };
  const frame = () => {
    requestAnimationFrame(frame);
    controls.update();
    camera.updateMatrixWorld();
    tiles.update();
    renderer.render(scene, camera);
    let meshes = 0;
    tiles.group.traverse((o) => {
      if ((o as Mesh).isMesh) meshes++;
    });
    hooks.meshes = meshes;
    // 'tiles-load-end' can come before the last model is in: loaded = a drawn frame after
    // models arrived with nothing left to load.
    hooks.loaded = modelLoaded && tiles.loadProgress === 1 && meshes > 0;
    status.textContent = hooks.loaded
      ? t('light.ready', { count: meshes })
      : t('light.loading', { percent: Math.round(tiles.loadProgress * 100) });
  };
  frame();
  window.addEventListener('resize', () => {
    renderer.setSize(window.innerWidth, window.innerHeight);
    camera.aspect = window.innerWidth / window.innerHeight;
    camera.updateProjectionMatrix();
    tiles.setResolutionFromRenderer(camera, renderer);
  });
}

main().catch((e: unknown) => {
  hooks.error = e instanceof Error ? e.message : String(e);
  status.textContent = t('light.error', { message: hooks.error });
  console.error('[bdtwin light]', e);
});

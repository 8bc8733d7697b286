import type { Cesium3DTileset, Viewer } from 'cesium';
import { OFFLINE_VIEWER_OPTIONS } from '../../scene/viewerSetup';

/**
 * Rendering profiles of the kiosk (`?profile=`). Measured by `npm run bench:kiosk`
 * (docs/benchmarks.md, "Kiosk rendering profiles"): the reduced profile is the default because
 * it keeps everything the kiosk needs (story flights, touch gestures, metadata picking, terrain)
 * at a fraction of the full profile's frame time on a modest PC.
 *
 * - `lite` (default): 0.6× resolution, no FXAA or MSAA, no sky atmosphere, sun, moon or stars,
 *   coarser building and globe refinement, capped tile cache, render only on change.
 * - `full`: what the city viewer `/` draws (full resolution, FXAA, sky atmosphere, buildings
 *   refined to 2 px).
 */
export type KioskProfile = 'lite' | 'full';
export const KIOSK_PROFILES: readonly KioskProfile[] = ['lite', 'full'];
export const DEFAULT_PROFILE: KioskProfile = 'lite';

export function parseProfile(value: string | null): KioskProfile {
  return KIOSK_PROFILES.includes(value as KioskProfile) ? (value as KioskProfile) : DEFAULT_PROFILE;
}

/** Settings per profile; numbers in one place so the benchmark and the docs quote them. */
export const PROFILE_SETTINGS = {
  lite: {
    resolutionScale: 0.6,
    fxaa: false,
    skyAtmosphere: false,
    /** Buildings: refine until a left-out building spans this many pixels (the city viewer: 2). */
    buildingsScreenSpaceErrorPx: 8,
    globeScreenSpaceErrorPx: 6,
    /** Tile cache of the buildings (bytes), so a long-running kiosk stays within a small PC's memory. */
    tileCacheBytes: 192 * 1024 * 1024,
  },
  full: {
    resolutionScale: 1,
    fxaa: true,
    skyAtmosphere: true,
    buildingsScreenSpaceErrorPx: 2,
    globeScreenSpaceErrorPx: 4,
    tileCacheBytes: 512 * 1024 * 1024,
  },
} as const;

/** Viewer constructor options: the offline set-up, without the home button (hover tooltip). */
export function kioskViewerOptions() {
  return { ...OFFLINE_VIEWER_OPTIONS, homeButton: false } as const;
}

/** Scene settings of a profile (after `configureScene`, which the city viewer shares). */
export function applySceneProfile(viewer: Viewer, profile: KioskProfile): void {
  const s = PROFILE_SETTINGS[profile];
  const { scene } = viewer;
  viewer.resolutionScale = s.resolutionScale;
  scene.postProcessStages.fxaa.enabled = s.fxaa;
  if (scene.skyAtmosphere) scene.skyAtmosphere.show = s.skyAtmosphere;
  scene.globe.maximumScreenSpaceError = s.globeScreenSpaceErrorPx;
  scene.fog.enabled = false;
  viewer.shadows = false;
  if (profile === 'lite') {
    scene.msaaSamples = 1;
    if (scene.sun) scene.sun.show = false;
    if (scene.moon) scene.moon.show = false;
    if (scene.skyBox) scene.skyBox.show = false;
    scene.globe.tileCacheSize = 50;
  }
  scene.requestRender();
}

/** Tileset settings of a profile (buildings). */
export function applyTilesetProfile(tileset: Cesium3DTileset, profile: KioskProfile): void {
  const s = PROFILE_SETTINGS[profile];
  tileset.maximumScreenSpaceError = s.buildingsScreenSpaceErrorPx;
  tileset.cacheBytes = s.tileCacheBytes;
  tileset.maximumCacheOverflowBytes = 64 * 1024 * 1024;
}

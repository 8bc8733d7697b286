/**
 * The Cesium side of the shareable view state: read the camera of a viewer as a `CameraView`
 * and move a viewer to one. Kept apart from the pure codec (viewState.ts) so tests and the
 * light viewer can use the codec without loading Cesium.
 */
import { Cartesian3, Math as CesiumMath, Matrix4, type Viewer } from 'cesium';
import { type CameraView, roundCameraView, sameCameraView } from './viewState';

/** Where the viewer's camera is now, rounded to link precision. */
export function cameraViewOf(viewer: Viewer): CameraView {
  const cam = viewer.camera;
  const carto = cam.positionCartographic;
  return roundCameraView({
    lonDeg: CesiumMath.toDegrees(carto.longitude),
    latDeg: CesiumMath.toDegrees(carto.latitude),
    heightM: carto.height,
    headingDeg: CesiumMath.toDegrees(cam.heading),
    pitchDeg: CesiumMath.toDegrees(cam.pitch),
  });
}

function destinationOf(view: CameraView) {
  return {
    destination: Cartesian3.fromDegrees(view.lonDeg, view.latDeg, view.heightM),
    orientation: {
      heading: CesiumMath.toRadians(view.headingDeg),
      pitch: CesiumMath.toRadians(view.pitchDeg),
      roll: 0,
    },
  };
}

/**
 * Move the camera to `view`: instantly when `durationS` ≤ 0 (restoring a link on load),
 * otherwise a flight (kiosk stories). Resolves true when it arrived, false when the flight was
 * cancelled (the user grabbed the camera, or another flight started).
 */
export function flyToView(viewer: Viewer, view: CameraView, durationS = 1.5): Promise<boolean> {
  const target = destinationOf(view);
  // Any lookAt transform left by an earlier orbit would make the destination relative to it.
  viewer.camera.lookAtTransform(Matrix4.IDENTITY);
  if (durationS <= 0) {
    viewer.camera.cancelFlight();
    viewer.camera.setView(target);
    viewer.scene.requestRender();
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    viewer.camera.flyTo({
      ...target,
      duration: durationS,
      complete: () => resolve(true),
      cancel: () => resolve(false),
    });
  });
}

/**
 * Call `onChange` with the camera view whenever it rests at a view that rounds differently from
 * the last one reported, `debounceMs` after the last frame that moved it (a drag writes one
 * URL, not sixty a second). Checked after each rendered frame rather than on Cesium's
 * `moveEnd`, which in request-render mode waits for a later frame that may come seconds after
 * (or never, for a programmatic `setView`). Returns the unsubscribe function.
 */
export function watchCameraView(
  viewer: Viewer,
  onChange: (view: CameraView) => void,
  debounceMs = 400,
): () => void {
  let reported: CameraView | undefined = cameraViewOf(viewer);
  let seen = reported;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    timer = undefined;
    if (viewer.isDestroyed()) return;
    const now = cameraViewOf(viewer);
    if (sameCameraView(now, reported)) return;
    reported = now;
    onChange(now);
  };
  const offFrame = viewer.scene.postRender.addEventListener(() => {
    const now = cameraViewOf(viewer);
    if (sameCameraView(now, seen)) return;
    seen = now;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  });
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    offFrame();
  };
}

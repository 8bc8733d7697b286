import { CameraEventType, Cartesian2, Cartesian3, Matrix4, Transforms, type Viewer } from 'cesium';

/**
 * Two-finger twist turns the map. Cesium's own touch handling feeds the twist angle (radians)
 * into its tilt as if it were pixels, so a half-turn of the fingers turns the view by well
 * under a degree (CesiumJS #4363-era touch behaviour). Here the angle between the two touches
 * turns the camera by the same angle about the ground point at the centre of the screen: the
 * map follows the fingers, as on a phone map. Cesium keeps pinch-to-zoom and one-finger pan.
 *
 * Returns the uninstall function.
 */
/** Sum of the twist applied so far (radians, clockwise positive): the test hook reads it. */
export const twistStats = { appliedRad: 0, pivotMisses: 0 };

export function installTouchTwist(viewer: Viewer): () => void {
  const canvas = viewer.scene.canvas;
  // Cesium's pinch also drives its tilt, which re-derives the camera from the pinch's start
  // each frame and so undoes a turn made meanwhile (measured: a 60° twist left 4°). Pinch stays
  // zoom; tilt keeps its mouse gestures (middle drag, Ctrl + drag).
  const controller = viewer.scene.screenSpaceCameraController;
  const tiltTypes = controller.tiltEventTypes;
  controller.tiltEventTypes = (Array.isArray(tiltTypes) ? tiltTypes : [tiltTypes]).filter(
    (t) => t !== CameraEventType.PINCH,
  );
  const touches = new Map<number, { x: number; y: number }>();
  let lastAngle: number | null = null;

  const angleNow = (): number | null => {
    if (touches.size !== 2) return null;
    const [a, b] = [...touches.values()] as [{ x: number; y: number }, { x: number; y: number }];
    return Math.atan2(b.y - a.y, b.x - a.x);
  };

  const down = (e: PointerEvent) => {
    if (e.pointerType !== 'touch') return;
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    lastAngle = angleNow();
  };
  const move = (e: PointerEvent) => {
    if (e.pointerType !== 'touch' || !touches.has(e.pointerId)) return;
    touches.set(e.pointerId, { x: e.clientX, y: e.clientY });
    const angle = angleNow();
    if (angle === null || lastAngle === null) {
      lastAngle = angle;
      return;
    }
    // Unwrap across ±π so a twist through the left never jumps a full turn.
    let delta = angle - lastAngle;
    if (delta > Math.PI) delta -= 2 * Math.PI;
    if (delta < -Math.PI) delta += 2 * Math.PI;
    lastAngle = angle;
    if (Math.abs(delta) > 1e-4) {
      turnAboutScreenCentre(viewer, delta);
      twistStats.appliedRad += delta;
    }
  };
  const up = (e: PointerEvent) => {
    touches.delete(e.pointerId);
    lastAngle = angleNow();
  };
  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) {
    canvas.addEventListener(type, up);
  }
  return () => {
    controller.tiltEventTypes = tiltTypes;
    canvas.removeEventListener('pointerdown', down);
    canvas.removeEventListener('pointermove', move);
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) {
      canvas.removeEventListener(type, up);
    }
  };
}

const scratchCentre = new Cartesian2();

/**
 * Turn the camera by `screenRadians` (clockwise on screen positive) about the local vertical at
 * the ground point under the screen centre (or the point below the camera when the centre
 * shows sky).
 */
export function turnAboutScreenCentre(viewer: Viewer, screenRadians: number): void {
  const { scene, camera } = viewer;
  const canvas = scene.canvas;
  scratchCentre.x = canvas.clientWidth / 2;
  scratchCentre.y = canvas.clientHeight / 2;
  const ray = camera.getPickRay(scratchCentre);
  let pivot: Cartesian3 | undefined = ray ? scene.globe.pick(ray, scene) : undefined;
  if (!pivot) {
    twistStats.pivotMisses++;
    const below = scene.globe.ellipsoid.scaleToGeodeticSurface(camera.positionWC, new Cartesian3());
    if (!below) return;
    pivot = below;
  }
  const frame = Transforms.eastNorthUpToFixedFrame(pivot);
  camera.lookAtTransform(frame);
  // Fingers turning clockwise turn the map clockwise: the camera turns the other way round
  // the vertical, i.e. positive about local up in Cesium's right-handed rotation.
  camera.rotate(Cartesian3.UNIT_Z, screenRadians);
  camera.lookAtTransform(Matrix4.IDENTITY);
  scene.requestRender();
}

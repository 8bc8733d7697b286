import {
  BoundingSphere,
  Cartesian3,
  Math as CesiumMath,
  HeadingPitchRange,
  Matrix4,
  type Viewer,
} from 'cesium';

export { HOME_VIEW, type LookAt } from './home';

import type { LookAt } from './home';

/** Move the camera instantly (no flight) and leave it free for the user. */
export function lookAt(viewer: Viewer, v: LookAt): void {
  const target = Cartesian3.fromDegrees(v.lon, v.lat, v.height ?? 0);
  const offset = new HeadingPitchRange(
    CesiumMath.toRadians(v.heading ?? 0),
    CesiumMath.toRadians(v.pitch ?? -35),
    v.range,
  );
  viewer.camera.lookAt(target, offset);
  viewer.camera.lookAtTransform(Matrix4.IDENTITY);
  viewer.scene.requestRender();
}

/** The same view, animated. */
export function flyTo(viewer: Viewer, v: LookAt, durationS = 1.5): Promise<boolean> {
  const target = Cartesian3.fromDegrees(v.lon, v.lat, v.height ?? 0);
  return new Promise((resolve) => {
    viewer.camera.flyToBoundingSphere(
      // A tiny sphere around the target: flyToBoundingSphere honours the offset's range.
      new BoundingSphere(target, 1),
      {
        offset: new HeadingPitchRange(
          CesiumMath.toRadians(v.heading ?? 0),
          CesiumMath.toRadians(v.pitch ?? -35),
          v.range,
        ),
        duration: durationS,
        complete: () => resolve(true),
        cancel: () => resolve(false),
      },
    );
  });
}

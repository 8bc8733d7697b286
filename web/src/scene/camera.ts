import {
  BoundingSphere,
  Cartesian3,
  Math as CesiumMath,
  HeadingPitchRange,
  Matrix4,
  type Viewer,
} from 'cesium';

/** A camera looking at a ground point from `range` metres away. */
export interface LookAt {
  lon: number;
  lat: number;
  /** Height of the target point (m above the ellipsoid). */
  height?: number;
  range: number;
  /** Degrees clockwise from north the camera looks towards. */
  heading?: number;
  /** Degrees, negative looks down. */
  pitch?: number;
}

/**
 * Opening view: central Thủ Dầu Một (the old city centre by the Sài Gòn river, Phú Cường /
 * Thủ Dầu Một ward), looking north-north-east obliquely so that the 5 wards
 * (lon 106.58–106.72, lat 10.94–11.10) fall into view with buildings reading as 3D.
 */
export const HOME_VIEW: LookAt = { lon: 106.664, lat: 10.983, range: 4500, heading: 20, pitch: -35 };

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

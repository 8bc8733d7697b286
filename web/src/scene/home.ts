/** Camera views shared by every viewer (no Cesium import, so the light viewer can use them). */

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

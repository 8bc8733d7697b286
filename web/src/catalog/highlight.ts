import {
  Cartesian3,
  Color,
  ColorGeometryInstanceAttribute,
  GeometryInstance,
  GroundPolylineGeometry,
  GroundPolylinePrimitive,
  PolylineColorAppearance,
  type Scene,
} from 'cesium';
import { HIGHLIGHT_COLOR } from '../scene/buildingStyle';

/**
 * The outline of the picked catalogue feature, clamped to whatever terrain is drawn — for
 * layers drawn as imagery (vector tiles), which have no per-feature colour to change. Same
 * colour as a picked building.
 */
export class OutlineHighlight {
  private primitive: GroundPolylinePrimitive | undefined;
  private shown: readonly number[][] | undefined;

  constructor(private readonly scene: Scene) {}

  /** Rings drawn now (0 when nothing is highlighted). */
  get rings(): number {
    return this.primitive ? (this.shown?.length ?? 0) : 0;
  }

  /**
   * Outlines these rings — each flat `[lon0, lat0, lon1, lat1, …]` in degrees, not closed — or
   * nothing (`undefined`). The same array again is a no-op.
   */
  show(rings: readonly number[][] | undefined): void {
    if (rings === this.shown) return;
    this.clear();
    this.shown = rings;
    const usable = (rings ?? []).filter((r) => r.length >= 6);
    if (usable.length === 0 || this.scene.isDestroyed()) return;
    const color = ColorGeometryInstanceAttribute.fromColor(Color.fromCssColorString(HIGHLIGHT_COLOR));
    this.primitive = this.scene.primitives.add(
      new GroundPolylinePrimitive({
        geometryInstances: usable.map(
          (ring) =>
            new GeometryInstance({
              geometry: new GroundPolylineGeometry({
                positions: Cartesian3.fromDegreesArray([...ring]),
                loop: true,
                width: 3,
              }),
              attributes: { color },
            }),
        ),
        appearance: new PolylineColorAppearance(),
      }),
    ) as GroundPolylinePrimitive;
    this.scene.requestRender();
  }

  clear(): void {
    if (this.primitive && !this.scene.isDestroyed()) {
      this.scene.primitives.remove(this.primitive);
      this.scene.requestRender();
    }
    this.primitive = undefined;
    this.shown = undefined;
  }
}

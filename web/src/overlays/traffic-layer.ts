import {
  ArcType,
  Cartesian3,
  Color,
  ColorGeometryInstanceAttribute,
  GeometryInstance,
  PolylineColorAppearance,
  PolylineGeometry,
  Primitive,
  type Scene,
  ShowGeometryInstanceAttribute,
} from 'cesium';
import type { TrafficSegmentState } from '../api';
import type { Position } from '../scene/geojson';
import { type TrafficClass, trafficClass } from './traffic';

/** A road segment of roads.geojson: `id`, line (with ground heights), free-flow speed. */
export interface RoadSegment {
  id: string;
  line: Position[];
  freeFlowKmh: number | undefined;
}

/** Width (px) of traffic lines: wider than the trunk road under them, so the road's colour rims it. */
const WIDTH_PX = 6;
/** Above the road lines (drawn 0.5 m over the ground), so depth does not interleave them. */
const LIFT_M = 2;
/** New segments are added to the primitive in batches (a rebuild costs a worker round trip). */
const REBUILD_DELAY_MS = 300;

interface Instances {
  primitive: Primitive;
  ids: Set<string>;
  attributes: Map<string, { color: Uint8Array; show: Uint8Array }>;
}

/**
 * Traffic flow on road segments: one Primitive of polylines with a per-instance colour and show
 * attribute, recoloured in place when a TrafficFlowObserved arrives (no geometry rebuilt, no
 * Entity per road). Segments that report for the first time are batched into a rebuilt
 * primitive, which replaces the old one once its geometry is ready (no flicker).
 */
export class TrafficLayer {
  private readonly segments = new Map<string, RoadSegment>();
  private readonly states = new Map<string, { entity: TrafficSegmentState; cls: TrafficClass }>();
  private current: Instances | undefined;
  private building: Instances | undefined;
  private rebuildTimer: ReturnType<typeof setTimeout> | undefined;
  private visible = true;
  private readonly removePostRender: () => void;
  private destroyed = false;

  constructor(
    private readonly scene: Scene,
    private readonly requestRender: () => void,
  ) {
    this.removePostRender = scene.postRender.addEventListener(() => this.checkBuilt());
  }

  /** The road network (from the roads layer); segments reported before it arrives wait for it. */
  setRoads(segments: Iterable<RoadSegment>): void {
    for (const s of segments) this.segments.set(s.id, s);
    if (this.states.size) this.scheduleRebuild();
  }

  get size(): number {
    return this.states.size;
  }

  upsert(e: TrafficSegmentState): void {
    const seg = this.segments.get(e.segmentId);
    const cls = trafficClass(e, seg?.freeFlowKmh);
    this.states.set(e.key, { entity: e, cls });
    const attrs = this.current?.attributes.get(e.key);
    if (attrs) {
      attrs.color = ColorGeometryInstanceAttribute.toValue(Color.fromCssColorString(cls.colour), attrs.color);
      attrs.show = ShowGeometryInstanceAttribute.toValue(true, attrs.show);
    } else if (seg) {
      this.scheduleRebuild();
    }
  }

  remove(key: string): void {
    if (!this.states.delete(key)) return;
    const attrs = this.current?.attributes.get(key);
    if (attrs) attrs.show = ShowGeometryInstanceAttribute.toValue(false, attrs.show);
  }

  retain(keys: ReadonlySet<string>): void {
    for (const key of [...this.states.keys()]) if (!keys.has(key)) this.remove(key);
  }

  setVisible(show: boolean): void {
    this.visible = show;
    if (this.current) this.current.primitive.show = show;
  }

  entity(key: string): TrafficSegmentState | undefined {
    return this.states.get(key)?.entity;
  }

  /** The class drawn for a segment key (`traffic:R-000001`), for test hooks. */
  classOf(key: string): TrafficClass | undefined {
    return this.states.get(key)?.cls;
  }

  keys(): string[] {
    return [...this.states.keys()];
  }

  /** Whether the drawn primitive holds every reported segment that has geometry. */
  get settled(): boolean {
    return !this.building && !this.rebuildTimer;
  }

  destroy(): void {
    this.destroyed = true;
    this.removePostRender();
    if (this.rebuildTimer) clearTimeout(this.rebuildTimer);
    if (!this.scene.isDestroyed()) {
      if (this.current) this.scene.primitives.remove(this.current.primitive);
      if (this.building) this.scene.primitives.remove(this.building.primitive);
    }
  }

  // --- internals ---------------------------------------------------------------------------

  private scheduleRebuild(): void {
    if (this.rebuildTimer || this.destroyed) return;
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      this.rebuild();
    }, REBUILD_DELAY_MS);
  }

  private rebuild(): void {
    if (this.building) {
      // One at a time: the next rebuild starts when this one is in.
      this.scene.primitives.remove(this.building.primitive);
      this.building = undefined;
    }
    const instances: GeometryInstance[] = [];
    const ids = new Set<string>();
    for (const [key, { entity, cls }] of this.states) {
      const seg = this.segments.get(entity.segmentId);
      if (!seg || seg.line.length < 2) continue;
      const flat: number[] = [];
      let last: Position | undefined;
      for (const p of seg.line) {
        if (last && last[0] === p[0] && last[1] === p[1]) continue;
        flat.push(p[0], p[1], (p[2] ?? 0) + LIFT_M);
        last = p;
      }
      if (flat.length < 6) continue;
      ids.add(key);
      instances.push(
        new GeometryInstance({
          id: key,
          geometry: new PolylineGeometry({
            positions: Cartesian3.fromDegreesArrayHeights(flat),
            width: WIDTH_PX,
            arcType: ArcType.NONE,
            vertexFormat: PolylineColorAppearance.VERTEX_FORMAT,
          }),
          attributes: {
            color: ColorGeometryInstanceAttribute.fromColor(Color.fromCssColorString(cls.colour)),
            show: new ShowGeometryInstanceAttribute(true),
          },
        }),
      );
    }
    if (instances.length === 0) return;
    const primitive = new Primitive({
      geometryInstances: instances,
      appearance: new PolylineColorAppearance({ translucent: false }),
      allowPicking: true,
      // Geometry is built in web workers; the old primitive stays drawn until this one is in.
      asynchronous: true,
    });
    primitive.show = this.visible;
    this.building = { primitive, ids, attributes: new Map() };
    this.scene.primitives.add(primitive);
    this.requestRender();
  }

  private checkBuilt(): void {
    const b = this.building;
    if (!b) return;
    if (!b.primitive.ready) {
      this.requestRender();
      return;
    }
    for (const id of b.ids) {
      const a = b.primitive.getGeometryInstanceAttributes(id) as
        | { color: Uint8Array; show: Uint8Array }
        | undefined;
      if (a) b.attributes.set(id, a);
    }
    // States that changed while it was being built.
    for (const [key, { cls }] of this.states) {
      const a = b.attributes.get(key);
      if (a) a.color = ColorGeometryInstanceAttribute.toValue(Color.fromCssColorString(cls.colour), a.color);
    }
    for (const [key, a] of b.attributes) {
      if (!this.states.has(key)) a.show = ShowGeometryInstanceAttribute.toValue(false, a.show);
    }
    if (this.current) this.scene.primitives.remove(this.current.primitive);
    this.current = b;
    this.building = undefined;
    b.primitive.show = this.visible;
    // Segments that arrived during the build.
    for (const { entity } of this.states.values()) {
      if (!b.ids.has(entity.key) && this.segments.has(entity.segmentId)) {
        this.scheduleRebuild();
        break;
      }
    }
    this.requestRender();
  }
}

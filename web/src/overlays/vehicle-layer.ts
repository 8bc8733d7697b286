import {
  type Billboard,
  BillboardCollection,
  BlendOption,
  Cartesian3,
  HorizontalOrigin,
  NearFarScalar,
  type Scene,
  VerticalOrigin,
} from 'cesium';
import type { VehicleState } from '../api';
import type { GroundHeights } from './ground';
import { drawBusMarker, PIXEL_RATIO } from './markers';
import {
  glideFraction,
  type Motion,
  nextMotion,
  positionAt,
  type VehicleLook,
  vehicleAlive,
  vehicleLook,
} from './vehicles';

interface Item {
  entity: VehicleState;
  billboard: Billboard;
  motion: Motion;
  /** Glide end points in world coordinates: a frame lerps between them (no trigonometry). */
  from: Cartesian3;
  to: Cartesian3;
  dataMs: number;
  look: VehicleLook;
}

/** Markers float this far above the approximate ground (m). */
const LIFT_M = 3;
const scratch = new Cartesian3();

/**
 * Buses (GTFS-realtime vehicles) as billboards in one collection. Reports start glides
 * (vehicles.ts); `tick` advances the gliding ones each frame and says whether any still move,
 * so the owner keeps requesting frames only while something is in motion.
 */
export class VehicleLayer {
  readonly billboards: BillboardCollection;
  private readonly items = new Map<string, Item>();
  private readonly moving = new Set<Item>();
  private readonly images = new Map<string, HTMLCanvasElement>();

  constructor(
    private readonly scene: Scene,
    private readonly ground: GroundHeights,
  ) {
    // One translucent pass (the default draws every billboard twice: opaque, then translucent
    // edges); markers are small and antialiased, so one blended pass looks the same at half the fill.
    this.billboards = scene.primitives.add(
      new BillboardCollection({ scene, blendOption: BlendOption.TRANSLUCENT }),
    );
  }

  get size(): number {
    return this.items.size;
  }

  get movingCount(): number {
    return this.moving.size;
  }

  /** A new report; `nowMs` is the animation clock (`performance.now()`). */
  upsert(v: VehicleState, nowMs: number, animate = true): void {
    const dataMs = Date.parse(v.time);
    const item = this.items.get(v.key);
    const look = vehicleLook(v);
    const to = Cartesian3.fromDegrees(v.lonDeg, v.latDeg, this.ground.approx(v.lonDeg, v.latDeg) + LIFT_M);
    if (!item) {
      const motion = nextMotion(undefined, v.lonDeg, v.latDeg, nowMs, undefined);
      const billboard = this.billboards.add({
        position: to,
        id: v.key,
        verticalOrigin: VerticalOrigin.CENTER,
        horizontalOrigin: HorizontalOrigin.CENTER,
        scale: 1 / PIXEL_RATIO,
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        scaleByDistance: new NearFarScalar(1_000, 1, 8_000, 0.45),
      });
      this.setImage(billboard, look);
      this.items.set(v.key, {
        entity: v,
        billboard,
        motion,
        from: to,
        to: Cartesian3.clone(to),
        dataMs,
        look,
      });
      return;
    }
    if (dataMs < item.dataMs) return; // an older report (resume racing live): keep the newer
    const gap = animate ? dataMs - item.dataMs : undefined;
    const motion = nextMotion(item.motion, v.lonDeg, v.latDeg, nowMs, gap);
    if (motion.durationMs > 0) {
      // Start from where the marker is drawn now, not from the previous report.
      item.from = Cartesian3.clone(item.billboard.position, item.from);
      this.moving.add(item);
    } else {
      item.from = Cartesian3.clone(to, item.from);
      item.billboard.position = to;
      this.moving.delete(item);
    }
    item.to = Cartesian3.clone(to, item.to);
    item.motion = motion;
    item.entity = v;
    item.dataMs = dataMs;
    if (look.imageId !== item.look.imageId) this.setImage(item.billboard, look);
    item.look = look;
  }

  /** Ends every glide where it was heading (replay draws still states; nothing should animate). */
  stopGlides(): void {
    for (const item of this.moving) item.billboard.position = item.to;
    this.moving.clear();
  }

  /** Advances glides to `nowMs`; returns whether any vehicle is still moving. */
  tick(nowMs: number): boolean {
    for (const item of this.moving) {
      const f = glideFraction(item.motion, nowMs);
      item.billboard.position = Cartesian3.lerp(item.from, item.to, f, scratch);
      if (f >= 1) this.moving.delete(item);
    }
    return this.moving.size > 0;
  }

  remove(key: string): void {
    const item = this.items.get(key);
    if (!item) return;
    this.billboards.remove(item.billboard);
    this.moving.delete(item);
    this.items.delete(key);
  }

  retain(keys: ReadonlySet<string>): void {
    for (const key of [...this.items.keys()]) if (!keys.has(key)) this.remove(key);
  }

  /** Removes vehicles silent for longer than VEHICLE_REMOVE_AFTER_MS at data time `nowMs`. */
  prune(nowMs: number): number {
    let n = 0;
    for (const [key, item] of this.items) {
      if (!vehicleAlive(item.entity.time, nowMs)) {
        this.remove(key);
        n++;
      }
    }
    return n;
  }

  setVisible(show: boolean): void {
    this.billboards.show = show;
  }

  entity(key: string): VehicleState | undefined {
    return this.items.get(key)?.entity;
  }

  /** Where the marker is drawn now (lon, lat), for test hooks. */
  drawnAt(key: string, nowMs: number): { lon: number; lat: number; look: VehicleLook } | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    const [lon, lat] = positionAt(item.motion, nowMs);
    return { lon, lat, look: item.look };
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  destroy(): void {
    if (!this.scene.isDestroyed()) this.scene.primitives.remove(this.billboards);
  }

  private setImage(billboard: Billboard, look: VehicleLook): void {
    let image = this.images.get(look.imageId);
    if (!image) {
      image = drawBusMarker(look);
      this.images.set(look.imageId, image);
    }
    billboard.setImage(look.imageId, image);
  }
}

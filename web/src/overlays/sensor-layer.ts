import {
  type Billboard,
  BillboardCollection,
  BlendOption,
  Cartesian2,
  Cartesian3,
  Color,
  DistanceDisplayCondition,
  HorizontalOrigin,
  type Label,
  LabelCollection,
  LabelStyle,
  NearFarScalar,
  type Scene,
  VerticalOrigin,
} from 'cesium';
import type { AirStationState, WaterGaugeState } from '../api';
import { formatNumber, getLocale, onLangChange } from '../i18n';
import { canvasFont } from '../i18n/font';
import type { GroundHeights } from './ground';
import { drawAirMarker, drawGaugeMarker, PIXEL_RATIO } from './markers';
import { airMarker, gaugeMarker, type MarkerLook } from './sensors';

type Sensor = AirStationState | WaterGaugeState;

interface Item {
  entity: Sensor;
  billboard: Billboard;
  label: Label | undefined;
  look: MarkerLook;
  /** Exact ground height once sampled. */
  ground: number | undefined;
}

/**
 * Station codes are drawn as labels up to this many sensors. Labels are static (sensors do not
 * move), but every glyph is a quad drawn each frame; beyond a city's few dozen stations (the
 * 2,000-sensor benchmark) the marker alone says enough and the panel has the name.
 */
const MAX_LABELS = 300;
/** Markers stand on a stem; the stem's foot is this far above the sampled ground (m). */
const FOOT_M = 1;

/**
 * Air-quality stations and river/rain gauges as billboards in one collection, updated in place:
 * an update swaps the billboard's image (cached per look) and nothing else.
 */
export class SensorLayer {
  readonly billboards: BillboardCollection;
  readonly labels: LabelCollection;
  private readonly items = new Map<string, Item>();
  private readonly visible = { air: true, water: true };
  private pendingGround = new Set<string>();
  private groundTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly images = new Map<string, HTMLCanvasElement>();
  private readonly unlisten: () => void;
  private readonly unlistenLang: () => void;

  constructor(
    private readonly scene: Scene,
    private readonly ground: GroundHeights,
    private readonly requestRender: () => void,
  ) {
    // One translucent pass instead of opaque + translucent (see vehicle-layer.ts).
    this.billboards = scene.primitives.add(
      new BillboardCollection({ scene, blendOption: BlendOption.TRANSLUCENT }),
    );
    this.labels = scene.primitives.add(new LabelCollection({ scene }));
    // Language switched: redraw the gauges, whose images show a number in the UI locale.
    this.unlistenLang = onLangChange(() => {
      for (const item of this.items.values())
        if (item.entity.layer !== 'air') this.setImage(item.billboard, item.look, item.entity);
      this.requestRender();
    });
    // Terrain arrived (or changed): re-sample every sensor's foot.
    this.unlisten = ground.onChange(() => {
      for (const [key, item] of this.items) {
        item.ground = undefined;
        this.pendingGround.add(key);
      }
      this.placeAll();
      this.scheduleGround();
    });
  }

  get size(): number {
    return this.items.size;
  }

  upsert(e: Sensor): void {
    const item = this.items.get(e.key);
    const look = e.layer === 'air' ? airMarker(e) : gaugeMarker(e);
    if (!item) {
      const position = this.position(e, undefined);
      const billboard = this.billboards.add({
        position,
        id: e.key,
        verticalOrigin: VerticalOrigin.BOTTOM,
        horizontalOrigin: HorizontalOrigin.CENTER,
        scale: 1 / PIXEL_RATIO,
        // Always readable: never hidden by buildings or hills.
        disableDepthTestDistance: Number.POSITIVE_INFINITY,
        // Smaller with distance: legible up close, and 2,000 pins over the overview stay cheap to
        // fill (every pixel of a billboard is shaded, transparent ones too).
        scaleByDistance: new NearFarScalar(1_500, 1, 12_000, 0.55),
        show: this.visible[e.layer],
      });
      this.setImage(billboard, look, e);
      const label = this.items.size < MAX_LABELS ? this.addLabel(e, position) : undefined;
      this.items.set(e.key, { entity: e, billboard, label, look, ground: undefined });
      this.pendingGround.add(e.key);
      this.scheduleGround();
      return;
    }
    const moved = item.entity.lonDeg !== e.lonDeg || item.entity.latDeg !== e.latDeg;
    item.entity = e;
    if (look.imageId !== item.look.imageId) this.setImage(item.billboard, look, e);
    item.look = look;
    if (moved) {
      item.ground = undefined;
      this.place(item);
      this.pendingGround.add(e.key);
      this.scheduleGround();
    }
  }

  remove(key: string): void {
    const item = this.items.get(key);
    if (!item) return;
    this.billboards.remove(item.billboard);
    if (item.label) this.labels.remove(item.label);
    this.items.delete(key);
  }

  /** Keeps only these keys (after a snapshot or a replay seek). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of [...this.items.keys()]) if (!keys.has(key)) this.remove(key);
  }

  setVisible(layer: 'air' | 'water', show: boolean): void {
    this.visible[layer] = show;
    for (const item of this.items.values()) {
      if (item.entity.layer !== layer) continue;
      item.billboard.show = show;
      if (item.label) item.label.show = show;
    }
  }

  /** Shows or hides everything (benchmark's "overlays hidden" case). */
  setAllVisible(show: boolean): void {
    this.billboards.show = show;
    this.labels.show = show;
  }

  entity(key: string): Sensor | undefined {
    return this.items.get(key)?.entity;
  }

  /** What the marker shows now (colour, text), for test hooks. */
  look(key: string): (MarkerLook & { heightM: number; shown: boolean }) | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    const c = this.scene.globe.ellipsoid.cartesianToCartographic(item.billboard.position);
    return { ...item.look, heightM: c?.height ?? Number.NaN, shown: item.billboard.show };
  }

  keys(): IterableIterator<string> {
    return this.items.keys();
  }

  destroy(): void {
    this.unlisten();
    this.unlistenLang();
    if (this.groundTimer) clearTimeout(this.groundTimer);
    // A terrain query still out finds nothing to move (its billboards go with the collections).
    this.items.clear();
    if (!this.scene.isDestroyed()) {
      this.scene.primitives.remove(this.billboards);
      this.scene.primitives.remove(this.labels);
    }
  }

  // --- internals ---------------------------------------------------------------------------

  private setImage(billboard: Billboard, look: MarkerLook, e: Sensor): void {
    // A gauge's image carries a number ("1,5 mm" / "1.5 mm"): one image per locale, since
    // Cesium's texture atlas keeps the first image drawn under an id.
    const imageId = e.layer === 'air' ? look.imageId : `${look.imageId}@${getLocale()}`;
    let image = this.images.get(imageId);
    if (!image) {
      image =
        e.layer === 'air'
          ? drawAirMarker(look)
          : drawGaugeMarker(
              gaugeMarker(e),
              e.rainMm !== undefined && e.rainMm > 0 ? `${formatNumber(e.rainMm)} mm` : undefined,
            );
      this.images.set(imageId, image);
    }
    billboard.setImage(imageId, image);
  }

  private addLabel(e: Sensor, position: Cartesian3): Label {
    const text = e.layer === 'air' ? (e.code ?? e.name) : e.name;
    return this.labels.add({
      text,
      position,
      font: canvasFont(600, 12),
      fillColor: Color.WHITE,
      outlineColor: Color.BLACK,
      outlineWidth: 3,
      style: LabelStyle.FILL_AND_OUTLINE,
      horizontalOrigin: HorizontalOrigin.LEFT,
      verticalOrigin: VerticalOrigin.CENTER,
      pixelOffset: new Cartesian2(e.layer === 'air' ? 20 : 26, e.layer === 'air' ? -32 : -40),
      distanceDisplayCondition: new DistanceDisplayCondition(0, 12_000),
      disableDepthTestDistance: Number.POSITIVE_INFINITY,
      show: this.visible[e.layer],
    });
  }

  private position(e: Sensor, ground: number | undefined): Cartesian3 {
    const h = ground ?? this.ground.approx(e.lonDeg, e.latDeg);
    return Cartesian3.fromDegrees(e.lonDeg, e.latDeg, h + FOOT_M);
  }

  private place(item: Item): void {
    const p = this.position(item.entity, item.ground);
    item.billboard.position = p;
    if (item.label) item.label.position = p;
  }

  private placeAll(): void {
    for (const item of this.items.values()) this.place(item);
    this.requestRender();
  }

  /** Batches new sensors into one most-detailed terrain query. */
  private scheduleGround(): void {
    if (this.groundTimer || !this.ground.hasTerrain) return;
    this.groundTimer = setTimeout(() => {
      this.groundTimer = undefined;
      const keys = [...this.pendingGround].filter((k) => this.items.has(k));
      this.pendingGround = new Set();
      if (keys.length === 0) return;
      const points = keys.map((k) => {
        const e = this.items.get(k)!.entity;
        return [e.lonDeg, e.latDeg] as [number, number];
      });
      void this.ground.exact(points).then((heights) => {
        for (const [i, key] of keys.entries()) {
          const item = this.items.get(key);
          if (!item) continue;
          item.ground = heights[i];
          this.place(item);
        }
        this.requestRender();
      });
    }, 50);
  }
}

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
 * Distinct marker images one billboard collection is given before it is renewed. Cesium's
 * texture atlas only grows (every image id stays, and the texture doubles as it fills), and a
 * gauge's image shows its level to the centimetre: a wall running for months would see ever
 * more of them. Renewing the collection starts a new atlas with the images now in use.
 */
export const MAX_ATLAS_IMAGES = 512;

/**
 * Air-quality stations and river/rain gauges as billboards in one collection, updated in place:
 * an update swaps the billboard's image (cached per look) and nothing else.
 */
export class SensorLayer {
  /** Replaced when its atlas is full (`renewAtlas`): read it, do not keep it. */
  billboards: BillboardCollection;
  readonly labels: LabelCollection;
  private readonly items = new Map<string, Item>();
  private readonly visible = { air: true, water: true };
  private pendingGround = new Set<string>();
  private groundTimer: ReturnType<typeof setTimeout> | undefined;
  /** The images in the current collection's atlas, by id. */
  private readonly images = new Map<string, HTMLCanvasElement>();
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  /** Images in use right after the last renewal: the next waits for twice as many, at least. */
  private imagesAfterRenewal = 0;
  /** Times the collection was renewed (its atlas full). */
  renewals = 0;
  private maxAtlasImages = MAX_ATLAS_IMAGES;
  private readonly unlisten: () => void;
  private readonly unlistenLang: () => void;

  constructor(
    private readonly scene: Scene,
    private readonly ground: GroundHeights,
    private readonly requestRender: () => void,
  ) {
    // One translucent pass instead of opaque + translucent (see vehicle-layer.ts).
    this.billboards = this.newCollection();
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
      const billboard = this.addBillboard(e.key, position, this.visible[e.layer]);
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

  /** Distinct images in the current atlas. */
  get atlasImages(): number {
    return this.images.size;
  }

  /** Another budget than MAX_ATLAS_IMAGES (tests); an atlas already past it is renewed at once. */
  setAtlasBudget(maxImages: number): void {
    this.maxAtlasImages = maxImages;
    this.imagesAfterRenewal = 0;
    this.checkAtlas();
  }

  destroy(): void {
    this.unlisten();
    this.unlistenLang();
    if (this.groundTimer) clearTimeout(this.groundTimer);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
    // A terrain query still out finds nothing to move (its billboards go with the collections).
    this.items.clear();
    if (!this.scene.isDestroyed()) {
      this.scene.primitives.remove(this.billboards);
      this.scene.primitives.remove(this.labels);
    }
  }

  // --- internals ---------------------------------------------------------------------------

  private newCollection(index?: number): BillboardCollection {
    // One translucent pass instead of opaque + translucent (see vehicle-layer.ts).
    return this.scene.primitives.add(
      new BillboardCollection({ scene: this.scene, blendOption: BlendOption.TRANSLUCENT }),
      index,
    );
  }

  private addBillboard(key: string, position: Cartesian3, show: boolean): Billboard {
    return this.billboards.add({
      position,
      id: key,
      verticalOrigin: VerticalOrigin.BOTTOM,
      horizontalOrigin: HorizontalOrigin.CENTER,
      scale: 1 / PIXEL_RATIO,
      // Always readable: never hidden by buildings or hills.
      disableDepthTestDistance: Number.POSITIVE_INFINITY,
      // Smaller with distance: legible up close, and 2,000 pins over the overview stay cheap to
      // fill (every pixel of a billboard is shaded, transparent ones too).
      scaleByDistance: new NearFarScalar(1_500, 1, 12_000, 0.55),
      show,
    });
  }

  private setImage(billboard: Billboard, look: MarkerLook, e: Sensor): void {
    // A gauge's image carries a number ("1,5 mm" / "1.5 mm"): one image per locale, since
    // Cesium's texture atlas keeps the first image drawn under an id.
    const imageId = e.layer === 'air' ? look.imageId : `${look.imageId}@${getLocale()}`;
    let image = this.images.get(imageId);
    if (!image) {
      if (e.layer === 'air') image = drawAirMarker(look);
      else {
        const gauge = gaugeMarker(e);
        image = drawGaugeMarker(
          gauge,
          gauge.rainMm === undefined ? undefined : `${formatNumber(gauge.rainMm)} mm`,
        );
      }
      this.images.set(imageId, image);
      this.checkAtlas();
    }
    billboard.setImage(imageId, image);
  }

  private checkAtlas(): void {
    // Renewed between slices, not here: the caller may hold a billboard of this collection.
    if (this.images.size > Math.max(this.maxAtlasImages, 2 * this.imagesAfterRenewal) && !this.renewTimer)
      this.renewTimer = setTimeout(() => this.renewAtlas(), 0);
  }

  /**
   * A new collection, so a new atlas holding only the images in use now, in the old one's place
   * in the scene; the old one (and its atlas texture) is destroyed. A few milliseconds for 2,000
   * markers, once per MAX_ATLAS_IMAGES new looks.
   */
  private renewAtlas(): void {
    if (this.scene.isDestroyed()) return;
    const old = this.billboards;
    const { primitives } = this.scene;
    let index: number | undefined;
    for (let i = 0; i < primitives.length; i++) if (primitives.get(i) === old) index = i;
    this.images.clear();
    this.billboards = this.newCollection(index);
    this.billboards.show = old.show;
    for (const item of this.items.values()) {
      const b = this.addBillboard(item.entity.key, item.billboard.position, item.billboard.show);
      this.setImage(b, item.look, item.entity);
      item.billboard = b;
    }
    primitives.remove(old);
    this.imagesAfterRenewal = this.images.size;
    // Cleared last: the images set above must not schedule another renewal.
    this.renewTimer = undefined;
    this.renewals++;
    this.requestRender();
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

import {
  Cartographic,
  Credit,
  Event,
  type ImageryLayer,
  ImageryLayerFeatureInfo,
  type ImageryProvider,
  type ImageryTypes,
  Rectangle,
  type Request,
  type TileDiscardPolicy,
  WebMercatorTilingScheme,
} from 'cesium';
import type { LayerStyle, VectorTileSetJson } from './contracts';
import type { FrameBudget } from './frameBudget';
import { type Availability, isAvailable, sourceTile, TILE_PX, type TileId, tileAt } from './vectorTilePaint';
import type { VectorTileWorkerClient } from './vectorTileWorkerClient';

/**
 * A Cesium imagery provider for a `polygon-vector-tiles` layer (MVT tiles written by
 * `bdtwin add`, docs/catalog.md), as TerriaJS draws large vector layers: each imagery tile is
 * painted from the vector tile under it — by the worker, into a bitmap — with the layer's style.
 * Imagery is part of the globe's own texture, so the layer lies on whatever terrain level of
 * detail is drawn and costs no extra render pass; opacity is the ImageryLayer's `alpha`.
 *
 * - Web Mercator XYZ tiles of 512 px; nothing below the data's `minzoom` (the ImageryLayer is
 *   also given `minimumTerrainLevel`, so coarse terrain tiles never ask for it), tiles the data
 *   lacks (`bdtwin.available`) answered with a sentinel the discard policy drops (no texture);
 * - beyond `maxzoom` (to `maxzoom + OVERZOOM_LEVELS`), each tile is painted from its `maxzoom`
 *   ancestor enlarged: sharp edges where Cesium would upsample a blurred texture;
 * - `pickFeatures` answers from the `maxzoom` tile under the point, which keeps every property
 *   (lower zooms keep only what the style needs).
 *
 * Requests bypass Cesium's RequestScheduler (they go to the worker), so the provider throttles
 * itself: beyond MAX_IN_FLIGHT it returns undefined and Cesium asks again next frame.
 */

/** Levels below the data's `maxzoom`… above it, over-zoomed: parcels at street level. */
export const OVERZOOM_LEVELS = 4;
/** Tiles being fetched or painted at once (the worker paints one at a time; fetches overlap). */
export const MAX_IN_FLIGHT = 6;

/** Answered for tiles with nothing to draw; the discard policy drops it before any texture is made. */
let emptySentinel: HTMLCanvasElement | undefined;
function empty(): HTMLCanvasElement {
  emptySentinel ??= Object.assign(document.createElement('canvas'), { width: 1, height: 1 });
  return emptySentinel;
}

const DISCARD_EMPTY = {
  isReady: () => true,
  shouldDiscardImage: (image: unknown) => image === emptySentinel,
} satisfies Pick<TileDiscardPolicy, 'isReady' | 'shouldDiscardImage'> as unknown as TileDiscardPolicy;

export interface VectorTileImageryOptions {
  tileJson: VectorTileSetJson;
  /** Absolute URL of the tiles.json (tile templates are relative to it). */
  tileJsonUrl: string;
  style: LayerStyle;
  /** Time-aware layers: paint the features valid on this day. */
  day?: string | undefined;
  attribution?: string | undefined;
  worker: VectorTileWorkerClient;
  /** Called when a tile is painted (the scene renders on request). */
  onTile?: () => void;
  /** Paces painted tiles into Cesium, a few per frame (frameBudget.ts); without it, at once. */
  budget?: FrameBudget;
}

export class VectorTileImageryProvider implements ImageryProvider {
  readonly tilingScheme = new WebMercatorTilingScheme();
  readonly rectangle: Rectangle;
  readonly tileWidth = TILE_PX;
  readonly tileHeight = TILE_PX;
  /** 0, not `minzoom`: Cesium would request every `minzoom` tile of the layer for a coarse view. */
  readonly minimumLevel = 0;
  readonly maximumLevel: number;
  readonly tileDiscardPolicy = DISCARD_EMPTY;
  readonly errorEvent = new Event();
  readonly credit: Credit;
  readonly proxy = undefined as unknown as ImageryProvider['proxy'];
  readonly hasAlphaChannel = true;
  readonly minzoom: number;
  readonly maxzoom: number;
  private readonly available: Availability;
  private readonly options: VectorTileImageryOptions;
  private inFlight = 0;

  constructor(options: VectorTileImageryOptions) {
    const { tileJson } = options;
    this.options = options;
    this.minzoom = tileJson.minzoom;
    this.maxzoom = tileJson.maxzoom;
    this.maximumLevel = tileJson.maxzoom + OVERZOOM_LEVELS;
    this.available = tileJson.bdtwin.available;
    const [w, s, e, n] = tileJson.bounds;
    this.rectangle = Rectangle.fromDegrees(w, s, e, n);
    // Cesium tests `defined(credit)`; a layer without an attribution has none.
    this.credit = (options.attribution ? new Credit(options.attribution) : undefined) as Credit;
  }

  /** Tiles requested and not yet painted. */
  get pending(): number {
    return this.inFlight;
  }

  getTileCredits(): Credit[] {
    return [];
  }

  private tileUrl(t: TileId): string {
    const template = this.options.tileJson.tiles[0] ?? '{z}/{x}/{y}.pbf';
    const rel = template.replace('{z}', String(t.z)).replace('{x}', String(t.x)).replace('{y}', String(t.y));
    return new URL(rel, this.options.tileJsonUrl).href;
  }

  private has(t: TileId): boolean {
    return t.z >= this.minzoom && isAvailable(this.available, this.minzoom, t);
  }

  requestImage(x: number, y: number, level: number, _request?: Request): Promise<ImageryTypes> | undefined {
    const target = { z: level, x, y };
    const source = sourceTile(target, this.maxzoom);
    if (!this.has(source)) return Promise.resolve(empty());
    if (this.inFlight >= MAX_IN_FLIGHT) return undefined;
    this.inFlight++;
    const { worker, style, day } = this.options;
    const layerName = this.options.tileJson.vector_layers[0]?.id ?? '';
    return worker
      .paint({
        type: 'paint',
        url: this.tileUrl(source),
        layerName,
        source,
        target,
        style,
        ...(day ? { day } : {}),
      })
      .then(async (bitmap) => {
        if (!bitmap) return empty();
        await this.options.budget?.turn();
        return bitmap;
      })
      .finally(() => {
        this.inFlight--;
        this.options.onTile?.();
      });
  }

  pickFeatures(
    _x: number,
    _y: number,
    _level: number,
    longitude: number,
    latitude: number,
  ): Promise<ImageryLayerFeatureInfo[]> | undefined {
    const lon = (longitude * 180) / Math.PI;
    const lat = (latitude * 180) / Math.PI;
    // Always the maxzoom tile: it holds every property the click panel shows.
    const source = tileAt(lon, lat, this.maxzoom);
    if (!this.has(source)) return Promise.resolve([]);
    const layerName = this.options.tileJson.vector_layers[0]?.id ?? '';
    return this.options.worker
      .pick({
        type: 'pick',
        url: this.tileUrl(source),
        layerName,
        source,
        lon,
        lat,
        ...(this.options.day ? { day: this.options.day } : {}),
      })
      .then((picked) => {
        if (!picked) return [];
        const { properties } = picked;
        const info = new ImageryLayerFeatureInfo();
        // Our own pickAt reads both back (vectorTileLayer.ts).
        info.data = picked;
        info.position = Cartographic.fromRadians(longitude, latitude);
        info.configureNameFromProperties(properties);
        return [info];
      });
  }
}

/** The private ImageryLayer method that turns a received tile image into a texture (Cesium 1.145). */
interface TextureUpload {
  _createTextureWebGL(context: unknown, imagery: { image?: unknown }): unknown;
}

/**
 * Frees each painted tile's ImageBitmap as soon as Cesium has copied it into a texture. Cesium
 * drops its reference to the image but never closes it, so the pixels (1 MB per 512-px tile)
 * live on until a garbage collection, and a pan's worth of them is external memory that makes V8
 * schedule full collections in the middle of frames. Returns false (and changes nothing) when
 * this Cesium has no such method; the bitmaps are then freed by the collector as before.
 */
/** Tile bitmaps closed after their upload, in this page (test hooks). */
export const uploadedBitmaps = { closed: 0 };

export function closeBitmapsOnUpload(layer: ImageryLayer): boolean {
  const target = layer as unknown as TextureUpload;
  const upload = target._createTextureWebGL;
  if (typeof upload !== 'function') return false;
  target._createTextureWebGL = function (this: TextureUpload, context, imagery) {
    const image = imagery.image;
    const texture = upload.call(this, context, imagery);
    // The Texture constructor has uploaded it synchronously (texImage2D).
    if (typeof ImageBitmap !== 'undefined' && image instanceof ImageBitmap) {
      image.close();
      uploadedBitmaps.closed++;
    }
    return texture;
  };
  return true;
}

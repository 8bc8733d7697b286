import {
  Cartographic,
  Credit,
  Event,
  type ImageryLayer,
  ImageryLayerFeatureInfo,
  type ImageryProvider,
  type ImageryTypes,
  PixelDatatype,
  PixelFormat,
  Rectangle,
  type Request,
  Sampler,
  Texture,
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
 *   (lower zooms keep only what the style needs);
 * - a painted tile is handed to Cesium as raw RGBA pixels (`TilePixels`), which
 *   `uploadTilesDirectly` turns into a texture with one plain copy (see there).
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

/**
 * A painted tile as handed to Cesium: the `{ width, height, arrayBufferView }` source Cesium's
 * Texture takes. RGBA, 8 bits a channel, not premultiplied (as Cesium uploads imagery).
 */
export interface TilePixels {
  width: number;
  height: number;
  arrayBufferView: Uint8Array;
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
  /**
   * Row order the worker paints in: 'south-first' once `uploadTilesDirectly` handles this layer's
   * uploads (no flip); 'north-first' (image order, which Cesium's own upload flips, on the main
   * thread) otherwise.
   */
  rows: 'south-first' | 'north-first' = 'north-first';

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
        rows: this.rows,
      })
      .then(async (pixels) => {
        if (!pixels) return empty();
        await this.options.budget?.turn();
        const tile: TilePixels = { width: TILE_PX, height: TILE_PX, arrayBufferView: pixels };
        // Cesium passes whatever the provider answers to its Texture; the type names images only.
        return tile as unknown as ImageryTypes;
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
  minificationFilter: unknown;
  magnificationFilter: unknown;
}

/**
 * Cesium's renderer classes: exported by the package (named imports, so the bundler keeps only
 * what is used) but left out of its type declarations.
 */
declare module 'cesium' {
  class Texture {
    constructor(options: {
      context: unknown;
      source: TilePixels;
      pixelFormat: PixelFormat;
      pixelDatatype: PixelDatatype;
      flipY: boolean;
      sampler: Sampler;
    });
  }
  class Sampler {
    constructor(options: { minificationFilter: unknown; magnificationFilter: unknown });
  }
}

/** Tiles uploaded by `uploadTilesDirectly`, in this page (test hooks). */
export const directUploads = { tiles: 0 };

function isTilePixels(image: unknown): image is TilePixels {
  return (
    typeof image === 'object' &&
    image !== null &&
    (image as Partial<TilePixels>).arrayBufferView instanceof Uint8Array &&
    typeof (image as Partial<TilePixels>).width === 'number'
  );
}

/**
 * Makes `layer` upload this provider's tiles as they are: one `texImage2D` of the typed array,
 * without UNPACK_FLIP_Y (the worker painted the rows south first, as the texture wants them), and
 * then frees the pixels at once.
 *
 * Why: Cesium would flip a typed array row by row on the main thread before uploading it, and an
 * `ImageBitmap` (what the worker sent before) is read back and converted by the browser inside
 * `texImage2D`: ~0.8 ms per 512-px tile under SwiftShader against ~0.1 ms for the plain copy,
 * paid in the frame that uploads it (docs/catalog.md, "What moved the numbers"). The buffer is
 * detached after the copy (`transfer(0)`), so it does not wait for a garbage collection as
 * external memory. Anything else the layer receives goes to Cesium's own method.
 *
 * Returns false, changing nothing, where this Cesium lacks the private method (the provider then
 * keeps `rows = 'north-first'` and Cesium's own upload flips them).
 */
export function uploadTilesDirectly(layer: ImageryLayer): boolean {
  const target = layer as unknown as TextureUpload;
  const upload = target._createTextureWebGL;
  if (typeof upload !== 'function') return false;
  target._createTextureWebGL = function (this: TextureUpload, context, imagery) {
    const image = imagery.image;
    if (!isTilePixels(image)) return upload.call(this, context, imagery);
    const texture = new Texture({
      context,
      source: image,
      pixelFormat: PixelFormat.RGBA,
      pixelDatatype: PixelDatatype.UNSIGNED_BYTE,
      flipY: false,
      sampler: new Sampler({
        minificationFilter: this.minificationFilter,
        magnificationFilter: this.magnificationFilter,
      }),
    });
    // texImage2D has copied the pixels; detaching frees the buffer now (Chromium 114+, Node 21+).
    (image.arrayBufferView.buffer as { transfer?: (length: number) => unknown }).transfer?.(0);
    directUploads.tiles++;
    return texture;
  };
  return true;
}

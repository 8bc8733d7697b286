import type { LayerStyle } from './contracts';
import {
  type DecodedTile,
  decodeTile,
  featureAt,
  featureOutline,
  lonLatToTileUnits,
  paintTile,
  TILE_PX,
  type TileId,
  tileWindow,
} from './vectorTilePaint';

/**
 * The vector-tile imagery's worker: fetches MVT tiles, decodes them (kept in a small LRU, so the
 * 64 imagery tiles one over-zoomed `maxzoom` tile feeds decode it once), paints them into an
 * OffscreenCanvas and hands back its RGBA pixels (transferred, not copied), and answers picks
 * from the same decoded tiles. All of it off the main thread, which only uploads the pixels:
 * a z13 parcel tile holds thousands of polygons (docs/catalog.md).
 */

export type WorkerRequest =
  | {
      type: 'paint';
      id: number;
      /** Absolute URL of the source tile's .pbf. */
      url: string;
      layerName: string;
      source: TileId;
      target: TileId;
      style: LayerStyle;
      day?: string;
      /**
       * Row order of the pixels sent back: 'south-first' for an upload without UNPACK_FLIP_Y
       * (texture row 0 is the tile's south edge in Cesium), 'north-first' as images are stored
       * (Cesium's own upload flips them).
       */
      rows: 'south-first' | 'north-first';
    }
  | {
      type: 'pick';
      id: number;
      url: string;
      layerName: string;
      source: TileId;
      lon: number;
      lat: number;
      day?: string;
    };

export type WorkerResponse =
  | {
      id: number;
      /** TILE_PX² RGBA pixels, not premultiplied (getImageData), in the requested row order. */
      pixels: ArrayBuffer;
      painted: number;
    }
  | { id: number; empty: true }
  | {
      id: number;
      properties: Record<string, string | number | boolean> | null;
      /** The picked feature's rings in degrees (featureOutline), to outline it. */
      outline?: number[][];
    }
  | { id: number; error: string };

/** Decoded tiles kept (a z16 parcel tile decodes to ~100 kB; a z13 one to a few MB). */
const CACHE_TILES = 48;

const cache = new Map<string, Promise<DecodedTile>>();

function decoded(url: string, layerName: string): Promise<DecodedTile> {
  const hit = cache.get(url);
  if (hit) {
    // Most recently used last.
    cache.delete(url);
    cache.set(url, hit);
    return hit;
  }
  const p = fetch(url).then(async (res) => {
    // A tile the availability list promised but the server lacks draws as empty.
    if (res.status === 404) return { extent: 4096, features: [] };
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} (${url})`);
    return decodeTile(new Uint8Array(await res.arrayBuffer()), layerName);
  });
  cache.set(url, p);
  p.catch(() => cache.delete(url));
  while (cache.size > CACHE_TILES) cache.delete(cache.keys().next().value!);
  return p;
}

/** The little of DedicatedWorkerGlobalScope used (the DOM and webworker libs clash in one program). */
interface WorkerScope {
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
let canvas: OffscreenCanvas | undefined;
let context: OffscreenCanvasRenderingContext2D | undefined;

scope.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const m = event.data;
  try {
    const tile = await decoded(m.url, m.layerName);
    if (m.type === 'pick') {
      const [u, v] = lonLatToTileUnits(m.lon, m.lat, m.source, tile.extent);
      const f = featureAt(tile, u, v, m.day);
      scope.postMessage({
        id: m.id,
        properties: f ? f.properties : null,
        ...(f ? { outline: featureOutline(f, m.source, tile.extent) } : {}),
      } satisfies WorkerResponse);
      return;
    }
    // One canvas and context for every tile, never transferred: creating a context (or re-arming
    // one after transferToImageBitmap) waits on the GPU process, which under SwiftShader is busy
    // drawing the globe — measured ~300 ms per tile against ~1 ms for the painting itself.
    // willReadFrequently keeps it a CPU canvas (nothing to wait for).
    canvas ??= new OffscreenCanvas(TILE_PX, TILE_PX);
    context ??= canvas.getContext('2d', { willReadFrequently: true }) ?? undefined;
    const ctx = context;
    if (!ctx) throw new Error('no 2D context in the worker');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, TILE_PX, TILE_PX);
    if (m.rows === 'south-first') ctx.setTransform(1, 0, 0, -1, 0, TILE_PX);
    const painted = paintTile(ctx, tile, tileWindow(m.target, m.source, tile.extent), {
      style: m.style,
      day: m.day,
    });
    if (painted === 0) {
      scope.postMessage({ id: m.id, empty: true } satisfies WorkerResponse);
      return;
    }
    // Raw pixels, not an ImageBitmap: the main thread's texImage2D copies a typed array as it is
    // (~0.1 ms for 1 MB under SwiftShader), where a bitmap is first read back and converted
    // (~0.8 ms) — in the frame that uploads it (docs/catalog.md, "What moved the numbers").
    // A CPU canvas's getImageData is a copy out of memory it already holds, here in the worker.
    const buffer = ctx.getImageData(0, 0, TILE_PX, TILE_PX).data.buffer as ArrayBuffer;
    scope.postMessage({ id: m.id, pixels: buffer, painted } satisfies WorkerResponse, [buffer]);
  } catch (error) {
    scope.postMessage({
      id: m.id,
      error: error instanceof Error ? error.message : String(error),
    } satisfies WorkerResponse);
  }
};

import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import {
  latToWorldY,
  lonToWorldX,
  worldXToLon,
  worldYToLat,
} from '../../../tiler/src/catalog/web-mercator.js';
import { type LayerStyle, styleColor, validOn } from './contracts';

/**
 * The pure core of the vector-tile imagery (no Cesium, no DOM; docs/catalog.md): decoding an MVT
 * tile, the window from a tile's units to the pixels of the imagery tile being painted (the
 * same tile, or a descendant of it when the viewer zooms in beyond the data's `maxzoom`),
 * painting its polygons with the layer's style onto anything with the Canvas 2D path calls, and
 * finding the feature under a point. Used by the worker (vectorTileWorker.ts) and by tests.
 */

/**
 * Imagery tiles are this many pixels square: a vector tile of zoom z drawn over 512 px (as
 * Mapbox GL draws them), so Cesium asks for one level coarser than for 256-px imagery at the
 * same sharpness: a quarter of the tiles to paint, upload and sample (docs/catalog.md: measured).
 * The tiler's zoom rule (VectorTilePlanOptions.tilePx) assumes the same.
 */
export const TILE_PX = 512;

export interface TileId {
  z: number;
  x: number;
  y: number;
}

export interface DecodedFeature {
  properties: Record<string, string | number | boolean>;
  /** Rings as flat [x0, y0, x1, y1, …] in tile units (y down), not closed. */
  rings: Float32Array[];
  /** minX, minY, maxX, maxY in tile units. */
  bbox: [number, number, number, number];
}

export interface DecodedTile {
  extent: number;
  features: DecodedFeature[];
}

/**
 * pbf 5's reader for @mapbox/vector-tile 2, which was written against pbf 4: the one read it
 * lacks is `readVarint64` (an `int64_value`), which pbf 4 answered as a signed varint too.
 */
class MvtReader extends PbfReader {
  readVarint64(): number {
    return this.readVarint(true);
  }
}

/** Decodes the polygons of one source layer (or, without a name, the first) of an MVT tile. */
export function decodeTile(bytes: Uint8Array, layerName?: string): DecodedTile {
  const tile = new VectorTile(new MvtReader(bytes) as unknown as ConstructorParameters<typeof VectorTile>[0]);
  const layer = (layerName && tile.layers[layerName]) || Object.values(tile.layers)[0];
  if (!layer) return { extent: 4096, features: [] };
  const features: DecodedFeature[] = [];
  for (let i = 0; i < layer.length; i++) {
    const f = layer.feature(i);
    if (f.type !== 3) continue;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const rings = f.loadGeometry().map((ring) => {
      // MVT writes no closing point; some encoders do: drop it.
      const n = ring.length > 1 && ring[0]!.equals(ring[ring.length - 1]!) ? ring.length - 1 : ring.length;
      const flat = new Float32Array(n * 2);
      for (let k = 0; k < n; k++) {
        const { x, y } = ring[k]!;
        flat[2 * k] = x;
        flat[2 * k + 1] = y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
      return flat;
    });
    if (rings.length) features.push({ properties: f.properties, rings, bbox: [x0, y0, x1, y1] });
  }
  return { extent: layer.extent, features };
}

/** Maps tile units of a source tile to pixels of a target tile: px = u · scale + dx. */
export interface TileWindow {
  scale: number;
  dx: number;
  dy: number;
}

/**
 * The window that paints `source` (the tile the data comes from) into `target` (the imagery
 * tile): the same tile, or a descendant of `source` `target.z − source.z` levels down, which
 * then sees a 1/2^d part of the source enlarged 2^d times — over-zoom with sharp edges.
 */
export function tileWindow(target: TileId, source: TileId, extent: number, tilePx = TILE_PX): TileWindow {
  const d = target.z - source.z;
  if (d < 0) throw new Error(`tile ${target.z}/${target.x}/${target.y} is above its source ${source.z}`);
  const k = 2 ** d;
  return {
    scale: (tilePx / extent) * k,
    dx: -(target.x - source.x * k) * tilePx,
    dy: -(target.y - source.y * k) * tilePx,
  };
}

/** The tile at `maxzoom` holding `tile` (itself when it is at or above `maxzoom`). */
export function sourceTile(tile: TileId, maxzoom: number): TileId {
  if (tile.z <= maxzoom) return tile;
  const k = 2 ** (tile.z - maxzoom);
  return { z: maxzoom, x: Math.floor(tile.x / k), y: Math.floor(tile.y / k) };
}

/** The tile units of a longitude/latitude in tile `tile` (may lie outside 0…extent). */
export function lonLatToTileUnits(
  lonDeg: number,
  latDeg: number,
  tile: TileId,
  extent: number,
): [number, number] {
  const n = 2 ** tile.z;
  return [(lonToWorldX(lonDeg) * n - tile.x) * extent, (latToWorldY(latDeg) * n - tile.y) * extent];
}

/**
 * A feature's rings in longitude/latitude degrees, each flat `[lon0, lat0, …]`: the inverse of
 * `lonLatToTileUnits`, for outlining a picked feature.
 */
export function featureOutline(f: DecodedFeature, tile: TileId, extent: number): number[][] {
  const n = 2 ** tile.z;
  return f.rings.map((ring) => {
    const out = new Array<number>(ring.length);
    for (let k = 0; k < ring.length; k += 2) {
      out[k] = worldXToLon((ring[k]! / extent + tile.x) / n);
      out[k + 1] = worldYToLat((ring[k + 1]! / extent + tile.y) / n);
    }
    return out;
  });
}

/** The tile at zoom `z` holding a longitude/latitude. */
export function tileAt(lonDeg: number, latDeg: number, z: number): TileId {
  const n = 2 ** z;
  const clamp = (v: number) => Math.max(0, Math.min(n - 1, Math.floor(v * n)));
  return { z, x: clamp(lonToWorldX(lonDeg)), y: clamp(latToWorldY(latDeg)) };
}

/** Rectangles of tiles that exist, per zoom from `minzoom` (tiles.json `bdtwin.available`). */
export type Availability = { startX: number; startY: number; endX: number; endY: number }[][];

export function isAvailable(available: Availability, minzoom: number, tile: TileId): boolean {
  const rects = available[tile.z - minzoom];
  if (!rects) return false;
  return rects.some((r) => tile.x >= r.startX && tile.x <= r.endX && tile.y >= r.startY && tile.y <= r.endY);
}

/** What painting needs of a Canvas 2D context (a real one, or a recorder in tests). */
export interface PathSink {
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  closePath(): void;
  fill(): void;
  stroke(): void;
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  lineJoin: CanvasLineJoin;
}

export interface PaintOptions {
  style: LayerStyle;
  /** Time-aware layers: only features valid on this day (`YYYY-MM-DD`) are painted. */
  day?: string | undefined;
  /**
   * Outline width, pixels (default 1: Cesium draws an imagery texel over 1–2 screen pixels, so a
   * wider line reads heavy).
   */
  outlinePx?: number;
  /** Features smaller than this (pixels across, default 6) get no outline: it would hide their colour. */
  minOutlinedPx?: number;
  tilePx?: number;
}

/** How much darker than its fill a feature's outline is: a boundary, not a black grid. */
export const OUTLINE_DARKEN = 0.4;

/** `#RRGGBB` darkened towards black by `k` (0 = unchanged), for outlines. */
export function darken(hex: string, k: number): string {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  if (!Number.isFinite(n)) return hex;
  const c = (v: number) => Math.round(v * (1 - k));
  const r = c((n >> 16) & 255);
  const g = c((n >> 8) & 255);
  const b = c(n & 255);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1).toUpperCase()}`;
}

function tracePath(ctx: PathSink, feature: DecodedFeature, w: TileWindow): void {
  for (const ring of feature.rings) {
    ctx.moveTo(ring[0]! * w.scale + w.dx, ring[1]! * w.scale + w.dy);
    for (let k = 2; k < ring.length; k += 2)
      ctx.lineTo(ring[k]! * w.scale + w.dx, ring[k + 1]! * w.scale + w.dy);
    ctx.closePath();
  }
}

/**
 * Paints the tile's polygons through window `w`: one path and one fill per colour (a canvas
 * fill call costs far more than a vertex, and a z13 tile holds thousands of parcels), non-zero
 * winding (the tiler winds holes against their outer ring, so holes stay open and touching
 * parcels of one colour merge without seams), then the outlines of features at least
 * `minOutlinedPx` across, in a darker shade of their fill. Features outside the tile, or not
 * valid on `day`, are skipped. Returns how many features were painted.
 */
export function paintTile(ctx: PathSink, tile: DecodedTile, w: TileWindow, options: PaintOptions): number {
  const tilePx = options.tilePx ?? TILE_PX;
  const minOutlined = options.minOutlinedPx ?? 6;
  const groups = new Map<string, { features: DecodedFeature[]; outlined: DecodedFeature[] }>();
  let painted = 0;
  for (const f of tile.features) {
    const [x0, y0, x1, y1] = f.bbox;
    const px0 = x0 * w.scale + w.dx;
    const py0 = y0 * w.scale + w.dy;
    const px1 = x1 * w.scale + w.dx;
    const py1 = y1 * w.scale + w.dy;
    if (px1 < 0 || py1 < 0 || px0 > tilePx || py0 > tilePx) continue;
    if (options.day && !validOn(f.properties, options.day)) continue;
    const color = styleColor(options.style, f.properties);
    let g = groups.get(color);
    if (!g) {
      g = { features: [], outlined: [] };
      groups.set(color, g);
    }
    g.features.push(f);
    if (Math.max(px1 - px0, py1 - py0) >= minOutlined) g.outlined.push(f);
    painted++;
  }
  for (const [color, g] of groups) {
    ctx.fillStyle = color;
    ctx.beginPath();
    for (const f of g.features) tracePath(ctx, f, w);
    ctx.fill();
  }
  ctx.lineWidth = options.outlinePx ?? 1;
  ctx.lineJoin = 'round';
  for (const [color, g] of groups) {
    if (!g.outlined.length) continue;
    ctx.strokeStyle = darken(color, OUTLINE_DARKEN);
    ctx.beginPath();
    for (const f of g.outlined) tracePath(ctx, f, w);
    ctx.stroke();
  }
  return painted;
}

/** Even–odd point-in-polygon over all of a feature's rings (holes included), tile units. */
export function featureContains(f: DecodedFeature, u: number, v: number): boolean {
  const [x0, y0, x1, y1] = f.bbox;
  if (u < x0 || u > x1 || v < y0 || v > y1) return false;
  let inside = false;
  for (const ring of f.rings) {
    const n = ring.length / 2;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const xi = ring[2 * i]!;
      const yi = ring[2 * i + 1]!;
      const xj = ring[2 * j]!;
      const yj = ring[2 * j + 1]!;
      if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** The feature at tile units (u, v): the last painted (topmost) that contains it and is valid on `day`. */
export function featureAt(tile: DecodedTile, u: number, v: number, day?: string): DecodedFeature | undefined {
  for (let k = tile.features.length - 1; k >= 0; k--) {
    const f = tile.features[k]!;
    if (day && !validOn(f.properties, day)) continue;
    if (featureContains(f, u, v)) return f;
  }
  return undefined;
}

import { metresPerDegree } from '../geo/ellipsoid.js';
import type { BBox } from './geometry.js';
import { latToWorldY, lonToWorldX, metresPerPixel, tileKey, worldToTile } from './web-mercator.js';

/**
 * What a vector-tiled layer's pyramid looks like, decided from the features' sizes and where
 * they are, before any tile is cut (pure; `bdtwin add` feeds it every feature's box while it
 * reads):
 *
 * - **zoom range** by the typical (median) feature size, for tiles drawn `tilePx` pixels wide (the
 *   viewer paints 512-px imagery tiles, as Mapbox GL draws vector tiles): `minzoom` is the first
 *   zoom at which a typical feature spans `minFeaturePx` pixels (below that a parcel is a speck
 *   and the viewer draws nothing: ~z12 for 60–90 m parcels), `maxzoom` the first at which it spans
 *   `detailFeaturePx` (~z15 for parcels); closer in, the viewer repaints the `maxzoom` tile larger
 *   (over-zoom), so deeper tiles would only repeat the same vertices. `minzoom` also goes up until
 *   no tile holds more than `maxTileFeatures`: a tile of 70,000 parcels is a 600 kB pixel soup
 *   that takes the viewer's worker seconds to decode and paint.
 * - **partitions**: tiles at zoom ≤ `minzoom` that each hold at most `maxPartitionFeatures`
 *   features (by box centre), so the tiler holds one partition in memory at a time whatever the
 *   layer's size; every output tile lies inside exactly one partition.
 */

export interface VectorTilePlanOptions {
  /** Pixels across a tile as the viewer draws it. */
  tilePx: number;
  /** A typical feature spans at least this many pixels (of a `tilePx` tile) at `minzoom`. */
  minFeaturePx: number;
  /** …and at least this many at `maxzoom`. */
  detailFeaturePx: number;
  /** Deepest `maxzoom` (the viewer over-zooms beyond it). */
  maxZoomCap: number;
  /** Most features a partition holds (by box centre; those crossing its edge are added). */
  maxPartitionFeatures: number;
  /** Most features a `minzoom` tile may hold (by box centre). */
  maxTileFeatures: number;
  /** Zoom of the grid the features are counted on (partitions are never finer). */
  countZoom: number;
}

export const VECTOR_TILE_PLAN_DEFAULTS: VectorTilePlanOptions = {
  // web/src/catalog/vectorTilePaint.ts TILE_PX.
  tilePx: 512,
  // 2 px: the land-use colours of 60–90 m parcels read at z12 even where single parcels do not.
  minFeaturePx: 2,
  // 24 px: a parcel's outline and shape are clear; z15 for 60–90 m parcels.
  detailFeaturePx: 24,
  maxZoomCap: 16,
  // Measured: partitions of ≤ 28,000 parcels kept the 500,000-parcel import at 669 MB peak
  // (reading included); one of 73,000 took it to 1.4 GB (docs/benchmarks.md "Catalogue").
  maxPartitionFeatures: 40_000,
  // Also what a partition at minzoom then holds at most (plus the features crossing its edges).
  maxTileFeatures: 40_000,
  // ~2.4 km cells: a province is a few hundred of them.
  countZoom: 14,
};

export interface VectorTilePartition {
  z: number;
  x: number;
  y: number;
  /** Features counted in it (by box centre). */
  count: number;
}

export interface VectorTilePlan {
  minzoom: number;
  maxzoom: number;
  /** Median of the features' sizes (√(width × height) of the box), metres. */
  typicalSizeM: number;
  partitions: VectorTilePartition[];
  /** West, south, east, north of all features, degrees. */
  bounds: BBox;
}

/** Size histogram: bins of 1/8 octave from 2^-4 m; the median is read from it (no array of 500,000). */
const BINS_PER_OCTAVE = 8;
const SIZE_FLOOR_LOG2 = -4;
const SIZE_BINS = 24 * BINS_PER_OCTAVE;

export class VectorTilePlanner {
  private readonly options: VectorTilePlanOptions;
  private readonly sizes = new Float64Array(SIZE_BINS);
  /** Features per tile of the counting grid, by tile key. */
  private readonly counts = new Map<number, number>();
  private features = 0;
  private bounds: BBox = [Infinity, Infinity, -Infinity, -Infinity];

  constructor(options: Partial<VectorTilePlanOptions> = {}) {
    this.options = { ...VECTOR_TILE_PLAN_DEFAULTS, ...options };
  }

  /** One feature's box (degrees). */
  add(box: BBox): void {
    const [w, s, e, n] = box;
    if (!(e >= w && n >= s)) return;
    const { lonM, latM } = metresPerDegree((s + n) / 2);
    const sizeM = Math.sqrt((e - w) * lonM * ((n - s) * latM));
    const bin = Math.floor(
      (Math.log2(Math.max(sizeM, 2 ** SIZE_FLOOR_LOG2)) - SIZE_FLOOR_LOG2) * BINS_PER_OCTAVE,
    );
    this.sizes[Math.min(SIZE_BINS - 1, bin)]!++;
    const z = this.options.countZoom;
    const [tx, ty] = worldToTile(z, lonToWorldX((w + e) / 2), latToWorldY((s + n) / 2));
    const key = tileKey(z, tx, ty);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.features++;
    const b = this.bounds;
    if (w < b[0]) b[0] = w;
    if (s < b[1]) b[1] = s;
    if (e > b[2]) b[2] = e;
    if (n > b[3]) b[3] = n;
  }

  get count(): number {
    return this.features;
  }

  /** Median feature size, metres (the centre of its histogram bin: within 5 %). */
  typicalSizeM(): number {
    let seen = 0;
    for (let k = 0; k < SIZE_BINS; k++) {
      seen += this.sizes[k]!;
      if (seen * 2 >= this.features) return 2 ** (SIZE_FLOOR_LOG2 + (k + 0.5) / BINS_PER_OCTAVE);
    }
    return 0;
  }

  /** Most features (by box centre) in one tile of zoom `z` ≤ the counting grid's. */
  densest(z: number): number {
    const d = this.options.countZoom - z;
    if (d < 0)
      throw new Error(`densest(${z}): the features are counted on a z${this.options.countZoom} grid`);
    const sums = new Map<number, number>();
    let most = 0;
    for (const [key, n] of this.counts) {
      const xy = Math.floor(key / 32);
      const parent =
        Math.floor((xy % 2 ** 24) / 2 ** d) + Math.floor(Math.floor(xy / 2 ** 24) / 2 ** d) * 2 ** 24;
      const sum = (sums.get(parent) ?? 0) + n;
      sums.set(parent, sum);
      if (sum > most) most = sum;
    }
    return most;
  }

  plan(): VectorTilePlan {
    if (this.features === 0) throw new Error('no features to plan vector tiles for');
    const o = this.options;
    const size = this.typicalSizeM();
    const lat = (this.bounds[1] + this.bounds[3]) / 2;
    const px = (z: number) => size / metresPerPixel(z, lat, o.tilePx);
    let minzoom = 0;
    while (minzoom < o.maxZoomCap && px(minzoom) < o.minFeaturePx) minzoom++;
    while (minzoom < Math.min(o.maxZoomCap, o.countZoom) && this.densest(minzoom) > o.maxTileFeatures)
      minzoom++;
    let maxzoom = minzoom;
    while (maxzoom < o.maxZoomCap && px(maxzoom) < o.detailFeaturePx) maxzoom++;
    return {
      minzoom,
      maxzoom,
      typicalSizeM: Math.round(size * 10) / 10,
      partitions: partitionTiles(
        this.counts,
        o.countZoom,
        Math.min(minzoom, o.countZoom),
        o.maxPartitionFeatures,
      ),
      bounds: [...this.bounds] as BBox,
    };
  }
}

/**
 * Splits the world from tile 0/0/0 down until each tile holds at most `maxFeatures` (by the
 * counts on the `countZoom` grid) or reaches `deepest`; tiles without features are left out.
 */
export function partitionTiles(
  counts: ReadonlyMap<number, number>,
  countZoom: number,
  deepest: number,
  maxFeatures: number,
): VectorTilePartition[] {
  const cells: [x: number, y: number, n: number][] = [];
  for (const [key, n] of counts) {
    const xy = Math.floor(key / 32);
    cells.push([xy % 2 ** 24, Math.floor(xy / 2 ** 24), n]);
  }
  const out: VectorTilePartition[] = [];
  const split = (z: number, x: number, y: number, inside: typeof cells) => {
    const count = inside.reduce((sum, c) => sum + c[2], 0);
    if (count === 0) return;
    if (count <= maxFeatures || z >= deepest) {
      out.push({ z, x, y, count });
      return;
    }
    const shift = countZoom - (z + 1);
    const children = new Map<number, typeof cells>();
    for (const c of inside) {
      const cx = Math.floor(c[0] / 2 ** shift);
      const cy = Math.floor(c[1] / 2 ** shift);
      const k = (cy - 2 * y) * 2 + (cx - 2 * x);
      const list = children.get(k);
      if (list) list.push(c);
      else children.set(k, [c]);
    }
    for (const [k, list] of [...children].sort((a, b) => a[0] - b[0]))
      split(z + 1, 2 * x + (k % 2), 2 * y + Math.floor(k / 2), list);
  };
  split(0, 0, 0, cells);
  return out;
}

/**
 * One memory budget for the whole wall, shared by every tileset, instead of Cesium's default
 * 512 MiB cache (+ 512 MiB overflow) *per tileset*: with five layers that default lets the GPU
 * and JS heap grow towards 5 GiB over a day of touring. Each tileset gets an equal share of the
 * budget as `cacheBytes` and a quarter of its share as `maximumCacheOverflowBytes` (what it may
 * exceed the cache by while the current view needs more tiles); the globe keeps a bounded
 * number of terrain/imagery tiles.
 */

export interface MemoryBudget {
  /** Bytes for all tilesets together (cache; overflow comes on top, a quarter of it). */
  tilesetBytes: number;
  /** Terrain and imagery tiles the globe keeps beyond those in view (Cesium's default is 100). */
  globeTileCacheSize: number;
}

export const MIB = 1024 * 1024;
export const MEMORY_BUDGET_DEFAULTS: MemoryBudget = { tilesetBytes: 384 * MIB, globeTileCacheSize: 60 };

/** Smallest per-tileset cache: below this Cesium would thrash on a single view (bytes). */
export const MIN_TILESET_CACHE_BYTES = 16 * MIB;

export function tilesetShare(
  budget: MemoryBudget,
  tilesets: number,
): { cacheBytes: number; overflowBytes: number } {
  if (tilesets <= 0) return { cacheBytes: 0, overflowBytes: 0 };
  const cacheBytes = Math.max(MIN_TILESET_CACHE_BYTES, Math.floor(budget.tilesetBytes / tilesets));
  return { cacheBytes, overflowBytes: Math.floor(cacheBytes / 4) };
}

/** `?memMiB=<n>` (64–4096) overrides the tileset budget. */
export function memoryBudgetOf(search: string): MemoryBudget {
  const v = Number(new URLSearchParams(search).get('memMiB'));
  if (Number.isFinite(v) && v >= 64 && v <= 4096) return { ...MEMORY_BUDGET_DEFAULTS, tilesetBytes: v * MIB };
  return MEMORY_BUDGET_DEFAULTS;
}

export interface BudgetedTileset {
  cacheBytes: number;
  maximumCacheOverflowBytes: number;
  totalMemoryUsageInBytes: number;
}

/** Applies the budget to the tilesets and the globe; returns what they use now (bytes). */
export function applyMemoryBudget(
  budget: MemoryBudget,
  tilesets: readonly BudgetedTileset[],
  globe: { tileCacheSize: number } | undefined,
): number {
  const share = tilesetShare(budget, tilesets.length);
  let used = 0;
  for (const t of tilesets) {
    t.cacheBytes = share.cacheBytes;
    t.maximumCacheOverflowBytes = share.overflowBytes;
    used += t.totalMemoryUsageInBytes;
  }
  if (globe) globe.tileCacheSize = budget.globeTileCacheSize;
  return used;
}

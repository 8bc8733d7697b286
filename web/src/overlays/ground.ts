import {
  Cartographic,
  EllipsoidTerrainProvider,
  type Scene,
  sampleTerrain,
  sampleTerrainMostDetailed,
  type TerrainProvider,
} from 'cesium';

/**
 * Ground heights for overlay markers, so they stand on the terrain rather than at sea level
 * (the demo DEM puts Thủ Dầu Một 5–40 m up: a marker at 0 m would be buried).
 *
 * - `exact`: the terrain's most detailed tiles (`sampleTerrainMostDetailed`), for sensors —
 *   a gauge belongs exactly on its river bank. Asynchronous, once per sensor.
 * - `approx`: bilinear lookup in a grid sampled once at a middle level, for moving vehicles:
 *   thousands of position updates a second cannot each wait for terrain tiles, and a bus
 *   marker a metre too high or low does not show.
 *
 * Without terrain both give 0 (the ellipsoid). `onChange` fires when terrain arrives.
 */

/** Area the grid covers: Thủ Dầu Một and its neighbours (the terrain layer's bounds and more). */
const GRID_BBOX = { west: 106.48, south: 10.86, east: 106.82, north: 11.18 };
const GRID_STEP_DEG = 0.005; // ~550 m
/** Level 12 tiles are ~4.9 km wide: a few dozen requests for the grid. */
const GRID_LEVEL = 12;

export class GroundHeights {
  private grid: Float32Array | undefined;
  private cols = 0;
  private rows = 0;
  private provider: TerrainProvider | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly removeListener: () => void;
  private destroyed = false;

  constructor(private readonly scene: Scene) {
    this.removeListener = scene.terrainProviderChanged.addEventListener(() => this.onTerrain());
    this.onTerrain();
  }

  get hasTerrain(): boolean {
    return this.provider !== undefined;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Approximate ground height (m above the ellipsoid); 0 until the grid is sampled. */
  approx(lonDeg: number, latDeg: number): number {
    const g = this.grid;
    if (!g) return 0;
    const x = Math.min(this.cols - 1.001, Math.max(0, (lonDeg - GRID_BBOX.west) / GRID_STEP_DEG));
    const y = Math.min(this.rows - 1.001, Math.max(0, (latDeg - GRID_BBOX.south) / GRID_STEP_DEG));
    const i = Math.floor(x);
    const j = Math.floor(y);
    const fx = x - i;
    const fy = y - j;
    const at = (a: number, b: number) => g[b * this.cols + a]!;
    return (
      at(i, j) * (1 - fx) * (1 - fy) +
      at(i + 1, j) * fx * (1 - fy) +
      at(i, j + 1) * (1 - fx) * fy +
      at(i + 1, j + 1) * fx * fy
    );
  }

  /** Exact ground heights from the most detailed terrain; 0 without terrain or where unavailable. */
  async exact(points: readonly [number, number][]): Promise<number[]> {
    const provider = this.provider;
    if (!provider || points.length === 0) return points.map(() => 0);
    try {
      const samples = await sampleTerrainMostDetailed(
        provider,
        points.map(([lon, lat]) => Cartographic.fromDegrees(lon, lat)),
      );
      return samples.map((c, i) => (Number.isFinite(c.height) ? c.height : this.approx(...points[i]!)));
    } catch {
      return points.map((p) => this.approx(p[0], p[1]));
    }
  }

  destroy(): void {
    this.destroyed = true;
    this.removeListener();
    this.listeners.clear();
  }

  private onTerrain(): void {
    const provider = this.scene.terrainProvider;
    if (!provider || provider instanceof EllipsoidTerrainProvider) {
      this.provider = undefined;
      this.grid = undefined;
      this.emit();
      return;
    }
    if (provider === this.provider) return;
    this.provider = provider;
    this.grid = undefined;
    this.emit(); // exact heights are available now
    void this.sampleGrid(provider);
  }

  private async sampleGrid(provider: TerrainProvider): Promise<void> {
    const cols = Math.round((GRID_BBOX.east - GRID_BBOX.west) / GRID_STEP_DEG) + 1;
    const rows = Math.round((GRID_BBOX.north - GRID_BBOX.south) / GRID_STEP_DEG) + 1;
    const points: Cartographic[] = [];
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < cols; i++) {
        points.push(
          Cartographic.fromDegrees(GRID_BBOX.west + i * GRID_STEP_DEG, GRID_BBOX.south + j * GRID_STEP_DEG),
        );
      }
    }
    try {
      const grid = new Float32Array(points.length);
      // Each point at the grid level, or at the deepest level the terrain has there: the grid
      // reaches past the DEM, and asking for a tile outside layer.json's `available` is a 404.
      const byLevel = new Map<number, number[]>();
      for (const [k, c] of points.entries()) {
        const level = levelAt(provider, c);
        const group = byLevel.get(level) ?? [];
        group.push(k);
        byLevel.set(level, group);
      }
      for (const [level, indices] of byLevel) {
        const samples = await sampleTerrain(
          provider,
          level,
          indices.map((k) => points[k]!),
        );
        if (this.destroyed || provider !== this.provider) return;
        for (const [n, c] of samples.entries()) grid[indices[n]!] = Number.isFinite(c.height) ? c.height : 0;
      }
      this.grid = grid;
      this.cols = cols;
      this.rows = rows;
      this.emit();
    } catch (e) {
      console.warn('[bdtwin] overlays: terrain grid not sampled:', e);
    }
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

/** GRID_LEVEL, or the deepest level the terrain has at `c` when that is less (layer.json `available`). */
function levelAt(provider: TerrainProvider, c: Cartographic): number {
  const availability = provider.availability;
  if (!availability) return GRID_LEVEL;
  return Math.max(0, Math.min(GRID_LEVEL, availability.computeMaximumLevelAtPosition(c)));
}

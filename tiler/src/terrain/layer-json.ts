import type { TileKey } from './tiling.js';

/**
 * `layer.json`, the TileJSON-like description CesiumTerrainProvider reads first. Written once,
 * complete, after every tile (`available` lists exactly the tiles written, per level, in TMS
 * rows like the file names).
 */
export interface TerrainLayerJson {
  tilejson: '2.1.0';
  name: string;
  description: string;
  /** Substituted for `{version}` in `tiles`: a content hash, so viewers never mix old and new tiles. */
  version: string;
  format: 'quantized-mesh-1.0';
  attribution: string;
  scheme: 'tms';
  tiles: string[];
  projection: 'EPSG:4326';
  /** Where the data is: west, south, east, north degrees. */
  bounds: [number, number, number, number];
  minzoom: number;
  maxzoom: number;
  available: { startX: number; startY: number; endX: number; endY: number }[][];
  extensions: string[];
  /** How it was made (ignored by viewers). */
  bdtwin: {
    verticalDatum: 'ellipsoid';
    sourceVerticalDatum: string;
    gridSize: number;
    /** Largest vertical error of each level's meshes against the DEM grid, metres. */
    maxErrorM: number[];
  };
}

/** Row ranges per level: consecutive columns on a row, merged with identical rows above. */
export function availability(tilesByLevel: readonly (readonly TileKey[])[]): TerrainLayerJson['available'] {
  return tilesByLevel.map((tiles) => {
    const rows = new Map<number, number[]>();
    for (const t of tiles) rows.set(t.y, [...(rows.get(t.y) ?? []), t.x]);
    const spans: { startX: number; endX: number; y: number }[] = [];
    for (const [y, xs] of [...rows].sort((a, b) => a[0] - b[0])) {
      xs.sort((a, b) => a - b);
      let start = xs[0]!;
      let prev = start;
      for (const x of xs.slice(1)) {
        if (x !== prev + 1) {
          spans.push({ startX: start, endX: prev, y });
          start = x;
        }
        prev = x;
      }
      spans.push({ startX: start, endX: prev, y });
    }
    const ranges: TerrainLayerJson['available'][number] = [];
    for (const s of spans) {
      const last = ranges.find((r) => r.startX === s.startX && r.endX === s.endX && r.endY === s.y - 1);
      if (last) last.endY = s.y;
      else ranges.push({ startX: s.startX, startY: s.y, endX: s.endX, endY: s.y });
    }
    return ranges;
  });
}

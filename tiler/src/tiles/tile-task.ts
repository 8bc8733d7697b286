import type { Footprint } from '../buildings/footprint.js';
import { type FootprintBatch, FootprintStore } from '../buildings/store.js';
import { EnuFrame } from '../geo/ellipsoid.js';
import { type GlbOptions, writeTileGlb } from './glb.js';
import { simplifyFootprint } from './simplify.js';

/**
 * One tile's content as a self-contained task: plain data in, glb bytes out, so it can run
 * on any thread (see pool.ts). Parents simplify their buildings here, in parallel too.
 */

export interface TileTask {
  /** The tile's buildings: transferable buffers for a worker thread, or the footprints in-process. */
  batch: FootprintBatch | Footprint[];
  /** Origin of the tileset's ENU frame (its root transform). */
  frame: { lonDeg: number; latDeg: number; heightM: number };
  /** Tile centre in that frame, metres east/north/up. */
  centre: [number, number, number];
  /** Simplification tolerance for parent tiles, metres (0 = full detail). */
  toleranceM: number;
  glb: GlbOptions;
}

export interface TileTaskResult {
  glb: Uint8Array;
  /** Largest distance a simplified vertex moved, metres. */
  deviationM: number;
}

export async function runTileTask(task: TileTask): Promise<TileTaskResult> {
  let deviationM = 0;
  const footprints = Array.isArray(task.batch) ? task.batch : FootprintStore.all(task.batch);
  const buildings = footprints.map((f) => {
    if (task.toleranceM <= 0) return f;
    const s = simplifyFootprint(f, task.toleranceM);
    deviationM = Math.max(deviationM, s.deviationM);
    return s.footprint;
  });
  const frame = new EnuFrame(task.frame.lonDeg, task.frame.latDeg, task.frame.heightM);
  const glb = await writeTileGlb(buildings, frame, task.centre, task.glb);
  return { glb, deviationM };
}

import { extrudeFootprint } from '../buildings/extrude.js';
import type { Footprint } from '../buildings/footprint.js';
import { EnuFrame } from '../geo/ellipsoid.js';
import { type GlbOptions, writeTileGlb } from './glb.js';
import { simplifyFootprint } from './simplify.js';

/**
 * One tile's content as a self-contained task: plain data in, glb bytes out, so it can run
 * on any thread (see pool.ts). Parents simplify their buildings here, in parallel too.
 */

/** What a tile content task needs from each building (a structured-clone-friendly subset). */
export type TaskFootprint = Pick<Footprint, 'properties' | 'polygons' | 'baseM' | 'heightM' | 'bbox'> &
  Partial<Footprint>;

export interface TileTask {
  footprints: TaskFootprint[];
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
  const buildings = task.footprints.map((f) => {
    let footprint = f as Footprint;
    if (task.toleranceM > 0) {
      const s = simplifyFootprint(footprint, task.toleranceM);
      deviationM = Math.max(deviationM, s.deviationM);
      footprint = s.footprint;
    }
    return { properties: footprint.properties, mesh: extrudeFootprint(footprint) };
  });
  const frame = new EnuFrame(task.frame.lonDeg, task.frame.latDeg, task.frame.heightM);
  const glb = await writeTileGlb(buildings, frame, task.centre, task.glb);
  return { glb, deviationM };
}

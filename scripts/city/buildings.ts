/**
 * A planned building in local metres, and the collision bookkeeping that keeps buildings apart,
 * off the street corridors and inside their ward.
 */
import {
  inflateObb,
  type Obb,
  obbAabb,
  obbCorners,
  obbsOverlap,
  pointInRing,
  SpatialHash,
  segmentObbDistanceM,
} from './geometry.js';
import type { XY } from './projection.js';
import type { WardGeometry } from './streets.js';

export type BuildingForm = 'shophouse' | 'villa' | 'tower' | 'factory' | 'public' | 'landmark';

export const BUILDING_FORMS: readonly BuildingForm[] = [
  'shophouse',
  'villa',
  'tower',
  'factory',
  'public',
  'landmark',
];

export interface PlannedBuilding {
  wardIndex: number;
  /** One or more polygons, each [outer, ...holes], rings open (first point not repeated). */
  polygons: XY[][][];
  form: BuildingForm;
  storeys: number;
  /** Roof height in metres, or null when only storeys are given (the tiler derives it). */
  heightM: number | null;
  /** Cadastral land-use code. */
  use: string;
  name?: string;
}

/** A street segment to keep clear of, with the half-width of its corridor. */
export interface CorridorSegment {
  a: XY;
  b: XY;
  halfWidthM: number;
}

const WARD_CELL_M = 100;

/** Widest corridor half-width, to size spatial queries. */
const MAX_HALF_WIDTH_M = 25;

/**
 * Accepts or refuses buildings. A candidate is made of one or more OBBs (an L is two) and is
 * accepted when every OBB lies inside its ward (with a margin), outside every street corridor
 * and does not interpenetrate an accepted OBB.
 */
export class Placer {
  readonly buildings: PlannedBuilding[] = [];
  private readonly obbs: Obb[] = [];
  private readonly obbHash = new SpatialHash(50);
  private readonly segments: CorridorSegment[] = [];
  private readonly segmentHash = new SpatialHash(50);
  private readonly cellCache = new Map<number, boolean>();
  private readonly wardEdges: { a: XY; b: XY; box: [number, number, number, number] }[][];

  constructor(
    private readonly wards: readonly WardGeometry[],
    corridors: readonly CorridorSegment[],
    /** Minimum distance kept from a ward boundary, metres. */
    private readonly wardMarginM = 0.5,
    /** Extra clearance from street corridors, metres. */
    private readonly corridorClearanceM = 0.3,
  ) {
    for (const s of corridors) this.addCorridor(s);
    this.wardEdges = wards.map((w) => {
      const edges = [];
      for (let i = 0; i + 1 < w.ring.length; i++) {
        const a = w.ring[i]!;
        const b = w.ring[i + 1]!;
        edges.push({
          a,
          b,
          box: [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])] as [
            number,
            number,
            number,
            number,
          ],
        });
      }
      return edges;
    });
  }

  addCorridor(s: CorridorSegment): void {
    const id = this.segments.length;
    this.segments.push(s);
    this.segmentHash.insert(
      id,
      Math.min(s.a[0], s.b[0]),
      Math.min(s.a[1], s.b[1]),
      Math.max(s.a[0], s.b[0]),
      Math.max(s.a[1], s.b[1]),
    );
  }

  /** Index of the first ward containing the point, or -1. */
  wardAt(x: number, y: number): number {
    return this.wards.findIndex((w) => pointInRing(x, y, w.ring));
  }

  /**
   * Whether a 100 m cell lies wholly inside a ward (no boundary edge crosses it), cached: most
   * candidates sit in such cells and skip the exact test.
   */
  private cellInside(wardIndex: number, ix: number, iy: number): boolean {
    const key = (wardIndex * 4096 + ix + 2048) * 4096 + iy + 2048;
    let v = this.cellCache.get(key);
    if (v !== undefined) return v;
    const s = WARD_CELL_M;
    const x0 = ix * s;
    const y0 = iy * s;
    const cell: Obb = {
      cxM: x0 + s / 2,
      cyM: y0 + s / 2,
      halfLengthM: s / 2,
      halfWidthM: s / 2,
      angleRad: 0,
    };
    v = pointInRing(x0 + s / 2, y0 + s / 2, this.wards[wardIndex]!.ring);
    if (v) {
      for (const e of this.wardEdges[wardIndex]!) {
        if (e.box[0] > x0 + s || e.box[2] < x0 || e.box[1] > y0 + s || e.box[3] < y0) continue;
        if (segmentObbDistanceM(e.a[0], e.a[1], e.b[0], e.b[1], cell) <= this.wardMarginM) {
          v = false;
          break;
        }
      }
    }
    this.cellCache.set(key, v);
    return v;
  }

  insideWard(o: Obb, wardIndex: number): boolean {
    const ward = this.wards[wardIndex];
    if (!ward) return false;
    const [bx0, by0, bx1, by1] = obbAabb(o);
    let allInside = true;
    for (let ix = Math.floor(bx0 / WARD_CELL_M); allInside && ix <= Math.floor(bx1 / WARD_CELL_M); ix++) {
      for (let iy = Math.floor(by0 / WARD_CELL_M); iy <= Math.floor(by1 / WARD_CELL_M); iy++) {
        if (!this.cellInside(wardIndex, ix, iy)) {
          allInside = false;
          break;
        }
      }
    }
    if (allInside) return true;
    for (const [x, y] of obbCorners(o)) if (!pointInRing(x, y, ward.ring)) return false;
    const [x0, y0, x1, y1] = obbAabb(o, this.wardMarginM);
    for (const e of this.wardEdges[wardIndex]!) {
      if (e.box[0] > x1 || e.box[2] < x0 || e.box[1] > y1 || e.box[3] < y0) continue;
      if (segmentObbDistanceM(e.a[0], e.a[1], e.b[0], e.b[1], o) < this.wardMarginM) return false;
    }
    return true;
  }

  clearOfStreets(o: Obb): boolean {
    const [x0, y0, x1, y1] = obbAabb(o, MAX_HALF_WIDTH_M + this.corridorClearanceM);
    for (const id of this.segmentHash.query(x0, y0, x1, y1)) {
      const s = this.segments[id]!;
      if (segmentObbDistanceM(s.a[0], s.a[1], s.b[0], s.b[1], o) < s.halfWidthM + this.corridorClearanceM) {
        return false;
      }
    }
    return true;
  }

  /** No accepted OBB within clearanceM (0 = touching allowed). */
  clearOfBuildings(o: Obb, clearanceM = 0): boolean {
    const probe = clearanceM > 0 ? inflateObb(o, clearanceM) : o;
    const [x0, y0, x1, y1] = obbAabb(probe);
    for (const id of this.obbHash.query(x0, y0, x1, y1)) {
      if (obbsOverlap(probe, this.obbs[id]!)) return false;
    }
    return true;
  }

  fits(shapes: readonly Obb[], wardIndex: number, clearanceM = 0): boolean {
    for (const o of shapes) {
      if (
        !this.clearOfBuildings(o, clearanceM) ||
        !this.clearOfStreets(o) ||
        !this.insideWard(o, wardIndex)
      ) {
        return false;
      }
    }
    return true;
  }

  commit(shapes: readonly Obb[], buildings: readonly PlannedBuilding[]): void {
    for (const o of shapes) {
      const id = this.obbs.length;
      this.obbs.push(o);
      const [x0, y0, x1, y1] = obbAabb(o);
      this.obbHash.insert(id, x0, y0, x1, y1);
    }
    this.buildings.push(...buildings);
  }

  /** Places the group if it fits; returns whether it did. */
  tryPlace(shapes: readonly Obb[], buildings: readonly PlannedBuilding[], clearanceM = 0): boolean {
    const wardIndex = buildings[0]?.wardIndex ?? -1;
    if (!this.fits(shapes, wardIndex, clearanceM)) return false;
    this.commit(shapes, buildings);
    return true;
  }
}

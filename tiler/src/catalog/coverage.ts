import { type Geom, intersection } from 'polyclip-ts';
import type { CoverageMethod } from '../api/catalog.js';
import {
  type BBox,
  bboxesOverlap,
  bboxOf,
  clipRingToBox,
  type GeometryLike,
  type LocalPlane,
  linesOf,
  localPlane,
  type Polygon,
  pointsOf,
  polygonsArea,
  polygonsOf,
  type Ring,
  toLocal,
  type XY,
} from './geometry.js';

/**
 * How much of each ward a layer covers (docs/catalog.md, "Completeness"). Streaming: features are
 * added one at a time, so a 500,000-parcel layer is measured while it is read, never held.
 *
 * - `area`: the share of the ward's area inside the layer's polygons. A polygon whose bounding
 *   box no ward edge crosses is wholly inside or wholly outside (one point decides) and counts
 *   with its own area; only polygons on a ward boundary are intersected exactly (polyclip). The
 *   polygons of one layer are taken not to overlap (parcels, zoning): overlaps would count twice,
 *   and the share is capped at 1.
 * - `cells`: the ward is cut into square cells (`cellM`); a cell whose centre is in the ward
 *   counts as covered when any feature has a point in it (lines are sampled every cellM / 4,
 *   polygons at their vertices, edges and centre). For lines, points and buildings, which never
 *   fill the ground, "is there data here" is the meaningful question.
 */

export interface Unit {
  id: string;
  name: string;
  /** Lon/lat polygons. */
  polygons: Polygon[];
}

interface Edge {
  ax: number;
  ay: number;
  bx: number;
  by: number;
}

/** Horizontal bands over the unit's extent, each listing the edges that reach into it. */
const BANDS = 128;

/** A unit ready for many queries: local-metre rings, area, and an edge index. */
export class PreparedUnit {
  readonly id: string;
  readonly name: string;
  readonly plane: LocalPlane;
  /** Local metres. */
  readonly polygons: Polygon[];
  readonly areaM2: number;
  /** Local metres. */
  readonly bbox: BBox;
  private readonly bands: Edge[][];
  private readonly bandHeightM: number;

  constructor(unit: Unit) {
    this.id = unit.id;
    this.name = unit.name;
    const lonLat = bboxOf(unit.polygons.flatMap((p) => p.flat()));
    this.plane = localPlane((lonLat[0] + lonLat[2]) / 2, (lonLat[1] + lonLat[3]) / 2);
    this.polygons = unit.polygons.map((poly) => poly.map((ring) => ring.map((p) => toLocal(this.plane, p))));
    this.areaM2 = polygonsArea(this.polygons);
    this.bbox = bboxOf(this.polygons.flatMap((p) => p.flat()));
    this.bandHeightM = Math.max((this.bbox[3] - this.bbox[1]) / BANDS, 1e-9);
    this.bands = Array.from({ length: BANDS }, () => []);
    for (const poly of this.polygons) {
      for (const ring of poly) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [ax, ay] = ring[j]!;
          const [bx, by] = ring[i]!;
          if (ax === bx && ay === by) continue;
          const edge = { ax, ay, bx, by };
          const [b0, b1] = [this.band(Math.min(ay, by)), this.band(Math.max(ay, by))];
          for (let b = b0; b <= b1; b++) this.bands[b]!.push(edge);
        }
      }
    }
  }

  private band(y: number): number {
    return Math.min(BANDS - 1, Math.max(0, Math.floor((y - this.bbox[1]) / this.bandHeightM)));
  }

  /** Even–odd point-in-polygon over the unit's rings (holes and several parts included). */
  contains(x: number, y: number): boolean {
    if (x < this.bbox[0] || x > this.bbox[2] || y < this.bbox[1] || y > this.bbox[3]) return false;
    let inside = false;
    for (const e of this.bands[this.band(y)]!) {
      if (e.ay > y !== e.by > y && x < ((e.bx - e.ax) * (y - e.ay)) / (e.by - e.ay) + e.ax) inside = !inside;
    }
    return inside;
  }

  /** Whether any unit edge's bounding box overlaps `box` (local metres). */
  edgesNear(box: BBox): boolean {
    const b0 = this.band(box[1]);
    const b1 = this.band(box[3]);
    for (let b = b0; b <= b1; b++) {
      for (const e of this.bands[b]!) {
        if (
          Math.min(e.ax, e.bx) <= box[2] &&
          Math.max(e.ax, e.bx) >= box[0] &&
          Math.min(e.ay, e.by) <= box[3] &&
          Math.max(e.ay, e.by) >= box[1]
        ) {
          return true;
        }
      }
    }
    return false;
  }
}

/** Area (m²) of a polygon's part inside the unit; `poly` in the unit's local metres. */
export function areaInsideM2(unit: PreparedUnit, poly: Polygon, polyBBox: BBox): number {
  if (!bboxesOverlap(unit.bbox, polyBBox)) return 0;
  if (!unit.edgesNear(polyBBox)) {
    // No ward boundary in the polygon's box: it is all in or all out.
    const [x, y] = poly[0]![0]!;
    return unit.contains(x, y) ? polygonsArea([poly]) : 0;
  }
  // Only the ward's piece around the polygon matters: clip the ward to (a little more than) the
  // polygon's box first, so polyclip meets a dozen vertices rather than the ward's hundreds.
  const margin = Math.max(polyBBox[2] - polyBBox[0], polyBBox[3] - polyBBox[1]) * 0.01 + 0.01;
  const box: BBox = [polyBBox[0] - margin, polyBBox[1] - margin, polyBBox[2] + margin, polyBBox[3] + margin];
  const piece: Polygon[] = [];
  for (const wardPoly of unit.polygons) {
    const outer = clipRingToBox(wardPoly[0] ?? [], box);
    if (outer.length === 0) continue;
    const holes = wardPoly
      .slice(1)
      .map((h) => clipRingToBox(h, box))
      .filter((h) => h.length > 0);
    piece.push([outer, ...holes]);
  }
  if (piece.length === 0) return 0;
  const clipped = intersection(poly as Geom, piece as Geom);
  return polygonsArea(clipped as Polygon[]);
}

export const DEFAULT_CELL_M = 250;

interface CellGrid {
  originX: number;
  originY: number;
  nx: number;
  ny: number;
  /** 1 = centre inside the unit. */
  inside: Uint8Array;
  insideCount: number;
  hit: Uint8Array;
}

/** Accumulates one layer's coverage of every unit, feature by feature. */
export class CoverageAccumulator {
  readonly method: CoverageMethod;
  readonly cellM: number;
  private readonly units: PreparedUnit[];
  private readonly coveredM2: Float64Array;
  private readonly grids: CellGrid[];

  constructor(units: readonly PreparedUnit[], method: CoverageMethod, cellM = DEFAULT_CELL_M) {
    this.units = [...units];
    this.method = method;
    this.cellM = cellM;
    this.coveredM2 = new Float64Array(units.length);
    this.grids = method === 'cells' ? this.units.map((u) => this.grid(u)) : [];
  }

  private grid(unit: PreparedUnit): CellGrid {
    const s = this.cellM;
    const originX = unit.bbox[0];
    const originY = unit.bbox[1];
    const nx = Math.max(1, Math.ceil((unit.bbox[2] - originX) / s));
    const ny = Math.max(1, Math.ceil((unit.bbox[3] - originY) / s));
    const inside = new Uint8Array(nx * ny);
    let insideCount = 0;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        if (unit.contains(originX + (i + 0.5) * s, originY + (j + 0.5) * s)) {
          inside[j * nx + i] = 1;
          insideCount++;
        }
      }
    }
    return { originX, originY, nx, ny, inside, insideCount, hit: new Uint8Array(nx * ny) };
  }

  add(geometry: GeometryLike | null | undefined): void {
    if (!geometry || this.method === 'none') return;
    if (this.method === 'area') this.addArea(geometry);
    else this.addCells(geometry);
  }

  private addArea(geometry: GeometryLike): void {
    const polygons = polygonsOf(geometry);
    if (polygons.length === 0) return;
    const lonLatBox: BBox = [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of polygons) bboxOf(poly[0] ?? [], lonLatBox);
    this.units.forEach((unit, k) => {
      // Cheap rejection in degrees first: most features are nowhere near most wards.
      const [w, s] = toLocal(unit.plane, [lonLatBox[0], lonLatBox[1]]);
      const [e, n] = toLocal(unit.plane, [lonLatBox[2], lonLatBox[3]]);
      if (!bboxesOverlap(unit.bbox, [w, s, e, n])) return;
      for (const poly of polygons) {
        const local = poly.map((ring) => ring.map((p) => toLocal(unit.plane, p)));
        this.coveredM2[k]! += areaInsideM2(unit, local, bboxOf(local[0] ?? []));
      }
    });
  }

  private addCells(geometry: GeometryLike): void {
    const samples: XY[] = [...pointsOf(geometry)];
    for (const line of linesOf(geometry)) samples.push(...this.densify(line, false));
    for (const poly of polygonsOf(geometry)) {
      const outer = poly[0];
      if (!outer || outer.length === 0) continue;
      samples.push(...this.densify(outer, true));
      // Its centre too: a polygon larger than a cell covers cells none of its edges touch.
      const box = bboxOf(outer);
      samples.push([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]);
    }
    if (samples.length === 0) return;
    this.units.forEach((unit, k) => {
      const g = this.grids[k]!;
      for (const p of samples) {
        const [x, y] = toLocal(unit.plane, p);
        const i = Math.floor((x - g.originX) / this.cellM);
        const j = Math.floor((y - g.originY) / this.cellM);
        if (i < 0 || j < 0 || i >= g.nx || j >= g.ny) continue;
        const c = j * g.nx + i;
        if (g.inside[c]) g.hit[c] = 1;
      }
    });
  }

  /** Points along a line (lon/lat) no more than cellM / 4 apart. */
  private densify(line: Ring, closed: boolean): XY[] {
    const unit = this.units[0];
    if (!unit || line.length === 0) return [];
    const step = this.cellM / 4;
    const out: XY[] = [line[0]!];
    const n = closed ? line.length : line.length - 1;
    for (let i = 0; i < n; i++) {
      const a = line[i]!;
      const b = line[(i + 1) % line.length]!;
      const dx = (b[0] - a[0]) * unit.plane.lonM;
      const dy = (b[1] - a[1]) * unit.plane.latM;
      const pieces = Math.ceil(Math.hypot(dx, dy) / step);
      for (let k = 1; k <= pieces; k++) {
        const t = k / pieces;
        out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
      }
    }
    return out;
  }

  /** Share 0–1 of each unit covered, rounded to 1e-6 (ppm: what JSON need carry). */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    this.units.forEach((unit, k) => {
      let share = 0;
      if (this.method === 'area') share = unit.areaM2 > 0 ? this.coveredM2[k]! / unit.areaM2 : 0;
      else if (this.method === 'cells') {
        const g = this.grids[k]!;
        let hits = 0;
        for (let c = 0; c < g.hit.length; c++) hits += g.hit[c]!;
        share = g.insideCount > 0 ? hits / g.insideCount : 0;
      }
      out[unit.id] = Math.round(Math.min(1, Math.max(0, share)) * 1e6) / 1e6;
    });
    return out;
  }
}

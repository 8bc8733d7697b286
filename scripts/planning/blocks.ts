/**
 * City blocks (ô phố) of the demo street network: the bounded faces of the planar road graph,
 * minus each bounding street's corridor (carriageway + sidewalks, as the city generator keeps
 * buildings out of it). These become the zoning parcels, so that the demo buildings, which the
 * generator placed between the streets, fall inside parcels rather than across them.
 */
import { differencePolygons, unionPolygons } from '../../tiler/src/planning/clipper.js';
import { type Polygons, polygonsArea, ringArea } from '../../tiler/src/planning/geometry.js';
import { type RoadClass, roadHalfWidthM } from '../city/roads.js';

export interface RoadSegment {
  /** Local metres (x east, y north). */
  points: [number, number][];
  roadClass: RoadClass;
  lanes: number;
}

export interface Block {
  /** The face of the road graph (to the street centre lines). */
  face: number[];
  /** The face minus the street corridors: the buildable block, local metres. */
  polygons: Polygons;
  areaM2: number;
}

const key = (p: readonly [number, number]) => `${p[0].toFixed(2)},${p[1].toFixed(2)}`;

interface HalfEdge {
  from: string;
  to: string;
  /** Points from `from` to `to`. */
  points: [number, number][];
  angle: number;
  segment: number;
  next?: HalfEdge;
  twin?: HalfEdge;
  used: boolean;
}

/** Bounded faces (counter-clockwise rings, flat) of a noded road graph, with their edges' segments. */
export function graphFaces(segments: readonly RoadSegment[]): { ring: number[]; segments: Set<number> }[] {
  const outgoing = new Map<string, HalfEdge[]>();
  const add = (he: HalfEdge) => {
    const list = outgoing.get(he.from);
    if (list) list.push(he);
    else outgoing.set(he.from, [he]);
  };
  segments.forEach((s, i) => {
    if (s.points.length < 2) return;
    const fwd: HalfEdge = {
      from: key(s.points[0]!),
      to: key(s.points[s.points.length - 1]!),
      points: s.points,
      angle: Math.atan2(s.points[1]![1] - s.points[0]![1], s.points[1]![0] - s.points[0]![0]),
      segment: i,
      used: false,
    };
    const rev = [...s.points].reverse();
    const back: HalfEdge = {
      from: fwd.to,
      to: fwd.from,
      points: rev,
      angle: Math.atan2(rev[1]![1] - rev[0]![1], rev[1]![0] - rev[0]![0]),
      segment: i,
      used: false,
    };
    if (fwd.from === fwd.to) return;
    fwd.twin = back;
    back.twin = fwd;
    add(fwd);
    add(back);
  });
  for (const list of outgoing.values()) list.sort((a, b) => a.angle - b.angle);
  // Face on the left: at each node leave by the first edge clockwise from the one we came back on.
  for (const list of outgoing.values()) {
    for (const he of list) {
      const at = outgoing.get(he.to)!;
      const back = he.twin!;
      const i = at.indexOf(back);
      he.next = at[(i - 1 + at.length) % at.length]!;
    }
  }
  const faces: { ring: number[]; segments: Set<number> }[] = [];
  for (const list of outgoing.values()) {
    for (const start of list) {
      if (start.used) continue;
      const ring: number[] = [];
      const segs = new Set<number>();
      let he: HalfEdge | undefined = start;
      let guard = 0;
      while (he && !he.used && guard++ < 100_000) {
        he.used = true;
        segs.add(he.segment);
        for (let k = 0; k < he.points.length - 1; k++) ring.push(he.points[k]![0], he.points[k]![1]);
        he = he.next;
      }
      if (he === start && ringArea(ring) > 0) faces.push({ ring, segments: segs });
    }
  }
  return faces;
}

/** A segment's corridor as polygons: a rectangle per straight piece and a square at each joint. */
function corridor(s: RoadSegment): Polygons {
  const hw = roadHalfWidthM(s.roadClass, s.lanes);
  const out: Polygons = [];
  for (let k = 0; k < s.points.length - 1; k++) {
    const [ax, ay] = s.points[k]!;
    const [bx, by] = s.points[k + 1]!;
    const len = Math.hypot(bx - ax, by - ay);
    if (len < 1e-6) continue;
    const nx = (-(by - ay) / len) * hw;
    const ny = ((bx - ax) / len) * hw;
    out.push([[ax - nx, ay - ny, bx - nx, by - ny, bx + nx, by + ny, ax + nx, ay + ny]]);
  }
  // Junctions and bends: an octagon of the corridor's half-width, so corners are not notched.
  for (const [x, y] of s.points) {
    const ring: number[] = [];
    for (let a = 0; a < 8; a++) {
      const t = ((a + 0.5) * Math.PI) / 4;
      ring.push(
        x + (hw / Math.cos(Math.PI / 8)) * Math.cos(t),
        y + (hw / Math.cos(Math.PI / 8)) * Math.sin(t),
      );
    }
    out.push([ring]);
  }
  return out;
}

/** Blocks whose face lies (by its centroid) in `inArea`, between the given areas. */
export function cityBlocks(
  segments: readonly RoadSegment[],
  inArea: (x: number, y: number) => boolean,
  limits: { minAreaM2: number; maxAreaM2: number },
): Block[] {
  const blocks: Block[] = [];
  for (const { ring, segments: segs } of graphFaces(segments)) {
    const faceArea = ringArea(ring);
    if (faceArea < limits.minAreaM2 || faceArea > limits.maxAreaM2 * 2) continue;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < ring.length; i += 2) {
      cx += ring[i]!;
      cy += ring[i + 1]!;
    }
    if (!inArea(cx / (ring.length / 2), cy / (ring.length / 2))) continue;
    const corridors = unionPolygons([...segs].flatMap((i) => corridor(segments[i]!)));
    const parts = differencePolygons([[ring]], corridors)
      .map((p) => ({ p, a: polygonsArea([p]) }))
      .sort((a, b) => b.a - a.a);
    const main = parts[0];
    if (!main || main.a < limits.minAreaM2 || main.a > limits.maxAreaM2) continue;
    blocks.push({ face: ring, polygons: [main.p], areaM2: main.a });
  }
  return blocks;
}

/**
 * The street network: national roads (real, clipped to the wards), streets along the shared ward
 * boundaries, and per ward a jittered, rotated grid made by recursive splitting, so that block
 * sizes follow the urban form of each zone and streets meet in T and X junctions. Everything is
 * then "noded" (split at every crossing, with crossing points shared exactly) to form a routable
 * graph.
 */
import {
  clipPolylineToRing,
  closestOnSegment,
  type Obb,
  obbAabb,
  pointInRing,
  pointSegmentDistanceM,
  polylineLengthM,
  type Ring,
  SpatialHash,
  segmentIntersection,
  segmentObbDistanceM,
} from './geometry.js';
import type { StreetNamer } from './names.js';
import type { XY } from './projection.js';
import type { Rng } from './rng.js';
import {
  ROAD_CLASS_PARAMS,
  ROAD_SOURCE_GENERATED,
  ROAD_SOURCE_NATIONAL,
  type RoadAttributes,
  type RoadClass,
  type RoadEdge,
  type RoadLine,
  roadHalfWidthM,
} from './roads.js';
import { ZONE_STREETS, type ZoneClassifier, type ZoneKind } from './zones.js';

export interface WardGeometry {
  name: string;
  /** Outer ring in local metres, closed (first point repeated). */
  ring: Ring;
  /** Grid orientation of the ward's streets, radians from east. */
  gridAngleRad: number;
}

/** Rotation between local metres and a ward's grid frame (u along the grid, v across). */
export interface GridFrame {
  cos: number;
  sin: number;
}

export function gridFrame(angleRad: number): GridFrame {
  return { cos: Math.cos(angleRad), sin: Math.sin(angleRad) };
}

export function frameToLocal(f: GridFrame, u: number, v: number): [number, number] {
  return [u * f.cos - v * f.sin, u * f.sin + v * f.cos];
}

export function localToFrame(f: GridFrame, x: number, y: number): [number, number] {
  return [x * f.cos + y * f.sin, -x * f.sin + y * f.cos];
}

/** A leaf of the subdivision: a rectangular block in its ward's grid frame. */
export interface Block {
  wardIndex: number;
  kind: ZoneKind;
  angleRad: number;
  u0: number;
  v0: number;
  u1: number;
  v1: number;
  /** Half-width of the street on each side (bottom v0, right u1, top v1, left u0); 0 = none. */
  sideHalfWidthM: [number, number, number, number];
}

export interface NationalRoadInput {
  /** Road name (`ten`), e.g. "Quốc lộ 13". */
  name: string;
  /** Source road type (`loai_duong`): "Đường chính", "Đường thứ cấp", "Đường sắt". */
  roadType: string;
  /** Parts of the MultiLineString, in local metres. */
  parts: XY[][];
}

export interface StreetOptions {
  wards: readonly WardGeometry[];
  /** National and ward-boundary roads from `arterialLines`. */
  arterials: readonly RoadLine[];
  zones: ZoneClassifier;
  namer: StreetNamer;
  rng: Rng;
  /** Footprints that streets must not cross (landmarks placed before the streets). */
  reserved: readonly Obb[];
  /** Streets are extended up to this far to meet a street across a ward boundary. */
  connectSearchM: number;
  /** A dead end within this distance of a ward boundary is kept (the street leaves the map). */
  boundaryDeadEndM: number;
}

export interface StreetNetwork {
  nodes: XY[];
  edges: RoadEdge[];
  blocks: Block[];
  /** Disconnected pieces removed; the network returned is one connected component. */
  islandsDropped: number;
}

/** Attributes of a generated street from the length of its line and the zone it serves. */
function generatedStreetAttributes(
  kind: ZoneKind,
  lineLengthM: number,
  rng: Rng,
): Omit<RoadAttributes, 'name'> {
  let roadClass: RoadClass;
  let lanes: number;
  if (kind === 'industrial') {
    // Park spines are four-lane; factory access roads two wide lanes.
    [roadClass, lanes] = lineLengthM > 1200 ? ['secondary', 4] : ['service', 2];
  } else if (kind === 'newCity') {
    [roadClass, lanes] =
      lineLengthM > 1200 ? ['primary', 6] : lineLengthM > 500 ? ['secondary', 4] : ['tertiary', 2];
  } else {
    [roadClass, lanes] =
      lineLengthM > 2500 ? ['secondary', 4] : lineLengthM > 900 ? ['tertiary', 2] : ['residential', 2];
  }
  // Narrow old-town streets of Phú Cường are often one-way.
  const oneway = kind === 'oldCentre' && roadClass === 'residential' && rng.chance(0.25);
  return {
    roadClass,
    lanes,
    oneway,
    maxspeedKmh: ROAD_CLASS_PARAMS[roadClass].maxspeedKmh,
    source: ROAD_SOURCE_GENERATED,
    kind,
  };
}

function rectTouchesRing(
  frame: GridFrame,
  u0: number,
  v0: number,
  u1: number,
  v1: number,
  ringUv: readonly XY[],
  ring: Ring,
): boolean {
  for (const [u, v] of ringUv) if (u >= u0 && u <= u1 && v >= v0 && v <= v1) return true;
  const corners: XY[] = [
    [u0, v0],
    [u1, v0],
    [u1, v1],
    [u0, v1],
  ];
  for (const [u, v] of corners) {
    const [x, y] = frameToLocal(frame, u, v);
    if (pointInRing(x, y, ring)) return true;
  }
  for (let i = 0; i < 4; i++) {
    const a = corners[i]!;
    const b = corners[(i + 1) % 4]!;
    for (let j = 0; j + 1 < ringUv.length; j++) {
      const c = ringUv[j]!;
      const d = ringUv[j + 1]!;
      const hit = segmentIntersection(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]);
      if (hit && hit.t >= 0 && hit.t <= 1 && hit.u >= 0 && hit.u <= 1) return true;
    }
  }
  return false;
}

/** Recursive splitting of one ward's bounding rectangle into blocks, emitting street lines. */
function subdivideWard(
  wardIndex: number,
  ward: WardGeometry,
  opts: StreetOptions,
  lines: RoadLine[],
  blocks: Block[],
): void {
  const frame = gridFrame(ward.gridAngleRad);
  const ringUv = ward.ring.map(([x, y]) => localToFrame(frame, x, y));
  let u0 = Number.POSITIVE_INFINITY;
  let v0 = Number.POSITIVE_INFINITY;
  let u1 = Number.NEGATIVE_INFINITY;
  let v1 = Number.NEGATIVE_INFINITY;
  for (const [u, v] of ringUv) {
    u0 = Math.min(u0, u);
    v0 = Math.min(v0, v);
    u1 = Math.max(u1, u);
    v1 = Math.max(v1, v);
  }
  const { rng, zones, namer } = opts;
  const reservedBoxes = opts.reserved.map((o) => ({ o, box: obbAabb(o, 40) }));
  const lineClear = (a: XY, b: XY, halfWidthM: number) => {
    const x0 = Math.min(a[0], b[0]);
    const x1 = Math.max(a[0], b[0]);
    const y0 = Math.min(a[1], b[1]);
    const y1 = Math.max(a[1], b[1]);
    for (const { o, box } of reservedBoxes) {
      if (box[0] > x1 || box[2] < x0 || box[1] > y1 || box[3] < y0) continue;
      if (segmentObbDistanceM(a[0], a[1], b[0], b[1], o) < halfWidthM + 3) return false;
    }
    return true;
  };

  const visit = (r: Block) => {
    if (!rectTouchesRing(frame, r.u0, r.v0, r.u1, r.v1, ringUv, ward.ring)) return;
    const [cx, cy] = frameToLocal(frame, (r.u0 + r.u1) / 2, (r.v0 + r.v1) / 2);
    const kind = zones.kindAt(cx, cy, ward.name);
    const p = ZONE_STREETS[kind];
    const w = r.u1 - r.u0;
    const h = r.v1 - r.v0;
    const longM = Math.max(w, h);
    r.kind = kind;
    if (longM <= p.blockMaxM || (longM <= 2 * p.blockMaxM && rng.chance(p.superblockChance))) {
      blocks.push(r);
      return;
    }
    // Split across the long side, at a jittered position that keeps both halves >= blockMin.
    const splitU = w >= h;
    const spanM = splitU ? w : h;
    const lineLengthM = splitU ? h : w;
    let tMin = Math.max(0.3, p.blockMinM / spanM);
    let tMax = Math.min(0.7, 1 - p.blockMinM / spanM);
    if (tMin > tMax) tMin = tMax = 0.5;
    const attrs = generatedStreetAttributes(kind, lineLengthM, rng);
    const halfWidthM = roadHalfWidthM(attrs.roadClass, attrs.lanes);
    let chosen: { a: XY; b: XY; at: number } | null = null;
    let last: { a: XY; b: XY; at: number } | null = null;
    for (let attempt = 0; attempt < 8 && !chosen; attempt++) {
      const t = rng.range(tMin, tMax);
      const at = splitU ? r.u0 + t * w : r.v0 + t * h;
      const a = splitU ? frameToLocal(frame, at, r.v0) : frameToLocal(frame, r.u0, at);
      const b = splitU ? frameToLocal(frame, at, r.v1) : frameToLocal(frame, r.u1, at);
      last = { a, b, at };
      if (lineClear(a, b, halfWidthM)) chosen = last;
    }
    if (!chosen) {
      // A landmark sits in the way of every split: keep the block whole if it is not huge.
      if (longM <= 3 * p.blockMaxM || !last) {
        blocks.push(r);
        return;
      }
      chosen = last;
    }
    const northSouth = Math.abs(chosen.b[1] - chosen.a[1]) > Math.abs(chosen.b[0] - chosen.a[0]);
    const major = attrs.roadClass !== 'residential' && attrs.roadClass !== 'service';
    lines.push({
      ...attrs,
      name: namer.name(kind, ward.name, major, northSouth),
      points: [chosen.a, chosen.b],
    });
    const s = r.sideHalfWidthM;
    if (splitU) {
      visit({ ...r, u1: chosen.at, sideHalfWidthM: [s[0], halfWidthM, s[2], s[3]] });
      visit({ ...r, u0: chosen.at, sideHalfWidthM: [s[0], s[1], s[2], halfWidthM] });
    } else {
      visit({ ...r, v1: chosen.at, sideHalfWidthM: [s[0], s[1], halfWidthM, s[3]] });
      visit({ ...r, v0: chosen.at, sideHalfWidthM: [halfWidthM, s[1], s[2], s[3]] });
    }
  };
  visit({
    wardIndex,
    kind: 'suburban',
    angleRad: ward.gridAngleRad,
    u0: u0 - 1,
    v0: v0 - 1,
    u1: u1 + 1,
    v1: v1 + 1,
    sideHalfWidthM: [0, 0, 0, 0],
  });
}

/** Clips a polyline to the union of rings: keeps the parts whose midpoints lie in any ring. */
export function clipPolylineToRegion(line: readonly XY[], rings: readonly Ring[]): XY[][] {
  const pieces: XY[][] = [];
  let current: XY[] | null = null;
  for (let i = 0; i + 1 < line.length; i++) {
    const a = line[i]!;
    const b = line[i + 1]!;
    const ts: number[] = [0, 1];
    for (const ring of rings) {
      for (let j = 0; j + 1 < ring.length; j++) {
        const c = ring[j]!;
        const d = ring[j + 1]!;
        const hit = segmentIntersection(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]);
        if (hit && hit.t > 0 && hit.t < 1 && hit.u >= 0 && hit.u <= 1) ts.push(hit.t);
      }
    }
    ts.sort((p, q) => p - q);
    for (let k = 0; k + 1 < ts.length; k++) {
      const t0 = ts[k]!;
      const t1 = ts[k + 1]!;
      if (t1 - t0 < 1e-9) continue;
      const tm = (t0 + t1) / 2;
      const mx = a[0] + (b[0] - a[0]) * tm;
      const my = a[1] + (b[1] - a[1]) * tm;
      const p1: XY = [a[0] + (b[0] - a[0]) * t1, a[1] + (b[1] - a[1]) * t1];
      if (rings.some((r) => pointInRing(mx, my, r))) {
        if (!current) {
          current = [[a[0] + (b[0] - a[0]) * t0, a[1] + (b[1] - a[1]) * t0]];
          pieces.push(current);
        }
        current.push(p1);
      } else {
        current = null;
      }
    }
  }
  return pieces.filter((p) => polylineLengthM(p) > 1);
}

function distanceToRingM(x: number, y: number, ring: Ring): number {
  let d = Number.POSITIVE_INFINITY;
  for (let j = 0; j + 1 < ring.length; j++) {
    const a = ring[j]!;
    const b = ring[j + 1]!;
    d = Math.min(d, pointSegmentDistanceM(x, y, a[0], a[1], b[0], b[1]));
  }
  return d;
}

/**
 * Streets along the boundaries between wards: real ward limits often follow a road, and these
 * give the grids of neighbouring wards something to join. The wards' rings were simplified
 * separately and differ by tens of metres, so the first ward's ring is used where the second's
 * lies within `toleranceM`.
 */
function boundaryLines(wards: readonly WardGeometry[], toleranceM: number): XY[][] {
  const out: XY[][] = [];
  for (let i = 0; i < wards.length; i++) {
    for (let j = i + 1; j < wards.length; j++) {
      const a = wards[i]!;
      const b = wards[j]!;
      let current: XY[] | null = null;
      for (let k = 0; k + 1 < a.ring.length; k++) {
        const p = a.ring[k]!;
        const q = a.ring[k + 1]!;
        const shared =
          distanceToRingM(p[0], p[1], b.ring) <= toleranceM &&
          distanceToRingM(q[0], q[1], b.ring) <= toleranceM &&
          distanceToRingM((p[0] + q[0]) / 2, (p[1] + q[1]) / 2, b.ring) <= toleranceM;
        if (shared) {
          if (!current) {
            current = [p];
            out.push(current);
          }
          current.push(q);
        } else {
          current = null;
        }
      }
    }
  }
  return out.filter((l) => polylineLengthM(l) > 200);
}

function nationalAttributes(road: NationalRoadInput): Omit<RoadAttributes, 'kind'> | null {
  if (road.roadType === 'Đường sắt') return null;
  if (road.name === 'Quốc lộ 13') {
    // Đại lộ Bình Dương: 6–8 lanes plus side roads through Thủ Dầu Một.
    return {
      name: 'Đại lộ Bình Dương (Quốc lộ 13)',
      roadClass: 'trunk',
      lanes: 8,
      oneway: false,
      maxspeedKmh: ROAD_CLASS_PARAMS.trunk.maxspeedKmh,
      source: ROAD_SOURCE_NATIONAL,
    };
  }
  const primary = road.roadType === 'Đường chính';
  const roadClass: RoadClass = primary ? 'primary' : 'secondary';
  return {
    name: road.name === 'Không biết' ? 'Tỉnh lộ (không rõ tên)' : road.name,
    roadClass,
    lanes: 4,
    oneway: false,
    maxspeedKmh: ROAD_CLASS_PARAMS[roadClass].maxspeedKmh,
    source: ROAD_SOURCE_NATIONAL,
  };
}

interface NodedGraph {
  nodes: XY[];
  edges: RoadEdge[];
}

/**
 * Splits lines at every crossing and T-junction and merges crossing points closer than snapM
 * into one node, so that edges meet at exactly equal coordinates.
 */
export function nodeLines(input: readonly RoadLine[], snapM: number): NodedGraph {
  // Drop vertices closer than 1 cm to the previous one: clipping can leave slivers of segments
  // whose direction is numerically meaningless.
  const lines = input
    .map((l) => ({
      ...l,
      points: l.points.filter(
        (p, i) => i === 0 || Math.hypot(p[0] - l.points[i - 1]![0], p[1] - l.points[i - 1]![1]) >= 0.01,
      ),
    }))
    .filter((l) => l.points.length >= 2);
  const segLine: number[] = [];
  const segIndex: number[] = [];
  const hash = new SpatialHash(100);
  lines.forEach((line, li) => {
    for (let j = 0; j + 1 < line.points.length; j++) {
      const a = line.points[j]!;
      const b = line.points[j + 1]!;
      const id = segLine.length;
      segLine.push(li);
      segIndex.push(j);
      hash.insert(
        id,
        Math.min(a[0], b[0]) - snapM,
        Math.min(a[1], b[1]) - snapM,
        Math.max(a[0], b[0]) + snapM,
        Math.max(a[1], b[1]) + snapM,
      );
    }
  });
  interface Split {
    param: number;
    x: number;
    y: number;
  }
  const splits: Split[][] = lines.map((l) => {
    const first = l.points[0]!;
    const last = l.points[l.points.length - 1]!;
    return [
      { param: 0, x: first[0], y: first[1] },
      { param: l.points.length - 1, x: last[0], y: last[1] },
    ];
  });
  for (let s = 0; s < segLine.length; s++) {
    const ls = segLine[s]!;
    const a = lines[ls]!.points[segIndex[s]!]!;
    const b = lines[ls]!.points[segIndex[s]! + 1]!;
    const lenS = Math.hypot(b[0] - a[0], b[1] - a[1]);
    const cands = hash.query(
      Math.min(a[0], b[0]) - snapM,
      Math.min(a[1], b[1]) - snapM,
      Math.max(a[0], b[0]) + snapM,
      Math.max(a[1], b[1]) + snapM,
    );
    for (const c of cands) {
      if (c <= s) continue;
      const lc = segLine[c]!;
      if (lc === ls) continue;
      const cp = lines[lc]!.points[segIndex[c]!]!;
      const dp = lines[lc]!.points[segIndex[c]! + 1]!;
      const hit = segmentIntersection(a[0], a[1], b[0], b[1], cp[0], cp[1], dp[0], dp[1]);
      if (!hit) continue;
      const lenC = Math.hypot(dp[0] - cp[0], dp[1] - cp[1]);
      // (Nearly) collinear pieces, e.g. one road clipped into two by a ward sliver, have no
      // meaningful crossing; their touching ends are merged by the node snapping below.
      const sin = Math.abs((b[0] - a[0]) * (dp[1] - cp[1]) - (b[1] - a[1]) * (dp[0] - cp[0])) / (lenS * lenC);
      if (sin < 1e-6) continue;
      const tolS = snapM / lenS;
      const tolC = snapM / lenC;
      if (hit.t < -tolS || hit.t > 1 + tolS || hit.u < -tolC || hit.u > 1 + tolC) continue;
      const t = Math.min(Math.max(hit.t, 0), 1);
      const u = Math.min(Math.max(hit.u, 0), 1);
      // The crossing point, taken on the longer segment (better conditioned) at its clamped
      // parameter, so it always lies on the street it splits.
      const x = lenS >= lenC ? a[0] + (b[0] - a[0]) * t : cp[0] + (dp[0] - cp[0]) * u;
      const y = lenS >= lenC ? a[1] + (b[1] - a[1]) * t : cp[1] + (dp[1] - cp[1]) * u;
      if (
        pointSegmentDistanceM(x, y, a[0], a[1], b[0], b[1]) > snapM ||
        pointSegmentDistanceM(x, y, cp[0], cp[1], dp[0], dp[1]) > snapM
      ) {
        continue;
      }
      splits[ls]!.push({ param: segIndex[s]! + t, x, y });
      splits[lc]!.push({ param: segIndex[c]! + u, x, y });
    }
  }
  const nodes: XY[] = [];
  const nodeHash = new Map<number, number[]>();
  const cellM = Math.max(snapM * 2, 0.01);
  const nodeAt = (x: number, y: number): number => {
    const ix = Math.floor(x / cellM);
    const iy = Math.floor(y / cellM);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const n of nodeHash.get((ix + dx) * 1000003 + (iy + dy)) ?? []) {
          const p = nodes[n]!;
          if (Math.hypot(p[0] - x, p[1] - y) <= snapM) return n;
        }
      }
    }
    const id = nodes.length;
    nodes.push([x, y]);
    const k = ix * 1000003 + iy;
    const bucket = nodeHash.get(k);
    if (bucket) bucket.push(id);
    else nodeHash.set(k, [id]);
    return id;
  };
  const edges: RoadEdge[] = [];
  lines.forEach((line, li) => {
    const sp = splits[li]!.sort((p, q) => p.param - q.param);
    const { points, ...attrs } = line;
    const halfWidthM = roadHalfWidthM(line.roadClass, line.lanes);
    let prevNode = nodeAt(sp[0]!.x, sp[0]!.y);
    let prevParam = sp[0]!.param;
    for (let k = 1; k < sp.length; k++) {
      const cur = sp[k]!;
      const node = nodeAt(cur.x, cur.y);
      const interior: XY[] = [];
      for (let v = Math.floor(prevParam) + 1; v < cur.param; v++) {
        if (v > prevParam) interior.push(points[v]!);
      }
      if (node === prevNode && interior.length === 0) continue;
      const pts: XY[] = [nodes[prevNode]!, ...interior, nodes[node]!];
      if (node !== prevNode || polylineLengthM(pts) > 5) {
        edges.push({ ...attrs, points: pts, fromNode: prevNode, toNode: node, halfWidthM });
      }
      prevNode = node;
      prevParam = cur.param;
    }
  });
  return { nodes, edges };
}

function degrees(nodeCount: number, edges: readonly RoadEdge[], alive: readonly boolean[]): Int32Array {
  const deg = new Int32Array(nodeCount);
  edges.forEach((e, i) => {
    if (!alive[i]) return;
    deg[e.fromNode]!++;
    deg[e.toNode]!++;
  });
  return deg;
}

/**
 * Extends dead ends forward to the nearest street within `searchM` (within 35° of straight on):
 * this joins the grids of neighbouring wards, whose separately simplified boundaries leave gaps.
 */
function connectorLines(graph: NodedGraph, searchM: number): RoadLine[] {
  const alive = graph.edges.map(() => true);
  const deg = degrees(graph.nodes.length, graph.edges, alive);
  const segHash = new SpatialHash(100);
  const segs: { edge: number; a: XY; b: XY }[] = [];
  graph.edges.forEach((e, ei) => {
    for (let j = 0; j + 1 < e.points.length; j++) {
      const a = e.points[j]!;
      const b = e.points[j + 1]!;
      segHash.insert(
        segs.length,
        Math.min(a[0], b[0]),
        Math.min(a[1], b[1]),
        Math.max(a[0], b[0]),
        Math.max(a[1], b[1]),
      );
      segs.push({ edge: ei, a, b });
    }
  });
  const out: RoadLine[] = [];
  const cosMax = Math.cos((35 * Math.PI) / 180);
  graph.edges.forEach((e, ei) => {
    if (e.source === ROAD_SOURCE_NATIONAL) return;
    for (const end of [0, 1] as const) {
      const node = end === 0 ? e.fromNode : e.toNode;
      if (deg[node] !== 1) continue;
      const p = graph.nodes[node]!;
      const prev = end === 0 ? e.points[1]! : e.points[e.points.length - 2]!;
      const len = Math.hypot(p[0] - prev[0], p[1] - prev[1]);
      if (len < 1e-6) continue;
      const dx = (p[0] - prev[0]) / len;
      const dy = (p[1] - prev[1]) / len;
      let best: XY | null = null;
      let bestD = searchM;
      for (const si of segHash.query(p[0] - searchM, p[1] - searchM, p[0] + searchM, p[1] + searchM)) {
        const s = segs[si]!;
        if (s.edge === ei) continue;
        const c = closestOnSegment(p[0], p[1], s.a[0], s.a[1], s.b[0], s.b[1]);
        const d = Math.hypot(c.x - p[0], c.y - p[1]);
        if (d < 0.5 || d >= bestD) continue;
        if (((c.x - p[0]) * dx + (c.y - p[1]) * dy) / d < cosMax) continue;
        best = [c.x, c.y];
        bestD = d;
      }
      if (best) {
        const { points: _points, fromNode: _f, toNode: _t, halfWidthM: _h, ...attrs } = e;
        out.push({ ...attrs, points: [p, best] });
      }
    }
  });
  return out;
}

/**
 * The real national roads clipped to the wards, plus streets along shared ward boundaries:
 * laid out first, because landmarks are placed against them before the grid is drawn.
 */
export function arterialLines(
  wards: readonly WardGeometry[],
  nationalRoads: readonly NationalRoadInput[],
  namer: StreetNamer,
): RoadLine[] {
  const rings = wards.map((w) => w.ring);
  const lines: RoadLine[] = [];
  for (const road of nationalRoads) {
    const attrs = nationalAttributes(road);
    if (!attrs) continue;
    for (const part of road.parts) {
      for (const piece of clipPolylineToRegion(part, rings))
        lines.push({ ...attrs, kind: 'urban', points: piece });
    }
  }
  for (const line of boundaryLines(wards, 80)) {
    lines.push({
      name: namer.historicalName() ?? 'Đường ranh phường',
      roadClass: 'tertiary',
      lanes: 2,
      oneway: false,
      maxspeedKmh: ROAD_CLASS_PARAMS.tertiary.maxspeedKmh,
      source: ROAD_SOURCE_GENERATED,
      kind: 'suburban',
      points: line,
    });
  }
  return lines;
}

export function buildStreets(opts: StreetOptions): StreetNetwork {
  const { wards, rng } = opts;
  const rings = wards.map((w) => w.ring);
  const lines: RoadLine[] = [...opts.arterials];
  const blocks: Block[] = [];
  wards.forEach((ward, wi) => {
    const raw: RoadLine[] = [];
    subdivideWard(wi, ward, opts, raw, blocks);
    for (const line of raw) {
      for (const piece of clipPolylineToRing(line.points, ward.ring)) lines.push({ ...line, points: piece });
    }
  });

  // Node, join across ward gaps, node again.
  const first = nodeLines(lines, 0.5);
  const graph = nodeLines([...lines, ...connectorLines(first, opts.connectSearchM)], 0.5);
  const { nodes, edges } = graph;
  const alive = edges.map(() => true);
  const deg = degrees(nodes.length, edges, alive);

  // Irregularity: leave out some minor segments, never creating a dead end.
  edges.forEach((e, i) => {
    if (e.source !== ROAD_SOURCE_GENERATED || (e.roadClass !== 'residential' && e.roadClass !== 'service'))
      return;
    if (deg[e.fromNode]! < 3 || deg[e.toNode]! < 3) return;
    if (!rng.chance(ZONE_STREETS[e.kind].dropChance)) return;
    alive[i] = false;
    deg[e.fromNode]!--;
    deg[e.toNode]!--;
  });

  // Prune dead ends that do not lead out of the map (stubs of clipped lines inside the wards).
  const nearBoundaryCache = new Map<number, boolean>();
  const nearBoundary = (node: number): boolean => {
    let v = nearBoundaryCache.get(node);
    if (v === undefined) {
      const [x, y] = nodes[node]!;
      v = rings.some((r) => distanceToRingM(x, y, r) <= opts.boundaryDeadEndM);
      nearBoundaryCache.set(node, v);
    }
    return v;
  };
  for (let changed = true; changed; ) {
    changed = false;
    edges.forEach((e, i) => {
      if (!alive[i]) return;
      const deadFrom = deg[e.fromNode] === 1 && !nearBoundary(e.fromNode);
      const deadTo = deg[e.toNode] === 1 && !nearBoundary(e.toNode);
      if (deadFrom || deadTo || e.fromNode === e.toNode) {
        alive[i] = false;
        deg[e.fromNode]!--;
        deg[e.toNode]!--;
        changed = true;
      }
    });
  }

  // Keep the largest connected piece only: islands (bits of grid cut off by a ward's ragged
  // outline) would strand vehicles in the traffic simulation.
  const parent = nodes.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const n = parent[i]!;
      parent[i] = r;
      i = n;
    }
    return r;
  };
  edges.forEach((e, i) => {
    if (alive[i]) parent[find(e.fromNode)] = find(e.toNode);
  });
  const compLength = new Map<number, number>();
  edges.forEach((e, i) => {
    if (!alive[i]) return;
    const r = find(e.fromNode);
    compLength.set(r, (compLength.get(r) ?? 0) + polylineLengthM(e.points));
  });
  let main = -1;
  let mainLength = -1;
  for (const [root, len] of compLength) {
    if (len > mainLength) {
      main = root;
      mainLength = len;
    }
  }
  const kept = edges.filter((e, i) => alive[i] && find(e.fromNode) === main);
  return { nodes, edges: kept, blocks, islandsDropped: Math.max(0, compLength.size - 1) };
}

import earcut from 'earcut';
import { metresPerDegree } from '../geo/ellipsoid.js';
import type { Footprint } from './footprint.js';

/**
 * Extrudes footprints into closed-looking prisms: a flat roof (earcut) and vertical walls with
 * one outward normal per wall (flat shading, so each wall has its own four vertices).
 * Buildings on the ground get no floor: it is never seen. A building part that starts above
 * the ground (min_height: a tower over a podium, a bridge between buildings) is seen from
 * below, so it gets a floor facing down.
 */

/**
 * A building mesh in metres on the footprint's local tangent plane: x east, y north, z up,
 * origin at `origin` (the footprint's bbox centre at its base height).
 */
export interface BuildingMesh {
  origin: { lonDeg: number; latDeg: number; heightM: number };
  /** xyz triples in metres. */
  positions: Float64Array;
  /** Unit normals, xyz triples. */
  normals: Float32Array;
  /** Triangles, counter-clockwise seen from outside (glTF front faces). */
  indices: Uint32Array;
}

/**
 * Vertex and index counts of a footprint's mesh, known before meshing (for tile budgets).
 * Pass the footprint's `minHeightM`: a raised part has a floor, as many vertices as its roof.
 */
export function meshSize(polygons: number[][][], minHeightM = 0): { vertices: number; indices: number } {
  const caps = minHeightM > 0 ? 2 : 1;
  let vertices = 0;
  let indices = 0;
  for (const rings of polygons) {
    let ringVertices = 0;
    for (const ring of rings) ringVertices += ring.length / 2;
    // roof (and floor): one vertex per ring vertex, (n + 2·holes − 2) triangles; walls: 4 vertices and 2 triangles per edge
    vertices += ringVertices * caps + ringVertices * 4;
    indices += (ringVertices + 2 * (rings.length - 1) - 2) * 3 * caps + ringVertices * 6;
  }
  return { vertices, indices };
}

/** Where extrusion writes: a vertex with its normal (returns its index), or a triangle. */
export interface MeshSink {
  vertex(x: number, y: number, z: number, nx: number, ny: number, nz: number): number;
  triangle(a: number, b: number, c: number): void;
}

/**
 * Extrudes rings given in local metres (flat `[x0, y0, x1, y1, …]`, not closed, outer ring
 * counter-clockwise, holes clockwise) from z = minHeightM to z = heightM into `sink`, with a
 * floor facing down when minHeightM > 0. Writes at most `meshSize()` vertices and indices.
 */
export function extrudeRingsTo(rings: number[][], heightM: number, minHeightM: number, sink: MeshSink): void {
  // Roof.
  let flat: number[];
  const holeIndices: number[] = [];
  if (rings.length === 1) flat = rings[0]!;
  else {
    flat = [];
    for (let r = 0; r < rings.length; r++) {
      if (r > 0) holeIndices.push(flat.length / 2);
      for (const v of rings[r]!) flat.push(v);
    }
  }
  const triangles = earcut(flat, holeIndices, 2);
  let roof = -1;
  for (let i = 0; i < flat.length; i += 2) {
    const v = sink.vertex(flat[i]!, flat[i + 1]!, heightM, 0, 0, 1);
    if (roof < 0) roof = v;
  }
  // earcut does not promise an orientation; the roof must face up (counter-clockwise from above).
  const upward = (t: number) => {
    const a = triangles[t]!;
    const b = triangles[t + 1]!;
    const c = triangles[t + 2]!;
    return (
      (flat[b * 2]! - flat[a * 2]!) * (flat[c * 2 + 1]! - flat[a * 2 + 1]!) -
        (flat[b * 2 + 1]! - flat[a * 2 + 1]!) * (flat[c * 2]! - flat[a * 2]!) >=
      0
    );
  };
  for (let t = 0; t < triangles.length; t += 3) {
    const a = roof + triangles[t]!;
    const b = roof + triangles[t + 1]!;
    const c = roof + triangles[t + 2]!;
    if (upward(t)) sink.triangle(a, b, c);
    else sink.triangle(a, c, b);
  }

  // Floor of a raised part: the roof's triangles at the bottom, wound the other way so they
  // face down (clockwise from above is counter-clockwise from below).
  if (minHeightM > 0) {
    let floor = -1;
    for (let i = 0; i < flat.length; i += 2) {
      const v = sink.vertex(flat[i]!, flat[i + 1]!, minHeightM, 0, 0, -1);
      if (floor < 0) floor = v;
    }
    for (let t = 0; t < triangles.length; t += 3) {
      const a = floor + triangles[t]!;
      const b = floor + triangles[t + 1]!;
      const c = floor + triangles[t + 2]!;
      if (upward(t)) sink.triangle(a, c, b);
      else sink.triangle(a, b, c);
    }
  }

  // Walls: for an edge a→b of a counter-clockwise outer ring (or clockwise hole) the solid lies
  // to the left, so (dy, −dx) points out of the building.
  for (const ring of rings) {
    const n = ring.length / 2;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ax = ring[i * 2]!;
      const ay = ring[i * 2 + 1]!;
      const bx = ring[j * 2]!;
      const by = ring[j * 2 + 1]!;
      const dx = bx - ax;
      const dy = by - ay;
      const len = Math.hypot(dx, dy);
      if (len < 1e-6) continue;
      const nx = dy / len;
      const ny = -dx / len;
      const v0 = sink.vertex(ax, ay, minHeightM, nx, ny, 0);
      const v1 = sink.vertex(bx, by, minHeightM, nx, ny, 0);
      const v2 = sink.vertex(bx, by, heightM, nx, ny, 0);
      const v3 = sink.vertex(ax, ay, heightM, nx, ny, 0);
      sink.triangle(v0, v1, v2);
      sink.triangle(v0, v2, v3);
    }
  }
}

/** extrudeRingsTo into plain arrays: for tests and for one-off meshes. */
export function extrudeRings(rings: number[][], heightM: number, minHeightM = 0) {
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  extrudeRingsTo(rings, heightM, minHeightM, {
    vertex(x, y, z, nx, ny, nz) {
      positions.push(x, y, z);
      normals.push(nx, ny, nz);
      return positions.length / 3 - 1;
    },
    triangle(a, b, c) {
      indices.push(a, b, c);
    },
  });
  return { positions, normals, indices };
}

/** A footprint's rings in metres on its tangent plane around (lon0, lat0) (bbox centre). */
export function localRings(footprint: Footprint): { lon0: number; lat0: number; polygons: number[][][] } {
  const [west, south, east, north] = footprint.bbox;
  const lon0 = (west + east) / 2;
  const lat0 = (south + north) / 2;
  const { lonM, latM } = metresPerDegree(lat0);
  const polygons = footprint.polygons.map((rings) =>
    rings.map((ring) => {
      const out = new Array<number>(ring.length);
      for (let i = 0; i < ring.length; i += 2) {
        out[i] = (ring[i]! - lon0) * lonM;
        out[i + 1] = (ring[i + 1]! - lat0) * latM;
      }
      return out;
    }),
  );
  return { lon0, lat0, polygons };
}

/**
 * Meshes a footprint on its own tangent plane. Planar error over a 200 m footprint is
 * 200²/(2·6.4e6) ≈ 3 mm, far below what a viewer can see; the tile writer then places the
 * mesh exactly on the ellipsoid through ECEF.
 */
export function extrudeFootprint(footprint: Footprint): BuildingMesh {
  const { lon0, lat0, polygons } = localRings(footprint);
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  for (const rings of polygons) {
    const part = extrudeRings(rings, footprint.heightM, footprint.minHeightM ?? 0);
    const offset = positions.length / 3;
    for (const v of part.positions) positions.push(v);
    for (const v of part.normals) normals.push(v);
    for (const i of part.indices) indices.push(i + offset);
  }
  return {
    origin: { lonDeg: lon0, latDeg: lat0, heightM: footprint.baseM },
    positions: Float64Array.from(positions),
    normals: Float32Array.from(normals),
    indices: Uint32Array.from(indices),
  };
}

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

/**
 * Extrudes rings given in local metres (flat `[x0, y0, x1, y1, …]`, not closed, outer ring
 * counter-clockwise, holes clockwise) from z = minHeightM to z = heightM, with a floor facing
 * down when minHeightM > 0.
 */
export function extrudeRings(rings: number[][], heightM: number, minHeightM = 0) {
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];

  // Roof.
  const flat: number[] = [];
  const holeIndices: number[] = [];
  for (let r = 0; r < rings.length; r++) {
    if (r > 0) holeIndices.push(flat.length / 2);
    for (const v of rings[r]!) flat.push(v);
  }
  const triangles = earcut(flat, holeIndices, 2);
  for (let i = 0; i < flat.length; i += 2) {
    positions.push(flat[i]!, flat[i + 1]!, heightM);
    normals.push(0, 0, 1);
  }
  for (let t = 0; t < triangles.length; t += 3) {
    const a = triangles[t]!;
    let b = triangles[t + 1]!;
    let c = triangles[t + 2]!;
    // earcut does not promise an orientation; the roof must face up (counter-clockwise from above).
    const cross =
      (flat[b * 2]! - flat[a * 2]!) * (flat[c * 2 + 1]! - flat[a * 2 + 1]!) -
      (flat[b * 2 + 1]! - flat[a * 2 + 1]!) * (flat[c * 2]! - flat[a * 2]!);
    if (cross < 0) [b, c] = [c, b];
    indices.push(a, b, c);
  }

  // Floor of a raised part: the roof's triangles at the bottom, wound the other way so they
  // face down (clockwise from above is counter-clockwise from below).
  if (minHeightM > 0) {
    const floor = positions.length / 3;
    for (let i = 0; i < flat.length; i += 2) {
      positions.push(flat[i]!, flat[i + 1]!, minHeightM);
      normals.push(0, 0, -1);
    }
    const roofIndices = indices.length;
    for (let t = 0; t < roofIndices; t += 3) {
      indices.push(floor + indices[t]!, floor + indices[t + 2]!, floor + indices[t + 1]!);
    }
  }

  // Walls: for an edge a→b of a counter-clockwise outer ring (or clockwise hole) the solid lies
  // to the left, so (dy, −dx) points out of the building.
  for (const ring of rings) {
    const n = ring.length / 2;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
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
      const base = positions.length / 3;
      positions.push(ax, ay, minHeightM, bx, by, minHeightM, bx, by, heightM, ax, ay, heightM);
      for (let k = 0; k < 4; k++) normals.push(nx, ny, 0);
      indices.push(base, base + 1, base + 2, base, base + 2, base + 3);
    }
  }
  return { positions, normals, indices };
}

/**
 * Meshes a footprint on its own tangent plane. Planar error over a 200 m footprint is
 * 200²/(2·6.4e6) ≈ 3 mm, far below what a viewer can see; the tile writer then places the
 * mesh exactly on the ellipsoid through ECEF.
 */
export function extrudeFootprint(footprint: Footprint): BuildingMesh {
  const [west, south, east, north] = footprint.bbox;
  const lon0 = (west + east) / 2;
  const lat0 = (south + north) / 2;
  const { lonM, latM } = metresPerDegree(lat0);
  const positions: number[] = [];
  const normals: number[] = [];
  const indices: number[] = [];
  for (const rings of footprint.polygons) {
    const local = rings.map((ring) => {
      const out = new Array<number>(ring.length);
      for (let i = 0; i < ring.length; i += 2) {
        out[i] = (ring[i]! - lon0) * lonM;
        out[i + 1] = (ring[i + 1]! - lat0) * latM;
      }
      return out;
    });
    const part = extrudeRings(local, footprint.heightM, footprint.minHeightM ?? 0);
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

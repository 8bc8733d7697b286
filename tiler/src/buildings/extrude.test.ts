import { describe, expect, it } from 'vitest';
import { extrudeFootprint, extrudeRings, meshSize } from './extrude.js';
import { normaliseFeature } from './normalise.js';

/** A 10 m square (counter-clockwise) with a 4 m square hole (clockwise), in metres. */
const OUTER = [0, 0, 10, 0, 10, 10, 0, 10];
const HOLE = [3, 3, 3, 7, 7, 7, 7, 3];

function triangleArea(p: ArrayLike<number>, a: number, b: number, c: number) {
  const ux = p[b * 3]! - p[a * 3]!;
  const uy = p[b * 3 + 1]! - p[a * 3 + 1]!;
  const uz = p[b * 3 + 2]! - p[a * 3 + 2]!;
  const vx = p[c * 3]! - p[a * 3]!;
  const vy = p[c * 3 + 1]! - p[a * 3 + 1]!;
  const vz = p[c * 3 + 2]! - p[a * 3 + 2]!;
  const n = [uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx];
  return { area: Math.hypot(n[0]!, n[1]!, n[2]!) / 2, normal: n };
}

describe('extrudeRings: a square with a hole', () => {
  const mesh = extrudeRings([OUTER, HOLE], 12);

  it('has a roof vertex per ring vertex and four vertices per wall', () => {
    // roof 8 + walls (4 outer + 4 inner edges) × 4
    expect(mesh.positions.length / 3).toBe(8 + 8 * 4);
    // roof: n + 2·holes − 2 = 8 triangles; walls: 2 per edge = 16
    expect(mesh.indices.length / 3).toBe(8 + 16);
    expect(meshSize([[OUTER, HOLE]])).toEqual({ vertices: 40, indices: 24 * 3 });
  });

  it('has a roof whose area equals the footprint area (100 − 16 m²) and faces up', () => {
    let roofArea = 0;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
      if (mesh.positions[a * 3 + 2] !== 12 || mesh.normals[a * 3 + 2] !== 1) continue;
      const { area, normal } = triangleArea(mesh.positions, a, b, c);
      expect(normal[2]).toBeGreaterThan(0); // counter-clockwise seen from above
      roofArea += area;
    }
    expect(roofArea).toBeCloseTo(84, 9);
  });

  it('has walls whose normals point away from the solid, matching their winding', () => {
    const centre = [5, 5];
    let walls = 0;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
      const nz = mesh.normals[a * 3 + 2]!;
      if (nz !== 0) continue;
      walls++;
      const nx = mesh.normals[a * 3]!;
      const ny = mesh.normals[a * 3 + 1]!;
      expect(Math.hypot(nx, ny)).toBeCloseTo(1, 12);
      // Wall midpoint relative to the centre: outer walls face away from it, hole walls towards it.
      const mx = (mesh.positions[a * 3]! + mesh.positions[b * 3]! + mesh.positions[c * 3]!) / 3 - centre[0]!;
      const my =
        (mesh.positions[a * 3 + 1]! + mesh.positions[b * 3 + 1]! + mesh.positions[c * 3 + 1]!) / 3 -
        centre[1]!;
      const isHoleWall = Math.max(Math.abs(mx), Math.abs(my)) < 3;
      const outward = nx * mx + ny * my;
      if (isHoleWall) expect(outward).toBeLessThan(0);
      else expect(outward).toBeGreaterThan(0);
      // The triangle's winding gives the same normal as the vertex normal (front face outside).
      const { normal } = triangleArea(mesh.positions, a, b, c);
      expect(normal[0]! * nx + normal[1]! * ny).toBeGreaterThan(0);
    }
    expect(walls).toBe(16);
  });
});

describe('extrudeFootprint', () => {
  it('meshes a GeoJSON polygon with a hole in metres around its centre, whatever its winding', () => {
    // ~22 m square near Thủ Dầu Một given clockwise (wrong for RFC 7946), hole counter-clockwise.
    const feature = {
      type: 'Feature',
      properties: { id: 'b1', height: 20 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [106.65, 10.98],
            [106.65, 10.9802],
            [106.6502, 10.9802],
            [106.6502, 10.98],
            [106.65, 10.98],
          ],
          [
            [106.65005, 10.98005],
            [106.65015, 10.98005],
            [106.65015, 10.98015],
            [106.65005, 10.98015],
            [106.65005, 10.98005],
          ],
        ],
      },
    };
    const result = normaliseFeature(feature, 'test.geojson', 0);
    if (!result.ok) throw new Error(result.rejection.reason);
    const mesh = extrudeFootprint(result.footprint);
    let roofArea = 0;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const a = mesh.indices[t]!;
      if (mesh.normals[a * 3 + 2] !== 1) continue;
      roofArea += triangleArea(mesh.positions, a, mesh.indices[t + 1]!, mesh.indices[t + 2]!).area;
    }
    // 0.0002° ≈ 21.85 m east and 22.11 m north at 10.98° N; the hole is a quarter of that per side.
    const outer = 0.0002 * 109_313 * (0.0002 * 110_593);
    expect(roofArea).toBeCloseTo(outer * (1 - 1 / 4), -1);
    const zs = Array.from(mesh.positions.filter((_, i) => i % 3 === 2));
    expect(Math.max(...zs)).toBe(20);
    expect(Math.min(...zs)).toBe(0);
  });
});

describe('extrudeRings: a building part raised by min-height (a bridge, a tower over a podium)', () => {
  const mesh = extrudeRings([OUTER, HOLE], 30, 12);

  it('has walls from min-height to height, and a floor as many vertices as the roof', () => {
    const zs = mesh.positions.filter((_, i) => i % 3 === 2);
    expect(Math.min(...zs)).toBe(12);
    expect(Math.max(...zs)).toBe(30);
    // roof 8 + floor 8 + walls 8 × 4; roof and floor 8 triangles each, walls 16
    expect(mesh.positions.length / 3).toBe(8 + 8 + 8 * 4);
    expect(mesh.indices.length / 3).toBe(8 + 8 + 16);
    expect(meshSize([[OUTER, HOLE]], 12)).toEqual({ vertices: 48, indices: 32 * 3 });
  });

  it('has a floor facing down whose area is the footprint area', () => {
    let floorArea = 0;
    let floorTriangles = 0;
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
      if (mesh.normals[a * 3 + 2] !== -1) continue;
      floorTriangles++;
      for (const v of [a, b, c]) expect(mesh.positions[v * 3 + 2]).toBe(12);
      const { area, normal } = triangleArea(mesh.positions, a, b, c);
      expect(normal[2]).toBeLessThan(0); // clockwise from above: front face seen from below
      floorArea += area;
    }
    expect(floorTriangles).toBe(8);
    expect(floorArea).toBeCloseTo(84, 9);
  });

  it('writes no floor for a building standing on the ground', () => {
    const ground = extrudeRings([OUTER], 10);
    expect(Array.from(ground.normals).some((n, i) => i % 3 === 2 && n === -1)).toBe(false);
    expect(meshSize([[OUTER]])).toEqual({ vertices: 4 + 16, indices: 2 * 3 + 8 * 3 });
  });
});

describe('extrudeFootprint: a part with min_height from its attributes', () => {
  it('starts the walls at min_height and closes the bottom', () => {
    const d = 0.0001;
    const feature = {
      type: 'Feature',
      properties: { id: 'bridge', height: 18, min_height: 9 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [106.65, 10.98],
            [106.65 + d, 10.98],
            [106.65 + d, 10.98 + d],
            [106.65, 10.98 + d],
            [106.65, 10.98],
          ],
        ],
      },
    };
    const result = normaliseFeature(feature, 'test.geojson', 0);
    if (!result.ok) throw new Error(result.rejection.reason);
    expect(result.footprint.minHeightM).toBe(9);
    const mesh = extrudeFootprint(result.footprint);
    const zs = Array.from(mesh.positions.filter((_, i) => i % 3 === 2));
    expect(Math.min(...zs)).toBe(9);
    expect(Math.max(...zs)).toBe(18);
    expect(mesh.positions.length / 3).toBe(meshSize(result.footprint.polygons, 9).vertices);
  });
});

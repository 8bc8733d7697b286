import { describe, expect, it } from 'vitest';
import { geodeticToEcef, WGS84_A, WGS84_F } from '../geo/ellipsoid.js';
import { decodedHeightAt, decodeQuantizedMesh } from './decode.js';
import { encodeQuantizedMesh } from './encode.js';
import { computeHeader } from './header.js';
import { levelErrors, levelTiles, sampleGrid, tileId } from './level.js';
import { buildTileMesh, dequantizeHeight, meshEcef, octDecode, QUANTIZED_MAX } from './mesh.js';
import { Rtin } from './rtin.js';
import type { HeightSource } from './source.js';
import { type TileKey, tileAt } from './tiling.js';

/** A 40 m hill near Thủ Dầu Một over a flat plain at 2 m (ellipsoid). */
const hill: HeightSource = {
  coverage: { westDeg: 106.6, southDeg: 10.95, eastDeg: 106.7, northDeg: 11.05 },
  resolutionDeg: 1 / 3600,
  heightAt(lon, lat) {
    const d2 = ((lon - 106.65) / 0.02) ** 2 + ((lat - 11) / 0.02) ** 2;
    return 2 + 40 * Math.exp(-d2);
  },
};

function tileMesh(key: TileKey, maxErrorM = 0.5) {
  const rtin = new Rtin(64);
  const errors = levelErrors(hill, key.z, [key], rtin).get(tileId(key))!;
  return buildTileMesh(hill, key, rtin, sampleGrid(hill, key, 64), errors, { maxErrorM, normals: true });
}

const B = WGS84_A * (1 - WGS84_F);

/** Cesium's EllipsoidalOccluder.isScaledSpacePointVisible for a camera at `camera` (ECEF). */
function visibleInScaledSpace(camera: number[], point: number[]): boolean {
  const cv = [camera[0]! / WGS84_A, camera[1]! / WGS84_A, camera[2]! / B];
  const vhMag2 = cv[0]! ** 2 + cv[1]! ** 2 + cv[2]! ** 2 - 1;
  const vt = [point[0]! - cv[0]!, point[1]! - cv[1]!, point[2]! - cv[2]!];
  const vtDotVc = -(vt[0]! * cv[0]! + vt[1]! * cv[1]! + vt[2]! * cv[2]!);
  const vt2 = vt[0]! ** 2 + vt[1]! ** 2 + vt[2]! ** 2;
  const occluded = vhMag2 < 0 ? vtDotVc > 0 : vtDotVc > vhMag2 && (vtDotVc * vtDotVc) / vt2 > vhMag2;
  return !occluded;
}

describe('quantized-mesh encoding', () => {
  const key = tileAt(106.65, 11, 13);
  const mesh = tileMesh(key);

  it('round-trips vertices, triangles, edges and normals', () => {
    const decoded = decodeQuantizedMesh(encodeQuantizedMesh(mesh));
    expect([...decoded.u]).toEqual([...mesh.u]);
    expect([...decoded.v]).toEqual([...mesh.v]);
    expect([...decoded.h]).toEqual([...mesh.h]);
    expect([...decoded.indices]).toEqual([...mesh.indices]);
    expect([...decoded.west]).toEqual([...mesh.west]);
    expect([...decoded.south]).toEqual([...mesh.south]);
    expect([...decoded.east]).toEqual([...mesh.east]);
    expect([...decoded.north]).toEqual([...mesh.north]);
    expect(decoded.extensions).toEqual([1]);
    expect([...decoded.normals!]).toEqual([...mesh.normals!]);
    expect(mesh.u.length).toBeGreaterThan(50);
  });

  it('appends the water mask after the normals, 1 byte or 256 × 256, and refuses other sizes', () => {
    const mask = new Uint8Array(256 * 256).map((_, i) => (i % 256 < 100 ? 255 : 0));
    const mixed = decodeQuantizedMesh(encodeQuantizedMesh(mesh, { normals: true, waterMask: mask }));
    expect(mixed.extensions).toEqual([1, 2]);
    expect(mixed.waterMask).toEqual(mask);
    expect([...mixed.normals!]).toEqual([...mesh.normals!]);
    const land = decodeQuantizedMesh(
      encodeQuantizedMesh(mesh, { normals: false, waterMask: Uint8Array.of(0) }),
    );
    expect(land.extensions).toEqual([2]);
    expect([...land.waterMask!]).toEqual([0]);
    expect(() => encodeQuantizedMesh(mesh, { normals: true, waterMask: new Uint8Array(64 * 64) })).toThrow(
      /1 or 65,536 bytes, got 4096/,
    );
  });

  it('writes edge indices for exactly the vertices on each side, and counter-clockwise triangles', () => {
    const onSide = (pred: (i: number) => boolean) => [...mesh.u.keys()].filter(pred).length;
    expect(mesh.west.length).toBe(onSide((i) => mesh.u[i] === 0));
    expect(mesh.east.length).toBe(onSide((i) => mesh.u[i] === QUANTIZED_MAX));
    expect(mesh.south.length).toBe(onSide((i) => mesh.v[i] === 0));
    expect(mesh.north.length).toBe(onSide((i) => mesh.v[i] === QUANTIZED_MAX));
    for (let t = 0; t < mesh.indices.length; t += 3) {
      const [a, b, c] = [mesh.indices[t]!, mesh.indices[t + 1]!, mesh.indices[t + 2]!];
      const cross =
        (mesh.u[b]! - mesh.u[a]!) * (mesh.v[c]! - mesh.v[a]!) -
        (mesh.v[b]! - mesh.v[a]!) * (mesh.u[c]! - mesh.u[a]!);
      expect(cross).toBeGreaterThan(0);
    }
  });

  it('has a header with true min/max heights, a sphere holding every vertex and a valid horizon point', () => {
    const header = computeHeader(mesh);
    const heights = [...mesh.h].map((q) => dequantizeHeight(mesh, q));
    expect(header.minHeightM).toBeCloseTo(Math.min(...heights), 4);
    expect(header.maxHeightM).toBeCloseTo(Math.max(...heights), 4);
    expect(header.maxHeightM).toBeGreaterThan(30); // the hill is in this tile
    const ecef = meshEcef(mesh);
    for (let i = 0; i < ecef.length; i += 3) {
      const d = Math.hypot(
        ecef[i]! - header.sphereCenter[0],
        ecef[i + 1]! - header.sphereCenter[1],
        ecef[i + 2]! - header.sphereCenter[2],
      );
      expect(d).toBeLessThanOrEqual(header.sphereRadiusM);
    }
    // The tile is ~2.4 km across: the sphere is not absurdly large.
    expect(header.sphereRadiusM).toBeLessThan(2_500);
    const [cx, cy, cz] = geodeticToEcef(106.65, 11, 0);
    expect(Math.hypot(header.center[0] - cx, header.center[1] - cy, header.center[2] - cz)).toBeLessThan(
      2_500,
    );
    // Horizon culling must never hide a visible vertex: from cameras all around, whenever some
    // vertex is above the horizon, so is the occlusion point.
    const hop = header.horizonOcclusionPoint;
    let checked = 0;
    for (let lon = 90; lon <= 125; lon += 0.5) {
      for (let lat = -10; lat <= 30; lat += 0.5) {
        for (const alt of [100, 5_000, 300_000]) {
          const camera = geodeticToEcef(lon, lat, alt);
          let anyVisible = false;
          for (let i = 0; i < ecef.length && !anyVisible; i += 3) {
            anyVisible = visibleInScaledSpace(camera, [
              ecef[i]! / WGS84_A,
              ecef[i + 1]! / WGS84_A,
              ecef[i + 2]! / B,
            ]);
          }
          if (anyVisible) {
            checked++;
            expect(visibleInScaledSpace(camera, hop), `camera ${lon},${lat},${alt}`).toBe(true);
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('decodes to the heights of the source within the error bound', () => {
    const decoded = decodeQuantizedMesh(encodeQuantizedMesh(mesh));
    const box = mesh.box;
    let worst = 0;
    for (let i = 0; i <= 20; i++) {
      for (let j = 0; j <= 20; j++) {
        const lon = box.westDeg + ((box.eastDeg - box.westDeg) * i) / 20;
        const lat = box.southDeg + ((box.northDeg - box.southDeg) * j) / 20;
        worst = Math.max(worst, Math.abs(decodedHeightAt(decoded, box, lon, lat)! - hill.heightAt(lon, lat)));
      }
    }
    // 0.5 m mesh error against the grid, plus the grid's own linear interpolation of the hill.
    expect(worst).toBeLessThan(0.6);
  });

  it('points normals up on flat ground and away from the hill top on its flanks', () => {
    const up = geodeticToEcef(106.65, 11, 0);
    const len = Math.hypot(...up);
    const normalAt = (lon: number, lat: number) => {
      let best = 0;
      let bestD = Number.POSITIVE_INFINITY;
      for (let i = 0; i < mesh.u.length; i++) {
        const vl = mesh.box.westDeg + (mesh.u[i]! / QUANTIZED_MAX) * (mesh.box.eastDeg - mesh.box.westDeg);
        const vb = mesh.box.southDeg + (mesh.v[i]! / QUANTIZED_MAX) * (mesh.box.northDeg - mesh.box.southDeg);
        const d = Math.hypot(vl - lon, vb - lat);
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
      return octDecode(mesh.normals![best * 2]!, mesh.normals![best * 2 + 1]!);
    };
    const top = normalAt(106.65, 11);
    const cosTop = (top[0] * up[0] + top[1] * up[1] + top[2] * up[2]) / len;
    expect(cosTop).toBeGreaterThan(0.999);
    // East flank: the normal leans east (positive dot with the east vector).
    const flank = normalAt(106.665, 11);
    const east = [-Math.sin((106.65 * Math.PI) / 180), Math.cos((106.65 * Math.PI) / 180), 0];
    expect(flank[0] * east[0]! + flank[1] * east[1]! + flank[2] * east[2]!).toBeGreaterThan(0.005);
  });

  it('gives level-0 tiles a globe, not two flat triangles, and a usable occlusion point', () => {
    for (const key of levelTiles(hill.coverage, 0)) {
      const m = tileMesh(key, 77_000);
      expect(m.indices.length / 3).toBeGreaterThan(32);
      const h = computeHeader(m).horizonOcclusionPoint;
      expect(h.every(Number.isFinite)).toBe(true);
    }
  });
});

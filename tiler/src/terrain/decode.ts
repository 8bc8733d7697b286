import { gunzipSync } from 'node:zlib';
import { EXTENSION_OCT_NORMALS, EXTENSION_WATER_MASK } from './encode.js';
import type { QuantizedMeshHeader } from './header.js';
import { QUANTIZED_MAX } from './mesh.js';
import type { LonLatBox } from './tiling.js';

/**
 * A quantized-mesh-1.0 tile read back the way CesiumTerrainProvider reads it. For tests and
 * tools: checking written tiles, and sampling the surface a viewer draws.
 */
export interface DecodedQuantizedMesh {
  header: QuantizedMeshHeader;
  u: Uint16Array;
  v: Uint16Array;
  /** Quantized heights. */
  h: Uint16Array;
  /** Decoded heights, metres. */
  heightsM: Float64Array;
  indices: Uint32Array;
  west: Uint32Array;
  south: Uint32Array;
  east: Uint32Array;
  north: Uint32Array;
  normals?: Uint8Array;
  waterMask?: Uint8Array;
  /** Extension ids in file order. */
  extensions: number[];
}

/** Decodes a tile; gzip (as written to disk) is undone first. */
export function decodeQuantizedMesh(data: Uint8Array): DecodedQuantizedMesh {
  const bytes = data[0] === 0x1f && data[1] === 0x8b ? new Uint8Array(gunzipSync(data)) : data;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const f64 = () => {
    const x = view.getFloat64(pos, true);
    pos += 8;
    return x;
  };
  const u32 = () => {
    const x = view.getUint32(pos, true);
    pos += 4;
    return x;
  };
  const center: [number, number, number] = [f64(), f64(), f64()];
  const minHeightM = view.getFloat32(pos, true);
  const maxHeightM = view.getFloat32(pos + 4, true);
  pos += 8;
  const sphereCenter: [number, number, number] = [f64(), f64(), f64()];
  const sphereRadiusM = f64();
  const horizonOcclusionPoint: [number, number, number] = [f64(), f64(), f64()];
  const n = u32();
  const channels = [new Uint16Array(n), new Uint16Array(n), new Uint16Array(n)] as const;
  for (const values of channels) {
    let value = 0;
    for (let i = 0; i < n; i++) {
      const zz = view.getUint16(pos, true);
      pos += 2;
      value += (zz >> 1) ^ -(zz & 1);
      values[i] = value;
    }
  }
  const indexBytes = n > 65536 ? 4 : 2;
  if (pos % indexBytes !== 0) pos += indexBytes - (pos % indexBytes);
  const index = () => {
    const x = indexBytes === 4 ? view.getUint32(pos, true) : view.getUint16(pos, true);
    pos += indexBytes;
    return x;
  };
  const triangleCount = u32();
  const indices = new Uint32Array(triangleCount * 3);
  let highest = 0;
  for (let i = 0; i < indices.length; i++) {
    const code = index();
    indices[i] = highest - code;
    if (code === 0) highest++;
  }
  const edge = () => {
    const count = u32();
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = index();
    return out;
  };
  const west = edge();
  const south = edge();
  const east = edge();
  const north = edge();
  const extensions: number[] = [];
  let normals: Uint8Array | undefined;
  let waterMask: Uint8Array | undefined;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    pos += 1;
    const length = u32();
    const body = bytes.slice(pos, pos + length);
    pos += length;
    extensions.push(id);
    if (id === EXTENSION_OCT_NORMALS) normals = body;
    if (id === EXTENSION_WATER_MASK) waterMask = body;
  }
  if (pos !== bytes.length) throw new Error(`quantized-mesh: ${pos - bytes.length} bytes missing at the end`);
  const [u, v, h] = channels;
  const heightsM = new Float64Array(n);
  for (let i = 0; i < n; i++) heightsM[i] = minHeightM + (h[i]! / QUANTIZED_MAX) * (maxHeightM - minHeightM);
  return {
    header: { center, minHeightM, maxHeightM, sphereCenter, sphereRadiusM, horizonOcclusionPoint },
    u,
    v,
    h,
    heightsM,
    indices,
    west,
    south,
    east,
    north,
    ...(normals ? { normals } : {}),
    ...(waterMask ? { waterMask } : {}),
    extensions,
  };
}

/**
 * Height of a decoded tile's surface at a point inside its box (linear inside the triangle that
 * holds it), or undefined outside every triangle. Brute force: for tests and tools.
 */
export function decodedHeightAt(
  mesh: DecodedQuantizedMesh,
  box: LonLatBox,
  lonDeg: number,
  latDeg: number,
): number | undefined {
  const px = ((lonDeg - box.westDeg) / (box.eastDeg - box.westDeg)) * QUANTIZED_MAX;
  const py = ((latDeg - box.southDeg) / (box.northDeg - box.southDeg)) * QUANTIZED_MAX;
  const { u, v, heightsM, indices } = mesh;
  const eps = 1e-7;
  for (let t = 0; t < indices.length; t += 3) {
    const a = indices[t]!;
    const b = indices[t + 1]!;
    const c = indices[t + 2]!;
    const ax = u[a]!;
    const ay = v[a]!;
    const det = (v[b]! - v[c]!) * (ax - u[c]!) + (u[c]! - u[b]!) * (ay - v[c]!);
    if (det === 0) continue;
    const l1 = ((v[b]! - v[c]!) * (px - u[c]!) + (u[c]! - u[b]!) * (py - v[c]!)) / det;
    const l2 = ((v[c]! - ay) * (px - u[c]!) + (ax - u[c]!) * (py - v[c]!)) / det;
    const l3 = 1 - l1 - l2;
    if (l1 >= -eps && l2 >= -eps && l3 >= -eps)
      return l1 * heightsM[a]! + l2 * heightsM[b]! + l3 * heightsM[c]!;
  }
  return undefined;
}

import { computeHeader, type QuantizedMeshHeader } from './header.js';
import type { TileMesh } from './mesh.js';

/**
 * quantized-mesh-1.0 encoding (https://github.com/CesiumGS/quantized-mesh), little-endian:
 * header, zig-zag delta coded u/v/height, high-water-mark coded indices (16-bit up to 65,536
 * vertices), west/south/east/north edge indices, then extensions. Not gzipped here.
 */

/** Extension ids of the spec. */
export const EXTENSION_OCT_NORMALS = 1;
export const EXTENSION_WATER_MASK = 2;

export interface EncodeOptions {
  /** Append the `octvertexnormals` extension when the mesh has normals. */
  normals: boolean;
  /** Append the `watermask` extension: 1 byte, or 256 × 256 bytes north-west first (watermask.ts). */
  waterMask?: Uint8Array;
}

export const ENCODE_DEFAULTS: EncodeOptions = { normals: true };

export function encodeQuantizedMesh(
  mesh: TileMesh,
  options: EncodeOptions = ENCODE_DEFAULTS,
  header: QuantizedMeshHeader = computeHeader(mesh),
): Uint8Array {
  const n = mesh.u.length;
  const wide = n > 65536;
  const indexBytes = wide ? 4 : 2;
  const edgeCount = mesh.west.length + mesh.south.length + mesh.east.length + mesh.north.length;
  const normals = options.normals ? mesh.normals : undefined;
  let size = 88 + 4 + n * 6;
  const pad = size % indexBytes === 0 ? 0 : indexBytes - (size % indexBytes);
  size += pad + 4 + mesh.indices.length * indexBytes + 16 + edgeCount * indexBytes;
  if (normals) size += 5 + normals.length;
  const { waterMask } = options;
  if (waterMask) {
    if (waterMask.length !== 1 && waterMask.length !== 256 * 256) {
      throw new Error(`encodeQuantizedMesh: a water mask is 1 or 65,536 bytes, got ${waterMask.length}`);
    }
    size += 5 + waterMask.length;
  }
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  let pos = 0;
  const f64 = (x: number) => {
    view.setFloat64(pos, x, true);
    pos += 8;
  };
  const u32 = (x: number) => {
    view.setUint32(pos, x, true);
    pos += 4;
  };
  const index = (x: number) => {
    if (wide) view.setUint32(pos, x, true);
    else view.setUint16(pos, x, true);
    pos += indexBytes;
  };
  for (const c of header.center) f64(c);
  view.setFloat32(pos, header.minHeightM, true);
  view.setFloat32(pos + 4, header.maxHeightM, true);
  pos += 8;
  for (const c of header.sphereCenter) f64(c);
  f64(header.sphereRadiusM);
  for (const c of header.horizonOcclusionPoint) f64(c);

  u32(n);
  for (const values of [mesh.u, mesh.v, mesh.h]) {
    let previous = 0;
    for (let i = 0; i < n; i++) {
      const delta = values[i]! - previous;
      previous = values[i]!;
      view.setUint16(pos, ((delta << 1) ^ (delta >> 31)) & 0xffff, true);
      pos += 2;
    }
  }
  pos += pad;
  u32(mesh.indices.length / 3);
  let highest = 0;
  for (const i of mesh.indices) {
    const code = highest - i;
    if (code < 0) throw new Error('encodeQuantizedMesh: vertices must be numbered in order of first use');
    index(code);
    if (code === 0) highest++;
  }
  for (const side of [mesh.west, mesh.south, mesh.east, mesh.north]) {
    u32(side.length);
    for (const i of side) index(i);
  }
  if (normals) {
    bytes[pos++] = EXTENSION_OCT_NORMALS;
    u32(normals.length);
    bytes.set(normals, pos);
    pos += normals.length;
  }
  if (waterMask) {
    bytes[pos++] = EXTENSION_WATER_MASK;
    u32(waterMask.length);
    bytes.set(waterMask, pos);
    pos += waterMask.length;
  }
  return bytes;
}

import { Document, Logger, NodeIO } from '@gltf-transform/core';
import { EXTMeshoptCompression, KHRMeshQuantization } from '@gltf-transform/extensions';
import { meshopt } from '@gltf-transform/functions';
import { MeshoptEncoder } from 'meshoptimizer';
import { BUILDING_CLASS, type BuildingProperties } from '../api/buildings.js';
import type { BuildingMesh } from '../buildings/extrude.js';
import { type EnuFrame, enuToEcefMatrix } from '../geo/ellipsoid.js';
import { EXTMeshFeatures, EXTStructuralMetadata, type MetadataSchema } from './gltf-metadata.js';

/**
 * One tile's content: the buildings' meshes merged into a single glTF primitive (one draw call),
 * each vertex tagged with its building's feature id, and the buildings' properties in an
 * EXT_structural_metadata property table so a click can tell which building it is.
 */

export const BUILDING_SCHEMA: MetadataSchema = {
  id: 'bdtwin',
  classes: {
    [BUILDING_CLASS]: {
      name: 'Công trình (building)',
      properties: {
        id: { type: 'STRING', name: 'Mã công trình', description: 'Stable building id from the source' },
        name: { type: 'STRING', name: 'Tên', description: 'Name, empty when unnamed' },
        height: {
          type: 'SCALAR',
          componentType: 'FLOAT32',
          name: 'Chiều cao (m)',
          description: 'Metres above base',
        },
        storeys: { type: 'SCALAR', componentType: 'UINT16', name: 'Số tầng', description: '0 when unknown' },
        use: { type: 'STRING', name: 'Mục đích sử dụng', description: 'Cadastral land-use code, e.g. ODT' },
        ward: { type: 'STRING', name: 'Phường', description: 'Ward name' },
      },
    },
  },
};

export interface GlbOptions {
  /**
   * `meshopt`: KHR_mesh_quantization (16-bit positions: ≤ 1 cm over a 500 m tile) and
   * EXT_meshopt_compression, typically 4–6× smaller than `none` (plain float32 buffers).
   */
  compression: 'meshopt' | 'none';
}

export const GLB_DEFAULTS: GlbOptions = { compression: 'meshopt' };

export interface TileBuilding {
  properties: BuildingProperties;
  mesh: BuildingMesh;
}

/**
 * Writes a glb whose positions are in `frame` (the tileset root's ENU frame) relative to
 * `centre` (also in that frame, metres), converted to glTF's y-up axes: x = east, y = up,
 * z = −north. float32 offsets from a nearby centre keep millimetre precision.
 */
export async function writeTileGlb(
  buildings: readonly TileBuilding[],
  frame: EnuFrame,
  centre: [east: number, north: number, up: number],
  options: GlbOptions = GLB_DEFAULTS,
): Promise<Uint8Array> {
  let vertexCount = 0;
  let indexCount = 0;
  for (const b of buildings) {
    vertexCount += b.mesh.positions.length / 3;
    indexCount += b.mesh.indices.length;
  }
  const positions = new Float32Array(vertexCount * 3);
  const normals = new Float32Array(vertexCount * 3);
  const featureIds = new Uint16Array(vertexCount);
  const indices = vertexCount > 65_535 ? new Uint32Array(indexCount) : new Uint16Array(indexCount);

  let v = 0;
  let ix = 0;
  const tmp = [0, 0, 0];
  buildings.forEach((b, featureId) => {
    const { mesh } = b;
    const local = affineFromLocal(mesh.origin, frame);
    const first = v;
    const p = mesh.positions;
    const nrm = mesh.normals;
    for (let i = 0; i < p.length; i += 3) {
      applyAffine(local, p[i]!, p[i + 1]!, p[i + 2]!, tmp);
      const o = v * 3;
      positions[o] = tmp[0]! - centre[0];
      positions[o + 1] = tmp[2]! - centre[2];
      positions[o + 2] = -(tmp[1]! - centre[1]);
      applyRotation(local, nrm[i]!, nrm[i + 1]!, nrm[i + 2]!, tmp);
      const len = Math.hypot(tmp[0]!, tmp[1]!, tmp[2]!) || 1;
      normals[o] = tmp[0]! / len;
      normals[o + 1] = tmp[2]! / len;
      normals[o + 2] = -tmp[1]! / len;
      featureIds[v] = featureId;
      v++;
    }
    for (const i of mesh.indices) indices[ix++] = i + first;
  });

  // glTF-Transform logs each step of meshopt() at INFO; a province would print a million lines.
  const doc = new Document().setLogger(new Logger(Logger.Verbosity.WARN));
  doc.createBuffer();
  const meshFeatures = doc.createExtension(EXTMeshFeatures);
  const metadata = doc.createExtension(EXTStructuralMetadata);
  const material = doc
    .createMaterial('building')
    // Light neutral grey: the viewer's style colour multiplies it, so the palette stays true.
    .setBaseColorFactor([0.92, 0.92, 0.9, 1])
    .setMetallicFactor(0)
    .setRoughnessFactor(0.9);
  const prim = doc
    .createPrimitive()
    .setMaterial(material)
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(indices))
    .setAttribute('POSITION', doc.createAccessor().setType('VEC3').setArray(positions))
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(normals))
    .setAttribute('_FEATURE_ID_0', doc.createAccessor().setType('SCALAR').setArray(featureIds));
  const mesh = doc.createMesh('buildings').addPrimitive(prim);
  const node = doc.createNode('tile').setMesh(mesh).setTranslation([centre[0], centre[2], -centre[1]]);
  doc.createScene().addChild(node);

  const count = buildings.length;
  const table = metadata.setSchema(BUILDING_SCHEMA).addPropertyTable({
    name: 'buildings',
    class: BUILDING_CLASS,
    count,
    properties: {
      id: { type: 'STRING', values: buildings.map((b) => b.properties.id) },
      name: { type: 'STRING', values: buildings.map((b) => b.properties.name) },
      height: { type: 'SCALAR', componentType: 'FLOAT32', values: buildings.map((b) => b.properties.height) },
      storeys: {
        type: 'SCALAR',
        componentType: 'UINT16',
        values: buildings.map((b) => b.properties.storeys),
      },
      use: { type: 'STRING', values: buildings.map((b) => b.properties.use) },
      ward: { type: 'STRING', values: buildings.map((b) => b.properties.ward) },
    },
  });
  meshFeatures.setFeatureIds(prim, [{ featureCount: count, attribute: 0, propertyTable: table }]);
  doc.getRoot().getAsset().generator = 'bdtwin tiler';
  const io = new NodeIO().registerExtensions([EXTMeshFeatures, EXTStructuralMetadata]);
  if (options.compression === 'meshopt') {
    await MeshoptEncoder.ready;
    // 'high': positions quantized, normals with the octahedral filter, feature ids untouched.
    await doc.transform(meshopt({ encoder: MeshoptEncoder, level: 'high', quantizePosition: 16 }));
    io.registerExtensions([EXTMeshoptCompression, KHRMeshQuantization]).registerDependencies({
      'meshopt.encoder': MeshoptEncoder,
    });
  }
  return io.writeBinary(doc);
}

/** 3×4 affine (row-major rotation + translation) from a mesh's local ENU frame to `frame`. */
function affineFromLocal(origin: BuildingMesh['origin'], frame: EnuFrame): number[] {
  const m = enuToEcefMatrix(origin.lonDeg, origin.latDeg, origin.heightM);
  const e = frame.directionFromEcef(m[0]!, m[1]!, m[2]!);
  const n = frame.directionFromEcef(m[4]!, m[5]!, m[6]!);
  const u = frame.directionFromEcef(m[8]!, m[9]!, m[10]!);
  const t = frame.fromEcef(m[12]!, m[13]!, m[14]!);
  // Columns e, n, u are the local axes expressed in the frame.
  return [e[0]!, n[0]!, u[0]!, t[0]!, e[1]!, n[1]!, u[1]!, t[1]!, e[2]!, n[2]!, u[2]!, t[2]!];
}

function applyAffine(a: number[], x: number, y: number, z: number, out: number[]) {
  out[0] = a[0]! * x + a[1]! * y + a[2]! * z + a[3]!;
  out[1] = a[4]! * x + a[5]! * y + a[6]! * z + a[7]!;
  out[2] = a[8]! * x + a[9]! * y + a[10]! * z + a[11]!;
}

function applyRotation(a: number[], x: number, y: number, z: number, out: number[]) {
  out[0] = a[0]! * x + a[1]! * y + a[2]! * z;
  out[1] = a[4]! * x + a[5]! * y + a[6]! * z;
  out[2] = a[8]! * x + a[9]! * y + a[10]! * z;
}

import { type Accessor, Document, Logger, NodeIO } from '@gltf-transform/core';
import { EXTMeshoptCompression, KHRMeshQuantization } from '@gltf-transform/extensions';
import { MeshoptEncoder } from 'meshoptimizer';
import { BUILDING_CLASS } from '../api/buildings.js';
import { extrudeRingsTo, localRings, type MeshSink, meshSize } from '../buildings/extrude.js';
import type { Footprint } from '../buildings/footprint.js';
import { type EnuFrame, enuToEcefMatrix } from '../geo/ellipsoid.js';
import {
  EXTMeshFeatures,
  EXTStructuralMetadata,
  type MetadataProperty,
  type MetadataSchema,
} from './gltf-metadata.js';

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
        source: { type: 'STRING', name: 'Nguồn dữ liệu', description: 'Source dataset (file name)' },
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

/**
 * Content other than buildings (planning envelopes…) meshed the same way but with its own
 * metadata class and material. Omitted: the building table and the opaque grey material.
 */
export interface GlbContent {
  /** One row per feature, in input order; `class` must be a class of `schema`. */
  table?: {
    schema: MetadataSchema;
    class: string;
    name: string;
    properties: Record<string, MetadataProperty>;
  };
  material?: {
    name: string;
    /** Linear RGBA; alpha < 1 with `alphaMode: 'BLEND'` draws the content translucent. */
    baseColorFactor: [number, number, number, number];
    alphaMode?: 'OPAQUE' | 'BLEND';
    /** Walls seen from inside too (a translucent volume the camera may enter). */
    doubleSided?: boolean;
  };
}

/** What the glb writer needs of a building. */
export type GlbBuilding = Pick<Footprint, 'properties' | 'polygons' | 'baseM' | 'heightM' | 'bbox'> &
  Partial<Pick<Footprint, 'minHeightM'>>;

/**
 * Meshes straight into the tile's typed arrays: positions in the tileset frame relative to
 * the tile centre and in glTF's y-up axes, normals rotated alike, the feature id per vertex.
 */
class TileMeshWriter implements MeshSink {
  readonly positions: Float32Array;
  readonly normals: Float32Array;
  readonly featureIds: Uint16Array;
  readonly indices: Uint32Array;
  vertexCount = 0;
  indexCount = 0;
  private featureId = 0;
  private a: number[] = [];
  private readonly centre: readonly number[];

  constructor(maxVertices: number, maxIndices: number, centre: readonly number[]) {
    this.positions = new Float32Array(maxVertices * 3);
    this.normals = new Float32Array(maxVertices * 3);
    this.featureIds = new Uint16Array(maxVertices);
    this.indices = new Uint32Array(maxIndices);
    this.centre = centre;
  }

  /** Starts a building: its feature id and the affine from its local ENU frame to the tileset's. */
  begin(featureId: number, affine: number[]) {
    this.featureId = featureId;
    this.a = affine;
  }

  vertex(x: number, y: number, z: number, nx: number, ny: number, nz: number): number {
    const a = this.a;
    const v = this.vertexCount++;
    const o = v * 3;
    const e = a[0]! * x + a[1]! * y + a[2]! * z + a[3]! - this.centre[0]!;
    const n = a[4]! * x + a[5]! * y + a[6]! * z + a[7]! - this.centre[1]!;
    const u = a[8]! * x + a[9]! * y + a[10]! * z + a[11]! - this.centre[2]!;
    this.positions[o] = e;
    this.positions[o + 1] = u;
    this.positions[o + 2] = -n;
    const ne = a[0]! * nx + a[1]! * ny + a[2]! * nz;
    const nn = a[4]! * nx + a[5]! * ny + a[6]! * nz;
    const nu = a[8]! * nx + a[9]! * ny + a[10]! * nz;
    const len = Math.hypot(ne, nn, nu) || 1;
    this.normals[o] = ne / len;
    this.normals[o + 1] = nu / len;
    this.normals[o + 2] = -nn / len;
    this.featureIds[v] = this.featureId;
    return v;
  }

  triangle(a: number, b: number, c: number): void {
    const i = this.indexCount;
    this.indices[i] = a;
    this.indices[i + 1] = b;
    this.indices[i + 2] = c;
    this.indexCount = i + 3;
  }
}

/**
 * Writes a glb whose positions are in `frame` (the tileset root's ENU frame) relative to
 * `centre` (also in that frame, metres), converted to glTF's y-up axes: x = east, y = up,
 * z = −north. float32 offsets from a nearby centre keep millimetre precision.
 */
export async function writeTileGlb(
  buildings: readonly GlbBuilding[],
  frame: EnuFrame,
  centre: [east: number, north: number, up: number],
  options: GlbOptions = GLB_DEFAULTS,
  content?: GlbContent,
): Promise<Uint8Array> {
  let maxVertices = 0;
  let maxIndices = 0;
  for (const b of buildings) {
    const size = meshSize(b.polygons, b.minHeightM ?? 0);
    maxVertices += size.vertices;
    maxIndices += size.indices;
  }
  const mesh = new TileMeshWriter(maxVertices, maxIndices, centre);
  buildings.forEach((b, featureId) => {
    const local = localRings(b as Footprint);
    mesh.begin(
      featureId,
      affineFromLocal({ lonDeg: local.lon0, latDeg: local.lat0, heightM: b.baseM }, frame),
    );
    for (const rings of local.polygons) extrudeRingsTo(rings, b.heightM, b.minHeightM ?? 0, mesh);
  });
  let vertexCount = mesh.vertexCount;
  let positions = mesh.positions.subarray(0, vertexCount * 3);
  let normals = mesh.normals.subarray(0, vertexCount * 3);
  let featureIds = mesh.featureIds.subarray(0, vertexCount);
  const indices32 = mesh.indices.subarray(0, mesh.indexCount);
  if (options.compression === 'meshopt') {
    // Vertex order for compression (what glTF-Transform's reorder() does, on our arrays).
    await MeshoptEncoder.ready;
    const [remap, unique] = MeshoptEncoder.reorderMesh(indices32, true, true);
    positions = remapAttribute(positions, remap, unique, 3);
    normals = remapAttribute(normals, remap, unique, 3);
    featureIds = remapAttribute(featureIds, remap, unique, 1);
    vertexCount = unique;
  }
  const indices = vertexCount > 65_535 ? indices32 : Uint16Array.from(indices32);

  const doc = new Document().setLogger(new Logger(Logger.Verbosity.WARN));
  doc.createBuffer();
  const meshFeatures = doc.createExtension(EXTMeshFeatures);
  const metadata = doc.createExtension(EXTStructuralMetadata);
  const material = doc
    .createMaterial(content?.material?.name ?? 'building')
    // Light neutral grey: the viewer's style colour multiplies it, so the palette stays true.
    .setBaseColorFactor(content?.material?.baseColorFactor ?? [0.92, 0.92, 0.9, 1])
    .setMetallicFactor(0)
    .setRoughnessFactor(0.9);
  if (content?.material?.alphaMode) material.setAlphaMode(content.material.alphaMode);
  if (content?.material?.doubleSided) material.setDoubleSided(true);
  const node = doc.createNode('tile');
  let positionAccessor: Accessor;
  if (options.compression === 'meshopt') {
    // KHR_mesh_quantization: positions as normalized int16 around the tile's bounding box; the
    // node's translation and uniform scale restore metres (uniform keeps normals valid).
    const q = quantizePositions(positions);
    positionAccessor = doc.createAccessor().setType('VEC3').setArray(q.values).setNormalized(true);
    node
      .setTranslation([centre[0] + q.offset[0]!, centre[2] + q.offset[1]!, -centre[1] + q.offset[2]!])
      .setScale([q.scale, q.scale, q.scale]);
    doc.createExtension(KHRMeshQuantization).setRequired(true);
  } else {
    positionAccessor = doc.createAccessor().setType('VEC3').setArray(positions.slice());
    node.setTranslation([centre[0], centre[2], -centre[1]]);
  }
  const prim = doc
    .createPrimitive()
    .setMaterial(material)
    .setIndices(doc.createAccessor().setType('SCALAR').setArray(indices.slice()))
    .setAttribute('POSITION', positionAccessor)
    .setAttribute('NORMAL', doc.createAccessor().setType('VEC3').setArray(normals.slice()))
    .setAttribute('_FEATURE_ID_0', doc.createAccessor().setType('SCALAR').setArray(featureIds.slice()));
  node.setMesh(doc.createMesh('buildings').addPrimitive(prim));
  doc.createScene().addChild(node);

  const count = buildings.length;
  const table = content?.table
    ? metadata.setSchema(content.table.schema).addPropertyTable({
        name: content.table.name,
        class: content.table.class,
        count,
        properties: content.table.properties,
      })
    : metadata.setSchema(BUILDING_SCHEMA).addPropertyTable({
        name: 'buildings',
        class: BUILDING_CLASS,
        count,
        properties: {
          id: { type: 'STRING', values: buildings.map((b) => b.properties.id) },
          name: { type: 'STRING', values: buildings.map((b) => b.properties.name) },
          height: {
            type: 'SCALAR',
            componentType: 'FLOAT32',
            values: buildings.map((b) => b.properties.height),
          },
          storeys: {
            type: 'SCALAR',
            componentType: 'UINT16',
            values: buildings.map((b) => b.properties.storeys),
          },
          use: { type: 'STRING', values: buildings.map((b) => b.properties.use) },
          ward: { type: 'STRING', values: buildings.map((b) => b.properties.ward) },
          source: { type: 'STRING', values: buildings.map((b) => b.properties.source) },
        },
      });
  meshFeatures.setFeatureIds(prim, [{ featureCount: count, attribute: 0, propertyTable: table }]);
  doc.getRoot().getAsset().generator = 'bdtwin tiler';
  const io = new NodeIO().registerExtensions([EXTMeshFeatures, EXTStructuralMetadata]);
  if (options.compression === 'meshopt') {
    // EXT_meshopt_compression with filters (normals with the octahedral filter); feature ids
    // stay exact.
    doc
      .createExtension(EXTMeshoptCompression)
      .setRequired(true)
      .setEncoderOptions({ method: EXTMeshoptCompression.EncoderMethod.FILTER });
    io.registerExtensions([EXTMeshoptCompression, KHRMeshQuantization]).registerDependencies({
      'meshopt.encoder': MeshoptEncoder,
    });
  }
  return io.writeBinary(doc);
}

/**
 * Positions (float metres) as normalized int16 of their bounding box: value = offset + scale·q,
 * q ∈ [−1, 1]. One scale for all axes, so the node transform stays a similarity.
 */
export function quantizePositions(positions: Float32Array): {
  values: Int16Array;
  offset: number[];
  scale: number;
} {
  let x0 = Infinity;
  let y0 = Infinity;
  let z0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  let z1 = -Infinity;
  for (let i = 0; i < positions.length; i += 3) {
    const x = positions[i]!;
    const y = positions[i + 1]!;
    const z = positions[i + 2]!;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
    if (z < z0) z0 = z;
    if (z > z1) z1 = z;
  }
  const ox = (x0 + x1) / 2;
  const oy = (y0 + y1) / 2;
  const oz = (z0 + z1) / 2;
  const scale = Math.max(1e-6, (x1 - x0) / 2, (y1 - y0) / 2, (z1 - z0) / 2);
  const k = 32767 / scale;
  const values = new Int16Array(positions.length);
  for (let i = 0; i < positions.length; i += 3) {
    values[i] = Math.round((positions[i]! - ox) * k);
    values[i + 1] = Math.round((positions[i + 1]! - oy) * k);
    values[i + 2] = Math.round((positions[i + 2]! - oz) * k);
  }
  return { values, offset: [ox, oy, oz], scale };
}

/** An attribute in the vertex order `remap` gives (old index → new index, ~0 for unused). */
function remapAttribute<T extends Float32Array | Uint16Array>(
  data: T,
  remap: Uint32Array,
  unique: number,
  size: number,
): T {
  const out = new (data.constructor as new (n: number) => T)(unique * size);
  for (let v = 0; v < remap.length; v++) {
    const to = remap[v]!;
    if (to === 0xffffffff) continue;
    for (let k = 0; k < size; k++) out[to * size + k] = data[v * size + k]!;
  }
  return out;
}

/** 3×4 affine (row-major rotation + translation) from a mesh's local ENU frame to `frame`. */
function affineFromLocal(
  origin: { lonDeg: number; latDeg: number; heightM: number },
  frame: EnuFrame,
): number[] {
  const m = enuToEcefMatrix(origin.lonDeg, origin.latDeg, origin.heightM);
  const e = frame.directionFromEcef(m[0]!, m[1]!, m[2]!);
  const n = frame.directionFromEcef(m[4]!, m[5]!, m[6]!);
  const u = frame.directionFromEcef(m[8]!, m[9]!, m[10]!);
  const t = frame.fromEcef(m[12]!, m[13]!, m[14]!);
  // Columns e, n, u are the local axes expressed in the frame.
  return [e[0]!, n[0]!, u[0]!, t[0]!, e[1]!, n[1]!, u[1]!, t[1]!, e[2]!, n[2]!, u[2]!, t[2]!];
}

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Document, NodeIO } from '@gltf-transform/core';
import { EXTMeshoptCompression, KHRMeshQuantization } from '@gltf-transform/extensions';
import { validateBytes } from 'gltf-validator';
import { MeshoptDecoder } from 'meshoptimizer';
import { ecefToGeodetic } from '../geo/ellipsoid.js';
import { EXT_MESH_FEATURES, EXT_STRUCTURAL_METADATA } from './gltf-metadata.js';

/**
 * Checks a tileset the way a client relies on it, beyond what the official validators do:
 * - every glb has 0 errors from the Khronos glTF-Validator;
 * - every content vertex lies inside its tile's bounding region, and every child's region
 *   inside its parent's (the renderer culls by these: a wrong volume makes buildings vanish);
 * - EXT_mesh_features / EXT_structural_metadata agree (feature counts, ids in range, string
 *   offsets inside their buffers) — glTF-Validator 2.0.0-dev.3.10 skips these extensions.
 */

export interface CheckOptions {
  /** Run glTF-Validator on every glb (the slowest part). */
  validateGltf: boolean;
  /** Tolerance for containment, metres. */
  toleranceM: number;
}

export const CHECK_DEFAULTS: CheckOptions = { validateGltf: true, toleranceM: 0.01 };

export interface TilesetCheckResult {
  tiles: number;
  contents: number;
  /** Features in all contents (a building drawn by a parent and a leaf counts twice). */
  features: number;
  /** Features in leaf contents: every building exactly once in an HLOD tileset. */
  leafFeatures: number;
  /** Tiles with children but no content (nothing to draw when zoomed out there). */
  emptyParents: number;
  vertices: number;
  /** Max tree depth (root = 0). */
  depth: number;
  /** Human-readable problems; empty when the tileset is fine. */
  problems: string[];
}

interface TileJson {
  boundingVolume: { region?: number[]; box?: number[]; sphere?: number[] };
  transform?: number[];
  content?: { uri: string };
  children?: TileJson[];
  geometricError: number;
}

const RAD = Math.PI / 180;

function multiply(a: number[], b: number[]): number[] {
  const out = new Array<number>(16).fill(0);
  for (let c = 0; c < 4; c++) {
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r]! * b[c * 4 + k]!;
      out[c * 4 + r] = s;
    }
  }
  return out;
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
/** glTF y-up → 3D Tiles z-up (the fixed rotation every 3D Tiles client applies). */
const Y_UP_TO_Z_UP = [1, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 0, 0, 1];

export async function checkTileset(
  tilesetPath: string,
  options: CheckOptions = CHECK_DEFAULTS,
): Promise<TilesetCheckResult> {
  const dir = path.dirname(tilesetPath);
  const tileset = JSON.parse(await readFile(tilesetPath, 'utf8')) as {
    asset?: { version?: string };
    root: TileJson;
  };
  const result: TilesetCheckResult = {
    tiles: 0,
    contents: 0,
    features: 0,
    leafFeatures: 0,
    emptyParents: 0,
    vertices: 0,
    depth: 0,
    problems: [],
  };
  if (tileset.asset?.version !== '1.1' && tileset.asset?.version !== '1.0') {
    result.problems.push(`tileset.json: asset.version is ${JSON.stringify(tileset.asset?.version)}`);
  }
  await MeshoptDecoder.ready;
  const io = new NodeIO()
    .registerExtensions([EXTMeshoptCompression, KHRMeshQuantization])
    .registerDependencies({ 'meshopt.decoder': MeshoptDecoder });
  const tolRad = options.toleranceM / 6_378_137;

  const visit = async (
    tile: TileJson,
    parentTransform: number[],
    parentRegion: number[] | undefined,
    name: string,
    depth: number,
  ) => {
    result.tiles++;
    result.depth = Math.max(result.depth, depth);
    const transform = tile.transform ? multiply(parentTransform, tile.transform) : parentTransform;
    const region = tile.boundingVolume.region;
    if (!region) {
      result.problems.push(`${name}: only region bounding volumes are checked`);
      return;
    }
    if (parentRegion && !regionInside(region, parentRegion, tolRad, options.toleranceM)) {
      result.problems.push(`${name}: region ${fmt(region)} is not inside its parent's ${fmt(parentRegion)}`);
    }
    const isLeaf = (tile.children ?? []).length === 0;
    if (!tile.content && !isLeaf) result.emptyParents++;
    if (tile.content) {
      result.contents++;
      const before = result.features;
      const file = path.join(dir, tile.content.uri);
      const glb = new Uint8Array(await readFile(file));
      if (options.validateGltf) await validate(glb, tile.content.uri, result);
      const decoded = await checkContent(
        io,
        glb,
        tile.content.uri,
        multiply(transform, Y_UP_TO_Z_UP),
        region,
        tolRad,
        options.toleranceM,
        result,
      );
      if (isLeaf) result.leafFeatures += result.features - before;
      // glTF-Validator cannot look inside EXT_meshopt_compression buffers: validate the
      // decoded geometry too (same accessors, quantization included, uncompressed).
      const meshopt = decoded
        .getRoot()
        .listExtensionsUsed()
        .find((e) => e.extensionName === EXTMeshoptCompression.EXTENSION_NAME);
      if (options.validateGltf && meshopt) {
        meshopt.dispose();
        await validate(await io.writeBinary(decoded), `${tile.content.uri} (decoded)`, result);
      }
    }
    for (const [i, child] of (tile.children ?? []).entries()) {
      if (child.geometricError > tile.geometricError) {
        result.problems.push(
          `${name}/${i}: geometric error ${child.geometricError} exceeds its parent's ${tile.geometricError}`,
        );
      }
      await visit(child, transform, region, `${name}/${i}`, depth + 1);
    }
  };
  await visit(tileset.root, IDENTITY, undefined, 'root', 0);
  return result;
}

function regionInside(inner: number[], outer: number[], tolRad: number, tolM: number): boolean {
  return (
    inner[0]! >= outer[0]! - tolRad &&
    inner[1]! >= outer[1]! - tolRad &&
    inner[2]! <= outer[2]! + tolRad &&
    inner[3]! <= outer[3]! + tolRad &&
    inner[4]! >= outer[4]! - tolM &&
    inner[5]! <= outer[5]! + tolM
  );
}

function fmt(region: number[]): string {
  const d = region.slice(0, 4).map((r) => (r / RAD).toFixed(6));
  return `[${d.join(', ')}, ${region[4]!.toFixed(2)}–${region[5]!.toFixed(2)} m]`;
}

async function checkContent(
  io: NodeIO,
  glb: Uint8Array,
  uri: string,
  tileToEcef: number[],
  region: number[],
  tolRad: number,
  tolM: number,
  result: TilesetCheckResult,
): Promise<Document> {
  // Geometry through glTF-Transform (handles interleaving); extension JSON straight from the GLB.
  const { json, resources } = await io.binaryToJSON(glb);
  const bin = resources['@glb.bin'];
  // glTF-Transform refuses unknown required extensions; keep only those it can decode.
  const decodable = (names: string[] | undefined) =>
    (names ?? []).filter(
      (n) => n === EXTMeshoptCompression.EXTENSION_NAME || n === KHRMeshQuantization.EXTENSION_NAME,
    );
  const doc = await io.readJSON({
    json: {
      ...json,
      extensionsUsed: decodable(json.extensionsUsed),
      extensionsRequired: decodable(json.extensionsRequired),
    },
    resources,
  });
  const scene = doc.getRoot().listScenes()[0];
  const outside: string[] = [];
  const p = [0, 0, 0];
  for (const node of scene?.listChildren() ?? []) {
    const m = multiply(tileToEcef, node.getMatrix() as unknown as number[]);
    const mesh = node.getMesh();
    if (!mesh) continue;
    mesh.listPrimitives().forEach((prim, primIndex) => {
      const position = prim.getAttribute('POSITION')!;
      const count = position.getCount();
      result.vertices += count;
      const v = [0, 0, 0];
      for (let i = 0; i < count; i++) {
        // getElement undoes KHR_mesh_quantization's normalisation; the node matrix its scale.
        position.getElement(i, v);
        const x = v[0]!;
        const y = v[1]!;
        const z = v[2]!;
        const ex = m[0]! * x + m[4]! * y + m[8]! * z + m[12]!;
        const ey = m[1]! * x + m[5]! * y + m[9]! * z + m[13]!;
        const ez = m[2]! * x + m[6]! * y + m[10]! * z + m[14]!;
        ecefToGeodetic(ex, ey, ez, p);
        const lon = p[0]! * RAD;
        const lat = p[1]! * RAD;
        const h = p[2]!;
        if (
          lon < region[0]! - tolRad ||
          lat < region[1]! - tolRad ||
          lon > region[2]! + tolRad ||
          lat > region[3]! + tolRad ||
          h < region[4]! - tolM ||
          h > region[5]! + tolM
        ) {
          if (outside.length < 3)
            outside.push(`(${p[0]!.toFixed(7)}, ${p[1]!.toFixed(7)}, ${h.toFixed(2)} m)`);
        }
      }
      // Feature ids and the property table must agree.
      // glTF-Transform keeps the file's mesh order, so list indices are JSON indices.
      const primJson = json.meshes?.[doc.getRoot().listMeshes().indexOf(mesh)]?.primitives[primIndex];
      const features = (
        primJson?.extensions?.[EXT_MESH_FEATURES] as
          | { featureIds?: { featureCount: number; attribute?: number; propertyTable?: number }[] }
          | undefined
      )?.featureIds;
      if (!features?.length) {
        result.problems.push(`${uri}: primitive ${primIndex} has no ${EXT_MESH_FEATURES} feature ids`);
        return;
      }
      for (const f of features) {
        result.features += f.featureCount;
        const ids = prim.getAttribute(`_FEATURE_ID_${f.attribute ?? 0}`)?.getArray();
        if (!ids) {
          result.problems.push(`${uri}: _FEATURE_ID_${f.attribute} is missing`);
          continue;
        }
        let max = -1;
        for (let i = 0; i < ids.length; i++) if (ids[i]! > max) max = ids[i]!;
        if (max >= f.featureCount)
          result.problems.push(`${uri}: feature id ${max} ≥ featureCount ${f.featureCount}`);
        const meta = json.extensions?.[EXT_STRUCTURAL_METADATA] as
          | { propertyTables?: PropertyTableJson[] }
          | undefined;
        const table = f.propertyTable === undefined ? undefined : meta?.propertyTables?.[f.propertyTable];
        if (!table) {
          result.problems.push(`${uri}: property table ${f.propertyTable} is missing`);
          continue;
        }
        if (table.count !== f.featureCount) {
          result.problems.push(
            `${uri}: property table has ${table.count} rows for ${f.featureCount} features`,
          );
        }
        checkPropertyTable(json, bin, uri, table, result);
      }
    });
  }
  if (outside.length > 0) {
    result.problems.push(
      `${uri}: vertices outside the tile's region ${fmt(region)}, e.g. ${outside.join(', ')}`,
    );
  }
  return doc;
}

async function validate(glb: Uint8Array, uri: string, result: TilesetCheckResult) {
  const report = await validateBytes(glb, { uri, maxIssues: 20 });
  if (report.issues.numErrors === 0) return;
  const first = report.issues.messages.find((m) => m.severity === 0);
  result.problems.push(
    `${uri}: ${report.issues.numErrors} glTF-Validator error(s), e.g. ${first?.code} at ${first?.pointer}: ${first?.message}`,
  );
}

interface PropertyTableJson {
  class: string;
  count: number;
  properties: Record<string, { values: number; stringOffsets?: number; stringOffsetType?: string }>;
}

const COMPONENT_BYTES: Record<string, number> = {
  INT8: 1,
  UINT8: 1,
  INT16: 2,
  UINT16: 2,
  INT32: 4,
  UINT32: 4,
  FLOAT32: 4,
  INT64: 8,
  UINT64: 8,
  FLOAT64: 8,
};

/**
 * Buffer views of a property table: exact lengths (clients derive counts from them), start
 * aligned to the component size, string offsets ordered and inside their values buffer.
 */
function checkPropertyTable(
  json: { bufferViews?: { byteOffset?: number; byteLength: number }[]; extensions?: Record<string, unknown> },
  bin: Uint8Array | undefined,
  uri: string,
  table: PropertyTableJson,
  result: TilesetCheckResult,
) {
  const schema = (
    json.extensions?.[EXT_STRUCTURAL_METADATA] as {
      schema?: {
        classes?: Record<string, { properties: Record<string, { type: string; componentType?: string }> }>;
      };
    }
  )?.schema;
  const classProps = schema?.classes?.[table.class]?.properties;
  if (!classProps) {
    result.problems.push(`${uri}: property table class "${table.class}" is not in the schema`);
    return;
  }
  for (const [name, prop] of Object.entries(table.properties)) {
    const def = classProps[name];
    const values = json.bufferViews?.[prop.values];
    if (!def || !values) {
      result.problems.push(`${uri}: property "${name}" has no schema entry or buffer view`);
      continue;
    }
    const where = `${uri}: property "${name}"`;
    if (def.type === 'SCALAR') {
      const size = COMPONENT_BYTES[def.componentType ?? ''] ?? 0;
      if (values.byteLength !== table.count * size) {
        result.problems.push(
          `${where} has ${values.byteLength} bytes for ${table.count} × ${size}-byte values`,
        );
      }
      if ((values.byteOffset ?? 0) % size !== 0) result.problems.push(`${where} is not ${size}-byte aligned`);
    } else if (def.type === 'STRING') {
      const offsetsView =
        prop.stringOffsets === undefined ? undefined : json.bufferViews?.[prop.stringOffsets];
      if (!offsetsView || !bin) {
        result.problems.push(`${where} has no string offsets`);
        continue;
      }
      const offSize = COMPONENT_BYTES[prop.stringOffsetType ?? 'UINT32'] ?? 4;
      if (
        offsetsView.byteLength !== (table.count + 1) * offSize ||
        (offsetsView.byteOffset ?? 0) % offSize !== 0
      ) {
        result.problems.push(`${where}: string offsets have the wrong length or alignment`);
        continue;
      }
      const bytes = bin.slice(
        offsetsView.byteOffset ?? 0,
        (offsetsView.byteOffset ?? 0) + offsetsView.byteLength,
      );
      const offsets = offSize === 4 ? new Uint32Array(bytes.buffer) : new Uint16Array(bytes.buffer);
      for (let i = 0; i < table.count; i++) {
        if (offsets[i]! > offsets[i + 1]! || offsets[i + 1]! > values.byteLength) {
          result.problems.push(`${where}: string offsets are out of order or out of range at row ${i}`);
          break;
        }
      }
      if (offsets[table.count] !== values.byteLength) {
        result.problems.push(
          `${where}: ${values.byteLength} value bytes but offsets end at ${offsets[table.count]}`,
        );
      }
    }
  }
}

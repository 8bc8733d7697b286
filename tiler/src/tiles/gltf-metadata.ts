import {
  Extension,
  type Primitive,
  PropertyType,
  type ReaderContext,
  type WriterContext,
} from '@gltf-transform/core';

/**
 * Write-only glTF-Transform extensions for 3D Tiles 1.1 metadata:
 * - EXT_mesh_features: which vertex attribute holds the feature id of each vertex;
 * - EXT_structural_metadata: a schema and property tables (one row per feature).
 * glTF-Transform has no built-in support; this follows its custom-extension pattern (binary
 * data goes into buffer views via `otherBufferViews`, as EXT_meshopt_compression does).
 * Buffer views keep their exact length (clients derive counts from it) and start on 8-byte
 * boundaries within one block; glTF-Transform places that block after the 4-byte-padded
 * accessors, which meets the spec's rule of aligning to the component size (≤ 4 bytes here).
 * Reading is not needed by the tiler, so `read` ignores the extensions.
 */

export const EXT_MESH_FEATURES = 'EXT_mesh_features';
export const EXT_STRUCTURAL_METADATA = 'EXT_structural_metadata';

export interface FeatureIdAttribute {
  featureCount: number;
  /** N of the `_FEATURE_ID_N` attribute. */
  attribute: number;
  /** Index of the property table describing the features. */
  propertyTable?: number;
}

export class EXTMeshFeatures extends Extension {
  static override readonly EXTENSION_NAME = EXT_MESH_FEATURES;
  override readonly extensionName = EXT_MESH_FEATURES;
  private readonly featureIds = new Map<Primitive, FeatureIdAttribute[]>();

  setFeatureIds(primitive: Primitive, featureIds: FeatureIdAttribute[]): this {
    this.featureIds.set(primitive, featureIds);
    return this;
  }

  override read(_context: ReaderContext): this {
    return this;
  }

  override write(context: WriterContext): this {
    const json = context.jsonDoc.json;
    for (const [mesh, meshIndex] of context.meshIndexMap) {
      const meshDef = json.meshes![meshIndex]!;
      mesh.listPrimitives().forEach((prim, primIndex) => {
        const featureIds = this.featureIds.get(prim);
        if (!featureIds) return;
        const primDef = meshDef.primitives[primIndex]!;
        primDef.extensions = { ...primDef.extensions, [EXT_MESH_FEATURES]: { featureIds } };
      });
    }
    return this;
  }
}

/** Metadata value types this tiler writes. */
export type MetadataProperty =
  | { type: 'STRING'; values: string[] }
  | { type: 'SCALAR'; componentType: 'FLOAT32'; values: ArrayLike<number> }
  | { type: 'SCALAR'; componentType: 'UINT16'; values: ArrayLike<number> };

export interface PropertyTableInput {
  name?: string;
  class: string;
  count: number;
  properties: Record<string, MetadataProperty>;
}

export interface MetadataSchema {
  id: string;
  classes: Record<
    string,
    {
      name?: string;
      description?: string;
      properties: Record<
        string,
        { type: string; componentType?: string; name?: string; description?: string }
      >;
    }
  >;
}

interface EncodedTable {
  input: PropertyTableInput;
  views: Record<string, { values: Uint8Array; stringOffsets?: Uint8Array }>;
}

const UTF8 = new TextEncoder();

function encodeProperty(
  prop: MetadataProperty,
  count: number,
): { values: Uint8Array; stringOffsets?: Uint8Array } {
  if (prop.values.length !== count)
    throw new RangeError(`property has ${prop.values.length} values for ${count} rows`);
  if (prop.type === 'STRING') {
    // One pass into one buffer: UTF-8 needs at most 3 bytes per UTF-16 code unit.
    let chars = 0;
    for (const v of prop.values) chars += v.length;
    const buffer = new Uint8Array(chars * 3);
    const offsets = new Uint32Array(count + 1);
    let at = 0;
    prop.values.forEach((v, i) => {
      offsets[i] = at;
      at += UTF8.encodeInto(v, buffer.subarray(at)).written;
    });
    offsets[count] = at;
    return { values: buffer.slice(0, at), stringOffsets: new Uint8Array(offsets.buffer) };
  }
  const typed =
    prop.componentType === 'FLOAT32' ? Float32Array.from(prop.values) : Uint16Array.from(prop.values);
  return { values: new Uint8Array(typed.buffer) };
}

export class EXTStructuralMetadata extends Extension {
  static override readonly EXTENSION_NAME = EXT_STRUCTURAL_METADATA;
  override readonly extensionName = EXT_STRUCTURAL_METADATA;
  override readonly prewriteTypes = [PropertyType.BUFFER];
  private schema: MetadataSchema | undefined;
  private readonly tables: EncodedTable[] = [];

  setSchema(schema: MetadataSchema): this {
    this.schema = schema;
    return this;
  }

  /**
   * Adds a property table; returns its index (for EXT_mesh_features `propertyTable`).
   * A string column whose values are all empty is left out (glTF forbids empty buffer views;
   * clients read a missing optional property as "no value").
   */
  addPropertyTable(table: PropertyTableInput): number {
    const views: EncodedTable['views'] = {};
    for (const [id, prop] of Object.entries(table.properties)) {
      if (prop.type === 'STRING' && prop.values.every((v) => v === '')) continue;
      views[id] = encodeProperty(prop, table.count);
    }
    this.tables.push({ input: table, views });
    return this.tables.length - 1;
  }

  override read(_context: ReaderContext): this {
    return this;
  }

  /** All property buffers in one block, each segment starting on an 8-byte boundary. */
  private block:
    | { bytes: Uint8Array; segments: Map<Uint8Array, { offset: number; length: number }> }
    | undefined;

  override prewrite(context: WriterContext, _propertyType: PropertyType): this {
    if (this.tables.length === 0) return this;
    const buffer = this.document.getRoot().listBuffers()[0];
    if (!buffer)
      throw new Error(`${EXT_STRUCTURAL_METADATA}: the document needs a buffer for property tables`);
    // glTF-Transform writes each "other" buffer view back to back without padding, so the
    // views are laid out here and split again in write().
    const parts: Uint8Array[] = [];
    for (const table of this.tables) {
      for (const v of Object.values(table.views)) {
        parts.push(v.values);
        if (v.stringOffsets) parts.push(v.stringOffsets);
      }
    }
    const segments = new Map<Uint8Array, { offset: number; length: number }>();
    let size = 0;
    for (const p of parts) {
      segments.set(p, { offset: size, length: p.byteLength });
      size = (size + p.byteLength + 7) & ~7;
    }
    const bytes = new Uint8Array(size);
    for (const [p, seg] of segments) bytes.set(p, seg.offset);
    this.block = { bytes, segments };
    const views = context.otherBufferViews.get(buffer) ?? [];
    views.push(bytes);
    context.otherBufferViews.set(buffer, views);
    return this;
  }

  override write(context: WriterContext): this {
    if (!this.schema) return this;
    const json = context.jsonDoc.json;
    const blockIndex = this.block ? context.otherBufferViewsIndexMap.get(this.block.bytes) : undefined;
    if (!this.block || blockIndex === undefined)
      throw new Error(`${EXT_STRUCTURAL_METADATA}: property buffers were not written`);
    const blockView = json.bufferViews![blockIndex]!;
    const { segments } = this.block;
    // The block's own view becomes the first segment; the others are appended.
    let first = true;
    const viewIndex = new Map<Uint8Array, number>();
    for (const [data, seg] of segments) {
      const view = {
        buffer: blockView.buffer,
        byteOffset: (blockView.byteOffset ?? 0) + seg.offset,
        byteLength: seg.length,
      };
      if (first) {
        json.bufferViews![blockIndex] = view;
        viewIndex.set(data, blockIndex);
        first = false;
      } else {
        viewIndex.set(data, json.bufferViews!.push(view) - 1);
      }
    }
    const index = (data: Uint8Array) => viewIndex.get(data)!;
    const propertyTables = this.tables.map(({ input, views }) => {
      const properties: Record<string, Record<string, unknown>> = {};
      for (const [id, v] of Object.entries(views)) {
        properties[id] = v.stringOffsets
          ? { values: index(v.values), stringOffsets: index(v.stringOffsets), stringOffsetType: 'UINT32' }
          : { values: index(v.values) };
      }
      return {
        ...(input.name ? { name: input.name } : {}),
        class: input.class,
        count: input.count,
        properties,
      };
    });
    json.extensions = {
      ...json.extensions,
      [EXT_STRUCTURAL_METADATA]: { schema: this.schema, propertyTables },
    };
    return this;
  }
}

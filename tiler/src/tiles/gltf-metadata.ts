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

/**
 * Pads to a multiple of 8 bytes (the 3D Metadata spec wants property buffers 8-byte aligned),
 * and to at least 8: glTF forbids empty buffer views, e.g. a column of empty names.
 */
function pad8(bytes: Uint8Array): Uint8Array {
  const padded = Math.max(8, (bytes.byteLength + 7) & ~7);
  if (padded === bytes.byteLength) return bytes;
  const out = new Uint8Array(padded);
  out.set(bytes);
  return out;
}

function encodeProperty(
  prop: MetadataProperty,
  count: number,
): { values: Uint8Array; stringOffsets?: Uint8Array } {
  if (prop.values.length !== count)
    throw new RangeError(`property has ${prop.values.length} values for ${count} rows`);
  if (prop.type === 'STRING') {
    const encoder = new TextEncoder();
    const parts = prop.values.map((s) => encoder.encode(s));
    const offsets = new Uint32Array(count + 1);
    let total = 0;
    parts.forEach((p, i) => {
      offsets[i] = total;
      total += p.byteLength;
    });
    offsets[count] = total;
    const values = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      values.set(p, at);
      at += p.byteLength;
    }
    return { values: pad8(values), stringOffsets: pad8(new Uint8Array(offsets.buffer)) };
  }
  const typed =
    prop.componentType === 'FLOAT32' ? Float32Array.from(prop.values) : Uint16Array.from(prop.values);
  return { values: pad8(new Uint8Array(typed.buffer)) };
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

  /** Adds a property table; returns its index (for EXT_mesh_features `propertyTable`). */
  addPropertyTable(table: PropertyTableInput): number {
    const views: EncodedTable['views'] = {};
    for (const [id, prop] of Object.entries(table.properties)) views[id] = encodeProperty(prop, table.count);
    this.tables.push({ input: table, views });
    return this.tables.length - 1;
  }

  override read(_context: ReaderContext): this {
    return this;
  }

  override prewrite(context: WriterContext, _propertyType: PropertyType): this {
    if (this.tables.length === 0) return this;
    const buffer = this.document.getRoot().listBuffers()[0];
    if (!buffer)
      throw new Error(`${EXT_STRUCTURAL_METADATA}: the document needs a buffer for property tables`);
    const views = context.otherBufferViews.get(buffer) ?? [];
    for (const table of this.tables) {
      for (const v of Object.values(table.views)) {
        views.push(v.values);
        if (v.stringOffsets) views.push(v.stringOffsets);
      }
    }
    context.otherBufferViews.set(buffer, views);
    return this;
  }

  override write(context: WriterContext): this {
    if (!this.schema) return this;
    const json = context.jsonDoc.json;
    const index = (data: Uint8Array) => {
      const i = context.otherBufferViewsIndexMap.get(data);
      if (i === undefined) throw new Error(`${EXT_STRUCTURAL_METADATA}: property buffer was not written`);
      return i;
    };
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

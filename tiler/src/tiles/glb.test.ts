import { describe, expect, it } from 'vitest';
import { EnuFrame } from '../geo/ellipsoid.js';
import { type GlbBuilding, writeTileGlb } from './glb.js';

/** The glTF JSON chunk of a glb. */
function gltfJson(glb: Uint8Array): Record<string, unknown> & {
  materials: Record<string, unknown>[];
  extensions: {
    EXT_structural_metadata: { schema: { id: string }; propertyTables: { class: string; name: string }[] };
  };
} {
  const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
  const length = view.getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + length)));
}

const BUILDING: GlbBuilding = {
  properties: {
    id: 'B1',
    name: '',
    height: 10,
    storeys: 3,
    use: 'ODT',
    ward: 'Phú Lợi',
    source: 'test.geojson',
  },
  polygons: [[[106.68, 11.05, 106.6801, 11.05, 106.6801, 11.0501, 106.68, 11.0501]]],
  baseM: 0,
  heightM: 10,
  bbox: [106.68, 11.05, 106.6801, 11.0501],
};
const FRAME = new EnuFrame(106.68, 11.05, 0);

describe('writeTileGlb content extension point', () => {
  it('keeps the building table and opaque material when no content is given', async () => {
    const json = gltfJson(await writeTileGlb([BUILDING], FRAME, [0, 0, 0], { compression: 'none' }));
    expect(json.materials).toEqual([
      expect.objectContaining({
        name: 'building',
        pbrMetallicRoughness: expect.objectContaining({ baseColorFactor: [0.92, 0.92, 0.9, 1] }),
      }),
    ]);
    expect(json.materials[0]!.alphaMode).toBeUndefined();
    const meta = json.extensions.EXT_structural_metadata;
    expect(meta.schema.id).toBe('bdtwin');
    expect(meta.propertyTables).toEqual([expect.objectContaining({ class: 'building', name: 'buildings' })]);
  });

  it('writes another metadata class and a translucent double-sided material', async () => {
    const glb = await writeTileGlb(
      [BUILDING],
      FRAME,
      [0, 0, 0],
      { compression: 'none' },
      {
        table: {
          schema: { id: 'other', classes: { thing: { properties: { code: { type: 'STRING' } } } } },
          class: 'thing',
          name: 'things',
          properties: { code: { type: 'STRING', values: ['X'] } },
        },
        material: { name: 'glass', baseColorFactor: [1, 1, 1, 0.3], alphaMode: 'BLEND', doubleSided: true },
      },
    );
    const json = gltfJson(glb);
    expect(json.materials[0]).toMatchObject({ name: 'glass', alphaMode: 'BLEND', doubleSided: true });
    const meta = json.extensions.EXT_structural_metadata;
    expect(meta.schema.id).toBe('other');
    expect(meta.propertyTables).toEqual([expect.objectContaining({ class: 'thing', name: 'things' })]);
  });
});

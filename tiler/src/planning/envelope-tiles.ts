import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ENVELOPE_CLASS,
  ENVELOPE_PROPERTY_IDS,
  type EnvelopeProperties,
  type ParcelMetrics,
} from '../api/planning.js';
import { meshSize } from '../buildings/extrude.js';
import { EnuFrame, metresPerDegree } from '../geo/ellipsoid.js';
import {
  GLB_DEFAULTS,
  type GlbBuilding,
  type GlbContent,
  type GlbOptions,
  writeTileGlb,
} from '../tiles/glb.js';
import type { MetadataProperty, MetadataSchema } from '../tiles/gltf-metadata.js';
import { PARTITION_DEFAULTS, partition, type QuadNode } from '../tiles/partition.js';
import { buildTileset, type TileExtent, type TilesetNode, unionExtent } from '../tiles/tileset.js';
import type { Envelope } from './envelope.js';
import { type Polygons, polygonsBBox } from './geometry.js';

/**
 * Envelopes as a 3D Tiles 1.1 tileset: each parcel's buildable area extruded to its height
 * limit, translucent, with the parcel's limits, the scenario's metrics and violation flags in
 * an EXT_structural_metadata table (class `envelope`), so a style can colour violations
 * (`${vFar} === 1`) and a click can show limits against what is proposed. Meshing and glb
 * writing are the building tiler's (`writeTileGlb`), with its own table and material.
 */

export const ENVELOPE_SCHEMA: MetadataSchema = {
  id: 'bdtwin_planning',
  classes: {
    [ENVELOPE_CLASS]: {
      name: 'Khối bao quy hoạch (envelope)',
      description: 'Parcel inset by its setback, extruded to its height limit; −1 = no limit',
      properties: Object.fromEntries(
        ENVELOPE_PROPERTY_IDS.map((id) => [
          id,
          id === 'parcelId' || id === 'landUse' || id === 'ward'
            ? { type: 'STRING' }
            : id === 'buildings' || id === 'violations' || id.startsWith('v')
              ? { type: 'SCALAR', componentType: 'UINT16' }
              : { type: 'SCALAR', componentType: 'FLOAT32' },
        ]),
      ),
    },
  },
};

/** A translucent pale blue; the viewer's style replaces it (colour by violation). */
const ENVELOPE_MATERIAL: NonNullable<GlbContent['material']> = {
  name: 'envelope',
  baseColorFactor: [0.55, 0.75, 1, 0.35],
  alphaMode: 'BLEND',
  doubleSided: true,
};

export interface EnvelopeTilesOptions {
  glb: GlbOptions;
  /** Most envelopes per tile (16-bit feature ids) and vertices per tile, as for buildings. */
  maxFeatures: number;
  maxVertices: number;
  /**
   * Ground height (ellipsoid metres) under a parcel's buildable area. The terrain hook: pass the
   * terrain sampler's `footprintBaseM`; without one, envelopes stand on the ellipsoid as the
   * buildings do.
   */
  baseHeightM?: (polygons: Polygons) => number;
}

export const ENVELOPE_TILES_DEFAULTS: EnvelopeTilesOptions = {
  glb: GLB_DEFAULTS,
  maxFeatures: PARTITION_DEFAULTS.maxFeatures,
  maxVertices: PARTITION_DEFAULTS.maxVertices,
};

/** Feature properties of one envelope from its parcel's metrics (−1 for a missing limit). */
export function envelopeProperties(m: ParcelMetrics): EnvelopeProperties {
  const has = (rule: string) => (m.violations.some((v) => v.rule === rule) ? 1 : 0);
  return {
    parcelId: m.parcelId,
    landUse: m.landUse,
    ward: m.ward,
    maxHeightM: m.maxHeightM ?? -1,
    maxStoreys: m.maxStoreys ?? -1,
    maxFar: m.maxFar ?? -1,
    maxCoverage: m.maxCoverage ?? -1,
    setbackM: m.setbackM,
    areaM2: m.areaM2,
    gfaM2: m.gfaM2,
    far: m.far,
    coverage: m.coverage,
    buildings: Math.min(m.buildings, 0xffff),
    violations: m.violations.length,
    // Height and storey limits are one rule for the viewer: both say "too tall".
    vHeight: has('height') || has('storeys'),
    vCoverage: has('coverage'),
    vFar: has('far'),
    vSetback: has('setback'),
  };
}

interface Item {
  glb: GlbBuilding;
  props: EnvelopeProperties;
  extent: TileExtent;
  vertices: number;
}

export interface EnvelopeTilesReport {
  envelopes: number;
  tiles: number;
  bytesWritten: number;
}

/** Writes `<dir>/tileset.json` and `<dir>/tiles/<level>/<x>/<y>.glb` (dir must be fresh or staged). */
export async function writeEnvelopeTileset(
  envelopes: readonly Envelope[],
  metrics: readonly ParcelMetrics[],
  dir: string,
  options: EnvelopeTilesOptions = ENVELOPE_TILES_DEFAULTS,
): Promise<EnvelopeTilesReport> {
  const items: Item[] = [];
  envelopes.forEach((env, i) => {
    if (env.polygons.length === 0 || env.heightM <= 0) return;
    const m = metrics[i]!;
    const baseM = options.baseHeightM?.(env.polygons) ?? 0;
    const bbox = polygonsBBox(env.polygons);
    items.push({
      glb: {
        properties: {
          id: m.parcelId,
          name: '',
          height: env.heightM,
          storeys: 0,
          use: m.landUse,
          ward: m.ward,
          source: 'zoning',
        },
        polygons: env.polygons,
        baseM,
        heightM: env.heightM,
        bbox,
      },
      props: envelopeProperties(m),
      extent: {
        west: bbox[0],
        south: bbox[1],
        east: bbox[2],
        north: bbox[3],
        minHeightM: baseM,
        maxHeightM: baseM + env.heightM,
      },
      vertices: meshSize(env.polygons).vertices,
    });
  });
  await mkdir(dir, { recursive: true });
  if (items.length === 0) {
    // An empty but valid tileset, so the viewer's layer list needs no special case.
    await writeFile(
      path.join(dir, 'tileset.json'),
      JSON.stringify({
        asset: { version: '1.1' },
        geometricError: 0,
        root: { boundingVolume: { region: [0, 0, 0, 0, 0, 0] }, geometricError: 0 },
      }),
    );
    return { envelopes: 0, tiles: 0, bytesWritten: 0 };
  }
  const tree = partition(
    items.map((it) => ({
      lonDeg: (it.extent.west + it.extent.east) / 2,
      latDeg: (it.extent.south + it.extent.north) / 2,
      vertices: it.vertices,
    })),
    { ...PARTITION_DEFAULTS, maxFeatures: options.maxFeatures, maxVertices: options.maxVertices },
  );
  const [cw, cs, ce, cn] = tree.cell;
  const frame = new EnuFrame((cw + ce) / 2, (cs + cn) / 2, 0);
  let tiles = 0;
  let bytesWritten = 0;
  const table = (members: readonly Item[]): NonNullable<GlbContent['table']> => {
    const properties: Record<string, MetadataProperty> = {};
    const cls = ENVELOPE_SCHEMA.classes[ENVELOPE_CLASS]!.properties;
    for (const id of ENVELOPE_PROPERTY_IDS) {
      const def = cls[id]!;
      properties[id] =
        def.type === 'STRING'
          ? { type: 'STRING', values: members.map((m) => String(m.props[id])) }
          : {
              type: 'SCALAR',
              componentType: def.componentType as 'FLOAT32' | 'UINT16',
              values: members.map((m) => Number(m.props[id])),
            };
    }
    return { schema: ENVELOPE_SCHEMA, class: ENVELOPE_CLASS, name: 'envelopes', properties };
  };
  const writeNode = async (node: QuadNode): Promise<TilesetNode> => {
    if (node.children.length > 0) {
      const children = await Promise.all(node.children.map(writeNode));
      let extent = children[0]!.extent;
      for (const c of children) extent = unionExtent(extent, c.extent);
      // Parents hold nothing: a large error makes clients open them as soon as they are in view.
      return { extent, geometricErrorM: diagonalM(extent) * 4, children };
    }
    const members = node.items.map((i) => items[i]!);
    let exact = members[0]!.extent;
    for (const m of members) exact = unionExtent(exact, m.extent);
    const extent =
      options.glb.compression === 'meshopt' ? padExtent(exact, diagonalM(exact) / 65_534) : exact;
    const centre = frame.fromGeodetic(
      (extent.west + extent.east) / 2,
      (extent.south + extent.north) / 2,
      (extent.minHeightM + extent.maxHeightM) / 2,
    ) as [number, number, number];
    const glb = await writeTileGlb(
      members.map((m) => m.glb),
      frame,
      centre,
      options.glb,
      { table: table(members), material: ENVELOPE_MATERIAL },
    );
    const uri = `tiles/${node.level}/${node.x}/${node.y}.glb`;
    await mkdir(path.dirname(path.join(dir, uri)), { recursive: true });
    await writeFile(path.join(dir, uri), glb);
    tiles++;
    bytesWritten += glb.byteLength;
    return { extent, geometricErrorM: 0, contentUri: uri, children: [] };
  };
  const root = await writeNode(tree);
  const tileset = buildTileset(root, {
    generator: 'bdtwin plan',
    tilesetVersion: new Date().toISOString(),
    extentDiagonalM: diagonalM(root.extent),
  });
  tileset.root.transform = frame.toEcef;
  const json = JSON.stringify(tileset);
  await writeFile(path.join(dir, 'tileset.json'), json);
  return { envelopes: items.length, tiles, bytesWritten: bytesWritten + json.length };
}

// As in tile.ts: quantized positions round by up to half a step, so regions grow by one.
function padExtent(e: TileExtent, padM: number): TileExtent {
  const { lonM, latM } = metresPerDegree((e.south + e.north) / 2);
  return {
    west: e.west - padM / lonM,
    south: e.south - padM / latM,
    east: e.east + padM / lonM,
    north: e.north + padM / latM,
    minHeightM: e.minHeightM - padM,
    maxHeightM: e.maxHeightM + padM,
  };
}

function diagonalM(e: TileExtent): number {
  const { lonM, latM } = metresPerDegree((e.south + e.north) / 2);
  return Math.hypot((e.east - e.west) * lonM, (e.north - e.south) * latM, e.maxHeightM - e.minHeightM);
}

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { extrudeFootprint, meshSize } from './buildings/extrude.js';
import type { Footprint, Rejection } from './buildings/footprint.js';
import { NORMALISE_DEFAULTS, type NormaliseOptions, normaliseFeature } from './buildings/normalise.js';
import { describeFeature, InputError } from './errors.js';
import { EnuFrame, metresPerDegree } from './geo/ellipsoid.js';
import { readGeoJsonFile } from './sources/geojson.js';
import { writeTileGlb } from './tiles/glb.js';
import { PARTITION_DEFAULTS, type PartitionOptions, partition, type QuadNode } from './tiles/partition.js';
import { StagedFolder } from './tiles/publish.js';
import { buildTileset, type TileExtent, type TilesetNode, unionExtent } from './tiles/tileset.js';

/**
 * The building tiler: read → normalise → partition → mesh → write, published atomically.
 * `<out>/tileset.json` + `<out>/tiles/<level>/<x>/<y>.glb` + `<out>/report.json`.
 */

export interface TileOptions {
  /** Output folder; replaced atomically when tiling succeeds. */
  out: string;
  normalise: NormaliseOptions;
  partition: PartitionOptions;
  /**
   * How many features may be rejected (bad geometry, non-polygons…) before the run fails.
   * 0 (default) fails on the first bad feature, so errors are never silently dropped; rejected
   * features are always listed in report.json.
   */
  maxRejected: number;
  /** Called with progress; `done`/`total` count buildings. */
  onProgress?: (stage: 'read' | 'mesh', done: number, total: number) => void;
}

export const TILE_DEFAULTS: Omit<TileOptions, 'out'> = {
  normalise: NORMALISE_DEFAULTS,
  partition: PARTITION_DEFAULTS,
  maxRejected: 0,
};

export interface TileReport {
  inputs: string[];
  featuresRead: number;
  buildingsWritten: number;
  rejected: Rejection[];
  tiles: number;
  bytesWritten: number;
  heightSources: Record<Footprint['heightSource'], number>;
  seconds: number;
}

/** Too many features were rejected: lists them so the user can fix the source. */
export class RejectedFeaturesError extends Error {
  readonly rejected: Rejection[];
  constructor(rejected: Rejection[], maxRejected: number) {
    const shown = rejected
      .slice(0, 10)
      .map((r) => `  ${r.file} ${describeFeature(r.index, r.id)}: ${r.reason}`);
    const more = rejected.length > shown.length ? `\n  … and ${rejected.length - shown.length} more` : '';
    super(
      `${rejected.length} feature(s) rejected (allowed: ${maxRejected}); nothing was written:\n${shown.join('\n')}${more}\n` +
        'Fix the source, or pass --max-rejected <n> to tile the rest and list these in report.json.',
    );
    this.name = 'RejectedFeaturesError';
    this.rejected = rejected;
  }
}

export async function tileBuildings(inputs: string[], options: TileOptions): Promise<TileReport> {
  const started = performance.now();
  const footprints: Footprint[] = [];
  const rejected: Rejection[] = [];
  let featuresRead = 0;
  for (const file of inputs) {
    const features = await readGeoJsonFile(file);
    features.forEach((feature, index) => {
      const result = normaliseFeature(feature, file, index, options.normalise);
      if (result.ok) footprints.push(result.footprint);
      else rejected.push(result.rejection);
    });
    featuresRead += features.length;
    options.onProgress?.('read', featuresRead, featuresRead);
  }
  if (rejected.length > options.maxRejected) throw new RejectedFeaturesError(rejected, options.maxRejected);
  if (footprints.length === 0) throw new InputError(inputs.join(', '), 'has no building footprints to tile');

  const tree = partition(
    footprints.map((f) => ({
      lonDeg: f.centroid[0],
      latDeg: f.centroid[1],
      vertices: meshSize(f.polygons).vertices,
    })),
    options.partition,
  );
  const extentOf = (f: Footprint): TileExtent => ({
    west: f.bbox[0],
    south: f.bbox[1],
    east: f.bbox[2],
    north: f.bbox[3],
    minHeightM: f.baseM,
    maxHeightM: f.baseM + f.heightM,
  });
  let all = extentOf(footprints[0]!);
  for (const f of footprints) all = unionExtent(all, extentOf(f));
  // One ENU frame for the whole tileset (its root transform); tiles are offsets within it.
  const frame = new EnuFrame((all.west + all.east) / 2, (all.south + all.north) / 2, 0);

  const staged = await StagedFolder.create(options.out);
  try {
    let tiles = 0;
    let bytesWritten = 0;
    let meshed = 0;
    const writeNode = async (node: QuadNode): Promise<TilesetNode> => {
      if (node.children.length > 0) {
        const children: TilesetNode[] = [];
        for (const child of node.children) children.push(await writeNode(child));
        let extent = children[0]!.extent;
        for (const c of children) extent = unionExtent(extent, c.extent);
        return { extent, geometricErrorM: diagonalM(extent) / 2, children };
      }
      const members = node.items.map((i) => footprints[i]!);
      let extent = extentOf(members[0]!);
      for (const f of members) extent = unionExtent(extent, extentOf(f));
      const centre = frame.fromGeodetic(
        (extent.west + extent.east) / 2,
        (extent.south + extent.north) / 2,
        (extent.minHeightM + extent.maxHeightM) / 2,
      ) as [number, number, number];
      const glb = await writeTileGlb(
        members.map((f) => ({ properties: f.properties, mesh: extrudeFootprint(f) })),
        frame,
        centre,
      );
      const uri = `tiles/${node.level}/${node.x}/${node.y}.glb`;
      await mkdir(path.dirname(staged.file(uri)), { recursive: true });
      await writeFile(staged.file(uri), glb);
      tiles++;
      bytesWritten += glb.byteLength;
      meshed += members.length;
      options.onProgress?.('mesh', meshed, footprints.length);
      return { extent, geometricErrorM: 0, contentUri: uri, children: [] };
    };
    const rootNode = await writeNode(tree);
    const heightSources = { height: 0, storeys: 0, default: 0 };
    for (const f of footprints) heightSources[f.heightSource]++;
    const tileset = buildTileset(rootNode, {
      generator: 'bdtwin tiler',
      tilesetVersion: new Date().toISOString(),
      extentDiagonalM: diagonalM(rootNode.extent),
    });
    tileset.root.transform = frame.toEcef;
    const tilesetJson = JSON.stringify(tileset);
    await writeFile(staged.file('tileset.json'), tilesetJson);
    bytesWritten += tilesetJson.length;
    const report: TileReport = {
      inputs,
      featuresRead,
      buildingsWritten: footprints.length,
      rejected,
      tiles,
      bytesWritten,
      heightSources,
      seconds: (performance.now() - started) / 1000,
    };
    await writeFile(staged.file('report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await staged.commit();
    return report;
  } catch (error) {
    await staged.abort();
    throw error;
  }
}

/** Ground diagonal of an extent in metres (plus its height range). */
function diagonalM(e: TileExtent): number {
  const { lonM, latM } = metresPerDegree((e.south + e.north) / 2);
  return Math.hypot((e.east - e.west) * lonM, (e.north - e.south) * latM, e.maxHeightM - e.minHeightM);
}

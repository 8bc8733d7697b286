import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ArchiveSummary, removeDeadTemps, type StagedArchive, stageArchive } from './archive/write.js';
import type { Footprint, Rejection } from './buildings/footprint.js';
import { NORMALISE_DEFAULTS, type NormaliseOptions } from './buildings/normalise.js';
import { type RepairSummary, summariseRepairs } from './buildings/repair-summary.js';
import { describeFeature, InputError } from './errors.js';
import { EnuFrame, metresPerDegree } from './geo/ellipsoid.js';
import { readFootprints, type SourceReport } from './read.js';
import type { UnzipOptions } from './sources/index.js';
import type { VerticalDatum } from './terrain/datum.js';
import { openTerrainSampler } from './terrain/sample.js';
import { ARCHIVE_OPTIONS, archiveIsCurrent, archivePathOf } from './tiles/archive-output.js';
import { GLB_DEFAULTS, type GlbOptions } from './tiles/glb.js';
import {
  type BuildState,
  hashJson,
  inputsUnchanged,
  readState,
  STATE_FILE,
  stampInputs,
  TILE_FORMAT_VERSION,
  type TileState,
  tileHash,
} from './tiles/incremental.js';
import { planLod, visualSizeM } from './tiles/lod.js';
import { PARTITION_DEFAULTS, type PartitionOptions, partition, type QuadNode } from './tiles/partition.js';
import { TilePool } from './tiles/pool.js';
import { linkPrevious, StagedFolder } from './tiles/publish.js';
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
  glb: GlbOptions;
  /**
   * DEMs (GeoTIFF/.hgt) to clamp buildings on (`--terrain`): each base is set to the lowest
   * height of the terrain `bdtwin terrain` builds from the same DEMs, under the footprint.
   */
  terrain?: string[];
  /** Vertical datum of those DEMs (`--vertical-datum`); default EGM96, converted to ellipsoid. */
  verticalDatum?: VerticalDatum;
  /** Rebuild every tile even if the previous output looks up to date (`--force`). */
  force?: boolean;
  /**
   * Also publish the tileset as one 3D Tiles archive, `<out>.3tz` (`--archive`). The folder
   * stays: it is what incremental re-tiling and resuming work from.
   */
  archive?: boolean;
  /** CRS of the inputs (`--crs`): EPSG:nnnn, vn2000:105.75, a proj4 string; default: as declared. */
  crs?: string;
  /** GeoPackage table to read (`--layer`). */
  layer?: string;
  /** Shapefile .dbf encoding (`--encoding`), overriding .cpg. */
  encoding?: string;
  /**
   * ZIP inputs: unpacking limits (`--max-unzipped`, `--max-zip-ratio`) and temporary folder;
   * default UNZIP_LIMITS. Not part of the output's identity: they only decide whether it is made.
   */
  unzip?: UnzipOptions;
  /** Worker threads for meshing and glb encoding; default: every core, none for small inputs. */
  threads?: number;
  /**
   * Megabytes of footprint rings and text held in memory before they spill to a temporary file
   * beside the output (`--spill-mb`); default SPILL_MB_DEFAULT. Does not change the output.
   */
  spillMB?: number;
  /**
   * How many features may be rejected (bad geometry, non-polygons…) before the run fails.
   * 0 (default) fails on the first bad feature, so errors are never silently dropped; rejected
   * features are always listed in report.json.
   */
  maxRejected: number;
  /** Called with progress; `done`/`total` count buildings. */
  onProgress?: (stage: 'read' | 'mesh', done: number, total: number) => void;
}

/**
 * Rings and text of about 3M buildings: a province of 1M stays in memory (no slower), and
 * inputs several times larger still tile within a few GB.
 */
export const SPILL_MB_DEFAULT = 512;

export const TILE_DEFAULTS: Omit<TileOptions, 'out'> = {
  normalise: NORMALISE_DEFAULTS,
  partition: PARTITION_DEFAULTS,
  glb: GLB_DEFAULTS,
  maxRejected: 0,
};

export interface TileReport {
  inputs: string[];
  /** True when nothing was done: inputs and options as in the previous run (its report otherwise). */
  upToDate: boolean;
  /** Tiles meshed and written by this run. */
  tilesWritten: number;
  /** Tiles unchanged since the previous run, hard-linked instead of rewritten. */
  tilesReused: number;
  /**
   * Of those, tiles taken from a run that was killed part-way (its staging folder's journal):
   * a rerun after a crash resumes instead of starting over.
   */
  tilesResumed?: number;
  /** Per input: format, CRS used and where it came from, notes. */
  sources: SourceReport[];
  featuresRead: number;
  buildingsWritten: number;
  rejected: Rejection[];
  tiles: number;
  bytesWritten: number;
  /** The largest glb written by this run, bytes: checks the per-tile budgets keep tiles small. */
  largestTileBytes: number;
  /** The 3D Tiles archive, with `archive`: where, how many entries, its size. */
  archive?: ArchiveSummary;
  /** Up to date, but the archive was missing or stale and was rebuilt from the folder. */
  archiveRebuilt?: boolean;
  heightSources: Record<Footprint['heightSource'], number>;
  /** What geometry repair did, by kind, with example ids. */
  repairs: RepairSummary;
  /** Geometric error of each level's parent tiles (metres): the size of the largest building left out. */
  levelErrorsM: number[];
  /** Bytes of footprint rings and text that spilled to a temporary file (`spillMB`); 0 if none. */
  spilledBytes: number;
  /** Seconds per stage: read (incl. normalise), plan (partition + LOD), write (mesh + glb + files). */
  stageSeconds: { read: number; plan: number; write: number };
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
  // Everything the output depends on besides the inputs (functions such as onProgress drop out).
  const optionsHash = hashJson({
    format: TILE_FORMAT_VERSION,
    normalise: options.normalise,
    partition: options.partition,
    glb: options.glb,
    maxRejected: options.maxRejected,
    crs: options.crs ?? null,
    layer: options.layer ?? null,
    encoding: options.encoding ?? null,
    terrain: options.terrain ?? [],
    verticalDatum: options.verticalDatum ?? null,
  });
  // A killed run may have left its staging folder (tiles to resume from) or, killed mid-commit,
  // the previous output moved aside (put back here before anything reads it).
  const leftovers = await StagedFolder.recover(options.out);
  await removeDeadTemps(archivePathOf(options.out));
  const resumable = new Map<string, { dir: string; state: TileState }>();
  for (const l of [...leftovers].reverse()) {
    for (const [uri, entry] of l.files) {
      const { hash, deviationM, bytes } = entry as Partial<TileState>;
      if (typeof hash === 'string' && typeof deviationM === 'number' && typeof bytes === 'number')
        resumable.set(uri, { dir: l.dir, state: { hash, deviationM, bytes } });
    }
  }
  // `force` ignores the previous output: after a tiler change that forgot TILE_FORMAT_VERSION.
  const previous = options.force ? undefined : await readState(options.out);
  // The DEMs are inputs too: a new DEM moves every base.
  const stamped = [...inputs, ...(options.terrain ?? [])];
  if (previous?.optionsHash === optionsHash && (await inputsUnchanged(previous, stamped))) {
    const last = await readFile(path.join(options.out, 'report.json'), 'utf8').then(
      (t) => JSON.parse(t) as TileReport,
      () => undefined,
    );
    if (last) {
      await StagedFolder.removeLeftovers(leftovers);
      // The folder is current; its archive may not be (never made, or a run killed before it
      // was renamed into place): rebuilt from the folder, nothing else is touched.
      const archiveFile = archivePathOf(options.out);
      let archive = options.archive ? last.archive : undefined;
      let archiveRebuilt = false;
      if (options.archive && !(archive && (await archiveIsCurrent(archiveFile, options.out)))) {
        const staged = await stageArchive(options.out, archiveFile, ARCHIVE_OPTIONS);
        await staged.commit();
        archive = staged.summary;
        archiveRebuilt = true;
      }
      const { archive: _a, archiveRebuilt: _r, ...rest } = last;
      return {
        ...rest,
        ...(archive ? { archive } : {}),
        ...(archiveRebuilt ? { archiveRebuilt } : {}),
        upToDate: true,
        tilesWritten: 0,
        tilesReused: last.tiles,
        seconds: (performance.now() - started) / 1000,
      };
    }
  }
  // Input stamps (SHA-256) are taken alongside reading, for the next run's up-to-date check.
  const stamps = stampInputs(stamped);
  const terrain = options.terrain?.length
    ? await openTerrainSampler(options.terrain, { verticalDatum: options.verticalDatum ?? 'egm96' })
    : undefined;
  stamps.catch(() => {});
  const { store, rejected, sources, featuresRead } = await readFootprints(
    inputs,
    {
      normalise: options.normalise,
      ...(options.crs ? { crs: options.crs } : {}),
      ...(options.layer ? { layer: options.layer } : {}),
      ...(options.encoding ? { encoding: options.encoding } : {}),
      ...(options.unzip ? { unzip: options.unzip } : {}),
      ...(terrain ? { terrain } : {}),
      store: {
        spillBytes: (options.spillMB ?? SPILL_MB_DEFAULT) * 2 ** 20,
        spillDir: path.dirname(path.resolve(options.out)),
      },
    },
    (done) => options.onProgress?.('read', done, done),
  );
  try {
    if (rejected.length > options.maxRejected) throw new RejectedFeaturesError(rejected, options.maxRejected);
    if (store.length === 0) throw new InputError(inputs.join(', '), 'has no building footprints to tile');

    const readDone = performance.now();
    const count = store.length;
    // Columns, not a million objects: what partitioning and LOD read of every building.
    const vertices = Float64Array.from({ length: count }, (_, i) => store.meshVertices(i));
    const tree = partition(
      {
        lonDeg: Float64Array.from({ length: count }, (_, i) => store.centroid(i)[0]),
        latDeg: Float64Array.from({ length: count }, (_, i) => store.centroid(i)[1]),
        vertices,
      },
      options.partition,
    );
    const lod = planLod(
      tree,
      {
        sizeM: Float64Array.from({ length: count }, (_, i) =>
          visualSizeM(store.heights(i).heightM, store.areaM2(i)),
        ),
        errorM: Float64Array.from({ length: count }, (_, i) => store.heights(i).heightM),
        vertices,
      },
      options.partition,
    );
    const extentOf = (i: number): TileExtent => {
      const [west, south, east, north] = store.bbox(i);
      const { baseM, heightM, minHeightM } = store.heights(i);
      return { west, south, east, north, minHeightM: baseM + minHeightM, maxHeightM: baseM + heightM };
    };
    // One ENU frame for the whole tileset (its root transform); tiles are offsets within it.
    // Centred on the root cell, not the data: a local edit must not move every tile's frame.
    const [cw, cs, ce, cn] = tree.cell;
    const frame = new EnuFrame((cw + ce) / 2, (cs + cn) / 2, 0);

    const planDone = performance.now();
    const staged = await StagedFolder.create(options.out);
    const pool = new TilePool(options.threads ?? TilePool.defaultThreads(count));
    const pending: Promise<void>[] = [];
    let stagedArchive: StagedArchive | undefined;
    try {
      let tiles = 0;
      let tilesReused = 0;
      let tilesResumed = 0;
      let largestTileBytes = 0;
      let bytesWritten = 0;
      let meshed = 0;
      const tileStates: Record<string, TileState> = {};
      /**
       * Queues a tile's glb on the pool; returns its URI and its extent grown by the
       * quantization error. The parent's final error waits for the simplification deviation.
       */
      const queueContent = (node: QuadNode, members: number[], exact: TileExtent, toleranceM: number) => {
        if (members.length === 0) return { extent: exact, deviation: Promise.resolve(0) };
        // 16-bit positions round by up to half a step of the tile's largest dimension: grow the
        // region by a whole step so it still contains every vertex as clients decode it.
        const extent =
          options.glb.compression === 'meshopt' ? padExtent(exact, diagonalM(exact) / 65_534) : exact;
        const centre = frame.fromGeodetic(
          (extent.west + extent.east) / 2,
          (extent.south + extent.north) / 2,
          (extent.minHeightM + extent.maxHeightM) / 2,
        ) as [number, number, number];
        const uri = `tiles/${node.level}/${node.x}/${node.y}.glb`;
        const hashes = new Uint32Array(members.length * 2);
        for (const [k, m] of members.entries()) hashes.set(store.hash(m), k * 2);
        const hash = tileHash(hashes, {
          centre: centre.map((c) => Math.round(c * 1e6)),
          frame: tree.cell,
          toleranceM,
          glb: options.glb,
        });
        const fromPrevious = previous?.tiles[uri]?.hash === hash ? previous.tiles[uri] : undefined;
        const fromKilled = resumable.get(uri)?.state.hash === hash ? resumable.get(uri) : undefined;
        const before = fromPrevious ?? fromKilled?.state;
        const reuse = fromPrevious
          ? linkPrevious(options.out, uri, staged.file(uri))
          : fromKilled
            ? linkPrevious(fromKilled.dir, uri, staged.file(uri))
            : Promise.resolve(false);
        const done = reuse.then(async (reused) => {
          if (reused) {
            tilesReused++;
            if (!fromPrevious) tilesResumed++;
            bytesWritten += before!.bytes;
            tileStates[uri] = before!;
            await staged.record(uri, before!);
            return before!.deviationM;
          }
          return (
            pool
              // The batch is made when a thread is free, so only tiles in flight hold a copy.
              .run((inProcess) => ({
                batch: inProcess ? members.map((i) => store.get(i)) : store.batch(members),
                frame: { lonDeg: frame.lonDeg, latDeg: frame.latDeg, heightM: frame.heightM },
                centre,
                toleranceM,
                glb: options.glb,
              }))
              .then(async ({ glb, deviationM }) => {
                await staged.write(uri, glb);
                tileStates[uri] = { hash, deviationM, bytes: glb.byteLength };
                await staged.record(uri, tileStates[uri]);
                tiles++;
                bytesWritten += glb.byteLength;
                largestTileBytes = Math.max(largestTileBytes, glb.byteLength);
                if (toleranceM === 0) {
                  meshed += members.length;
                  options.onProgress?.('mesh', meshed, count);
                }
                return deviationM;
              })
          );
        });
        pending.push(done.then(() => {}));
        return { uri, extent, deviation: done };
      };
      const planNode = (node: QuadNode): TilesetNode & { deviation?: Promise<number> } => {
        const plan = lod.tiles.get(node)!;
        if (node.children.length === 0) {
          let exact = extentOf(plan.items[0]!);
          for (const i of plan.items) exact = unionExtent(exact, extentOf(i));
          const { uri, extent } = queueContent(node, plan.items, exact, 0);
          return { extent, geometricErrorM: 0, ...(uri ? { contentUri: uri } : {}), children: [] };
        }
        const children = node.children.map(planNode);
        let exact = children[0]!.extent;
        for (const c of children) exact = unionExtent(exact, c.extent);
        // A parent draws its subtree's most visible buildings, simplified within a quarter of
        // its geometric error; the simplification's measured deviation counts towards the error.
        const { uri, extent, deviation } = queueContent(node, plan.items, exact, plan.geometricErrorM / 4);
        return {
          extent,
          geometricErrorM: plan.geometricErrorM,
          ...(uri ? { contentUri: uri } : {}),
          children,
          deviation,
        };
      };
      const planned = planNode(tree);
      await Promise.all(pending);
      const settle = async (node: ReturnType<typeof planNode>): Promise<TilesetNode> => {
        const children = await Promise.all(node.children.map(settle));
        const deviationM = (await node.deviation) ?? 0;
        const { deviation: _d, ...rest } = node;
        return { ...rest, geometricErrorM: Math.max(node.geometricErrorM, deviationM), children };
      };
      const rootNode = await settle(planned);
      const writeDone = performance.now();
      const heightSources = { height: 0, storeys: 0, default: 0 };
      for (let i = 0; i < count; i++) heightSources[store.heightSource(i)]++;
      const tileset = buildTileset(rootNode, {
        generator: 'bdtwin tiler',
        tilesetVersion: new Date().toISOString(),
        extentDiagonalM: diagonalM(rootNode.extent),
      });
      tileset.root.transform = frame.toEcef;
      const tilesetJson = JSON.stringify(tileset);
      await staged.write('tileset.json', tilesetJson);
      bytesWritten += tilesetJson.length;
      // The archive is made from the staged tileset (before report.json and build-state.json,
      // which stay out of it) and renamed into place right after the folder.
      if (options.archive) {
        stagedArchive = await stageArchive(staged.staging, archivePathOf(options.out), ARCHIVE_OPTIONS);
      }
      const report: TileReport = {
        inputs,
        upToDate: false,
        tilesWritten: tiles,
        tilesReused,
        tilesResumed,
        sources,
        featuresRead,
        buildingsWritten: count,
        rejected,
        tiles: tiles + tilesReused,
        bytesWritten,
        largestTileBytes,
        heightSources,
        repairs: summariseRepairs(
          (function* () {
            for (let i = 0; i < count; i++) {
              const repairs = store.repairs(i);
              if (repairs) yield { repairs, properties: { id: store.id(i) } };
            }
          })(),
        ),
        ...(stagedArchive ? { archive: stagedArchive.summary } : {}),
        levelErrorsM: lod.levelErrorM.map((e) => Math.round(e * 100) / 100),
        spilledBytes: store.spilledBytes,
        stageSeconds: {
          read: (readDone - started) / 1000,
          plan: (planDone - readDone) / 1000,
          write: (writeDone - planDone) / 1000,
        },
        seconds: (performance.now() - started) / 1000,
      };
      await staged.write('report.json', `${JSON.stringify(report, null, 2)}\n`);
      const state: BuildState = {
        formatVersion: TILE_FORMAT_VERSION,
        optionsHash,
        inputs: await stamps,
        tiles: tileStates,
      };
      await staged.write(STATE_FILE, JSON.stringify(state));
      await staged.commit();
      // A crash between the two renames leaves a stale archive beside a new folder; the next run
      // finds the folder up to date and the archive not, and rebuilds the archive.
      await stagedArchive?.commit();
      await StagedFolder.removeLeftovers(leftovers);
      return report;
    } catch (error) {
      // Let writes still in flight settle first, or one could recreate the folder after abort.
      await Promise.allSettled(pending);
      await stagedArchive?.abort();
      await staged.abort();
      throw error;
    } finally {
      await pool.close();
    }
  } finally {
    // Closes (and so removes) the spill file, if the store made one.
    store.dispose();
  }
}

/** An extent grown by `padM` metres on every side, up and down. */
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

/** Ground diagonal of an extent in metres (plus its height range). */
function diagonalM(e: TileExtent): number {
  const { lonM, latM } = metresPerDegree((e.south + e.north) / 2);
  return Math.hypot((e.east - e.west) * lonM, (e.north - e.south) * latM, e.maxHeightM - e.minHeightM);
}

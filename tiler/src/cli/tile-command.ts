import { AttributeMappingError, parseAttributeMapping } from '../buildings/attributes.js';
import { formatRepairSummary } from '../buildings/repair-summary.js';
import { InputError } from '../errors.js';
import { formatBytes, UNZIP_LIMITS, unzipFlags } from '../sources/index.js';
import { VERTICAL_DATUMS, type VerticalDatum } from '../terrain/datum.js';
import {
  RejectedFeaturesError,
  SPILL_MB_DEFAULT,
  TILE_DEFAULTS,
  type TileOptions,
  type TileReport,
  tileBuildings,
} from '../tile.js';
import { OutputWriteError } from '../tiles/publish.js';
import { intOption, parseOrUsage } from './main.js';

const D = TILE_DEFAULTS;
const USAGE = `Usage: bdtwin tile <input...> --out <dir> [options]

Extrudes building footprints and writes OGC 3D Tiles 1.1 with level of detail:
<dir>/tileset.json, <dir>/tiles/**.glb and <dir>/report.json.
Inputs: GeoJSON (.geojson/.json), GeoJSONSeq (.geojsonl/.ndjson), Shapefile (.shp with
.dbf/.prj/.cpg), GeoPackage (.gpkg), FlatGeobuf (.fgb); Polygon/MultiPolygon with holes.
A .zip holding one of these (a Shapefile set counts as one) is read directly; name one of
several as archive.zip!folder/roads.shp.

Options:
  --out <dir>             output folder (replaced atomically on success)      [required]
  --crs <crs>             CRS of the inputs: EPSG:4326, EPSG:32648, EPSG:3405,
                          vn2000:105.75 (VN-2000 TM-3, any zone), vn2000utm:48,
                          or a proj4 string                                   [as declared, else WGS 84]
  --layer <name>          GeoPackage table to read                           [first]
  --encoding <cp>         Shapefile text encoding (1258, UTF-8…)             [.cpg, else UTF-8]
  --max-unzipped <size>   ZIP inputs: most a dataset may unpack to           [${formatBytes(UNZIP_LIMITS.maxBytes)}]
  --max-zip-ratio <n>     ZIP inputs: refuse an entry inflating over n:1     [${UNZIP_LIMITS.maxRatio}]
  --attr <map>            attribute names, e.g. height=H_M,storeys=TANG|SO_TANG
  --storey-height <m>     metres per storey when only storeys are known      [${D.normalise.height.storeyHeightM}]
  --max-features <n>      most buildings per tile                            [${D.partition.maxFeatures}]
  --max-vertices <n>      most vertices per tile                             [${D.partition.maxVertices}]
  --max-rejected <n>      bad features tolerated (listed in report.json)     [${D.maxRejected}]
  --compression <c>       meshopt (quantized + EXT_meshopt_compression) or none [${D.glb.compression}]
  --threads <n>           worker threads for meshing                         [cores; 0 below 20k buildings]
  --spill-mb <n>          MB of footprint rings and text kept in memory; past it they
                          go to a temporary file beside --out (bounded memory)   [${SPILL_MB_DEFAULT}]
  --terrain <dem>         stand buildings on this terrain (GeoTIFF/.hgt, repeatable): the
                          base is the lowest height under the footprint, as bdtwin terrain draws it
  --vertical-datum <d>    egm96 (heights above the geoid, as SRTM) or ellipsoid  [egm96]
  --force                 rebuild every tile, even if build-state.json says up to date
  --archive               also write <dir>.3tz: the tileset as one 3D Tiles archive (3TZ);
                          <dir> stays, for incremental re-tiling                [off]
  --quiet                 no progress line
Heights: "height"/"chieu_cao" (m), else storeys ("storeys", "building:levels", "so_tang")
× storey height, else a default by land use; names match case-insensitively. Broken
polygons are repaired where possible (docs/repair.md); CRSs are explained in docs/crs.md.`;

export async function tileCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        crs: { type: 'string' },
        layer: { type: 'string' },
        encoding: { type: 'string' },
        'max-unzipped': { type: 'string' },
        'max-zip-ratio': { type: 'string' },
        attr: { type: 'string' },
        'storey-height': { type: 'string' },
        'max-features': { type: 'string' },
        'max-vertices': { type: 'string' },
        'max-rejected': { type: 'string' },
        compression: { type: 'string' },
        threads: { type: 'string' },
        'spill-mb': { type: 'string' },
        terrain: { type: 'string', multiple: true },
        'vertical-datum': { type: 'string' },
        force: { type: 'boolean' },
        archive: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (!parsed) return 1;
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (message: string) => {
    console.error(`bdtwin tile: ${message}`);
    return 1;
  };
  if (positionals.length === 0) return fail(`no input files given\n\n${USAGE}`);
  if (typeof values.out !== 'string') return fail(`--out <dir> is required\n\n${USAGE}`);
  if (/\.3tz[\\/]*$/i.test(values.out)) {
    // Readers split URLs at ".3tz/" (the 3TZ path resolver), so a folder named so reads as an archive.
    return fail(
      `--out names the tileset folder, not the archive: --archive writes <folder>.3tz beside it ` +
        `(e.g. --out build/city --archive → build/city.3tz); got "${values.out}"`,
    );
  }

  const ints: Record<string, number> = {};
  for (const [name, fallback] of [
    ['max-features', D.partition.maxFeatures],
    ['max-vertices', D.partition.maxVertices],
    ['max-rejected', D.maxRejected],
    ['threads', -1],
    ['spill-mb', SPILL_MB_DEFAULT],
  ] as const) {
    const v = intOption(values[name] as string | undefined, name, fallback);
    if (typeof v === 'string') return fail(v);
    ints[name] = v;
  }
  if (ints['max-features']! < 1 || ints['max-features']! > 65_535)
    return fail('--max-features must be between 1 and 65535');
  const storeyHeight = Number(values['storey-height'] ?? D.normalise.height.storeyHeightM);
  if (!(storeyHeight > 0 && storeyHeight < 20)) {
    return fail(`--storey-height must be metres between 0 and 20, got "${values['storey-height']}"`);
  }
  const compression = (values.compression as string | undefined) ?? D.glb.compression;
  if (compression !== 'meshopt' && compression !== 'none') {
    return fail(`--compression must be "meshopt" or "none", got "${compression}"`);
  }
  const datum = values['vertical-datum'] as string | undefined;
  if (datum !== undefined && !VERTICAL_DATUMS.includes(datum as VerticalDatum)) {
    return fail(`--vertical-datum must be one of ${VERTICAL_DATUMS.join(', ')}, got "${datum}"`);
  }
  const unzip = unzipFlags(values['max-unzipped'], values['max-zip-ratio']);
  if (typeof unzip === 'string') return fail(unzip);
  let attributes = D.normalise.attributes;
  if (typeof values.attr === 'string') {
    try {
      attributes = parseAttributeMapping(values.attr);
    } catch (error) {
      if (error instanceof AttributeMappingError) return fail(`--attr: ${error.message}`);
      throw error;
    }
  }

  const options: TileOptions = {
    ...D,
    out: values.out,
    maxRejected: ints['max-rejected']!,
    partition: { ...D.partition, maxFeatures: ints['max-features']!, maxVertices: ints['max-vertices']! },
    normalise: { ...D.normalise, attributes, height: { ...D.normalise.height, storeyHeightM: storeyHeight } },
    glb: { ...D.glb, compression },
    ...(ints.threads! >= 0 ? { threads: ints.threads! } : {}),
    spillMB: ints['spill-mb']!,
    ...(values.force === true ? { force: true } : {}),
    ...(values.archive === true ? { archive: true } : {}),
    ...(Array.isArray(values.terrain) && values.terrain.length > 0
      ? { terrain: values.terrain as string[] }
      : {}),
    ...(datum ? { verticalDatum: datum as VerticalDatum } : {}),
    ...(typeof values.crs === 'string' ? { crs: values.crs } : {}),
    ...(typeof values.layer === 'string' ? { layer: values.layer } : {}),
    ...(typeof values.encoding === 'string' ? { encoding: values.encoding } : {}),
    ...(Object.keys(unzip).length ? { unzip } : {}),
  };
  const progress = values.quiet === true ? undefined : progressPrinter();
  try {
    const report = await tileBuildings(positionals, {
      ...options,
      ...(progress ? { onProgress: progress } : {}),
    });
    if (progress) process.stderr.write('\n');
    console.log(summary(report, values.out));
    return 0;
  } catch (error) {
    if (progress) process.stderr.write('\n');
    if (
      error instanceof InputError ||
      error instanceof RejectedFeaturesError ||
      error instanceof OutputWriteError
    )
      return fail(error.message);
    console.error(`bdtwin tile: unexpected error while tiling: ${(error as Error).stack ?? error}`);
    return 2;
  }
}

function progressPrinter() {
  const started = performance.now();
  let last = 0;
  return (stage: 'read' | 'mesh', done: number, total: number) => {
    const now = performance.now();
    if (now - last < 200 && done < total) return;
    last = now;
    const s = (now - started) / 1000;
    const line =
      stage === 'read'
        ? `reading: ${done.toLocaleString('en')} features ${s.toFixed(1)} s`
        : `tiling: ${done.toLocaleString('en')}/${total.toLocaleString('en')} buildings (${Math.floor((done / total) * 100)}%) ${s.toFixed(1)} s` +
          (done > 0 && done < total ? `, ETA ${((s / done) * (total - done)).toFixed(0)} s` : '');
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

export function summary(report: TileReport, out: string): string {
  const archive = report.archive
    ? `archive:           ${report.archive.file} (${report.archive.entries} files, ${(report.archive.bytes / 1e6).toFixed(1)} MB)` +
      (report.archiveRebuilt ? ', rebuilt from the folder' : '')
    : undefined;
  if (report.upToDate) {
    return [
      `${out}/tileset.json is up to date: inputs and options unchanged since the last run (${report.buildingsWritten.toLocaleString('en')} buildings, ${report.tiles} tiles); nothing written (${report.seconds.toFixed(2)} s)`,
      ...(archive ? [archive] : []),
    ].join('\n');
  }
  const lines: string[] = [];
  for (const s of report.sources) {
    lines.push(
      `input:             ${s.file} (${s.format}${s.layer ? `, layer ${s.layer}` : ''}, ${s.crs} from ${s.crsFrom})`,
    );
    for (const note of s.notes) lines.push(`  note: ${note}`);
  }
  lines.push(
    `features read:     ${report.featuresRead.toLocaleString('en')}`,
    `buildings written: ${report.buildingsWritten.toLocaleString('en')} in ${report.tiles} tiles, ${(report.bytesWritten / 1e6).toFixed(1)} MB` +
      (report.tilesReused > 0 ? ` (${report.tilesWritten} rewritten, ${report.tilesReused} unchanged)` : '') +
      (report.tilesResumed ? `; ${report.tilesResumed} resumed from an interrupted run` : ''),
    `heights from:      height ${report.heightSources.height}, storeys ${report.heightSources.storeys}, default ${report.heightSources.default}`,
    ...formatRepairSummary(report.repairs),
    `rejected:          ${report.rejected.length}`,
  );
  const reasons = new Map<string, number>();
  for (const r of report.rejected) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  for (const [reason, n] of [...reasons].slice(0, 10)) lines.push(`  ${n} × ${reason}`);
  if (report.spilledBytes > 0)
    lines.push(
      `spilled:           ${(report.spilledBytes / 1e6).toFixed(1)} MB of rings and text to a temporary file (--spill-mb)`,
    );
  if (archive) lines.push(archive);
  lines.push(`wrote ${out}/tileset.json in ${report.seconds.toFixed(1)} s (report: ${out}/report.json)`);
  return lines.join('\n');
}

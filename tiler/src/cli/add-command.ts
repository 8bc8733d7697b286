import {
  CATALOG_LAYER_KINDS,
  type CatalogLayerKind,
  DATE_PATTERN,
  SECTOR_IDS,
  type SectorId,
  VISIBILITIES,
  type Visibility,
} from '../api/catalog.js';
import {
  ADD_DEFAULTS,
  type AddOptions,
  type AddReport,
  addLayer,
  TILED_FORMS,
  type TiledForm,
} from '../catalog/import.js';
import { InputError } from '../errors.js';
import { formatBytes, UNZIP_LIMITS, unzipFlags } from '../sources/index.js';
import { VERTICAL_DATUMS, type VerticalDatum } from '../terrain/datum.js';
import { RejectedFeaturesError } from '../tile.js';
import { intOption, parseOrUsage } from './main.js';

const USAGE = `Usage: bdtwin add <file> --sector <sector> [options]

Adds a layer to a data folder's catalogue (<data>/catalog.json, served at /api/catalog): the
file is converted to WGS 84 and written as <data>/catalog/<id>.geojson, or, for polygon layers
of more than --tile-threshold features, tiled: vector tiles in <data>/catalog/<id>/tiles.json +
{z}/{x}/{y}.pbf (--tiles mvt), or 3D Tiles in <data>/catalog/<id>/tileset.json (--tiles 3dtiles).
Inputs: GeoJSON, GeoJSONSeq, Shapefile, GeoPackage, FlatGeobuf, or a .zip holding one of them
(archive.zip!folder/roads.shp names one of several); any CRS bdtwin tile reads
(VN-2000 included). Coverage of the catalogue's wards is measured on the way (docs/catalog.md).

Sectors: ${SECTOR_IDS.join(', ')}

Options:
  --sector <s>          sector of the layer                                      [required]
  --data <dir>          data folder (the one bdtwin serve --data serves)          [build/demo]
  --title <text>        title in Vietnamese                                       [file name]
  --title-en <text>     title in English                                          [--title]
  --id <id>             layer id (letters, digits, dashes)                        [from the title]
  --crs <crs>           CRS of the file when it does not say (EPSG:4326, vn2000:105.75…)
  --layer <name>        GeoPackage table                                          [first]
  --encoding <cp>       Shapefile text encoding (1258, UTF-8…)                    [.cpg, else UTF-8]
  --max-unzipped <size> ZIP files: most the dataset may unpack to                 [${formatBytes(UNZIP_LIMITS.maxBytes)}]
  --max-zip-ratio <n>   ZIP files: refuse an entry inflating over n:1             [${UNZIP_LIMITS.maxRatio}]
  --valid-from <date>   first day the data is valid, YYYY-MM-DD                   [today]
  --valid-to <date>     last day it is valid, YYYY-MM-DD                          [still valid]
  --visibility <v>      ${VISIBILITIES.join(' | ')}                                [${ADD_DEFAULTS.visibility}]
  --source <text>       who made the data, from what                             [file name]
  --licence <text>      licence (SPDX id or words)                                [unknown]
  --kind <k>            override the kind (${CATALOG_LAYER_KINDS.join(', ')})
  --style-by <attr>     colour by this attribute (land-use codes get the official colours)
                                                                                  [a land-use code attribute, else one colour]
  --time-features       features carry validFrom/validTo (the viewer's date control filters them)
  --label <attr>        attribute drawn as a label on each polygon
  --tile-threshold <n>  polygon layers with more features are tiled               [${ADD_DEFAULTS.tileThreshold}]
  --tiles <form>        ${TILED_FORMS.join(' | ')}: vector tiles drawn as imagery, or 3D Tiles
                        drawn as classification volumes (docs/catalog.md)          [${ADD_DEFAULTS.tiles}]
  --terrain <dem>       --tiles 3dtiles: DEM the tiled volumes straddle (repeatable)
  --vertical-datum <d>  egm96 or ellipsoid (for --terrain)                        [egm96]
  --volume <lo>,<hi>    --tiles 3dtiles without --terrain: ellipsoid heights (m) the volumes span [-100,300]
  --coverage <m>        area | cells | none: how it counts for completeness      [by kind]
  --cell <m>            cell size for --coverage cells, metres                   [250]
  --max-rejected <n>    features without a usable geometry tolerated              [${ADD_DEFAULTS.maxRejected}]
  --quiet               no progress line`;

export async function addCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        sector: { type: 'string' },
        data: { type: 'string' },
        title: { type: 'string' },
        'title-en': { type: 'string' },
        id: { type: 'string' },
        crs: { type: 'string' },
        layer: { type: 'string' },
        encoding: { type: 'string' },
        'max-unzipped': { type: 'string' },
        'max-zip-ratio': { type: 'string' },
        'valid-from': { type: 'string' },
        'valid-to': { type: 'string' },
        visibility: { type: 'string' },
        source: { type: 'string' },
        licence: { type: 'string' },
        kind: { type: 'string' },
        'style-by': { type: 'string' },
        'time-features': { type: 'boolean' },
        label: { type: 'string' },
        'tile-threshold': { type: 'string' },
        tiles: { type: 'string' },
        terrain: { type: 'string', multiple: true },
        'vertical-datum': { type: 'string' },
        volume: { type: 'string' },
        coverage: { type: 'string' },
        cell: { type: 'string' },
        'max-rejected': { type: 'string' },
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
    console.error(`bdtwin add: ${message}`);
    return 1;
  };
  if (positionals.length !== 1) return fail(`give exactly one file\n\n${USAGE}`);
  const sector = values.sector as string | undefined;
  if (!sector) return fail(`--sector is required: one of ${SECTOR_IDS.join(', ')}`);
  if (!SECTOR_IDS.includes(sector as SectorId)) {
    return fail(`--sector must be one of ${SECTOR_IDS.join(', ')}, got "${sector}"`);
  }
  const date = new RegExp(DATE_PATTERN);
  for (const name of ['valid-from', 'valid-to'] as const) {
    const v = values[name] as string | undefined;
    if (v !== undefined && (!date.test(v) || Number.isNaN(Date.parse(v)))) {
      return fail(`--${name} must be a date YYYY-MM-DD, got "${v}"`);
    }
  }
  const visibility = values.visibility as string | undefined;
  if (visibility !== undefined && !VISIBILITIES.includes(visibility as Visibility)) {
    return fail(`--visibility must be one of ${VISIBILITIES.join(', ')}, got "${visibility}"`);
  }
  const kind = values.kind as string | undefined;
  if (kind !== undefined && !CATALOG_LAYER_KINDS.includes(kind as CatalogLayerKind)) {
    return fail(`--kind must be one of ${CATALOG_LAYER_KINDS.join(', ')}, got "${kind}"`);
  }
  const coverage = values.coverage as string | undefined;
  if (coverage !== undefined && !['area', 'cells', 'none'].includes(coverage)) {
    return fail(`--coverage must be area, cells or none, got "${coverage}"`);
  }
  const datum = values['vertical-datum'] as string | undefined;
  if (datum !== undefined && !VERTICAL_DATUMS.includes(datum as VerticalDatum)) {
    return fail(`--vertical-datum must be one of ${VERTICAL_DATUMS.join(', ')}, got "${datum}"`);
  }
  const tiles = values.tiles as string | undefined;
  if (tiles !== undefined && !TILED_FORMS.includes(tiles as TiledForm)) {
    return fail(`--tiles must be one of ${TILED_FORMS.join(', ')}, got "${tiles}"`);
  }
  const threshold = intOption(
    values['tile-threshold'] as string | undefined,
    'tile-threshold',
    ADD_DEFAULTS.tileThreshold,
  );
  if (typeof threshold === 'string') return fail(threshold);
  const maxRejected = intOption(
    values['max-rejected'] as string | undefined,
    'max-rejected',
    ADD_DEFAULTS.maxRejected,
  );
  if (typeof maxRejected === 'string') return fail(maxRejected);
  const cellM = values.cell === undefined ? undefined : Number(values.cell);
  if (cellM !== undefined && !(cellM >= 1 && cellM <= 10_000)) {
    return fail(`--cell must be metres between 1 and 10000, got "${values.cell}"`);
  }

  let volume: AddOptions['volume'];
  if (typeof values.volume === 'string') {
    const [lo, hi] = values.volume.split(',').map(Number);
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi! > lo!)) {
      return fail(`--volume must be <bottom>,<top> in metres with top above bottom, got "${values.volume}"`);
    }
    volume = { bottomM: lo!, heightM: hi! - lo! };
  }
  const unzip = unzipFlags(values['max-unzipped'], values['max-zip-ratio']);
  if (typeof unzip === 'string') return fail(unzip);
  const str = (name: keyof typeof values) =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined;
  const progress = values.quiet === true ? undefined : progressPrinter();
  const options: AddOptions = {
    dataDir: str('data') ?? 'build/demo',
    sector: sector as SectorId,
    tileThreshold: threshold,
    ...(tiles ? { tiles: tiles as TiledForm } : {}),
    maxRejected,
    ...(str('id') ? { id: str('id')! } : {}),
    ...(str('title') ? { title: str('title')! } : {}),
    ...(str('title-en') ? { titleEn: str('title-en')! } : {}),
    ...(str('crs') ? { crs: str('crs')! } : {}),
    ...(str('layer') ? { layer: str('layer')! } : {}),
    ...(str('encoding') ? { encoding: str('encoding')! } : {}),
    ...(Object.keys(unzip).length ? { unzip } : {}),
    ...(str('valid-from') ? { validFrom: str('valid-from')! } : {}),
    ...(str('valid-to') ? { validTo: str('valid-to')! } : {}),
    ...(visibility ? { visibility: visibility as Visibility } : {}),
    ...(str('source') ? { source: str('source')! } : {}),
    ...(str('licence') ? { licence: str('licence')! } : {}),
    ...(kind ? { kind: kind as CatalogLayerKind } : {}),
    ...(str('style-by') ? { styleBy: str('style-by')! } : {}),
    ...(values['time-features'] === true ? { timeFeatures: true } : {}),
    ...(str('label') ? { labelProperty: str('label')! } : {}),
    ...(Array.isArray(values.terrain) && values.terrain.length
      ? { terrain: values.terrain as string[] }
      : {}),
    ...(datum ? { verticalDatum: datum as VerticalDatum } : {}),
    ...(volume ? { volume } : {}),
    ...(coverage ? { coverage: coverage as AddOptions['coverage'] & string } : {}),
    ...(cellM !== undefined ? { cellM } : {}),
    ...(progress ? { onProgress: progress } : {}),
  };
  if (options.validFrom && options.validTo && options.validTo < options.validFrom) {
    return fail(`--valid-to ${options.validTo} is before --valid-from ${options.validFrom}`);
  }
  try {
    const report = await addLayer(positionals[0]!, options);
    if (progress && process.stderr.isTTY) process.stderr.write('\n');
    console.log(addSummary(report, options.dataDir));
    return 0;
  } catch (error) {
    if (progress && process.stderr.isTTY) process.stderr.write('\n');
    if (error instanceof InputError || error instanceof RejectedFeaturesError) return fail(error.message);
    if (error instanceof Error && error.message.startsWith('--style-by')) return fail(error.message);
    console.error(`bdtwin add: unexpected error: ${(error as Error).stack ?? error}`);
    return 2;
  }
}

function progressPrinter() {
  const started = performance.now();
  return (read: number) => {
    const line = `reading: ${read.toLocaleString('en')} features ${((performance.now() - started) / 1000).toFixed(1)} s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

function writtenAs(report: AddReport): string {
  const v = report.vectorTiles;
  if (v) {
    const z = Object.keys(v.tilesByZoom).map(Number);
    return `as ${v.tiles.toLocaleString('en')} vector tiles (z${Math.min(...z)}–${Math.max(...z)}, ${formatBytes(v.bytes)})`;
  }
  return report.tiled ? 'as 3D Tiles' : 'as GeoJSON';
}

export function addSummary(report: AddReport, dataDir: string): string {
  const { layer } = report;
  const lines = [
    `layer:    ${layer.id} (${layer.kind}) in sector ${layer.sector}: "${layer.title.vi}"`,
    `read:     ${report.featuresRead.toLocaleString('en')} features, ${layer.crsOfOrigin} → WGS 84`,
  ];
  for (const note of report.notes) lines.push(`  note: ${note}`);
  lines.push(
    `rejected: ${report.rejected.length}`,
    ...report.rejected.slice(0, 10).map((r) => `  feature #${r.index}: ${r.reason}`),
    `style:    ${report.styleNote}`,
  );
  const byUnit = layer.coverage?.byUnit;
  if (byUnit) {
    const shares = Object.entries(byUnit)
      .map(([id, share]) => `${id} ${(share * 100).toFixed(1)} %`)
      .join(', ');
    lines.push(`coverage: ${layer.coverage?.method}: ${shares}`);
  }
  lines.push(
    `wrote ${report.featuresWritten.toLocaleString('en')} features ${writtenAs(report)}: ${dataDir}/${layer.path} ` +
      `(read ${report.stageSeconds.read.toFixed(1)} s, write ${report.stageSeconds.write.toFixed(1)} s); catalogue: ${dataDir}/catalog.json`,
  );
  return lines.join('\n');
}

import { InputError } from '../errors.js';
import { RejectedFeaturesError, TILE_DEFAULTS, type TileReport, tileBuildings } from '../tile.js';
import { intOption, parseOrUsage } from './main.js';

const USAGE = `Usage: bdtwin tile <input.geojson...> --out <dir> [options]

Extrudes building footprints (GeoJSON Polygon/MultiPolygon, lon/lat degrees) and writes
OGC 3D Tiles 1.1: <dir>/tileset.json, <dir>/tiles/**.glb and <dir>/report.json.

Options:
  --out <dir>             output folder (replaced atomically on success)      [required]
  --max-features <n>      most buildings per tile                            [${TILE_DEFAULTS.partition.maxFeatures}]
  --max-vertices <n>      most vertices per tile                             [${TILE_DEFAULTS.partition.maxVertices}]
  --max-rejected <n>      bad features tolerated (listed in report.json)     [${TILE_DEFAULTS.maxRejected}]
  --storey-height <m>     metres per storey when only storeys are known      [${TILE_DEFAULTS.normalise.height.storeyHeightM}]
  --quiet                 no progress line
Height: "height" (m), else storeys ("storeys", "building:levels", "so_tang") × storey
height, else a default by land use ("use").`;

export async function tileCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        'max-features': { type: 'string' },
        'max-vertices': { type: 'string' },
        'max-rejected': { type: 'string' },
        'storey-height': { type: 'string' },
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
  if (positionals.length === 0 || typeof values.out !== 'string') {
    console.error(
      `bdtwin tile: ${positionals.length === 0 ? 'no input files given' : '--out <dir> is required'}\n\n${USAGE}`,
    );
    return 1;
  }
  const maxFeatures = intOption(
    values['max-features'] as string | undefined,
    'max-features',
    TILE_DEFAULTS.partition.maxFeatures,
  );
  const maxVertices = intOption(
    values['max-vertices'] as string | undefined,
    'max-vertices',
    TILE_DEFAULTS.partition.maxVertices,
  );
  const maxRejected = intOption(
    values['max-rejected'] as string | undefined,
    'max-rejected',
    TILE_DEFAULTS.maxRejected,
  );
  const storeyHeight = Number(values['storey-height'] ?? TILE_DEFAULTS.normalise.height.storeyHeightM);
  for (const v of [maxFeatures, maxVertices, maxRejected]) {
    if (typeof v === 'string') {
      console.error(`bdtwin tile: ${v}`);
      return 1;
    }
  }
  if (!(storeyHeight > 0 && storeyHeight < 20)) {
    console.error(
      `bdtwin tile: --storey-height must be metres between 0 and 20, got "${values['storey-height']}"`,
    );
    return 1;
  }
  if ((maxFeatures as number) < 1 || (maxFeatures as number) > 65_535) {
    console.error('bdtwin tile: --max-features must be between 1 and 65535');
    return 1;
  }

  const quiet = values.quiet === true;
  const progress = quiet ? undefined : progressPrinter();
  try {
    const report = await tileBuildings(positionals, {
      ...TILE_DEFAULTS,
      out: values.out,
      maxRejected: maxRejected as number,
      partition: {
        ...TILE_DEFAULTS.partition,
        maxFeatures: maxFeatures as number,
        maxVertices: maxVertices as number,
      },
      normalise: {
        ...TILE_DEFAULTS.normalise,
        height: { ...TILE_DEFAULTS.normalise.height, storeyHeightM: storeyHeight },
      },
      ...(progress ? { onProgress: progress } : {}),
    });
    if (progress) process.stderr.write('\n');
    console.log(summary(report, values.out));
    return 0;
  } catch (error) {
    if (progress) process.stderr.write('\n');
    if (error instanceof InputError || error instanceof RejectedFeaturesError) {
      console.error(`bdtwin tile: ${error.message}`);
      return 1;
    }
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
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    const eta =
      stage === 'mesh' && done > 0 && done < total
        ? `, ETA ${((s / done) * (total - done)).toFixed(0)} s`
        : '';
    const line = `${stage === 'read' ? 'reading' : 'tiling'}: ${done.toLocaleString('en')}/${total.toLocaleString('en')} buildings (${pct}%) ${s.toFixed(1)} s${eta}`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

export function summary(report: TileReport, out: string): string {
  const lines = [
    `features read:     ${report.featuresRead.toLocaleString('en')}`,
    `buildings written: ${report.buildingsWritten.toLocaleString('en')} in ${report.tiles} tiles, ${(report.bytesWritten / 1e6).toFixed(1)} MB`,
    `heights from:      height ${report.heightSources.height}, storeys ${report.heightSources.storeys}, default ${report.heightSources.default}`,
    `rejected:          ${report.rejected.length}`,
  ];
  const reasons = new Map<string, number>();
  for (const r of report.rejected) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  for (const [reason, n] of [...reasons].slice(0, 10)) lines.push(`  ${n} × ${reason}`);
  lines.push(`wrote ${out}/tileset.json in ${report.seconds.toFixed(1)} s (report: ${out}/report.json)`);
  return lines.join('\n');
}

import { InputError } from '../errors.js';
import { buildPlan, type PlanOptions } from '../planning/plan.js';
import { RejectedFeaturesError } from '../tile.js';
import { intOption, parseOrUsage } from './main.js';

const USAGE = `Usage: bdtwin plan <manifest.plan.json> --out <dir> [options]

Builds planning scenarios from a manifest (docs/planning.md): per scenario
<dir>/<id>/envelopes/ (3D Tiles: parcels inset by their setback, extruded to their height
limit, with limits, metrics and violation flags as metadata), <dir>/<id>/buildings/ (the
proposals, as bdtwin tile writes them), parcels.geojson, metrics.json + metrics.csv and, when
asked, sun-hours.json; and <dir>/scenarios.json, which \`bdtwin serve\` lists at /api/scenarios
when <dir> is <data>/scenarios.

Options:
  --out <dir>              output folder (replaced atomically on success)      [required]
  --sun-hours <YYYY-MM-DD> compute hours of direct sun on this local date      [manifest's sunHours.date]
  --sun-area <area>        west,south,east,north in degrees, or parcel ids
                           separated by commas                                 [manifest's sunHours.area]
  --no-sun-hours           skip sun hours even if the manifest asks for them
  --compression <c>        meshopt or none                                     [meshopt]
  --threads <n>            worker threads for the proposals' tiles            [cores; 0 below 20k buildings]
  --quiet                  no progress lines`;

export async function planCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        'sun-hours': { type: 'string' },
        'sun-area': { type: 'string' },
        'no-sun-hours': { type: 'boolean' },
        compression: { type: 'string' },
        threads: { type: 'string' },
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
    console.error(`bdtwin plan: ${message}`);
    return 1;
  };
  if (positionals.length !== 1) return fail(`give exactly one manifest\n\n${USAGE}`);
  if (typeof values.out !== 'string') return fail(`--out <dir> is required\n\n${USAGE}`);
  const compression = (values.compression as string | undefined) ?? 'meshopt';
  if (compression !== 'meshopt' && compression !== 'none')
    return fail(`--compression must be "meshopt" or "none", got "${compression}"`);
  const threads = intOption(values.threads as string | undefined, 'threads', -1);
  if (typeof threads === 'string') return fail(threads);
  const date = values['sun-hours'] as string | undefined;
  if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date))
    return fail(`--sun-hours must be a date YYYY-MM-DD, got "${date}"`);
  let area: NonNullable<Exclude<PlanOptions['sunHours'], false>>['area'];
  const areaText = values['sun-area'] as string | undefined;
  if (areaText !== undefined) {
    const parts = areaText.split(',').map((s) => s.trim());
    const numbers = parts.map(Number);
    if (parts.length === 4 && numbers.every(Number.isFinite)) {
      const [w, s, e, n] = numbers as [number, number, number, number];
      if (!(w < e && s < n)) return fail('--sun-area: west < east and south < north');
      area = { bbox: [w, s, e, n] };
    } else area = { parcels: parts.filter(Boolean) };
  }
  const sunHours: PlanOptions['sunHours'] =
    values['no-sun-hours'] === true ? false : { ...(date ? { date } : {}), ...(area ? { area } : {}) };
  const quiet = values.quiet === true;
  try {
    const report = await buildPlan(positionals[0]!, {
      out: values.out,
      sunHours,
      tile: { glb: { compression }, ...(threads >= 0 ? { threads } : {}) },
      ...(quiet ? {} : { onProgress: (line: string) => console.error(line) }),
    });
    for (const n of report.notes) console.log(`note: ${n}`);
    for (const s of report.scenarios) {
      console.log(
        `${s.id}: ${s.parcels} parcels, ${s.buildings} buildings, ${s.violatingParcels} parcels with violations, ` +
          `${s.envelopeTiles} envelope tile(s), ${s.buildingTiles} building tile(s)` +
          (s.sunHoursCells ? `, sun hours on ${s.sunHoursCells} cells` : '') +
          ` (${s.seconds.toFixed(1)} s)`,
      );
    }
    console.log(`wrote ${values.out}/scenarios.json in ${report.seconds.toFixed(1)} s`);
    return 0;
  } catch (error) {
    if (error instanceof InputError || error instanceof RejectedFeaturesError) return fail(error.message);
    console.error(`bdtwin plan: unexpected error: ${(error as Error).stack ?? error}`);
    return 2;
  }
}

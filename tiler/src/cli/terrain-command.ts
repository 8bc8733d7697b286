import { InputError } from '../errors.js';
import { TERRAIN_DEFAULTS, type TerrainOptions, type TerrainReport, tileTerrain } from '../terrain/build.js';
import { VERTICAL_DATUMS, type VerticalDatum } from '../terrain/datum.js';
import { intOption, parseOrUsage } from './main.js';

const D = TERRAIN_DEFAULTS;
const USAGE = `Usage: bdtwin terrain <dem...> --out <dir> [options]

Tiles digital elevation models into Cesium quantized-mesh-1.0 terrain: <dir>/layer.json and
<dir>/<z>/<x>/<y>.terrain (gzipped; serve them with Content-Encoding: gzip, as bdtwin serve does).
Inputs: GeoTIFF (.tif: Int16/Float32…, nodata, striped, tiled or Cloud-Optimized) and SRTM .hgt
tiles (named like N10E106.hgt). Several DEMs are merged: at each point the first with data wins.

Options:
  --out <dir>              output folder (replaced atomically on success)          [required]
  --max-error <m>          mesh error at the finest level, metres; each coarser level
                           allows twice as much                                   [${D.maxErrorM}]
  --vertical-datum <d>     egm96: DEM heights are above the geoid (SRTM, most DEMs) and are
                           converted to WGS 84 ellipsoid heights; ellipsoid: they already are [${D.verticalDatum}]
  --crs <crs>              CRS of the DEMs when the files do not say: EPSG:4326, EPSG:32648,
                           EPSG:3405, vn2000:105.75, a proj4 string…                [from the file]
  --max-zoom <z>           finest level                     [first level with grid ≤ DEM pixel]
  --no-normals             leave out per-vertex normals (octvertexnormals)
  --water <file>           water areas (rivers, lakes: Polygon/MultiPolygon; GeoJSON,
                           Shapefile, GeoPackage…; repeatable) → the watermask extension,
                           so CesiumJS draws water there                            [none]
  --water-crs <crs>        CRS of the water files when they do not say            [from the file]
  --quiet                  no progress line
Holes (nodata inside the DEM) are filled from their rims; nodata at the edges stays empty and
shows sea level. See docs/terrain.md.`;

export async function terrainCommand(argv: string[]): Promise<number> {
  const parsed = parseOrUsage(
    {
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        'max-error': { type: 'string' },
        'vertical-datum': { type: 'string' },
        crs: { type: 'string' },
        'max-zoom': { type: 'string' },
        'no-normals': { type: 'boolean' },
        water: { type: 'string', multiple: true },
        'water-crs': { type: 'string' },
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
    console.error(`bdtwin terrain: ${message}`);
    return 1;
  };
  if (positionals.length === 0) return fail(`no DEM files given\n\n${USAGE}`);
  if (typeof values.out !== 'string') return fail(`--out <dir> is required\n\n${USAGE}`);
  const maxErrorM = Number(values['max-error'] ?? D.maxErrorM);
  if (!(maxErrorM > 0 && maxErrorM <= 1000)) {
    return fail(`--max-error must be metres above 0 (e.g. 0.5), got "${values['max-error']}"`);
  }
  const datum = (values['vertical-datum'] ?? D.verticalDatum) as VerticalDatum;
  if (!VERTICAL_DATUMS.includes(datum)) {
    return fail(`--vertical-datum must be ${VERTICAL_DATUMS.join(' or ')}, got "${datum}"`);
  }
  const maxZoom = intOption(values['max-zoom'] as string | undefined, 'max-zoom', -1);
  if (typeof maxZoom === 'string') return fail(maxZoom);
  if (maxZoom > 22) return fail('--max-zoom must be at most 22');

  const progress = values.quiet === true ? undefined : progressPrinter();
  const options: TerrainOptions = {
    ...D,
    out: values.out,
    maxErrorM,
    verticalDatum: datum,
    normals: values['no-normals'] !== true,
    ...(maxZoom >= 0 ? { maxZoom } : {}),
    ...(typeof values.crs === 'string' ? { crs: values.crs } : {}),
    ...(Array.isArray(values.water) && values.water.length ? { water: values.water as string[] } : {}),
    ...(typeof values['water-crs'] === 'string' ? { waterCrs: values['water-crs'] } : {}),
    ...(progress ? { onProgress: progress } : {}),
  };
  try {
    const report = await tileTerrain(positionals, options);
    if (progress) process.stderr.write(process.stderr.isTTY ? '\n' : '');
    console.log(terrainSummary(report, values.out));
    return 0;
  } catch (error) {
    if (progress && process.stderr.isTTY) process.stderr.write('\n');
    if (error instanceof InputError) return fail(error.message);
    console.error(`bdtwin terrain: unexpected error: ${(error as Error).stack ?? error}`);
    return 2;
  }
}

function progressPrinter() {
  const started = performance.now();
  let last = 0;
  return ({ z, maxZoom, done, total }: { z: number; maxZoom: number; done: number; total: number }) => {
    const now = performance.now();
    if (now - last < 250 && done < total) return;
    last = now;
    const s = (now - started) / 1000;
    const line = `terrain: level ${z}/${maxZoom}, ${done.toLocaleString('en')}/${total.toLocaleString('en')} tiles (${Math.floor((done / total) * 100)}%) ${s.toFixed(1)} s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
  };
}

export function terrainSummary(report: TerrainReport, out: string): string {
  const lines: string[] = [];
  for (const s of report.sources) {
    lines.push(
      `input:    ${s.file} (${s.format}, ${s.width}×${s.height}, ${s.crs} from ${s.crsFrom}, heights ${s.verticalDatum === 'egm96' ? 'above EGM96 → ellipsoid' : 'ellipsoidal'})`,
    );
    for (const note of s.notes) lines.push(`  note: ${note}`);
  }
  for (const w of report.water?.sources ?? []) {
    lines.push(
      `water:    ${w.file} (${w.crs}): ${w.polygons.toLocaleString('en')} polygons${w.skipped ? `, ${w.skipped} other features skipped` : ''}`,
    );
  }
  if (report.water) {
    lines.push(
      `          watermask: ${report.water.mixedTiles.toLocaleString('en')} tiles with a coastline, ${report.water.wetTiles.toLocaleString('en')} all water`,
    );
  }
  const c = report.coverage;
  const last = report.levels.at(-1);
  lines.push(
    `coverage: ${c.westDeg.toFixed(4)}…${c.eastDeg.toFixed(4)} E, ${c.southDeg.toFixed(4)}…${c.northDeg.toFixed(4)} N`,
    `levels:   0–${report.maxZoom}; level ${report.maxZoom}: ${last?.tiles ?? 0} tiles, mesh error ≤ ${last?.maxErrorM ?? 0} m`,
    `wrote ${report.tiles.toLocaleString('en')} tiles, ${(report.bytes / 1e6).toFixed(1)} MB gzipped, in ${report.seconds.toFixed(1)} s: ${out}/layer.json`,
  );
  return lines.join('\n');
}

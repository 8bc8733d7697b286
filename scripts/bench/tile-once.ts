/**
 * Child process of the tiler benchmark: tiles one input and prints one JSON line with the
 * report and this process's peak RSS, so every case starts from a fresh heap.
 * Usage: tsx scripts/bench/tile-once.ts [--spill-mb=<n>] <out> <input...>
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { TILE_DEFAULTS, tileBuildings } from '../../tiler/src/tile.js';

const { values, positionals } = parseArgs({
  options: { 'spill-mb': { type: 'string' } },
  allowPositionals: true,
});
const [out, ...inputs] = positionals;
if (!out || inputs.length === 0) throw new Error('usage: tile-once.ts [--spill-mb=<n>] <out> <input...>');
const spill = values['spill-mb'] === undefined ? {} : { spillMB: Number(values['spill-mb']) };
const options = { ...TILE_DEFAULTS, out, maxRejected: 1_000_000, ...spill };
await rm(out, { recursive: true, force: true });
const report = await tileBuildings(inputs, options);
// maxRSS is in kilobytes; taken before the rerun, which reads nothing.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
// An unchanged rerun (incremental re-tiling): inputs and options as before.
const rerun = await tileBuildings(inputs, options);
process.stdout.write(
  `${JSON.stringify({ report, peakRssMb, rerunSeconds: rerun.seconds, rerunUpToDate: rerun.upToDate })}\n`,
);

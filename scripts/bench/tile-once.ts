/**
 * Child process of the tiler benchmark: tiles one input and prints one JSON line with the
 * report and this process's peak RSS, so every case starts from a fresh heap.
 * Usage: tsx scripts/bench/tile-once.ts <out> <input...>
 */
import { rm } from 'node:fs/promises';
import { TILE_DEFAULTS, tileBuildings } from '../../tiler/src/tile.js';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) throw new Error('usage: tile-once.ts <out> <input...>');
const options = { ...TILE_DEFAULTS, out, maxRejected: 1_000_000 };
await rm(out, { recursive: true, force: true });
const report = await tileBuildings(inputs, options);
// maxRSS is in kilobytes; taken before the rerun, which reads nothing.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
// An unchanged rerun (incremental re-tiling): inputs and options as before.
const rerun = await tileBuildings(inputs, options);
process.stdout.write(
  `${JSON.stringify({ report, peakRssMb, rerunSeconds: rerun.seconds, rerunUpToDate: rerun.upToDate })}\n`,
);

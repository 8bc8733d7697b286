/**
 * Child process of the tiler benchmark: tiles one input and prints one JSON line with the
 * report and this process's peak RSS, so every case starts from a fresh heap.
 * Usage: tsx scripts/bench/tile-once.ts <out> <input...>
 */
import { TILE_DEFAULTS, tileBuildings } from '../../tiler/src/tile.js';

const [out, ...inputs] = process.argv.slice(2);
if (!out || inputs.length === 0) throw new Error('usage: tile-once.ts <out> <input...>');
const report = await tileBuildings(inputs, { ...TILE_DEFAULTS, out, maxRejected: 1_000_000 });
// maxRSS is in kilobytes.
process.stdout.write(`${JSON.stringify({ report, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);

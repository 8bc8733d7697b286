import { parseArgs } from 'node:util';
import { addCommand } from './add-command.js';
import { planCommand } from './plan-command.js';
import { serveCommand } from './serve-command.js';
import { gtfsCommand, simulateCommand } from './simulate-command.js';
import { terrainCommand } from './terrain-command.js';
import { tileCommand } from './tile-command.js';
import { tokensCommand, usersCommand } from './users-command.js';

/** `bdtwin <command> …`: a thin layer over the library functions; returns the exit code. */

export const USAGE = `bdtwin — Bình Dương digital twin tools

Usage:
  bdtwin tile <input.geojson...> --out <dir> [options]   footprints → 3D Tiles 1.1
  bdtwin terrain <dem...> --out <dir> [options]           DEMs → quantized-mesh terrain
  bdtwin add <file> --sector <s> [--data <dir>] [options]   a layer into the catalogue (/api/catalog)
  bdtwin plan <manifest.plan.json> --out <dir> [options]  planning scenarios: envelopes, metrics, sun hours
  bdtwin serve [--port 8080] [--data <dir>] [--web <dir>]  serve viewer, tiles, /api/layers and the feed hub
  bdtwin simulate [--url http://localhost:8080] [--mqtt mqtt://localhost:1883]   simulated sensors, traffic, buses
  bdtwin gtfs --out <dir>                                  GTFS static feed of the Kaze buses
  bdtwin users add <name> --role <role> | remove | list    local users of the service (docs/security.md)
  bdtwin tokens add <source> [--topics …] | remove | list  ingest tokens for devices (HTTP and MQTT)

Run \`bdtwin <command> --help\` for a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'tile':
      return tileCommand(rest);
    case 'terrain':
      return terrainCommand(rest);
    case 'add':
      return addCommand(rest);
    case 'plan':
      return planCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'simulate':
      return simulateCommand(rest);
    case 'gtfs':
      return gtfsCommand(rest);
    case 'users':
      return usersCommand(rest);
    case 'tokens':
      return tokensCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      console.error(`bdtwin: unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

/** parseArgs with errors turned into a usage message instead of a stack trace. */
export function parseOrUsage<T extends Parameters<typeof parseArgs>[0]>(config: T, usage: string) {
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`bdtwin: ${(error as Error).message}\n\n${usage}`);
    return undefined;
  }
}

/** Reads a non-negative integer option, or reports it. */
export function intOption(value: string | undefined, name: string, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) return `--${name} must be a whole number ≥ 0, got "${value}"`;
  return n;
}

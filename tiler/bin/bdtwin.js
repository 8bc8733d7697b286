#!/usr/bin/env node
// Thin launcher: the CLI is compiled from tiler/src/cli (npm install runs `tsc -b tiler`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));

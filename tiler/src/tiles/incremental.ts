import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { splitArchivePath } from '../sources/zip/open.js';

/**
 * Incremental re-tiling. Beside its tiles a tileset keeps `build-state.json`: a stamp of each
 * input (size, modification time, SHA-256), a hash of the options, and each tile's content
 * hash. A rerun whose inputs and options are unchanged stops before reading anything; a rerun
 * after an edit re-reads and re-plans, but only tiles whose content hash changed are meshed
 * and written — the others are hard-linked from the previous output.
 */

/** Bump when the tiler writes different bytes for the same input (forces a full rebuild). */
export const TILE_FORMAT_VERSION = 4;
export const STATE_FILE = 'build-state.json';

export interface InputStamp {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

export interface TileState {
  hash: string;
  /** Simplification deviation measured when it was written (parents), metres. */
  deviationM: number;
  bytes: number;
}

export interface BuildState {
  formatVersion: number;
  optionsHash: string;
  inputs: InputStamp[];
  tiles: Record<string, TileState>;
}

export async function readState(outDir: string): Promise<BuildState | undefined> {
  try {
    const state = JSON.parse(await readFile(path.join(outDir, STATE_FILE), 'utf8')) as BuildState;
    return state.formatVersion === TILE_FORMAT_VERSION ? state : undefined;
  } catch {
    return undefined;
  }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The files a source reads: a Shapefile is its .shp with its .dbf, .shx, .prj and .cpg, any of
 * which can change the result; a dataset inside an archive (`a.zip!roads.shp`) is the archive.
 */
async function companions(file: string): Promise<string[]> {
  const inside = splitArchivePath(file);
  if (inside && !(await stat(file).catch(() => undefined))) return [inside.archive];
  if (!/\.shp$/i.test(file)) return [file];
  const base = file.slice(0, -4);
  const out = [file];
  for (const ext of ['.dbf', '.shx', '.prj', '.cpg', '.DBF', '.SHX', '.PRJ', '.CPG']) {
    if (
      await stat(base + ext).then(
        () => true,
        () => false,
      )
    )
      out.push(base + ext);
  }
  return out;
}

export async function stampInputs(files: readonly string[]): Promise<InputStamp[]> {
  const stamps: InputStamp[] = [];
  for (const f of files) {
    for (const file of await companions(path.resolve(f))) {
      const s = await stat(file);
      stamps.push({ path: file, size: s.size, mtimeMs: s.mtimeMs, sha256: await sha256(file) });
    }
  }
  return stamps;
}

/**
 * Whether the inputs are the ones the state was built from: same files, and each either
 * untouched (size and modification time) or, if touched, still the same bytes (SHA-256).
 */
export async function inputsUnchanged(state: BuildState, files: readonly string[]): Promise<boolean> {
  const paths: string[] = [];
  for (const f of files) paths.push(...(await companions(path.resolve(f))));
  if (paths.length !== state.inputs.length) return false;
  for (const [i, p] of paths.entries()) {
    const before = state.inputs[i]!;
    if (before.path !== p) return false;
    const s = await stat(p).catch(() => undefined);
    if (!s || s.size !== before.size) return false;
    if (s.mtimeMs !== before.mtimeMs && (await sha256(p)) !== before.sha256) return false;
  }
  return true;
}

/** Stable JSON (sorted keys) hashed: the same options give the same hash. */
export function hashJson(value: unknown): string {
  const stable = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, stable((v as Record<string, unknown>)[k])]),
        )
      : Array.isArray(v)
        ? v.map(stable)
        : v;
  return createHash('sha256')
    .update(JSON.stringify(stable(value)))
    .digest('hex');
}

/** A tile's content hash: its buildings' hashes in order, plus everything else its glb depends on. */
export function tileHash(memberHashes: Uint32Array, params: unknown): string {
  return createHash('sha256')
    .update(new Uint8Array(memberHashes.buffer, memberHashes.byteOffset, memberHashes.byteLength))
    .update(JSON.stringify(params))
    .digest('hex')
    .slice(0, 32);
}

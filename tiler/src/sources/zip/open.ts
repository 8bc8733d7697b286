import { rmSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InputError } from '../../errors.js';
import { type FeatureSource, fsProblem, type OpenOptions, type SourceFeature } from '../source.js';
import { entryBaseName, entryExtension, entryFolder, pickDataset } from './dataset.js';
import { readZipDirectory } from './directory.js';
import { type InflateBudget, inflateEntry } from './inflate.js';
import { formatBytes, unzipLimits } from './limits.js';

/**
 * A dataset read straight from a ZIP archive, as city GIS departments hand them over (a
 * Shapefile set, often in a sub-folder; sometimes a GeoPackage, FlatGeobuf or GeoJSON):
 *
 *   vet the central directory (directory.ts) → pick the one dataset (dataset.ts) → unpack its
 *   entries, streaming and within limits (inflate.ts), into a private temporary folder → open
 *   it with the ordinary reader → on close (or any failure) remove the folder.
 *
 * The source is named `archive.zip!folder/roads.shp` in its info and in every message, never by
 * the temporary path; the same syntax chooses a dataset when the archive holds several.
 */

/** `archive.zip!inside/path`: a dataset inside an archive (split at the first `.zip!`). */
const SELECTOR = /^(.*?\.zip)!(.*)$/is;

/** The archive and the path inside it, for an input written `archive.zip!inside/path`. */
export function splitArchivePath(input: string): { archive: string; entry: string } | undefined {
  const m = SELECTOR.exec(input);
  return m ? { archive: m[1]!, entry: m[2]! } : undefined;
}

/**
 * Folders unpacked and not yet removed. Removed by `close`; should the process end first (a
 * caller forgot `close`, Ctrl-C or `kill` during a long run), by the exit and signal handlers
 * below, which are installed only while a folder exists. SIGKILL cannot be caught: its folder
 * stays behind in the temporary folder.
 */
const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function removeLive(): void {
  for (const d of live) rmSync(d, { recursive: true, force: true });
  live.clear();
}
function onExit(): void {
  removeLive();
}
function onSignal(signal: NodeJS.Signals): void {
  removeLive();
  unhook();
  // Without other listeners the default action (ending the process) was replaced by ours:
  // restore it. Another listener (e.g. a server shutting down gracefully) decides for itself.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
function hook(): void {
  if (process.listeners('exit').includes(onExit)) return;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}
function unhook(): void {
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function track(dir: string): void {
  live.add(dir);
  hook();
}
function untrack(dir: string): void {
  live.delete(dir);
  if (live.size === 0) unhook();
}

/** Temporary folders currently holding unpacked archives (empty once every source is closed). */
export function unpackedFolders(): string[] {
  return [...live];
}

/** A name of our own for the unpacked files: the entry's, stripped of anything a file system minds. */
function safeStem(entryName: string): string {
  const base = entryBaseName(entryName);
  const stem = base.slice(0, base.length - entryExtension(entryName).length);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const safe = stem.replace(/[\u0000-\u001f<>:"|?*\\/]/g, '_').replace(/^\.+/, '');
  return safe && Buffer.byteLength(safe) <= 200 ? safe : 'dataset';
}

/**
 * Opens the dataset `selector` names inside `archive` (or its only one) with `openInner`, the
 * plain-file opener (which must refuse a ZIP: archives inside archives are not opened); `notes`
 * (about the archive itself) come first in the source's notes.
 */
export async function openArchive(
  archive: string,
  selector: string | undefined,
  options: OpenOptions,
  openInner: (file: string, options: OpenOptions) => Promise<FeatureSource>,
  notes: readonly string[] = [],
): Promise<FeatureSource> {
  const limits = unzipLimits(options.unzip);
  const entries = await readZipDirectory(archive, limits);
  const dataset = pickDataset(archive, entries, selector);
  const { main, members } = dataset;
  const declared = members.reduce((sum, m) => sum + m.size, 0);
  if (declared > limits.maxBytes) {
    throw new InputError(
      archive,
      `entry ${JSON.stringify(main.name)}${members.length > 1 ? ' with its companion files' : ''} declares ${formatBytes(declared)} unpacked, more than the limit of ${formatBytes(limits.maxBytes)} (--max-unzipped): refused before unpacking`,
    );
  }

  const parent = options.unzip?.tempDir ?? tmpdir();
  let dir: string;
  try {
    dir = await mkdtemp(path.join(parent, 'bdtwin-unzip-'));
  } catch (error) {
    throw new InputError(
      archive,
      `cannot be unpacked: the temporary folder ${parent} ${fsProblem(error).replace('cannot be read', 'cannot be written')} (set TMPDIR to a folder with room)`,
    );
  }
  track(dir);
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
    untrack(dir);
  };
  // Temporary paths → how the user knows them, longest first so a path never half-matches.
  const names: [string, string][] = [];
  const relabelText = (text: string) => {
    let out = text;
    for (const [from, to] of names) out = out.replaceAll(from, to);
    return out.replaceAll(dir + path.sep, `${archive}!${entryFolder(main.name)}`);
  };
  const relabel = (error: unknown): unknown => {
    if (error instanceof InputError) {
      return new InputError(
        relabelText(error.file),
        relabelText(error.reason),
        error.featureIndex === undefined ? undefined : { index: error.featureIndex, id: error.featureId },
      );
    }
    if (error instanceof Error) error.message = relabelText(error.message);
    return error;
  };

  try {
    const stem = safeStem(main.name);
    const budget: InflateBudget = { bytes: 0 };
    const zip = await open(archive, 'r').catch((error) => {
      throw new InputError(archive, fsProblem(error));
    });
    try {
      for (const member of members) {
        const dest = path.join(dir, stem + entryExtension(member.name));
        await inflateEntry(zip, archive, member, dest, limits, budget);
        names.push([dest, `${archive}!${member.name}`]);
      }
    } finally {
      await zip.close();
    }
    names.sort((a, b) => b[0].length - a[0].length);
    const mainPath = path.join(dir, stem + entryExtension(main.name));
    let inner: FeatureSource;
    try {
      inner = await openInner(mainPath, options);
    } catch (error) {
      throw relabel(error);
    }
    const companions = members.slice(1).map((m) => entryExtension(m.name));
    const info = {
      ...inner.info,
      file: `${archive}!${main.name}`,
      notes: [
        ...notes,
        `read from inside the ZIP archive: ${main.name}${companions.length ? ` with its ${companions.join(', ')}` : ''}, ${formatBytes(budget.bytes)} unpacked to a temporary folder`,
        ...inner.info.notes.map(relabelText),
      ],
    };
    return {
      info,
      features: () => relabelled(inner.features(), relabel),
      close: async () => {
        try {
          await inner.close();
        } finally {
          await cleanup();
        }
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function* relabelled(
  features: AsyncIterable<SourceFeature>,
  relabel: (error: unknown) => unknown,
): AsyncGenerator<SourceFeature> {
  try {
    yield* features;
  } catch (error) {
    throw relabel(error);
  }
}

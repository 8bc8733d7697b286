import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TilesetArchive } from '../archive/read.js';
import type { ArchiveOptions } from '../archive/write.js';
import { STATE_FILE } from './incremental.js';

/**
 * `bdtwin tile --archive`: the tileset folder `<out>` also published as one 3D Tiles archive,
 * `<out>.3tz`. The folder stays the working copy — incremental re-tiling hard-links unchanged
 * tiles from it and a killed run resumes from its staging journal — and the archive is made
 * from the finished folder, file by file.
 */

/** `build/demo/buildings` → `build/demo/buildings.3tz` (a trailing slash is ignored). */
export function archivePathOf(out: string): string {
  return `${out.replace(/[\\/]+$/, '')}.3tz`;
}

/** The tiler's own files stay out of the archive: it holds the tileset, nothing else. */
export const ARCHIVE_OPTIONS: ArchiveOptions = {
  skip: (relative) => relative === 'report.json' || relative === STATE_FILE,
};

/**
 * Whether the archive at `file` holds this folder's tileset (false when missing, unreadable or
 * from another run). Every run writes a new `tilesetVersion` into tileset.json, so equal
 * tileset.json bytes mean the archive was made from this very output.
 */
export async function archiveIsCurrent(file: string, folder: string): Promise<boolean> {
  const archive = await TilesetArchive.open(file).catch(() => undefined);
  if (!archive) return false;
  try {
    const inArchive = await archive.read('tileset.json');
    const inFolder = await readFile(path.join(folder, 'tileset.json'));
    return inArchive?.equals(inFolder) === true;
  } catch {
    return false;
  } finally {
    await archive.close();
  }
}

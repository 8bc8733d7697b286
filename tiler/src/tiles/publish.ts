import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Atomic publishing of an output folder: everything is written into a hidden sibling folder,
 * which replaces the target only when complete. A crash or error leaves the previous output
 * (or nothing) — never a half-written tileset. Siblings share a filesystem, so rename is cheap.
 */
export class StagedFolder {
  readonly target: string;
  readonly staging: string;

  private constructor(target: string, staging: string) {
    this.target = target;
    this.staging = staging;
  }

  static async create(target: string): Promise<StagedFolder> {
    const abs = path.resolve(target);
    const staging = path.join(
      path.dirname(abs),
      `.${path.basename(abs)}.tmp-${randomBytes(4).toString('hex')}`,
    );
    await mkdir(staging, { recursive: true });
    return new StagedFolder(abs, staging);
  }

  /** Absolute path of a file inside the staging folder. */
  file(relative: string): string {
    return path.join(this.staging, relative);
  }

  /** Swaps the staged folder into place. The old output is removed only after the swap. */
  async commit(): Promise<void> {
    const old = `${this.staging}.old`;
    const exists = await stat(this.target).then(
      () => true,
      () => false,
    );
    if (exists) await rename(this.target, old);
    try {
      await rename(this.staging, this.target);
    } catch (error) {
      if (exists) await rename(old, this.target);
      throw error;
    }
    if (exists) await rm(old, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/**
 * Hard-links `relative` from the previous output into the staging folder (falls back to a
 * copy across filesystems). False when the previous output has no such file.
 */
export async function linkPrevious(
  previousDir: string,
  relative: string,
  stagedPath: string,
): Promise<boolean> {
  const from = path.join(previousDir, relative);
  await mkdir(path.dirname(stagedPath), { recursive: true });
  try {
    await link(from, stagedPath);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'EXDEV' || code === 'EPERM') {
      await copyFile(from, stagedPath);
      return true;
    }
    throw error;
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

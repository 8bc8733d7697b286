import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
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

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

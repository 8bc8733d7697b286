import { randomBytes } from 'node:crypto';
import {
  appendFile,
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';

/**
 * Atomic publishing of an output folder: everything is written into a hidden sibling folder,
 * which replaces the target only when complete. A crash or error leaves the previous output
 * (or nothing) — never a half-written tileset. Siblings share a filesystem, so rename is cheap.
 *
 * Crash safety (docs/reliability.md): the staging folder is named after the writing process
 * (`.<name>.tmp-<pid>-<random>`) and keeps a journal of the files completed in it. A run killed
 * part-way leaves that folder behind; the next run finds it (its process is gone), lets the
 * caller reuse the journalled files (resume), and removes it. A run killed between the two
 * renames of `commit` leaves the previous output as `<staging>.old`; the next run puts it back.
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
      `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    await mkdir(staging, { recursive: true }).catch((error: unknown) => {
      throw new OutputWriteError(abs, staging, error);
    });
    return new StagedFolder(abs, staging);
  }

  /**
   * Cleans up after killed runs of `target`: restores an output a killed commit moved aside,
   * and returns the staging folders of dead processes (newest first) so the caller can reuse
   * their journalled files before calling `removeLeftovers`. Folders of live processes (another
   * run at the same time) are left alone.
   */
  static async recover(target: string): Promise<Leftover[]> {
    const abs = path.resolve(target);
    const parent = path.dirname(abs);
    const prefix = `.${path.basename(abs)}.tmp-`;
    const names = await readdir(parent).catch(() => [] as string[]);
    const exists = async (p: string) =>
      stat(p).then(
        () => true,
        () => false,
      );
    const leftovers: Leftover[] = [];
    for (const name of names.filter((n) => n.startsWith(prefix))) {
      const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
      if (pid === process.pid) continue;
      const dir = path.join(parent, name);
      if (name.endsWith('.old')) {
        // The previous output, moved aside by a commit that never finished.
        if (!(await exists(abs))) await rename(dir, abs);
        else await rm(dir, { recursive: true, force: true });
        continue;
      }
      const mtimeMs = (await stat(dir).catch(() => undefined))?.mtimeMs ?? 0;
      leftovers.push({ dir, files: await readJournal(dir), mtimeMs });
    }
    return leftovers.sort((a, b) => b.mtimeMs - a.mtimeMs);
  }

  static async removeLeftovers(leftovers: readonly Leftover[]): Promise<void> {
    for (const l of leftovers) await rm(l.dir, { recursive: true, force: true });
  }

  /** Absolute path of a file inside the staging folder. */
  file(relative: string): string {
    return path.join(this.staging, relative);
  }

  /**
   * Writes a file into the staging folder; a failure (disk full, read-only…) becomes an
   * OutputWriteError naming the output and the file.
   */
  async write(relative: string, data: string | Uint8Array): Promise<void> {
    const file = this.file(relative);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, data);
    } catch (error) {
      throw new OutputWriteError(this.target, file, error);
    }
  }

  /**
   * Notes in the journal that `relative` is complete (written and closed), with what a later
   * run needs to decide whether it can reuse it. Written after the file, so a line is never
   * there for a half-written file.
   */
  async record(relative: string, meta: object): Promise<void> {
    try {
      await appendFile(this.file(JOURNAL), `${JSON.stringify({ file: relative, ...meta })}\n`);
    } catch (error) {
      throw new OutputWriteError(this.target, this.file(JOURNAL), error);
    }
  }

  /** Swaps the staged folder into place. The old output is removed only after the swap. */
  async commit(): Promise<void> {
    await rm(this.file(JOURNAL), { force: true });
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
      throw new OutputWriteError(this.target, this.staging, error);
    }
    if (exists) await rm(old, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true });
  }
}

/** The staging folder of a killed run and the files its journal says are complete. */
export interface Leftover {
  dir: string;
  files: Map<string, Record<string, unknown>>;
  mtimeMs: number;
}

/** Completed files are listed here, one JSON line each; never published. */
const JOURNAL = '.journal.jsonl';

async function readJournal(dir: string): Promise<Map<string, Record<string, unknown>>> {
  const files = new Map<string, Record<string, unknown>>();
  const text = await readFile(path.join(dir, JOURNAL), 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    // The last line of a killed run may be cut short: skip what does not parse.
    try {
      const entry = JSON.parse(line) as { file?: unknown };
      if (typeof entry.file === 'string') files.set(entry.file, entry as Record<string, unknown>);
    } catch {}
  }
  return files;
}

/** Whether process `pid` still runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writing the output failed (disk full, no permission…): names the output and the file, and
 * says the previous output is untouched, since nothing is published before the commit.
 */
export class OutputWriteError extends Error {
  readonly code: string | undefined;
  constructor(target: string, file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOSPC'
        ? 'the disk is full (ENOSPC)'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `no permission to write there (${code})`
          : ((cause as Error).message ?? String(cause));
    super(
      `cannot write ${file}: ${reason}; ` +
        `${target} was left as it was (the previous output, if any, is intact)`,
    );
    this.name = 'OutputWriteError';
    this.code = code;
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

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../errors.js';

/**
 * Small private files of the auth module (users, tokens, session secret): written atomically
 * (temp file + rename) with mode 0600, so a crash never leaves half a users file and other
 * local accounts cannot read the hashes.
 */

export async function writePrivateFile(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

/** The file's JSON, `undefined` when it does not exist; a clear error naming it otherwise. */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `is not valid JSON (${(error as Error).message})`);
  }
}

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writePrivateFile } from './files.js';

/**
 * The session-signing secret: `BDTWIN_SESSION_SECRET` (at least 32 characters) when set,
 * else a random 32-byte secret kept in `file` (created 0600 on first start, outside the repo's
 * tracked files). Never a constant in the code.
 */
export async function loadSessionSecret(
  file: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Buffer> {
  const fromEnv = env.BDTWIN_SESSION_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 32) throw new Error('BDTWIN_SESSION_SECRET must have at least 32 characters');
    return Buffer.from(fromEnv, 'utf8');
  }
  if (!file) return randomBytes(32);
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text.length >= 43) return Buffer.from(text, 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await writePrivateFile(file, `${secret.toString('base64url')}\n`);
  return secret;
}

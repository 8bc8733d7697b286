import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CATALOG_FILE, type CatalogFile } from '../api/catalog.js';
import { InputError } from '../errors.js';
import { parseCatalog } from './schema.js';

/**
 * `<dataDir>/catalog.json` on disk. Writes are atomic (a temporary sibling renamed over the file,
 * so the service never reads half a catalogue) and serialised by a lock file, so two `bdtwin add`
 * runs into one data folder do not lose each other's layer.
 */

export function catalogPath(dataDir: string): string {
  return path.join(dataDir, CATALOG_FILE);
}

/** The data folder's catalogue, or undefined when it has none. Throws InputError when it is bad. */
export async function readCatalog(dataDir: string): Promise<CatalogFile | undefined> {
  const file = catalogPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(file, `cannot be read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InputError(file, `is not valid JSON (${(error as Error).message})`);
  }
  return parseCatalog(json, file);
}

/** Validates and writes the catalogue atomically. */
export async function writeCatalog(dataDir: string, catalog: CatalogFile): Promise<void> {
  const file = catalogPath(dataDir);
  parseCatalog(catalog, file);
  const tmp = path.join(dataDir, `.${CATALOG_FILE}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, `${JSON.stringify(catalog, null, 2)}\n`);
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** A lock older than this is left over from a crashed run and is broken. */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Read–modify–write under the lock: `change` gets the current catalogue (an empty one when the
 * folder has none) and returns the new one.
 */
export async function updateCatalog(
  dataDir: string,
  change: (catalog: CatalogFile) => CatalogFile | Promise<CatalogFile>,
): Promise<CatalogFile> {
  const lock = path.join(dataDir, `.${CATALOG_FILE}.lock`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline) {
        throw new InputError(lock, 'is held by another bdtwin add; remove it if no other run is going');
      } else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    const current = (await readCatalog(dataDir)) ?? { version: 1, layers: [] };
    const next = await change(current);
    await writeCatalog(dataDir, next);
    return next;
  } finally {
    await rm(lock, { force: true });
  }
}

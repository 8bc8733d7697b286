import path from 'node:path';
import type { FeedStoreBackend } from './backend.js';
import {
  isPostgresUrl,
  PostgresFeedStore,
  type PostgresStoreOptions,
  redactPostgresUrl,
} from './postgres.js';
import { FeedStore, type SyncMode } from './store.js';

/**
 * Opens the feed store `db` names: a `postgres://` (or `postgresql://`) URL → PostgreSQL,
 * anything else → a SQLite file (created if missing).
 */
export async function openFeedStore(
  db: string,
  options: { sync?: SyncMode; log?: (line: string) => void; postgres?: PostgresStoreOptions } = {},
): Promise<FeedStoreBackend> {
  if (isPostgresUrl(db)) {
    return PostgresFeedStore.open(db, { ...options.postgres, ...(options.log ? { log: options.log } : {}) });
  }
  return new FeedStore(db, { sync: options.sync ?? 'full' });
}

/** `--feeds-db` as given: a URL stays as it is, a file is resolved against `root`. */
export function resolveFeedsDb(value: string | undefined, root: string, fallback: string): string {
  if (value !== undefined && isPostgresUrl(value)) return value;
  return path.resolve(value ?? path.join(root, fallback));
}

/** What to print about a store: the file, or the URL without its password. */
export function shownFeedsDb(db: string): string {
  return isPostgresUrl(db) ? redactPostgresUrl(db) : db;
}

export { isPostgresUrl };

import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { isRole, type SessionUser } from './roles.js';

/**
 * Server-side sessions, so that logging out, removing a user or changing their password or role
 * ends a session everywhere at once (docs/security.md). The cookie carries only a random id
 * (32 bytes, base64url); the table keys rows by the id's SHA-256, so a copy of the file (a
 * backup, another local account) gives no usable cookie. The id is 256 random bits: nothing to
 * brute-force, so a fast hash is enough, as for ingest tokens.
 *
 * A small SQLite file (`<authDir>/sessions.sqlite`, WAL, 0600) rather than memory, so sessions
 * survive a restart of the service and `bdtwin users …`, running in another process, can end a
 * user's sessions by deleting rows. Without a file (tests) the table lives in memory.
 *
 * A session ends at the first of: logout; its absolute lifetime (`ttlMs`, 8 h); `idleMs` without
 * a request (2 h by default); its user removed, or their password or role changed (the
 * `credential` fingerprint no longer matches, or `bdtwin users` deleted the rows).
 */

export const SESSION_TTL_MS = 8 * 3_600_000;
export const SESSION_IDLE_MS = 2 * 3_600_000;
/** `last_seen` is written at most once a minute per session: idle expiry is exact to ±1 min. */
export const TOUCH_INTERVAL_MS = 60_000;
/** A user's sessions beyond this are ended oldest first, so the table stays bounded. */
export const MAX_SESSIONS_PER_USER = 50;

/** A session cookie value: 32 random bytes in base64url (43 characters). */
const ID = /^[A-Za-z0-9_-]{43}$/;

export interface SessionRecord extends SessionUser {
  createdMs: number;
  lastSeenMs: number;
  /** The absolute end, epoch ms. */
  expiresMs: number;
  /** What the user's credentials were at login (credentialOf); '' for OIDC users. */
  credential: string;
}

interface Row {
  user_id: string;
  name: string;
  role: string;
  credential: string;
  created_ms: number;
  last_seen_ms: number;
  expires_ms: number;
}

export interface SessionStoreOptions {
  ttlMs?: number;
  idleMs?: number;
  /** How long a write waits for another process's lock (default 5 s; the service uses less). */
  busyTimeoutMs?: number;
}

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * A fingerprint of a local user's id, role and password hash: a session started before any of
 * them changed no longer matches, whoever changed the users file (the CLI, an editor).
 */
export function credentialOf(user: { id: string; role: string; hash: string }): string {
  return createHash('sha256').update(`${user.id}\n${user.role}\n${user.hash}`).digest('hex').slice(0, 32);
}

export class SessionStore {
  readonly ttlMs: number;
  readonly idleMs: number;
  private readonly db: Database.Database;
  private readonly q: {
    insert: Database.Statement;
    get: Database.Statement;
    touch: Database.Statement;
    end: Database.Statement;
    endUser: Database.Statement;
    trimUser: Database.Statement;
    purge: Database.Statement;
    count: Database.Statement;
  };

  private constructor(
    readonly file: string | undefined,
    options: SessionStoreOptions,
  ) {
    this.ttlMs = options.ttlMs ?? SESSION_TTL_MS;
    this.idleMs = options.idleMs ?? SESSION_IDLE_MS;
    if (file) mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.db = new Database(file ?? ':memory:', { timeout: options.busyTimeoutMs ?? 5_000 });
    if (file) {
      // SQLite gives the -wal and -shm files the database file's mode.
      chmodSync(file, 0o600);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id_hash TEXT PRIMARY KEY,
      user_id TEXT NOT NULL,
      name TEXT NOT NULL,
      role TEXT NOT NULL,
      credential TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id, created_ms);`);
    this.q = {
      insert: this.db.prepare(
        `INSERT INTO sessions (id_hash, user_id, name, role, credential, created_ms, last_seen_ms, expires_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      get: this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?'),
      touch: this.db.prepare('UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?'),
      end: this.db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
      endUser: this.db.prepare('DELETE FROM sessions WHERE user_id = ?'),
      trimUser: this.db.prepare(
        `DELETE FROM sessions WHERE user_id = ? AND id_hash NOT IN
         (SELECT id_hash FROM sessions WHERE user_id = ? ORDER BY created_ms DESC LIMIT ?)`,
      ),
      purge: this.db.prepare('DELETE FROM sessions WHERE expires_ms <= ? OR last_seen_ms <= ?'),
      count: this.db.prepare('SELECT count(*) AS n FROM sessions'),
    };
  }

  /** Opens (creating) the store; in memory without a file. A broken file is named in the error. */
  static open(file?: string, options: SessionStoreOptions = {}): SessionStore {
    try {
      return new SessionStore(file, options);
    } catch (error) {
      throw new Error(`sessions store ${file ?? '(memory)'}: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Starts a session for `user`; returns its id, the cookie value, which is shown only now.
   * Purges expired sessions and the user's oldest beyond MAX_SESSIONS_PER_USER on the way.
   */
  create(user: SessionUser, credential: string, nowMs: number): string {
    const id = randomBytes(32).toString('base64url');
    this.db.transaction(() => {
      this.purge(nowMs);
      this.q.insert.run(
        hashId(id),
        user.id,
        user.name,
        user.role,
        credential,
        nowMs,
        nowMs,
        nowMs + this.ttlMs,
      );
      this.q.trimUser.run(user.id, user.id, MAX_SESSIONS_PER_USER);
    })();
    return id;
  }

  /**
   * The live session with this id, its `lastSeenMs` moved to now (written at most once a
   * minute); undefined for anything else, never throws on a malformed value. An expired session
   * found here is deleted.
   */
  lookup(id: string | undefined, nowMs: number): SessionRecord | undefined {
    if (!id || !ID.test(id)) return undefined;
    const key = hashId(id);
    const row = this.q.get.get(key) as Row | undefined;
    if (!row) return undefined;
    if (nowMs >= row.expires_ms || nowMs >= row.last_seen_ms + this.idleMs || !isRole(row.role)) {
      unlessBusy(() => this.q.end.run(key));
      return undefined;
    }
    if (nowMs - row.last_seen_ms >= TOUCH_INTERVAL_MS) {
      unlessBusy(() => this.q.touch.run(nowMs, key));
      row.last_seen_ms = nowMs;
    }
    return {
      id: row.user_id,
      name: row.name,
      role: row.role,
      credential: row.credential,
      createdMs: row.created_ms,
      lastSeenMs: row.last_seen_ms,
      expiresMs: row.expires_ms,
    };
  }

  /** Ends one session (logout); false when there was none. */
  end(id: string | undefined): boolean {
    if (!id || !ID.test(id)) return false;
    return this.q.end.run(hashId(id)).changes > 0;
  }

  /** Ends every session of a user (`local:<id>` or `oidc:<sub>`); returns how many. */
  endUser(userId: string): number {
    return this.q.endUser.run(userId).changes;
  }

  /** Deletes sessions past their lifetime or idle timeout; returns how many. */
  purge(nowMs: number): number {
    return this.q.purge.run(nowMs, nowMs - this.idleMs).changes;
  }

  get size(): number {
    return (this.q.count.get() as { n: number }).n;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Runs a write that may wait: when another process holds the lock past the busy timeout
 * (SQLITE_BUSY), skips it; a later request does it (an expired row is refused meanwhile anyway).
 */
function unlessBusy(write: () => unknown): void {
  try {
    write();
  } catch (error) {
    if (!String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw error;
  }
}

/**
 * Ends every session of a local user in the sessions file, from another process than the service
 * (`bdtwin users remove`, a password or role change). Returns how many ended.
 */
export function endSessionsOf(file: string, userId: string): number {
  const store = SessionStore.open(file);
  try {
    return store.endUser(userId);
  } finally {
    store.close();
  }
}

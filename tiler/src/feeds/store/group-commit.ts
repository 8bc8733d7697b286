/**
 * Group commit: callers add items and get a promise that settles when the transaction holding
 * their item has committed. Items arriving in the same turn of the event loop (an MQTT socket
 * chunk, a burst of HTTP requests) share one transaction, so one fsync covers hundreds of
 * messages and 10,000 observations/s cost a few dozen commits/s.
 *
 * `commit` is synchronous (better-sqlite3): it either writes the whole batch or throws, and then
 * every promise of the batch rejects, so nothing is acknowledged that was not written.
 *
 * Outages (docs/reliability.md): when `commit` throws an error `retry.isTransient` accepts
 * (database locked or busy, disk full, I/O error), the batch is kept and retried with
 * exponential backoff; items that arrive meanwhile wait with it. An item still unwritten after
 * `giveUpAfterMs`, or arriving when `maxHeld` items already wait, is rejected with
 * StorageUnavailableError — its sender is not acknowledged and sends it again later.
 */
export interface RetryOptions {
  isTransient(error: unknown): boolean;
  /** First delay; doubles each failed attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long an item may wait for the store before its sender gets an error. */
  giveUpAfterMs: number;
  /** Most items held while the store is down (memory bound). */
  maxHeld: number;
  onFailure?(error: unknown, attempt: number, nextDelayMs: number, held: number): void;
  onRecovered?(downMs: number, committed: number): void;
}

/** The store could not take the item in time: the sender should retry (HTTP 503, no PUBACK). */
export class StorageUnavailableError extends Error {
  /** For the sender: the SQLite code only, no file path (that is for the log and the stats). */
  readonly publicMessage: string;
  constructor(reason: string) {
    super(`the feed store is unavailable (${reason}); nothing was stored, send again later`);
    this.name = 'StorageUnavailableError';
    const code = /\b(SQLITE_[A-Z_]+)\b/.exec(reason)?.[1];
    this.publicMessage = `the feed store is unavailable${code ? ` (${code})` : ''}; nothing was stored, send again later`;
  }
}

interface Pending<T, R> {
  item: T;
  addedMs: number;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<T, R> {
  private pending: Pending<T, R>[] = [];
  private scheduled = false;
  private commits = 0;
  private committedItems = 0;
  /** Set while the store is failing: when it started, attempts so far, the retry timer. */
  private outage:
    | { sinceMs: number; attempts: number; lastError: string; timer?: NodeJS.Timeout }
    | undefined;

  constructor(
    private readonly commit: (items: T[]) => R[],
    private readonly maxBatch = 5_000,
    private readonly retry?: RetryOptions,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.outage && this.retry && this.pending.length >= this.retry.maxHeld) {
        reject(
          new StorageUnavailableError(`${this.outage.lastError}; ${this.pending.length} items already wait`),
        );
        return;
      }
      this.pending.push({ item, addedMs: Date.now(), resolve, reject });
      // During an outage the retry timer commits everything pending (started again here if
      // it had stopped for want of anything to write).
      if (this.outage) {
        this.outage.timer ??= setTimeout(() => this.retryNow(), 0);
        return;
      }
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the I/O callbacks of this turn: everything that arrived with
        // this item joins its transaction, and nothing waits on a timer.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is pending now. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    let results: R[];
    try {
      results = this.commit(batch.map((p) => p.item));
    } catch (error) {
      if (!this.retry?.isTransient(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      this.failed(batch, error);
      return;
    }
    if (this.outage) {
      const downMs = Date.now() - this.outage.sinceMs;
      this.outage = undefined;
      this.retry?.onRecovered?.(downMs, batch.length);
    }
    this.commits++;
    this.committedItems += batch.length;
    batch.forEach((p, i) => {
      p.resolve(results[i]!);
    });
  }

  private failed(batch: Pending<T, R>[], error: unknown): void {
    const retry = this.retry!;
    const message = (error as Error).message ?? String(error);
    const now = Date.now();
    this.outage ??= { sinceMs: now, attempts: 0, lastError: message };
    this.outage.attempts++;
    this.outage.lastError = message;
    // Items that waited too long get an error; the rest wait for the next attempt.
    const keep: Pending<T, R>[] = [];
    for (const p of [...batch, ...this.pending]) {
      if (now - p.addedMs >= retry.giveUpAfterMs) p.reject(new StorageUnavailableError(message));
      else keep.push(p);
    }
    this.pending = keep;
    const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (this.outage.attempts - 1));
    retry.onFailure?.(error, this.outage.attempts, delay, keep.length);
    this.outage.timer = setTimeout(() => this.retryNow(), delay);
  }

  private retryNow(): void {
    if (this.outage) this.outage.timer = undefined;
    // With nothing to write there is nothing to try: the next item starts the timer again.
    if (this.pending.length > 0) this.flush();
  }

  /** The store's state for status reports: undefined when it is working. */
  get failing(): { sinceMs: number; attempts: number; lastError: string; held: number } | undefined {
    if (!this.outage) return undefined;
    const { sinceMs, attempts, lastError } = this.outage;
    return { sinceMs, attempts, lastError, held: this.pending.length };
  }

  /** Stops retrying (shutdown): whatever still waits is rejected. */
  stop(): void {
    if (this.outage?.timer) clearTimeout(this.outage.timer);
    for (const p of this.pending) p.reject(new StorageUnavailableError('the hub is shutting down'));
    this.pending = [];
  }

  get stats() {
    return { commits: this.commits, items: this.committedItems, pending: this.pending.length };
  }
}

/**
 * Group commit: callers add items and get a promise that settles when the transaction holding
 * their item has committed. Items arriving in the same turn of the event loop (an MQTT socket
 * chunk, a burst of HTTP requests) share one transaction, so one fsync covers hundreds of
 * messages and 10,000 observations/s cost a few dozen commits/s.
 *
 * `commit` either writes the whole batch or fails, and then every promise of the batch rejects,
 * so nothing is acknowledged that was not written. It may answer synchronously (SQLite:
 * better-sqlite3 writes the batch and returns, and the batch is settled in the same turn, no
 * promise in between) or with a promise (PostgreSQL: the batch is settled when COMMIT has
 * returned). Either way one commit at a time: items that arrive while a commit is under way
 * wait for it and form the next batch, so batches are written and acknowledged strictly in order.
 *
 * Outages (docs/reliability.md): when `commit` throws an error `retry.isTransient` accepts
 * (database locked or busy, disk full, I/O error), the batch is kept and retried with
 * exponential backoff; items that arrive meanwhile wait with it. An item still unwritten after
 * `giveUpAfterMs`, or arriving when `maxHeld` items already wait (during an outage or behind a
 * slow commit), is rejected with StorageUnavailableError — its sender is not acknowledged and
 * sends it again later.
 *
 * A commit whose connection went away while COMMIT was on its way (CommitOutcomeUnknownError)
 * may have been written or not. Retrying it blindly would store it twice; refusing it would tell
 * the sender "nothing was stored" when it may have been. So that batch is held, never given up,
 * until the store can say what became of it: written (its items are acknowledged, nothing is
 * written again) or not (it is written now, first in line).
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
  /** A short code for senders (`SQLITE_BUSY`, `ECONNREFUSED`…): never a path or a host. */
  codeOf?(error: unknown): string | undefined;
  onFailure?(error: unknown, attempt: number, nextDelayMs: number, held: number): void;
  onRecovered?(downMs: number, committed: number): void;
}

/**
 * The commit's outcome is not known: the connection was lost after COMMIT was sent, so the
 * server may have written the batch. `outcome` asks the store later: `{ result }` (what the
 * write returned) if it was written, undefined if it was not; it throws while the store still
 * cannot tell.
 */
export class CommitOutcomeUnknownError<T = unknown> extends Error {
  constructor(
    message: string,
    public outcome: () => Promise<{ result: T } | undefined>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CommitOutcomeUnknownError';
  }
}

/**
 * The hub stopped while the store could not yet say whether the item was written (its COMMIT's
 * reply was lost): the sender learns exactly that, not "nothing was stored".
 */
export class StorageOutcomeUnknownError extends Error {
  readonly publicMessage =
    'the hub stopped before the feed store could confirm this item; it may or may not have been stored';
  constructor() {
    super('the hub shut down before it could learn whether this item was stored');
    this.name = 'StorageOutcomeUnknownError';
  }
}

/** The store could not take the item in time: the sender should retry (HTTP 503, no PUBACK). */
export class StorageUnavailableError extends Error {
  /** For the sender: the error's code only, no file path or host (those are for the log and the stats). */
  readonly publicMessage: string;
  constructor(reason: string, code = /\b(SQLITE_[A-Z_]+)\b/.exec(reason)?.[1]) {
    super(`the feed store is unavailable (${reason}); nothing was stored, send again later`);
    this.name = 'StorageUnavailableError';
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
    | { sinceMs: number; attempts: number; lastError: string; lastCode?: string; timer?: NodeJS.Timeout }
    | undefined;
  /** The commit under way, when `commit` answered with a promise; settles when it has. */
  private inFlight: Promise<void> | undefined;
  /** Items in that commit (held too: not yet acknowledged). */
  private inFlightItems = 0;
  /** A batch whose commit may or may not have been written: held until the store can say. */
  private uncertain:
    | { batch: Pending<T, R>[]; outcome: () => Promise<{ result: R[] } | undefined> }
    | undefined;

  constructor(
    private readonly commit: (items: T[]) => R[] | PromiseLike<R[]>,
    private readonly maxBatch = 5_000,
    private readonly retry?: RetryOptions,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const held = this.held;
      if ((this.outage || this.inFlight) && this.retry && held >= this.retry.maxHeld) {
        const why = this.outage?.lastError ?? 'the store is slower than ingest';
        reject(new StorageUnavailableError(`${why}; ${held} items already wait`, this.outage?.lastCode));
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

  /**
   * Commits what is pending now (at most `maxBatch` items; the rest follow at once). With a
   * commit under way it does nothing: the pending items go when that one has settled.
   */
  flush(): void {
    this.scheduled = false;
    if (this.inFlight) return;
    if (this.uncertain) {
      this.settleUncertain(this.uncertain);
      return;
    }
    if (this.pending.length === 0) return;
    const batch = this.pending.length > this.maxBatch ? this.pending.splice(0, this.maxBatch) : this.pending;
    if (batch === this.pending) this.pending = [];
    let results: R[] | PromiseLike<R[]>;
    try {
      results = this.commit(batch.map((p) => p.item));
    } catch (error) {
      this.settleFailure(batch, error);
      return;
    }
    if (isThenable(results)) {
      this.inFlightItems = batch.length;
      this.inFlight = Promise.resolve(results).then(
        (r) => {
          this.inFlight = undefined;
          this.inFlightItems = 0;
          this.settle(batch, r);
        },
        (error: unknown) => {
          this.inFlight = undefined;
          this.inFlightItems = 0;
          this.settleFailure(batch, error);
        },
      );
      return;
    }
    this.settle(batch, results);
  }

  /** Asks the store what became of the uncertain batch; the answer decides, an error retries. */
  private settleUncertain(uncertain: NonNullable<typeof this.uncertain>): void {
    // Its items count as held through `uncertain` until the answer has come.
    this.inFlight = Promise.resolve()
      .then(uncertain.outcome)
      .then(
        (written) => {
          this.inFlight = undefined;
          this.uncertain = undefined;
          if (written) this.settle(uncertain.batch, written.result);
          else {
            // Not written: write it now, ahead of what came after it.
            this.pending = [...uncertain.batch, ...this.pending];
            this.flush();
          }
        },
        (error: unknown) => {
          this.inFlight = undefined;
          this.failed([], error);
        },
      );
  }

  /** Waits until nothing is pending or being committed (or the store is failing). */
  async drain(): Promise<void> {
    this.flush();
    while (this.inFlight) {
      await this.inFlight;
      if (!this.outage) this.flush();
    }
  }

  private settle(batch: Pending<T, R>[], results: R[]): void {
    if (this.outage) {
      const downMs = Date.now() - this.outage.sinceMs;
      if (this.outage.timer) clearTimeout(this.outage.timer);
      this.outage = undefined;
      this.retry?.onRecovered?.(downMs, batch.length);
    }
    this.commits++;
    this.committedItems += batch.length;
    batch.forEach((p, i) => {
      p.resolve(results[i]!);
    });
    // What arrived meanwhile (or did not fit in this batch) goes next.
    if (this.pending.length > 0) this.schedule();
  }

  private settleFailure(batch: Pending<T, R>[], error: unknown): void {
    if (this.retry && error instanceof CommitOutcomeUnknownError) {
      this.uncertain = { batch, outcome: error.outcome as () => Promise<{ result: R[] } | undefined> };
      this.failed([], error);
      return;
    }
    if (!this.retry?.isTransient(error)) {
      for (const p of batch) p.reject(error);
      if (this.pending.length > 0) this.schedule();
      return;
    }
    this.failed(batch, error);
  }

  private schedule(): void {
    if (this.scheduled || this.outage) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private failed(batch: Pending<T, R>[], error: unknown): void {
    const retry = this.retry!;
    const message = (error as Error).message ?? String(error);
    const now = Date.now();
    this.outage ??= { sinceMs: now, attempts: 0, lastError: message };
    this.outage.attempts++;
    this.outage.lastError = message;
    const code = retry.codeOf ? retry.codeOf(error) : undefined;
    if (code) this.outage.lastCode = code;
    else delete this.outage.lastCode;
    // Items that waited too long get an error; the rest wait for the next attempt. A batch of
    // unknown outcome is not among them: it may be stored, so it waits for the answer.
    const keep: Pending<T, R>[] = [];
    for (const p of [...batch, ...this.pending]) {
      if (now - p.addedMs >= retry.giveUpAfterMs)
        p.reject(new StorageUnavailableError(message, retry.codeOf ? code : undefined));
      else keep.push(p);
    }
    this.pending = keep;
    const delay = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (this.outage.attempts - 1));
    retry.onFailure?.(error, this.outage.attempts, delay, this.held);
    if (this.outage.timer) clearTimeout(this.outage.timer);
    this.outage.timer = setTimeout(() => this.retryNow(), delay);
  }

  private retryNow(): void {
    if (this.outage) this.outage.timer = undefined;
    // With nothing to write there is nothing to try: the next item starts the timer again.
    // With a commit under way, its outcome decides (it settles or schedules the next try).
    if (this.pending.length > 0 || this.uncertain) this.flush();
  }

  /** Items not yet acknowledged: pending, in the commit under way, or of unknown outcome. */
  private get held(): number {
    return this.pending.length + this.inFlightItems + (this.uncertain?.batch.length ?? 0);
  }

  /** The store's state for status reports: undefined when it is working. */
  get failing(): { sinceMs: number; attempts: number; lastError: string; held: number } | undefined {
    if (!this.outage) return undefined;
    const { sinceMs, attempts, lastError } = this.outage;
    return { sinceMs, attempts, lastError, held: this.held };
  }

  /** Stops retrying (shutdown): whatever still waits is rejected. */
  stop(): void {
    if (this.outage?.timer) clearTimeout(this.outage.timer);
    for (const p of this.pending) p.reject(new StorageUnavailableError('the hub is shutting down'));
    this.pending = [];
    // Not "nothing was stored": it may have been.
    for (const p of this.uncertain?.batch ?? []) p.reject(new StorageOutcomeUnknownError());
    this.uncertain = undefined;
  }

  get stats() {
    return {
      commits: this.commits,
      items: this.committedItems,
      pending: this.held,
    };
  }
}

function isThenable<R>(v: R | PromiseLike<R>): v is PromiseLike<R> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

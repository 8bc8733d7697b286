import { describe, expect, it } from 'vitest';
import {
  CommitOutcomeUnknownError,
  GroupCommit,
  type RetryOptions,
  StorageUnavailableError,
} from './group-commit.js';

/**
 * Group commit with an asynchronous store (PostgreSQL answers with a promise): one commit at a
 * time, batches in order, nothing acknowledged before its commit has resolved, outages retried
 * with backoff. The store here is a function the test controls (when each commit settles, and
 * how); the real stores are tested in store.test.ts, faults.test.ts and postgres-outage.test.ts.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A commit function whose calls the test settles by hand. */
function controlled() {
  const calls: { items: number[]; settled: boolean; resolve: () => void; reject: (e: unknown) => void }[] =
    [];
  let inFlight = 0;
  let maxInFlight = 0;
  const commit = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const call = {
        items,
        settled: false,
        resolve: () => {
          call.settled = true;
          inFlight--;
          resolve(items.map((n) => n * 10));
        },
        reject: (e: unknown) => {
          call.settled = true;
          inFlight--;
          reject(e);
        },
      };
      calls.push(call);
    });
  return { calls, commit, maxInFlight: () => maxInFlight };
}

const transient = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

function retryOptions(log: string[], extra: Partial<RetryOptions> = {}): RetryOptions {
  return {
    isTransient: (e) => (e as { code?: string }).code === 'ECONNREFUSED',
    codeOf: (e) => (e as { code?: string }).code,
    baseDelayMs: 10,
    maxDelayMs: 40,
    giveUpAfterMs: 10_000,
    maxHeld: 1000,
    onFailure: (_e, attempt, delay, held) => log.push(`fail ${attempt} ${delay} ${held}`),
    onRecovered: (_ms, n) => log.push(`back ${n}`),
    ...extra,
  };
}

describe('group commit with an asynchronous store', () => {
  it('keeps one commit in flight, batches in order, and resolves each item only after its commit', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit);
    const settled: number[] = [];
    const first = [1, 2, 3].map((n) => gc.add(n).then((r) => settled.push(r)));
    await sleep(5);
    expect(c.calls.map((k) => k.items)).toEqual([[1, 2, 3]]);
    // Arrive while the first commit is under way: they wait, and go together next.
    const second = [4, 5].map((n) => gc.add(n).then((r) => settled.push(r)));
    await sleep(5);
    expect(c.calls).toHaveLength(1);
    expect(settled).toEqual([]); // nothing acknowledged before the commit resolved
    c.calls[0]!.resolve();
    await Promise.all(first);
    expect(settled).toEqual([10, 20, 30]);
    await sleep(5);
    expect(c.calls.map((k) => k.items)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    c.calls[1]!.resolve();
    await Promise.all(second);
    expect(settled).toEqual([10, 20, 30, 40, 50]);
    expect(c.maxInFlight()).toBe(1);
    expect(gc.stats).toEqual({ commits: 2, items: 5, pending: 0 });
  });

  it('splits what piled up behind a slow commit into batches of at most maxBatch', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit, 3);
    const all = [gc.add(0)];
    await sleep(5);
    for (let n = 1; n <= 7; n++) all.push(gc.add(n));
    c.calls[0]!.resolve();
    for (let k = 1; k < 4; k++) {
      await sleep(5);
      c.calls[k]?.resolve();
    }
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
    expect(c.calls.map((k) => k.items)).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  it('retries a failed commit with backoff, the failed batch first, and acknowledges nothing meanwhile', async () => {
    const c = controlled();
    const log: string[] = [];
    const gc = new GroupCommit<number, number>(c.commit, 5_000, retryOptions(log));
    const done: number[] = [];
    const a = [1, 2].map((n) => gc.add(n).then((r) => done.push(r)));
    await sleep(5);
    c.calls[0]!.reject(transient);
    await sleep(2);
    expect(gc.failing).toMatchObject({ attempts: 1, held: 2 });
    const b = gc.add(3).then((r) => done.push(r));
    await sleep(20);
    // The retry holds the failed batch and what came after, in order.
    expect(c.calls[1]!.items).toEqual([1, 2, 3]);
    c.calls[1]!.reject(transient);
    await sleep(30);
    expect(c.calls[2]!.items).toEqual([1, 2, 3]);
    expect(done).toEqual([]);
    c.calls[2]!.resolve();
    await Promise.all([...a, b]);
    expect(done).toEqual([10, 20, 30]);
    expect(gc.failing).toBeUndefined();
    expect(log).toEqual(['fail 1 10 2', 'fail 2 20 3', 'back 3']);
  });

  it('gives an item up after giveUpAfterMs with the store’s code, and takes ingest up again', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit, 5_000, retryOptions([], { giveUpAfterMs: 30 }));
    let settled = false;
    const lost = gc.add(1).then(
      (r) => {
        settled = true;
        return r as unknown;
      },
      (e: unknown) => {
        settled = true;
        return e;
      },
    );
    // Every attempt fails until the item is older than giveUpAfterMs.
    for (let k = 0; k < 100 && !settled; k++) {
      await sleep(5);
      const last = c.calls.at(-1);
      if (last && !last.settled) last.reject(transient);
    }
    const error = await lost;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as StorageUnavailableError).publicMessage).toBe(
      'the feed store is unavailable (ECONNREFUSED); nothing was stored, send again later',
    );
    const later = gc.add(2);
    await sleep(60);
    c.calls.at(-1)!.resolve();
    expect(await later).toBe(20);
  });

  it('rejects a batch on an error that will not clear, and goes on with the next', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit, 5_000, retryOptions([]));
    const bad = gc.add(1);
    await sleep(5);
    const next = gc.add(2);
    c.calls[0]!.reject(Object.assign(new Error('syntax error'), { code: '42601' }));
    await expect(bad).rejects.toThrow('syntax error');
    await sleep(5);
    c.calls[1]!.resolve();
    expect(await next).toBe(20);
    expect(gc.failing).toBeUndefined();
  });

  it('holds a batch lost during COMMIT past giveUpAfterMs until the store says it was written, and writes it only once', async () => {
    const c = controlled();
    const log: string[] = [];
    const gc = new GroupCommit<number, number>(c.commit, 5_000, retryOptions(log, { giveUpAfterMs: 30 }));
    const outcomes: string[] = [];
    // The store cannot answer at first (still down), then finds the transaction committed.
    let reachable = false;
    const lost = new CommitOutcomeUnknownError<number[]>('connection lost during COMMIT', async () => {
      outcomes.push(reachable ? 'asked: committed' : 'asked: unreachable');
      if (!reachable) throw transient;
      return { result: [10, 20] };
    });
    const settled: unknown[] = [];
    const a = [1, 2].map((n) =>
      gc.add(n).then(
        (r) => settled.push(r),
        (e: unknown) => settled.push(e),
      ),
    );
    await sleep(5);
    c.calls[0]!.reject(lost);
    await sleep(5);
    // A later item is given up as usual; the uncertain ones are not, and count as held.
    const b = gc.add(3).catch((e: unknown) => e);
    await sleep(80);
    expect(settled).toEqual([]);
    expect(gc.failing).toMatchObject({ held: 2 });
    expect(await b).toBeInstanceOf(StorageUnavailableError);
    reachable = true;
    await Promise.all(a);
    expect(settled).toEqual([10, 20]);
    // Written once: no commit call repeated the batch.
    expect(c.calls.map((k) => k.items)).toEqual([[1, 2]]);
    expect(outcomes.at(-1)).toBe('asked: committed');
    expect(outcomes.filter((o) => o === 'asked: unreachable').length).toBeGreaterThan(0);
    expect(gc.failing).toBeUndefined();
    expect(log.at(-1)).toBe('back 2');
  });

  it('writes a batch lost during COMMIT again, first in line, when the store says it was not written', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit, 5_000, retryOptions([]));
    const a = [1, 2].map((n) => gc.add(n));
    await sleep(5);
    c.calls[0]!.reject(new CommitOutcomeUnknownError('connection lost during COMMIT', async () => undefined));
    const b = gc.add(3);
    await sleep(30);
    expect(c.calls.map((k) => k.items)).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
    c.calls[1]!.resolve();
    expect(await Promise.all([...a, b])).toEqual([10, 20, 30]);
  });

  it('drain() waits for the commit under way and what is pending behind it', async () => {
    const c = controlled();
    const gc = new GroupCommit<number, number>(c.commit);
    const a = gc.add(1);
    await sleep(5);
    const b = gc.add(2);
    let drained = false;
    const d = gc.drain().then(() => {
      drained = true;
    });
    await sleep(5);
    expect(drained).toBe(false);
    c.calls[0]!.resolve();
    await sleep(5);
    expect(drained).toBe(false);
    c.calls[1]!.resolve();
    await d;
    expect(await Promise.all([a, b])).toEqual([10, 20]);
  });
});

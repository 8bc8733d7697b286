import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { transferables } from '../buildings/store.js';
import { runTileTask, type TileTask, type TileTaskResult } from './tile-task.js';

/**
 * Runs tile tasks on worker threads, one per core: meshing, glb assembly and meshopt
 * encoding are CPU-bound and independent per tile. With `threads: 0` tasks run on the
 * calling thread (no start-up cost; right for small inputs and debugging).
 */
/**
 * The compiled worker (dist/…/tile-worker.js) runs as is. From TypeScript sources (tests, tsx
 * scripts) the worker registers tsx's loader first: loader flags are not passed to workers.
 */
function createWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./tile-worker.js', import.meta.url));
  const entry = new URL('./tile-worker.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true });
}

export class TilePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { id: number; makeTask: (inProcess: boolean) => TileTask }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: TileTaskResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failed: Error | undefined;

  constructor(threads: number) {
    for (let i = 0; i < threads; i++) {
      const worker = createWorker();
      worker.on('message', (m: { id: number; result?: TileTaskResult; error?: string }) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(`tile worker: ${m.error}`));
        else p?.resolve(m.result!);
        this.idle.push(worker);
        this.pump();
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.closing) this.fail(new Error(`tile worker exited with code ${code}`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  private closing = false;

  /** Threads to use by default: every core, but none for small jobs. */
  static defaultThreads(buildings: number): number {
    return buildings < 20_000 ? 0 : Math.min(availableParallelism(), 8);
  }

  /**
   * Runs the task `makeTask` returns; it is called only when a thread is free for it, with
   * `inProcess` true when the task runs on this thread (no need to pack its footprints).
   */
  run(makeTask: (inProcess: boolean) => TileTask): Promise<TileTaskResult> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.workers.length === 0) return runTileTask(makeTask(true));
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, makeTask });
      this.pump();
    });
  }

  private pump() {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop()!;
      const { id, makeTask } = this.queue.shift()!;
      const task = makeTask(false);
      worker.postMessage({ id, task }, Array.isArray(task.batch) ? [] : transferables(task.batch));
    }
  }

  private fail(error: Error) {
    this.failed = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

import type { WorkerRequest, WorkerResponse } from './vectorTileWorker';

/**
 * The page's one vector-tile worker (vectorTileWorker.ts), shared by every vector-tiled layer
 * and ended when the last one is removed. One worker: the machine's other core runs the main
 * thread, and the worker's tile cache serves all layers.
 */

/** A request without its id (the client numbers them); distributes over the union. */
type Job = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, 'id'> : never) : never;

interface Shared {
  worker: Worker;
  users: number;
  next: number;
  waiting: Map<number, { resolve(r: WorkerResponse): void; reject(e: Error): void }>;
}

let shared: Shared | undefined;

function start(): Shared {
  const worker = new Worker(new URL('./vectorTileWorker.ts', import.meta.url), {
    type: 'module',
    name: 'bdtwin-vector-tiles',
  });
  const s: Shared = { worker, users: 0, next: 1, waiting: new Map() };
  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const w = s.waiting.get(event.data.id);
    s.waiting.delete(event.data.id);
    w?.resolve(event.data);
  };
  worker.onerror = (event) => {
    const error = new Error(`vector-tile worker: ${event.message || 'failed to start'}`);
    for (const w of s.waiting.values()) w.reject(error);
    s.waiting.clear();
  };
  return s;
}

export interface PickedVectorFeature {
  properties: Record<string, string | number | boolean>;
  /** Rings, each flat [lon0, lat0, …] in degrees. */
  outline: number[][];
}

export interface VectorTileWorkerClient {
  /** Paints a tile: its RGBA pixels, or undefined when nothing of the layer falls in it. */
  paint(job: Extract<Job, { type: 'paint' }>): Promise<Uint8Array | undefined>;
  /** The feature at a point — its properties and rings in degrees — or null. */
  pick(job: Extract<Job, { type: 'pick' }>): Promise<PickedVectorFeature | null>;
  release(): void;
}

export function acquireVectorTileWorker(): VectorTileWorkerClient {
  shared ??= start();
  const s = shared;
  s.users++;
  let released = false;
  const call = (job: Job) =>
    new Promise<WorkerResponse>((resolve, reject) => {
      const id = s.next++;
      s.waiting.set(id, { resolve, reject });
      s.worker.postMessage({ ...job, id } as WorkerRequest);
    }).then((r) => {
      if ('error' in r) throw new Error(r.error);
      return r;
    });
  return {
    async paint(job) {
      const r = await call(job);
      return 'pixels' in r ? new Uint8Array(r.pixels) : undefined;
    },
    async pick(job) {
      const r = await call(job);
      return 'properties' in r && r.properties
        ? { properties: r.properties, outline: r.outline ?? [] }
        : null;
    },
    release() {
      if (released) return;
      released = true;
      if (--s.users > 0 || shared !== s) return;
      s.worker.terminate();
      for (const w of s.waiting.values()) w.reject(new Error('vector-tile worker ended'));
      shared = undefined;
    },
  };
}

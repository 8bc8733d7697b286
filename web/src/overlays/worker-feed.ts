import type { FeedEntity, FeedLayer } from '../api';
import { type ConnectionStatus, FeedClient, type FeedUpdate } from './feed-client';

/** What the overlays need from a feed, wherever its socket lives (this thread or a worker). */
export interface FeedSource {
  readonly status: ConnectionStatus;
  readonly reconnects: number;
  /** Hub messages received (in the worker: counted there). */
  readonly messages: number;
  readonly lastMessageAt: number;
  /** Latest state of every entity, as applied on this thread. */
  readonly entities: Map<string, FeedEntity>;
  onUpdate: ((update: FeedUpdate) => void) | undefined;
  onStatus: ((status: ConnectionStatus) => void) | undefined;
  start(): void;
  stop(): void;
  dropConnection(): void;
  /** The last update is applied: send the next (a worker holds them back until then). */
  ready(): void;
}

export type WorkerCommand =
  | { type: 'start'; url: string; layers: FeedLayer[] }
  | { type: 'pull' }
  | { type: 'drop' }
  | { type: 'stop' };

export type WorkerEvent =
  | { type: 'status'; status: ConnectionStatus; reconnects: number; lastMessageAt: number }
  | {
      type: 'batch';
      /** Newest state of each entity changed since the previous batch (or all, after a reset). */
      entities: FeedEntity[];
      reset: boolean;
      /** Hub messages folded into this batch, and the worker's time parsing them (ms). */
      messages: number;
      workerMs: number;
      lastMessageAt: number;
      reconnects: number;
    };

/**
 * The main-thread side of feed-worker.ts: pulls one conflated batch at a time, applies it, and
 * asks for the next only after that — so the main thread never queues more than one batch.
 */
export class WorkerFeed implements FeedSource {
  status: ConnectionStatus = 'connecting';
  reconnects = 0;
  messages = 0;
  lastMessageAt = 0;
  /** Time the worker spent parsing hub messages (ms, total). */
  workerMs = 0;
  readonly entities = new Map<string, FeedEntity>();
  onUpdate: ((update: FeedUpdate) => void) | undefined;
  onStatus: ((status: ConnectionStatus) => void) | undefined;
  private pullTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly url: string,
    private readonly layers: FeedLayer[],
  ) {
    worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.onMessage(ev);
  }

  start(): void {
    this.send({ type: 'start', url: this.url, layers: this.layers });
    this.send({ type: 'pull' });
  }

  stop(): void {
    clearTimeout(this.pullTimer);
    this.send({ type: 'stop' });
    this.worker.terminate();
  }

  dropConnection(): void {
    this.send({ type: 'drop' });
  }

  ready(): void {
    clearTimeout(this.pullTimer);
    // A timer, not at once: rendering and input go before the next batch.
    this.pullTimer = setTimeout(() => this.send({ type: 'pull' }), 0);
  }

  private send(cmd: WorkerCommand): void {
    this.worker.postMessage(cmd);
  }

  private onMessage(ev: MessageEvent<WorkerEvent>): void {
    // Timed from here: reading `data` deserialises the batch on this thread.
    const receivedAt = performance.now();
    const msg = ev.data;
    this.reconnects = msg.reconnects;
    this.lastMessageAt = msg.lastMessageAt;
    if (msg.type === 'status') {
      this.status = msg.status;
      this.onStatus?.(msg.status);
      return;
    }
    this.messages += msg.messages;
    this.workerMs += msg.workerMs;
    if (msg.reset) this.entities.clear();
    for (const e of msg.entities) this.entities.set(e.key, e);
    if (!this.onUpdate) {
      this.ready();
      return;
    }
    this.onUpdate({
      entities: msg.reset ? [...this.entities.values()] : msg.entities,
      reset: msg.reset,
      receivedAt,
    });
  }
}

/**
 * The feed for the viewer: in a worker where the browser allows one, else on this thread.
 */
export function createFeed(url: string, layers: FeedLayer[]): FeedSource {
  try {
    const worker = new Worker(new URL('./feed-worker.ts', import.meta.url), { type: 'module' });
    return new WorkerFeed(worker, url, layers);
  } catch {
    return new FeedClient({ url, layers });
  }
}

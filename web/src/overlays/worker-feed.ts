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
      /**
       * Part of the newest state of each entity changed since the previous batch (or of all,
       * after a reset): a batch goes as `parts` messages of at most BATCH_CHUNK entities.
       */
      entities: FeedEntity[];
      reset: boolean;
      /** 0-based; the batch is complete with part `parts - 1`. */
      part: number;
      parts: number;
      /** Hub messages folded into this batch, and the worker's time parsing them (ms): on part 0. */
      messages: number;
      workerMs: number;
      lastMessageAt: number;
      reconnects: number;
    };

/**
 * Most entities in one message. The main thread deserialises a message in one piece when it
 * reads it (~3 µs an entity, and several times that when SwiftShader and the worker share the
 * cores): a batch sent whole put all of that in one task. In parts, each is a short task of its
 * own, and the slices that apply them stay short too.
 */
export const BATCH_CHUNK = 250;

/** A batch as the messages that carry it (at least one, even when it holds nothing). */
export function batchMessages(
  batch: { entities: FeedEntity[]; reset: boolean },
  meta: { messages: number; workerMs: number; lastMessageAt: number; reconnects: number },
  chunk = BATCH_CHUNK,
): Extract<WorkerEvent, { type: 'batch' }>[] {
  const parts = Math.max(1, Math.ceil(batch.entities.length / chunk));
  return Array.from({ length: parts }, (_, part) => ({
    type: 'batch' as const,
    entities: batch.entities.slice(part * chunk, (part + 1) * chunk),
    reset: batch.reset,
    part,
    parts,
    messages: part === 0 ? meta.messages : 0,
    workerMs: part === 0 ? meta.workerMs : 0,
    lastMessageAt: meta.lastMessageAt,
    reconnects: meta.reconnects,
  }));
}

/**
 * The main-thread side of feed-worker.ts: pulls one conflated batch at a time, applies it, and
 * asks for the next only after that — so the main thread never queues more than one batch.
 * A batch arrives in parts (BATCH_CHUNK): each part of a live batch is handed on as it comes;
 * the parts of a reset (a snapshot) are gathered and handed on together, since a reset says
 * what is gone and must see everything.
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
  /** A pull is unanswered, or parts of its batch are still to come. */
  private outstanding = false;

  constructor(
    private readonly worker: Worker,
    private readonly url: string,
    private readonly layers: FeedLayer[],
  ) {
    worker.onmessage = (ev: MessageEvent<WorkerEvent>) => this.onMessage(ev);
  }

  start(): void {
    this.send({ type: 'start', url: this.url, layers: this.layers });
    this.outstanding = true;
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

  /**
   * Everything handed on so far is applied. With parts of the batch still to come, the next
   * batch waits: those parts come anyway, and the consumer says ready again after them.
   */
  ready(): void {
    if (this.outstanding) return;
    clearTimeout(this.pullTimer);
    // A timer, not at once: rendering and input go before the next batch.
    this.pullTimer = setTimeout(() => {
      this.outstanding = true;
      this.send({ type: 'pull' });
    }, 0);
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
    if (msg.reset && msg.part === 0) this.entities.clear();
    for (const e of msg.entities) this.entities.set(e.key, e);
    this.outstanding = msg.part < msg.parts - 1;
    if (!this.onUpdate) {
      this.ready();
      return;
    }
    if (msg.reset && this.outstanding) return;
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

import type {
  BBox,
  DeltaMessage,
  FeedEntity,
  FeedLayer,
  ServerMessage,
  SnapshotMessage,
  SubscribeMessage,
} from '../api';

/**
 * The viewer's end of the hub's WebSocket `/ws` (docs/feeds.md): subscribe, keep the latest
 * state of every entity in a map, and survive the hub going away — reconnect with backoff and
 * `resume` from the last `seq` seen, so a restart costs one small delta, not a reload.
 *
 * Status shown to the operator:
 * - `connecting`: first connection not yet up;
 * - `connected`: open, messages arriving;
 * - `stale`: open, but nothing arrived for `staleAfterMs` (the hub or its feeds may be stuck:
 *   what is drawn may be old);
 * - `reconnecting`: the socket dropped, retrying;
 * - `offline`: still no hub after `offlineAfterMs` of retrying (retries go on, slower).
 */

export type ConnectionStatus = 'connecting' | 'connected' | 'stale' | 'reconnecting' | 'offline';

export interface FeedUpdate {
  /** Entities that changed (new state each), or every entity after a snapshot. */
  entities: FeedEntity[];
  /** A snapshot replaced the whole map: entities not listed are gone. */
  reset: boolean;
  /** `performance.now()` when the message arrived, before parsing (for update timings). */
  receivedAt: number;
}

/** The part of the DOM WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface FeedClientOptions {
  /** ws:// or wss:// URL of the hub's `/ws`. */
  url: string;
  layers: FeedLayer[];
  bbox?: BBox;
  /** No message for this long on an open socket → `stale`. The simulator's buses report every 5 s. */
  staleAfterMs?: number;
  /** Retrying for this long → `offline`. */
  offlineAfterMs?: number;
  createSocket?: (url: string) => SocketLike;
  now?: () => number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export const FEED_CLIENT_DEFAULTS = { staleAfterMs: 120_000, offlineAfterMs: 20_000 };

/** `ws://host/ws` for the page's own origin (the viewer is served by the hub's service). */
export function sameOriginFeedUrl(location: { protocol: string; host: string }, base = '/'): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${base.replace(/\/?$/, '/')}ws`;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): 0.5 s doubling to 15 s, with jitter
 * (50–100 %) so that a wall of viewers does not hammer a hub that has just come back.
 */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(15_000, 500 * 2 ** Math.min(attempt, 10));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/**
 * Applies a snapshot or delta to the latest-state map and returns the entities that changed.
 * A state older than the one held (lower `seq`, e.g. a resume delta racing a live one) is
 * ignored; a snapshot replaces everything.
 */
export function applyFeedMessage(
  map: Map<string, FeedEntity>,
  msg: SnapshotMessage | DeltaMessage,
): FeedEntity[] {
  if (msg.type === 'snapshot') {
    map.clear();
    for (const e of msg.entities) map.set(e.key, e);
    return msg.entities;
  }
  const changed: FeedEntity[] = [];
  for (const e of msg.entities) {
    const prev = map.get(e.key);
    if (prev && prev.seq > e.seq) continue;
    map.set(e.key, e);
    changed.push(e);
  }
  return changed;
}

export class FeedClient {
  /** Latest state of every subscribed entity, by key. */
  readonly entities = new Map<string, FeedEntity>();
  hubId: string | undefined;
  /** The hub's `seq` in the last message: resume from here. */
  seq = 0;
  status: ConnectionStatus = 'connecting';
  /** Times (ms since epoch) of the last message, connect and disconnect. */
  lastMessageAt = 0;
  connectedAt = 0;
  /** How many times the socket was re-opened after a drop. */
  reconnects = 0;
  /** Messages received (all kinds). */
  messages = 0;
  /** Messages the hub rejected (`type: "error"`), newest last. */
  readonly errors: string[] = [];

  onUpdate: ((update: FeedUpdate) => void) | undefined;
  onStatus: ((status: ConnectionStatus) => void) | undefined;

  private readonly options: Required<Omit<FeedClientOptions, 'bbox'>> & { bbox: BBox | undefined };
  private socket: SocketLike | undefined;
  private attempt = 0;
  private disconnectedAt = 0;
  private retryTimer: unknown;
  private watchTimer: unknown;
  private stopped = true;
  private everConnected = false;

  constructor(options: FeedClientOptions) {
    this.options = {
      staleAfterMs: FEED_CLIENT_DEFAULTS.staleAfterMs,
      offlineAfterMs: FEED_CLIENT_DEFAULTS.offlineAfterMs,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      now: Date.now,
      random: Math.random,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      ...options,
      bbox: options.bbox,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    const tick = () => {
      this.checkStatus();
      this.watchTimer = this.options.setTimer(tick, 1_000);
    };
    this.watchTimer = this.options.setTimer(tick, 1_000);
  }

  stop(): void {
    this.stopped = true;
    this.options.clearTimer(this.retryTimer);
    this.options.clearTimer(this.watchTimer);
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      s.onclose = s.onerror = s.onmessage = s.onopen = null;
      s.close(1000, 'viewer closed');
    }
  }

  /** Changes layers/bbox; the hub answers with a fresh snapshot. */
  subscribe(layers: FeedLayer[], bbox?: BBox): void {
    this.options.layers = layers;
    this.options.bbox = bbox;
    if (this.socket?.readyState === 1) this.sendSubscribe(false);
  }

  /** Updates are pushed as they come on this thread: nothing to release. */
  ready(): void {}

  /** Drops the socket as if the network failed (tests, debugging). */
  dropConnection(): void {
    this.socket?.close(4000, 'dropped by the viewer');
  }

  // --- internals ---------------------------------------------------------------------------

  private connect(): void {
    if (this.stopped) return;
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      if (this.everConnected) this.reconnects++;
      this.everConnected = true;
      this.attempt = 0;
      this.disconnectedAt = 0;
      this.connectedAt = this.lastMessageAt = this.options.now();
      this.sendSubscribe(true);
      this.setStatus('connected');
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.onMessage(ev.data);
    };
    socket.onerror = () => {
      // A close event follows; reconnecting is handled there.
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.stopped) return;
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    if (this.disconnectedAt === 0) this.disconnectedAt = this.options.now();
    this.checkStatus();
    const delay = reconnectDelayMs(this.attempt++, this.options.random);
    this.options.clearTimer(this.retryTimer);
    this.retryTimer = this.options.setTimer(() => this.connect(), delay);
  }

  private sendSubscribe(resume: boolean): void {
    const msg: SubscribeMessage = { type: 'subscribe', layers: this.options.layers };
    if (this.options.bbox) msg.bbox = this.options.bbox;
    // Resume only when we hold that hub's state; otherwise a snapshot is what we need.
    if (resume && this.hubId !== undefined) msg.resume = { hubId: this.hubId, seq: this.seq };
    this.socket?.send(JSON.stringify(msg));
  }

  private onMessage(data: unknown): void {
    const receivedAt = performance.now();
    this.messages++;
    this.lastMessageAt = this.options.now();
    if (this.status === 'stale') this.setStatus('connected');
    let msg: ServerMessage;
    try {
      msg = JSON.parse(String(data)) as ServerMessage;
    } catch {
      this.errors.push('unparseable message');
      return;
    }
    if (msg.type === 'error') {
      this.errors.push(msg.field ? `${msg.field}: ${msg.error}` : msg.error);
      return;
    }
    if (msg.type !== 'snapshot' && msg.type !== 'delta') return;
    const reset = msg.type === 'snapshot';
    // A delta from another hub (a fresh store behind the same URL) cannot be merged.
    if (!reset && this.hubId !== undefined && msg.hubId !== this.hubId) {
      this.hubId = undefined;
      this.sendSubscribe(false);
      return;
    }
    this.hubId = msg.hubId;
    this.seq = Math.max(reset ? 0 : this.seq, msg.seq);
    const changed = applyFeedMessage(this.entities, msg);
    this.onUpdate?.({ entities: reset ? [...this.entities.values()] : changed, reset, receivedAt });
  }

  private checkStatus(): void {
    if (this.stopped) return;
    const now = this.options.now();
    const open = this.socket?.readyState === 1;
    let next: ConnectionStatus;
    if (open) {
      next = now - this.lastMessageAt > this.options.staleAfterMs ? 'stale' : 'connected';
    } else if (!this.everConnected && this.disconnectedAt === 0) {
      next = 'connecting';
    } else {
      next =
        this.disconnectedAt > 0 && now - this.disconnectedAt > this.options.offlineAfterMs
          ? 'offline'
          : 'reconnecting';
    }
    if (next === 'connecting' && this.status !== 'connecting') return;
    this.setStatus(next);
  }

  private setStatus(status: ConnectionStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.onStatus?.(status);
  }
}

import type { WebSocket } from 'ws';
import {
  type BBox,
  FEED_LAYERS,
  type FeedEntity,
  type FeedLayer,
  type SubscribeMessage,
} from '../../api/feeds.js';

/**
 * Pushes entity changes to viewers over WebSocket `/ws`.
 *
 * Conflation: each client has a map entity key → newest serialised state. A change overwrites
 * the entry, so a client that reads slowly gets the newest value per entity when it catches up,
 * never a growing queue: memory per client is bounded by the number of entities it watches.
 * A flush sends the map as one delta unless the socket still holds more than `highWaterBytes`
 * unsent (the client or its network is behind); then the map waits and keeps conflating.
 *
 * Each entity is serialised once per change, whatever the number of clients.
 */

export interface PushOptions {
  /** How often pending changes go out; bounds the added latency. */
  flushIntervalMs: number;
  /** Unsent bytes on a socket above which a client counts as slow. */
  highWaterBytes: number;
}

export const PUSH_DEFAULTS: PushOptions = { flushIntervalMs: 25, highWaterBytes: 256 * 1024 };

interface Client {
  socket: WebSocket;
  /** What this connection's caller may see (feeds/access.ts); checked with `layers` and `bbox`. */
  maySee: (e: FeedEntity) => boolean;
  layers: Set<FeedLayer>;
  bbox: BBox | undefined;
  subscribed: boolean;
  pending: Map<string, string>;
  /** Entries overwritten before they were sent (conflation at work). */
  conflated: number;
  sentMessages: number;
}

export interface PushSource {
  hubId: string;
  seq(): number;
  entities(): Iterable<FeedEntity>;
  changedSince(seq: number): FeedEntity[];
}

export class PushHub {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private readonly options: PushOptions;

  constructor(
    private readonly source: PushSource,
    options: Partial<PushOptions> = {},
  ) {
    this.options = { ...PUSH_DEFAULTS, ...options };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Per-client queue sizes and conflation counts (tests and /api/feeds/stats). */
  clientStats() {
    return [...this.clients].map((c) => ({
      pending: c.pending.size,
      conflated: c.conflated,
      sentMessages: c.sentMessages,
      bufferedBytes: c.socket.bufferedAmount,
    }));
  }

  /** Serves a viewer; `maySee` filters every snapshot, delta and resume (default: everything). */
  attach(socket: WebSocket, maySee: (e: FeedEntity) => boolean = () => true): void {
    const client: Client = {
      socket,
      maySee,
      layers: new Set(),
      bbox: undefined,
      subscribed: false,
      pending: new Map(),
      conflated: 0,
      sentMessages: 0,
    };
    this.clients.add(client);
    socket.on('message', (data) => this.onMessage(client, String(data)));
    socket.on('close', () => this.clients.delete(client));
    socket.on('error', () => this.clients.delete(client));
  }

  /** Queues changed entities for every client that watches them. */
  publish(changed: FeedEntity[]): void {
    if (changed.length === 0 || this.clients.size === 0) return;
    for (const e of changed) {
      let json: string | undefined;
      for (const c of this.clients) {
        if (!c.subscribed || !matches(c, e)) continue;
        json ??= JSON.stringify(e);
        if (c.pending.has(e.key)) c.conflated++;
        c.pending.set(e.key, json);
      }
    }
    this.schedule();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const c of this.clients) c.socket.close(1001, 'hub shutting down');
    this.clients.clear();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.options.flushIntervalMs);
  }

  private flush(): void {
    let waiting = false;
    for (const c of this.clients) {
      if (c.pending.size === 0) continue;
      if (c.socket.readyState !== 1) continue;
      if (c.socket.bufferedAmount > this.options.highWaterBytes) {
        waiting = true;
        continue;
      }
      const body = [...c.pending.values()].join(',');
      c.pending.clear();
      this.send(
        c,
        `{"type":"delta","hubId":${JSON.stringify(this.source.hubId)},"seq":${this.source.seq()},"entities":[${body}]}`,
      );
    }
    if (waiting) this.schedule();
  }

  private send(c: Client, text: string): void {
    c.sentMessages++;
    c.socket.send(text);
  }

  private onMessage(c: Client, text: string): void {
    let msg: SubscribeMessage;
    try {
      msg = parseSubscribe(JSON.parse(text));
    } catch (error) {
      const field = (error as { field?: string }).field;
      this.send(
        c,
        JSON.stringify({ type: 'error', error: (error as Error).message, ...(field ? { field } : {}) }),
      );
      return;
    }
    c.layers = new Set(msg.layers);
    c.bbox = msg.bbox;
    c.subscribed = true;
    c.pending.clear();
    const seq = this.source.seq();
    const hubId = this.source.hubId;
    if (msg.resume && msg.resume.hubId === hubId && msg.resume.seq <= seq) {
      const missed = this.source.changedSince(msg.resume.seq).filter((e) => matches(c, e));
      this.send(
        c,
        `{"type":"delta","hubId":${JSON.stringify(hubId)},"seq":${seq},"resumed":true,"entities":[${missed.map((e) => JSON.stringify(e)).join(',')}]}`,
      );
      return;
    }
    const entities: string[] = [];
    for (const e of this.source.entities()) if (matches(c, e)) entities.push(JSON.stringify(e));
    this.send(
      c,
      `{"type":"snapshot","hubId":${JSON.stringify(hubId)},"seq":${seq},"entities":[${entities.join(',')}]}`,
    );
  }
}

function matches(c: Client, e: FeedEntity): boolean {
  if (!c.layers.has(e.layer) || !c.maySee(e)) return false;
  const b = c.bbox;
  if (!b) return true;
  return e.lonDeg >= b[0] && e.latDeg >= b[1] && e.lonDeg <= b[2] && e.latDeg <= b[3];
}

class SubscribeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

export function parseSubscribe(json: unknown): SubscribeMessage {
  const m = json as Partial<SubscribeMessage> | null;
  if (!m || typeof m !== 'object' || m.type !== 'subscribe') {
    throw new SubscribeError('expected {"type":"subscribe","layers":[…]}', 'type');
  }
  if (!Array.isArray(m.layers) || m.layers.some((l) => !FEED_LAYERS.includes(l))) {
    throw new SubscribeError(`layers must be a list of ${FEED_LAYERS.join(', ')}`, 'layers');
  }
  const out: SubscribeMessage = { type: 'subscribe', layers: m.layers };
  if (m.bbox !== undefined) {
    const b = m.bbox;
    if (
      !Array.isArray(b) ||
      b.length !== 4 ||
      b.some((v) => typeof v !== 'number' || !Number.isFinite(v)) ||
      b[0] > b[2] ||
      b[1] > b[3]
    ) {
      throw new SubscribeError('bbox must be [west, south, east, north] in degrees', 'bbox');
    }
    out.bbox = b;
  }
  if (m.resume !== undefined) {
    const r = m.resume;
    if (!r || typeof r.hubId !== 'string' || !Number.isInteger(r.seq)) {
      throw new SubscribeError('resume must be {"hubId": string, "seq": integer}', 'resume');
    }
    out.resume = { hubId: r.hubId, seq: r.seq };
  }
  return out;
}

import type { FeedLayer, StateAtResponse } from '../api';

/**
 * Replay: the whole scene at a past moment, from the hub's `GET /api/state?at=` (computed by the
 * same rules from the store). Scrubbing fires many seeks; only the newest matters, so each seek
 * aborts the one before and an answer that arrives late is dropped (latest wins).
 */

export const REPLAY_WINDOW_MS = 24 * 3_600_000;
/** Slider resolution: one minute (the hub's roll-ups are per minute too). */
export const REPLAY_STEP_MS = 60_000;

/** A replay moment inside the last 24 h, on a whole minute. */
export function clampReplayTime(atMs: number, nowMs: number): number {
  const t = Math.min(nowMs, Math.max(nowMs - REPLAY_WINDOW_MS, atMs));
  return Math.floor(t / REPLAY_STEP_MS) * REPLAY_STEP_MS;
}

export function stateUrl(base: string, atMs: number, layers?: readonly FeedLayer[]): string {
  const q = new URLSearchParams({ at: new Date(atMs).toISOString() });
  if (layers?.length) q.set('layers', layers.join(','));
  return `${base.replace(/\/?$/, '/')}api/state?${q}`;
}

type FetchLike = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}>;

export class ReplayFetcher {
  private current: AbortController | undefined;
  private generation = 0;

  constructor(
    private readonly base: string,
    private readonly fetchImpl: FetchLike = (url, init) => fetch(url, init),
  ) {}

  /** The state at `atMs`, or undefined when a newer seek (or cancel) superseded this one. */
  async seek(atMs: number, layers?: readonly FeedLayer[]): Promise<StateAtResponse | undefined> {
    this.current?.abort();
    const controller = new AbortController();
    this.current = controller;
    const generation = ++this.generation;
    try {
      const res = await this.fetchImpl(stateUrl(this.base, atMs, layers), { signal: controller.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status} for /api/state`);
      const body = (await res.json()) as StateAtResponse;
      return generation === this.generation ? body : undefined;
    } catch (error) {
      if (controller.signal.aborted || generation !== this.generation) return undefined;
      throw error;
    }
  }

  cancel(): void {
    this.generation++;
    this.current?.abort();
    this.current = undefined;
  }
}

import type { ConnectionStatus } from '../../overlays/feed-client';

/**
 * What the wall's banner says about the data. An operator must never mistake an old picture
 * for a live one: a dropped socket, a hub that answers but sends nothing, or sensors that all
 * went quiet each turn the banner on.
 */
export type FeedHealth = 'live' | 'connecting' | 'stale' | 'disconnected' | 'replay';

export interface FeedHealthInput {
  connection: ConnectionStatus;
  mode: 'live' | 'replay';
  /** Wall-clock ms of the last message from the hub (0: none yet). */
  lastMessageAt: number;
  /** Newest observation time among all entities (ms), 0 when none. */
  newestDataMs: number;
  nowMs: number;
}

/** No hub message for this long: stale, even if the socket looks open (ms). */
export const MESSAGE_SILENCE_MS = 60_000;
/** Newest observation older than this: the feeds behind the hub have stopped (ms). */
export const DATA_SILENCE_MS = 10 * 60_000;

export function feedHealth(i: FeedHealthInput): FeedHealth {
  if (i.mode === 'replay') return 'replay';
  if (i.connection === 'reconnecting' || i.connection === 'offline') return 'disconnected';
  if (i.connection === 'connecting' && i.lastMessageAt === 0) return 'connecting';
  if (i.connection === 'stale') return 'stale';
  if (i.lastMessageAt > 0 && i.nowMs - i.lastMessageAt > MESSAGE_SILENCE_MS) return 'stale';
  if (i.newestDataMs > 0 && i.nowMs - i.newestDataMs > DATA_SILENCE_MS) return 'stale';
  return 'live';
}

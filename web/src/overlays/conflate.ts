import type { FeedEntity } from '../api';

/**
 * Newest state per entity until someone takes it: what the feed worker holds between the main
 * thread's pulls. A slow consumer gets fewer, fuller batches, never a queue (the hub conflates
 * per socket for the same reason).
 */
export class Conflator {
  private readonly pending = new Map<string, FeedEntity>();
  private reset = false;

  /** Adds changed entities; `reset` (a snapshot) replaces everything held. */
  add(entities: readonly FeedEntity[], reset: boolean): void {
    if (reset) {
      this.pending.clear();
      this.reset = true;
    }
    for (const e of entities) this.pending.set(e.key, e);
  }

  get size(): number {
    return this.pending.size;
  }

  /**
   * Up to `max` entities, oldest change first (a snapshot goes whole: it must be applied at
   * once to know what is gone); undefined when there is nothing.
   */
  take(max: number): { entities: FeedEntity[]; reset: boolean } | undefined {
    if (this.pending.size === 0 && !this.reset) return undefined;
    const reset = this.reset;
    this.reset = false;
    let entities: FeedEntity[];
    if (reset || this.pending.size <= max) {
      entities = [...this.pending.values()];
      this.pending.clear();
    } else {
      entities = [];
      for (const [key, e] of this.pending) {
        entities.push(e);
        this.pending.delete(key);
        if (entities.length >= max) break;
      }
    }
    return { entities, reset };
  }
}

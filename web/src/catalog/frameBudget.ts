/**
 * Hands out at most `perFrame` turns per rendered frame. A painted vector tile is given to
 * Cesium only on its turn, because Cesium uploads every tile it has received at the next frame
 * (inside the globe's 5 ms load slice), and under software rendering each 512-px upload holds
 * the main thread ~1 ms: tiles that arrive together would otherwise make the frame that uploads
 * them the slowest of the pan.
 *
 * `frames` is whatever announces a frame (Cesium's `scene.postRender`); a turn granted there
 * resolves after the frame, so its tile is uploaded in the next one. `wake` asks for a frame
 * while turns are waiting (request-render mode draws nothing otherwise).
 */
export interface FrameBudgetOptions {
  /** Turns per frame (tiles given to Cesium per frame). */
  perFrame: number;
  frames: { addEventListener(listener: () => void): () => void };
  wake: () => void;
}

export const FRAME_BUDGET_DEFAULTS = { perFrame: 2 } as const;

export class FrameBudget {
  private readonly waiting: (() => void)[] = [];
  private readonly remove: () => void;
  private grantedThisFrame = 0;

  constructor(private readonly options: FrameBudgetOptions) {
    this.remove = options.frames.addEventListener(() => this.frame());
  }

  /** Turns not yet granted. */
  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves on this caller's turn: at once while this frame has turns left. */
  turn(): Promise<void> {
    if (this.grantedThisFrame < this.options.perFrame && this.waiting.length === 0) {
      this.grantedThisFrame++;
      return Promise.resolve();
    }
    const p = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.options.wake();
    return p;
  }

  /** Grants every waiting turn (the layer is going away: nothing is drawn any more). */
  destroy(): void {
    this.remove();
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private frame(): void {
    this.grantedThisFrame = 0;
    while (this.grantedThisFrame < this.options.perFrame && this.waiting.length > 0) {
      this.grantedThisFrame++;
      this.waiting.shift()!();
    }
    if (this.waiting.length > 0) this.options.wake();
  }
}

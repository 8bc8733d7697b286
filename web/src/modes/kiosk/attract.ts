/**
 * The kiosk's two moods as a pure state machine, so the timing is tested with fake time:
 *
 * - `attract`: nobody is touching; the story plays stop after stop and loops.
 * - `visitor`: someone touched the screen; the tour stops and they drive. After `idleMs`
 *   without a touch the kiosk resets (camera, layers, language) to the story's first stop and
 *   plays again.
 *
 * The app feeds it `tick`s (a timer, a few per second) and `input`s (any touch, click, wheel or
 * key) and carries out the returned effects on the Cesium scene and the React UI.
 */

export type KioskMode = 'attract' | 'visitor';

export interface KioskState {
  mode: KioskMode;
  /** Index of the stop shown (attract) or last shown before the visitor took over. */
  stop: number;
  /** When the current stop began (ms, same clock as the events). */
  stopStartedMs: number;
  /** When a visitor last touched the screen (ms); the idle timer counts from here. */
  lastInputMs: number;
  /** Full passes through the story since the last reset (the tour looping). */
  laps: number;
  /** Idle resets since the kiosk started. */
  resets: number;
}

export interface KioskConfig {
  /** How long each stop stays, flight included (ms), in story order; at least one. */
  stopDurationsMs: readonly number[];
  /** Time without input after which the visitor mode resets to the story (ms). */
  idleMs: number;
}

export type KioskEvent = { type: 'tick'; nowMs: number } | { type: 'input'; nowMs: number };

export type KioskEffect =
  /** Show stop `stop`: animated when the tour moves on, instantly on a reset. */
  | { type: 'showStop'; stop: number; animate: boolean }
  /** A visitor took over: cancel the tour's flight, show the touch hint. */
  | { type: 'handOver' }
  /** Idle: put layers, language and selection back to the story's start. */
  | { type: 'reset' };

export interface Step {
  state: KioskState;
  effects: KioskEffect[];
}

/** The kiosk as it starts: attract mode at the first stop, shown instantly. */
export function startKiosk(nowMs: number): Step {
  return {
    state: { mode: 'attract', stop: 0, stopStartedMs: nowMs, lastInputMs: nowMs, laps: 0, resets: 0 },
    effects: [{ type: 'showStop', stop: 0, animate: false }],
  };
}

export function step(state: KioskState, event: KioskEvent, config: KioskConfig): Step {
  const n = config.stopDurationsMs.length;
  if (event.type === 'input') {
    if (state.mode === 'attract') {
      return {
        state: { ...state, mode: 'visitor', lastInputMs: event.nowMs },
        effects: [{ type: 'handOver' }],
      };
    }
    return { state: { ...state, lastInputMs: event.nowMs }, effects: [] };
  }
  // tick
  if (state.mode === 'visitor') {
    if (event.nowMs - state.lastInputMs < config.idleMs) return { state, effects: [] };
    return {
      state: {
        mode: 'attract',
        stop: 0,
        stopStartedMs: event.nowMs,
        lastInputMs: event.nowMs,
        laps: 0,
        resets: state.resets + 1,
      },
      effects: [{ type: 'reset' }, { type: 'showStop', stop: 0, animate: false }],
    };
  }
  const duration = config.stopDurationsMs[state.stop] ?? 0;
  if (event.nowMs - state.stopStartedMs < duration) return { state, effects: [] };
  // Move on one stop per tick, timed from now: a stalled page (a slow frame, a hidden tab)
  // resumes the tour where it was instead of racing through the missed stops.
  const next = (state.stop + 1) % n;
  return {
    state: { ...state, stop: next, stopStartedMs: event.nowMs, laps: state.laps + (next === 0 ? 1 : 0) },
    effects: [{ type: 'showStop', stop: next, animate: n > 1 }],
  };
}

/** Seconds of the flight to a stop: most of a short stop, at most 4 s of a long one. */
export function flightSeconds(stopDurationS: number): number {
  return Math.min(4, Math.max(0.5, stopDurationS * 0.4));
}

/**
 * The idle timeout (s): `?idle=` beats the story's `idleTimeoutS`, which beats 90 s. A bad
 * `?idle=` (not a number, under 3 s) is ignored with a console warning by the caller.
 */
export function idleSeconds(param: string | null, storyIdleS: number | undefined): number {
  if (param !== null) {
    const v = Number(param);
    if (Number.isFinite(v) && v >= 3 && v <= 86_400) return v;
  }
  return storyIdleS ?? 90;
}

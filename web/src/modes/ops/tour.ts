/**
 * The slow tour: after `idleS` seconds without input the wall flies from bookmark to bookmark,
 * lingering at each; any input (pointer, wheel, key, touch) stops it and restarts the idle clock.
 */

export interface TourSettings {
  /** Seconds without input before the tour starts; null = tour off. */
  idleS: number | null;
  /** Seconds a flight between bookmarks takes (slow, so a viewer can follow). */
  flightS: number;
  /** Seconds the camera stays at a bookmark. */
  dwellS: number;
}

export const TOUR_DEFAULTS: TourSettings = { idleS: 120, flightS: 12, dwellS: 20 };

/**
 * `?tour=off` (or 0) turns it off, `?tour=<seconds>` sets the idle time (1–86400); anything else
 * keeps the default and gives an error naming the parameter.
 */
export function tourSettings(search: string): { settings: TourSettings; error?: string } {
  const value = new URLSearchParams(search).get('tour');
  if (value === null) return { settings: TOUR_DEFAULTS };
  if (value === 'off' || value === '0') return { settings: { ...TOUR_DEFAULTS, idleS: null } };
  const s = Number(value);
  if (!Number.isFinite(s) || s < 1 || s > 86_400) {
    return {
      settings: TOUR_DEFAULTS,
      error: `URL parameter tour: expected "off" or seconds 1–86400, got ${JSON.stringify(value)}; using ${TOUR_DEFAULTS.idleS} s`,
    };
  }
  return { settings: { ...TOUR_DEFAULTS, idleS: s } };
}

export type TourPhase = 'off' | 'waiting' | 'flying' | 'dwelling';

export interface TourDeps {
  stops: number;
  /** Flies to stop `i`; resolves false when the flight was cancelled. */
  fly(i: number, durationS: number): Promise<boolean>;
  onPhase?(phase: TourPhase, stop: number): void;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** The tour's clock and steps; input is reported with `input()` (OpsApp listens on window). */
export class Tour {
  phase: TourPhase = 'off';
  /** The stop the tour is at or flying to (next one after an interruption continues from here). */
  stop = -1;
  private timer: unknown;
  private run = 0;
  private readonly set: (fn: () => void, ms: number) => unknown;
  private readonly clear: (handle: unknown) => void;

  constructor(
    private readonly settings: TourSettings,
    private readonly deps: TourDeps,
  ) {
    this.set = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clear = deps.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  start(): void {
    this.input();
  }

  /** Someone touched the wall: stop flying, wait for idleS again. */
  input(): void {
    this.run++;
    if (this.timer !== undefined) this.clear(this.timer);
    this.timer = undefined;
    if (this.settings.idleS === null || this.deps.stops === 0) {
      this.setPhase('off');
      return;
    }
    this.setPhase('waiting');
    const run = this.run;
    this.timer = this.set(() => this.next(run), this.settings.idleS * 1000);
  }

  stopAll(): void {
    this.run++;
    if (this.timer !== undefined) this.clear(this.timer);
    this.timer = undefined;
    this.setPhase('off');
  }

  private next(run: number): void {
    if (run !== this.run) return;
    this.timer = undefined;
    this.stop = (this.stop + 1) % this.deps.stops;
    this.setPhase('flying');
    void this.deps.fly(this.stop, this.settings.flightS).then((arrived) => {
      if (run !== this.run) return;
      if (!arrived) {
        // Cancelled by something other than input (a recovery, another flight): try again later.
        this.input();
        return;
      }
      this.setPhase('dwelling');
      this.timer = this.set(() => this.next(run), this.settings.dwellS * 1000);
    });
  }

  private setPhase(phase: TourPhase): void {
    this.phase = phase;
    this.deps.onPhase?.(phase, this.stop);
  }
}

import { describe, expect, it } from 'vitest';
import {
  flightSeconds,
  idleSeconds,
  type KioskConfig,
  type KioskEvent,
  type KioskState,
  startKiosk,
  step,
} from './attract';

const config: KioskConfig = { stopDurationsMs: [3000, 2000, 4000], idleMs: 90_000 };

/** Drive the machine with ticks every `everyMs` from `fromMs` to `toMs`; collect effects with their time. */
function run(state: KioskState, fromMs: number, toMs: number, everyMs = 250, inputsAt: number[] = []) {
  const log: { at: number; effect: string }[] = [];
  let s = state;
  for (let now = fromMs; now <= toMs; now += everyMs) {
    const events: KioskEvent[] = [
      ...inputsAt
        .filter((t) => t > now - everyMs && t <= now)
        .map((t) => ({ type: 'input', nowMs: t }) as const),
      { type: 'tick', nowMs: now },
    ];
    for (const e of events) {
      const r = step(s, e, config);
      s = r.state;
      for (const eff of r.effects)
        log.push({
          at: e.nowMs,
          effect: eff.type === 'showStop' ? `stop${eff.stop}${eff.animate ? '' : '!'}` : eff.type,
        });
    }
  }
  return { state: s, log };
}

describe('kiosk attract/idle state machine', () => {
  it('starts in attract mode at the first stop, shown instantly', () => {
    expect(startKiosk(0)).toEqual({
      state: { mode: 'attract', stop: 0, stopStartedMs: 0, lastInputMs: 0, laps: 0, resets: 0 },
      effects: [{ type: 'showStop', stop: 0, animate: false }],
    });
  });

  it('plays the stops for their durations and loops, counting laps', () => {
    const { state, log } = run(startKiosk(0).state, 0, 18_000);
    expect(log).toEqual([
      { at: 3000, effect: 'stop1' },
      { at: 5000, effect: 'stop2' },
      { at: 9000, effect: 'stop0' },
      { at: 12000, effect: 'stop1' },
      { at: 14000, effect: 'stop2' },
      { at: 18000, effect: 'stop0' },
    ]);
    expect(state.laps).toBe(2);
  });

  it('a touch hands over to the visitor; idle resets exactly idleMs after the last touch', () => {
    const inputs = [4000, 30_000, 60_000];
    const { state, log } = run(startKiosk(0).state, 0, 152_000, 250, inputs);
    expect(log.slice(0, 2)).toEqual([
      { at: 3000, effect: 'stop1' },
      { at: 4000, effect: 'handOver' },
    ]);
    // No tour while the visitor is here, even past the stop's duration; later touches only
    // push the idle time out.
    expect(log.filter((l) => l.at > 4000 && l.at < 150_000)).toEqual([]);
    expect(log.filter((l) => l.at >= 150_000)[0]).toEqual({ at: 150_000, effect: 'reset' });
    expect(log.filter((l) => l.at >= 150_000)[1]).toEqual({ at: 150_000, effect: 'stop0!' });
    expect(state).toMatchObject({ mode: 'attract', stop: 0, laps: 0, resets: 1 });
  });

  it('a single-stop story stays put without re-flying', () => {
    const one: KioskConfig = { stopDurationsMs: [1000], idleMs: 5000 };
    let s = startKiosk(0).state;
    const r = step(s, { type: 'tick', nowMs: 1000 }, one);
    s = r.state;
    expect(r.effects).toEqual([{ type: 'showStop', stop: 0, animate: false }]);
    expect(s.laps).toBe(1);
  });

  it('a stalled page resumes the tour one stop at a time', () => {
    const r = step(startKiosk(0).state, { type: 'tick', nowMs: 60_000 }, config);
    expect(r.effects).toEqual([{ type: 'showStop', stop: 1, animate: true }]);
    expect(r.state.stopStartedMs).toBe(60_000);
  });

  it('idle time: ?idle= beats the story, which beats 90 s; nonsense is ignored', () => {
    expect(idleSeconds(null, undefined)).toBe(90);
    expect(idleSeconds(null, 45)).toBe(45);
    expect(idleSeconds('5', 45)).toBe(5);
    expect(idleSeconds('abc', 45)).toBe(45);
    expect(idleSeconds('1', undefined)).toBe(90);
  });

  it('flights take most of a short stop and at most 4 s', () => {
    expect(flightSeconds(2)).toBeCloseTo(0.8);
    expect(flightSeconds(12)).toBe(4);
    expect(flightSeconds(0.5)).toBe(0.5);
  });
});

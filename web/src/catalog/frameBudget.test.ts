import { describe, expect, it } from 'vitest';
import { FrameBudget } from './frameBudget';

/** A frame source like Cesium's `scene.postRender`. */
function frames() {
  const listeners = new Set<() => void>();
  return {
    addEventListener(l: () => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    render() {
      for (const l of [...listeners]) l();
    },
    get listeners() {
      return listeners.size;
    },
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('FrameBudget', () => {
  it('lets at most perFrame tiles through between two frames, in order, and asks for frames meanwhile', async () => {
    const f = frames();
    let wakes = 0;
    const budget = new FrameBudget({ perFrame: 2, frames: f, wake: () => wakes++ });
    const got: number[] = [];
    for (let i = 0; i < 5; i++) void budget.turn().then(() => got.push(i));
    await flush();
    expect(got).toEqual([0, 1]);
    expect(budget.pending).toBe(3);
    expect(wakes).toBeGreaterThan(0);
    f.render();
    await flush();
    expect(got).toEqual([0, 1, 2, 3]);
    f.render();
    await flush();
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(budget.pending).toBe(0);
    // A new frame's turns are granted at once again.
    f.render();
    let now = false;
    void budget.turn().then(() => {
      now = true;
    });
    await flush();
    expect(now).toBe(true);
  });

  it('releases everything waiting when destroyed, and stops listening', async () => {
    const f = frames();
    const budget = new FrameBudget({ perFrame: 1, frames: f, wake: () => {} });
    const got: number[] = [];
    for (let i = 0; i < 3; i++) void budget.turn().then(() => got.push(i));
    budget.destroy();
    await flush();
    expect(got).toEqual([0, 1, 2]);
    expect(f.listeners).toBe(0);
  });
});

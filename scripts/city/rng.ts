/**
 * Seeded pseudo-random numbers. The generator must be byte-for-byte reproducible for a given
 * seed (the demo city is regenerated on other machines and compared for staleness), so
 * nothing here may touch Math.random or the clock.
 */

/** mulberry32: a tiny 32-bit PRNG with a full 2^32 period; plenty for placing buildings. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Mixes a seed with a label (FNV-1a over the label, then a murmur finaliser) so that each
 * stage (streets, buildings, names, …) draws from its own stream: adding a building type then
 * does not shift every street of the city.
 */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Convenience wrapper with the draws the generator needs. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  range(min: number, max: number): number;
  /** Integer uniform in [min, max] (both inclusive). */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks a key of `weights` with probability proportional to its weight. */
  weighted<K extends string | number>(weights: ReadonlyArray<readonly [K, number]>): K;
}

export function createRng(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted: (weights) => {
      let total = 0;
      for (const [, w] of weights) total += w;
      let r = next() * total;
      for (const [key, w] of weights) {
        r -= w;
        if (r < 0) return key;
      }
      const last = weights[weights.length - 1];
      if (!last) throw new Error('weighted pick from an empty list');
      return last[0];
    },
  };
}

/**
 * Smooth 2-D value noise in [0, 1): random values on a square lattice of `wavelengthM`,
 * blended with smoothstep. Used to make development come in contiguous neighbourhoods.
 */
export function valueNoise2d(seed: number, wavelengthM: number): (xM: number, yM: number) => number {
  const lattice = (i: number, j: number): number => {
    let h = (seed ^ Math.imul(i, 0x27d4eb2d) ^ Math.imul(j, 0x165667b1)) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
  };
  const smooth = (t: number) => t * t * (3 - 2 * t);
  return (xM, yM) => {
    const gx = xM / wavelengthM;
    const gy = yM / wavelengthM;
    const i = Math.floor(gx);
    const j = Math.floor(gy);
    const fx = smooth(gx - i);
    const fy = smooth(gy - j);
    const a = lattice(i, j) + (lattice(i + 1, j) - lattice(i, j)) * fx;
    const b = lattice(i, j + 1) + (lattice(i + 1, j + 1) - lattice(i, j + 1)) * fx;
    return a + (b - a) * fy;
  };
}

/**
 * Small seeded PRNG (sfc32, seeded through splitmix32) whose whole state is four uint32 numbers,
 * so it can be written into a checkpoint and restored exactly.
 */
export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;

  constructor(seed: number | RngState) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) {
      this.s.set(seed);
    } else {
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
        this.s[i] = (z ^ (z >>> 16)) >>> 0;
      }
      // Warm up so that close seeds diverge.
      for (let i = 0; i < 12; i++) this.nextUint32();
    }
  }

  nextUint32(): number {
    const s = this.s;
    const a = s[0]!;
    const b = s[1]!;
    const c = s[2]!;
    const d = s[3]!;
    const t = (((a + b) >>> 0) + d) >>> 0;
    s[3] = (d + 1) >>> 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) >>> 0;
    s[2] = ((c << 21) | (c >>> 11)) >>> 0;
    s[2] = (s[2]! + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1): never exactly 0, because tfjs treats a 0 seed as "no seed". */
  next(): number {
    return (this.nextUint32() + 0.5) / 4294967296;
  }

  getState(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  setState(state: RngState): void {
    this.s.set(state);
  }
}

/**
 * Runs `fn` with `Math.random` drawn from `rng`. tfjs initialisers and dropout draw their seeds
 * from `Math.random` when no seed is given, so this makes model construction and training steps
 * reproducible. `fn` must be synchronous: the original `Math.random` is restored when it returns.
 */
export function withRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** Builds something (e.g. a model) with tfjs randomness seeded by `seed`. See `withRandom`. */
export function withSeed<T>(seed: number, fn: () => T): T {
  return withRandom(new Rng(seed), fn);
}

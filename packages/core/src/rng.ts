import { SevarError } from './errors.js';

/** The whole state of an {@link Rng}: four uint32 words, safe to write into JSON. */
export type RngState = [number, number, number, number];

const TWO_32 = 4294967296;

/**
 * Seeded PRNG shared by every sevar package: sfc32 (Chris Doty-Humphrey's small fast counting
 * generator), seeded by a murmur3-finalised Weyl sequence and warmed up 12 rounds so that close
 * seeds diverge. Its whole state is four uint32 words, so a checkpoint restores the stream
 * exactly, and it gives the same numbers in Node and browsers. Not cryptographic.
 */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  /** A generator from a seed (any finite number, taken modulo 2^32) or a saved state. */
  constructor(seed: number | RngState) {
    if (typeof seed !== 'number') {
      this.setState(seed);
      return;
    }
    if (!Number.isFinite(seed)) {
      throw new SevarError({ subject: 'Rng seed', expected: 'a finite number', received: seed });
    }
    let x = seed >>> 0;
    const s: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      s.push((z ^ (z >>> 16)) >>> 0);
    }
    this.setState(s as RngState);
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator that continues the stream `state` was saved from. */
  static fromState(state: RngState): Rng {
    return new Rng(state);
  }

  /** Uniform uint32 in [0, 2^32). */
  nextUint32(): number {
    const { a, b, c, d } = this;
    const t = (((a + b) >>> 0) + d) >>> 0;
    this.d = (d + 1) >>> 0;
    this.a = (b ^ (b >>> 9)) >>> 0;
    this.b = (c + (c << 3)) >>> 0;
    this.c = ((((c << 21) | (c >>> 11)) >>> 0) + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1): never exactly 0 (tfjs treats a 0 seed as "no seed"), never 1. */
  next(): number {
    return (this.nextUint32() + 0.5) / TWO_32;
  }

  /** Uniform float in (lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n) for a positive integer n (not checked: this is a hot path). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, two draws per value, so the state alone restores the stream). */
  normal(): number {
    const u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The whole state: `Rng.fromState(rng.getState())` continues the same stream. */
  getState(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** Jumps to a saved state (e.g. from a checkpoint). */
  setState(state: RngState): void {
    const ok =
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_32);
    if (!ok) {
      throw new SevarError({
        subject: 'Rng state',
        expected: 'four integers in [0, 2^32)',
        received: state,
      });
    }
    [this.a, this.b, this.c, this.d] = state;
  }
}

/** Mixes integers into one 32-bit seed (murmur3 finalizer per part), e.g. (seed, epoch, batch). */
export function deriveSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Fold in the high bits of numbers above 2^32 (e.g. large seeds).
    h ^= Math.floor(p / TWO_32) >>> 0;
  }
  return h >>> 0;
}

/** In-place Fisher–Yates shuffle: every permutation equally likely. */
export function shuffleInPlace(a: Uint32Array | number[], rng: Rng): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed, shuffleInPlace } from './prng.js';

describe('Rng', () => {
  it('matches mulberry32 reference values computed by hand from its definition', () => {
    // Independent BigInt implementation of the same recurrence.
    const ref = (seed: number, n: number): number[] => {
      let s = BigInt(seed);
      const M = 0xffffffffn;
      const imul = (a: bigint, b: bigint): bigint => (a * b) & M;
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        s = (s + 0x6d2b79f5n) & M;
        let t = s;
        t = imul(t ^ (t >> 15n), t | 1n);
        t = (t ^ (t + imul(t ^ (t >> 7n), t | 61n))) & M;
        out.push(Number(t ^ (t >> 14n)));
      }
      return out;
    };
    const rng = new Rng(12345);
    const got = Array.from({ length: 50 }, () => rng.nextUint32());
    expect(got).toEqual(ref(12345, 50));
  });

  it('restores from its serialized state', () => {
    const a = new Rng(7);
    for (let i = 0; i < 10; i++) a.next();
    const b = Rng.fromState(a.getState());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(
      Array.from({ length: 5 }, () => a.next()),
    );
  });

  it('draws uniform integers in range with roughly equal frequency', () => {
    const rng = new Rng(1);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[rng.int(10)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = new Rng(3);
    let s = 0;
    let s2 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
  });

  it('deriveSeed separates nearby tuples and is stable', () => {
    const seen = new Set<number>();
    for (let e = 0; e < 50; e++) for (let b = 0; b < 50; b++) seen.add(deriveSeed(0, e, b));
    expect(seen.size).toBe(2500);
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
  });

  it('shuffleInPlace permutes', () => {
    const a = Uint32Array.from({ length: 100 }, (_, i) => i);
    shuffleInPlace(a, new Rng(5));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...a]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

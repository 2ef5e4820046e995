import { describe, expect, it } from 'vitest';
import { SevarError } from './errors.js';
import { Rng, deriveSeed, shuffleInPlace } from './rng.js';
import type { RngState } from './rng.js';

// Known answers from reference/rng_known_answers.py, a plain-Python implementation of sfc32,
// the seeding and deriveSeed written from their definitions.
const KNOWN: Record<number, { state: RngState; outputs: number[] }> = {
  0: {
    state: [99621017, 2830175463, 1368817051, 1275600331],
    outputs: [4205396811, 3543653536, 1222415357, 3047368389, 387095348],
  },
  1: {
    state: [2459862799, 1621824973, 3310820794, 2041432051],
    outputs: [1828152527, 3394835397, 2967886022, 2251045104, 4148684523],
  },
  42: {
    state: [525187462, 1481333944, 1177879824, 3317318729],
    outputs: [1028872839, 2516511472, 400437680, 853279530, 1920286840],
  },
  20230426: {
    state: [1307217015, 3113792850, 1574470025, 4012237348],
    outputs: [4138279917, 4119259390, 2723970210, 3556363670, 808082199],
  },
  4294967295: {
    state: [3832797739, 97081743, 2665032317, 1778835776],
    outputs: [1413747962, 91561161, 3282502067, 2190738929, 3748440605],
  },
};

const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Rng known answers', () => {
  it('steps sfc32 exactly from a given state', () => {
    expect(draw(Rng.fromState([1, 2, 3, 4]), 6)).toEqual([
      7, 34, 56623200, 188882296, 3431242869, 399395954,
    ]);
  });

  it.each(Object.entries(KNOWN))('seed %s: state after warm-up and first outputs', (seed, k) => {
    const rng = new Rng(Number(seed));
    expect(rng.getState()).toEqual(k.state);
    expect(draw(rng, 5)).toEqual(k.outputs);
  });

  it('next() maps uint32 u to (u + 0.5) / 2^32', () => {
    const rng = new Rng(7);
    const want = [0.19514828256797045, 0.36103195312898606, 0.8405470313737169];
    for (const w of want) expect(rng.next()).toBe(w);
  });

  it('takes seeds modulo 2^32', () => {
    expect(draw(new Rng(-1), 5)).toEqual(KNOWN[4294967295]!.outputs);
    expect(draw(new Rng(2 ** 32 + 42), 5)).toEqual(KNOWN[42]!.outputs);
  });
});

describe('Rng state', () => {
  it('round-trips through JSON and continues the same stream', () => {
    const a = new Rng(123);
    draw(a, 17);
    const saved = JSON.parse(JSON.stringify(a.getState())) as RngState;
    const b = Rng.fromState(saved);
    const c = new Rng(0);
    c.setState(saved);
    const expected = draw(a, 10);
    expect(draw(b, 10)).toEqual(expected);
    expect(draw(c, 10)).toEqual(expected);
  });

  it('getState returns a copy, not a live view', () => {
    const rng = new Rng(5);
    const s = rng.getState();
    rng.next();
    expect(rng.getState()).not.toEqual(s);
    expect(Rng.fromState(s).getState()).toEqual(s);
  });

  it.each([[[1, 2, 3]], [[1, 2, 3, -1]], [[1, 2, 3, 2 ** 32]], [[1, 2, 3, 0.5]], ['1,2,3,4']])(
    'rejects the state %j with a SevarError saying what it expected',
    (bad) => {
      expect(() => Rng.fromState(bad as unknown as RngState)).toThrow(SevarError);
      expect(() => Rng.fromState(bad as unknown as RngState)).toThrow(
        /^Rng state: expected four integers in \[0, 2\^32\), received /,
      );
    },
  );

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(NaN)).toThrow('Rng seed: expected a finite number, received NaN');
  });
});

describe('Rng distributions', () => {
  it('next() stays inside (0, 1) and has mean 1/2, variance 1/12', () => {
    const rng = new Rng(11);
    let s = 0;
    let s2 = 0;
    let outside = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u > 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    expect(Math.abs(s / n - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - (s / n) ** 2 - 1 / 12)).toBeLessThan(0.002);
  });

  it('the extremes of nextUint32 map strictly inside (0, 1)', () => {
    expect(Rng.fromState([0, 0, 0, 0]).next()).toBe(0.5 / 2 ** 32);
    // a + b + d = 2^32 - 1 with a = 2^32 - 1, b = d = 0.
    expect(Rng.fromState([2 ** 32 - 1, 0, 0, 0]).next()).toBe(1 - 2 ** -33);
  });

  it('int(n) is uniform over [0, n): chi-square over 10 cells', () => {
    const rng = new Rng(1);
    const counts = new Array<number>(10).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[rng.int(10)]!++;
    const chi2 = counts.reduce((acc, c) => acc + (c - n / 10) ** 2 / (n / 10), 0);
    expect(chi2).toBeLessThan(27.9); // 99.9th percentile of chi-square with 9 degrees of freedom
  });

  it('uniform(lo, hi) stays in range and centres on (lo + hi) / 2', () => {
    const rng = new Rng(2);
    let s = 0;
    for (let i = 0; i < 10_000; i++) {
      const x = rng.uniform(-3, 5);
      expect(x > -3 && x < 5).toBe(true);
      s += x;
    }
    expect(Math.abs(s / 10_000 - 1)).toBeLessThan(0.1);
  });

  it('normal() has mean 0, variance 1 and the normal tail mass beyond 2 sigma', () => {
    const rng = new Rng(3);
    let s = 0;
    let s2 = 0;
    let tail = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      s += z;
      s2 += z * z;
      if (Math.abs(z) > 2) tail++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.02);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.03);
    expect(Math.abs(tail / n - 0.0455)).toBeLessThan(0.004);
  });

  it('close seeds give unrelated streams', () => {
    const a = draw(new Rng(1000), 8);
    const b = draw(new Rng(1001), 8);
    expect(a.filter((x, i) => x === b[i])).toEqual([]);
  });
});

describe('deriveSeed', () => {
  it('matches the reference implementation', () => {
    expect(deriveSeed(0)).toBe(493009611);
    expect(deriveSeed(1, 2, 3)).toBe(2901138804);
    expect(deriveSeed(2 ** 40 + 5, 7)).toBe(2252435221);
  });

  it('separates nearby tuples and depends on order', () => {
    const seen = new Set<number>();
    for (let e = 0; e < 50; e++) for (let b = 0; b < 50; b++) seen.add(deriveSeed(0, e, b));
    expect(seen.size).toBe(2500);
    expect(deriveSeed(1, 2)).not.toBe(deriveSeed(2, 1));
  });
});

describe('shuffleInPlace', () => {
  it('permutes, and all 4! orders are equally likely', () => {
    const trials = 24_000;
    const rng = new Rng(9);
    const perms = new Map<string, number>();
    for (let t = 0; t < trials; t++) {
      const a = [0, 1, 2, 3];
      shuffleInPlace(a, rng);
      const key = a.join('');
      perms.set(key, (perms.get(key) ?? 0) + 1);
    }
    // Only permutations of 0..3 occur, and all 4! of them, about trials / 24 times each.
    for (const key of perms.keys()) expect([...key].sort().join('')).toBe('0123');
    expect(perms.size).toBe(24);
    const chi2 = [...perms.values()].reduce((acc, c) => acc + (c - trials / 24) ** 2, 0) / 1000;
    expect(chi2).toBeLessThan(49.7); // 99.9th percentile of chi-square with 23 degrees of freedom
  });

  it('is reproducible from the seed', () => {
    const a = Uint32Array.from({ length: 50 }, (_, i) => i);
    const b = Uint32Array.from({ length: 50 }, (_, i) => i);
    shuffleInPlace(a, new Rng(5));
    shuffleInPlace(b, new Rng(5));
    expect([...a]).toEqual([...b]);
  });
});

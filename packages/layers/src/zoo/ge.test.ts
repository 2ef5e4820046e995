import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import { gatherMatrix, nearestSourceIndex } from './ge.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('ge', () => {
  it('has no parameters', () => {
    expect(createAttention('ge').parameterCount(64)).toBe(0);
    expect(createAttention('ge', { extent: 4 }).parameterCount(64)).toBe(0);
  });

  it('reads the rows F.interpolate(mode="nearest") reads, float32 rounding included', () => {
    // 2 → 3 rows: floor(dst · 2/3) = 0, 0, 1; 3 → 6 doubles: 0, 0, 1, 1, 2, 2.
    expect([0, 1, 2].map((d) => nearestSourceIndex(d, 2, 3))).toEqual([0, 0, 1]);
    expect([0, 1, 2, 3, 4, 5].map((d) => nearestSourceIndex(d, 3, 6))).toEqual([0, 0, 1, 1, 2, 2]);
    // Printed by PyTorch 1.13 on float32 tensors: 14 → 92 reads row 6 at row 46 and 26 → 44 row
    // 12 at row 22,
    // where exact arithmetic gives 7 and 13.
    expect(nearestSourceIndex(46, 14, 92)).toBe(6);
    expect(nearestSourceIndex(22, 26, 44)).toBe(12);
  });

  it('averages each window over its rows inside the map only', () => {
    // 5 rows, extent 2: pooled rows 0..2 average rows {0,1}, {1,2,3}, {3,4}; 5 → 3 → 5 reads
    // pooled rows 0, 0, 1, 1, 2.
    const third = 1 / 3;
    const expected = [
      [0.5, 0.5, 0, 0, 0],
      [0.5, 0.5, 0, 0, 0],
      [0, third, third, third, 0],
      [0, third, third, third, 0],
      [0, 0, 0, 0.5, 0.5],
    ].flat();
    Array.from(gatherMatrix(5, 2)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 7));
  });

  it('computes the hand-derived output for extent 0 and extent 2', () => {
    // Channel means 2 and −1 (two pixels each).
    const x = tf.tensor4d([1, -3, 3, 1], [1, 2, 1, 2]);
    const y0 = createAttention('ge').apply(x) as tf.Tensor;
    const expected0 = [1 * sig(2), -3 * sig(-1), 3 * sig(2), 1 * sig(-1)];
    Array.from(y0.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected0[i]!, 6));
    // 3 rows, extent 2: pooled rows average {0, 1} and {1, 2}; 2 → 3 reads 0, 0, 1.
    const column = tf.tensor4d([1, 3, -2], [1, 3, 1, 1]);
    const y2 = createAttention('ge', { extent: 2 }).apply(column) as tf.Tensor;
    const expected2 = [1 * sig(2), 3 * sig(2), -2 * sig(0.5)];
    Array.from(y2.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected2[i]!, 6));
    tf.dispose([x, y0, column, y2]);
  });

  it.each([-1, 1.5, Number.NaN, '2'])('rejects extent %s before any weight', (e) => {
    const make = () => createAttention('ge', { extent: e } as never);
    expect(make).toThrow(AttentionConfigError);
    expect(make).toThrow(/ge: option 'extent'/);
  });
});

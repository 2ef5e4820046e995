import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('senetv2', () => {
  it('counts card·(C·m + m) + card·m·C + C parameters, m = max(1, floor(C / r))', () => {
    // C = 64, r = 32: m = 2, four branches of 64·2 + 2, fc 8·64 + 64.
    expect(createAttention('senetv2').parameterCount(64)).toBe(4 * 130 + 512 + 64);
    // C = 7 < r: m = 1.
    expect(createAttention('senetv2').parameterCount(7)).toBe(4 * 8 + 4 * 7 + 7);
    expect(createAttention('senetv2', { reduction: 2, cardinality: 1 }).parameterCount(4)).toBe(
      4 * 2 + 2 + 2 * 4 + 4,
    );
  });

  it('computes the hand-derived output: two one-unit branches, concatenated in branch order', () => {
    const layer = createAttention('senetv2', { reduction: 2, cardinality: 2 });
    const x = tf.tensor4d([1, 3, 3, -1], [1, 1, 2, 2]); // channel means 2, 1
    layer.build(x.shape);
    const w = [
      tf.tensor2d([1, 0], [2, 1]), // branch 1: s0 → 2
      tf.tensor1d([0]),
      tf.tensor2d([0, -1], [2, 1]), // branch 2: −s1 + 0.5 = −0.5 → ReLU 0
      tf.tensor1d([0.5]),
      tf.tensor2d([1, 0, 0, 1], [2, 2]), // fc: g0 = σ(h1 + 0), g1 = σ(h2 − 1) = σ(−1)
      tf.tensor1d([0, -1]),
    ];
    layer.setWeights(w);
    const y = layer.apply(x) as tf.Tensor;
    const g = [sig(2), sig(-1)];
    const expected = [1, 3, 3, -1].map((v, i) => v * (1 + g[i % 2]!));
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // Swapping the branches swaps the concatenation: the fc now reads h2 for g0.
    layer.setWeights([w[2]!, w[3]!, w[0]!, w[1]!, w[4]!, w[5]!]);
    const swapped = layer.apply(x) as tf.Tensor;
    const g2 = [sig(0), sig(2 - 1)];
    const expected2 = [1, 3, 3, -1].map((v, i) => v * (1 + g2[i % 2]!));
    Array.from(swapped.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected2[i]!, 6));
    tf.dispose([x, y, swapped, ...w]);
  });

  it.each([
    ['reduction', 0],
    ['reduction', -4],
    ['reduction', 1.5],
    ['reduction', Number.NaN],
    ['reduction', '16'],
    ['cardinality', 0],
    ['cardinality', -1],
    ['cardinality', 2.5],
    ['cardinality', Number.NaN],
  ])('rejects %s = %s before any weight', (option, value) => {
    const make = () => createAttention('senetv2', { [option]: value });
    expect(make).toThrow(AttentionConfigError);
    expect(make).toThrow(new RegExp(`senetv2: option '${option}'`));
  });
});

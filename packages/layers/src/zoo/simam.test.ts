import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError, AttentionInputError } from '../errors.js';
import { createAttention } from '../registry.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('simam', () => {
  it('has no weights', () => {
    const layer = createAttention('simam');
    expect(layer.parameterCount(512)).toBe(0);
    const x = tf.ones([1, 2, 2, 3]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.weights).toHaveLength(0);
    x.dispose();
  });

  it.each([1e-4, 0.5])('computes the hand-derived output with λ = %s', (lambda) => {
    // One channel over 1x3 pixels 1, 2, 6: mean 3, d = 4, 1, 9, Σd / (H·W − 1) = 14 / 2 = 7.
    // A second channel, constant, has d = 0 everywhere: e = 0.5 and y = x·σ(0.5).
    const layer = createAttention('simam', { lambda });
    const x = tf.tensor4d([1, 5, 2, 5, 6, 5], [1, 1, 3, 2]);
    const e = [4, 1, 9].map((d) => d / (4 * (7 + lambda)) + 0.5);
    const expected = [1, 2, 6].flatMap((v, i) => [v * sig(e[i]!), 5 * sig(0.5)]);
    const y = layer.apply(x) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const maps = layer.attentionMaps(x);
    Array.from(maps.spatial!.dataSync()).forEach((v, i) =>
      expect(v).toBeCloseTo((sig(e[i]!) + sig(0.5)) / 2, 6),
    );
    tf.dispose([x, y, maps.spatial!]);
  });

  it('rejects H·W = 1 (symbolic or concrete), naming the module', () => {
    const layer = createAttention('simam');
    expect(() => layer.apply(tfl.input({ shape: [1, 1, 8] }))).toThrow(AttentionInputError);
    expect(() => layer.apply(tfl.input({ shape: [1, 1, 8] }))).toThrow(/simam.*H·W ≥ 2/);
    const built = createAttention('simam');
    const x = tf.ones([2, 1, 2, 4]);
    tf.dispose(built.apply(x) as tf.Tensor);
    const one = tf.ones([2, 1, 1, 4]);
    expect(() => built.apply(one)).toThrow(/simam.*H·W ≥ 2/);
    tf.dispose([x, one]);
  });

  it.each([0, -1e-4, Number.NaN, Number.POSITIVE_INFINITY, '1e-4'])('rejects lambda %s', (l) => {
    expect(() => createAttention('simam', { lambda: l } as never)).toThrow(AttentionConfigError);
    expect(() => createAttention('simam', { lambda: l } as never)).toThrow(
      /simam: option 'lambda'/,
    );
  });
});

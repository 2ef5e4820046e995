import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionInputError, UnknownOptionError } from '../errors.js';
import { createAttention } from '../registry.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('srm', () => {
  it('counts 4·C parameters: cfc [C, 2], BN γ and β', () => {
    expect(createAttention('srm').parameterCount(64)).toBe(256);
    expect(createAttention('srm').parameterCount(7)).toBe(28);
  });

  it('starts as y = x / 2: cfc is initialised to zeros, so z = 0 and BN(0) = 0', () => {
    const layer = createAttention('srm');
    const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
    const y = layer.apply(x) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(x.dataSync()[i]! / 2, 6));
    tf.dispose([x, y]);
  });

  it('computes the hand-derived output with the unbiased variance', () => {
    // One channel over 1x3 pixels 1, 2, 6: mean 3, unbiased variance (4 + 1 + 9) / 2 = 7 (the
    // biased one would be 14 / 3). cfc = [0.5, -1]; BN the identity in inference up to
    // 1/sqrt(1 + 1e-5).
    const layer = createAttention('srm');
    const x = tf.tensor4d([1, 2, 6], [1, 1, 3, 1]);
    layer.build(x.shape);
    layer.setWeights([
      tf.tensor2d([[0.5, -1]]),
      tf.ones([1]),
      tf.zeros([1]),
      tf.zeros([1]),
      tf.ones([1]),
    ]);
    const z = 0.5 * 3 - Math.sqrt(7 + 1e-5);
    const g = sig(z / Math.sqrt(1 + 1e-5));
    const y = layer.apply(x) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo([1, 2, 6][i]! * g, 6));
    const maps = layer.attentionMaps(x);
    expect(maps.channel!.dataSync()[0]).toBeCloseTo(g, 6);
    tf.dispose([x, y, maps.channel!]);
  });

  it('rejects H·W = 1 (symbolic or concrete) before any weight, naming the module', () => {
    const layer = createAttention('srm');
    expect(() => layer.apply(tfl.input({ shape: [1, 1, 8] }))).toThrow(AttentionInputError);
    expect(() => layer.apply(tfl.input({ shape: [1, 1, 8] }))).toThrow(/srm.*H·W ≥ 2/);
    expect(layer.weights).toHaveLength(0);
    const built = createAttention('srm');
    const x = tf.ones([2, 2, 2, 4]);
    tf.dispose(built.apply(x) as tf.Tensor);
    const one = tf.ones([2, 1, 1, 4]);
    expect(() => built.apply(one)).toThrow(/srm.*H·W ≥ 2/);
    tf.dispose([x, one]);
  });

  it('rejects a batch of one sample in training, where its batch norm has nothing to normalise over', () => {
    const layer = createAttention('srm');
    const x = tf.ones([1, 2, 2, 4]);
    expect(() => layer.apply(x, { training: true })).toThrow(/srm.*a batch of at least 2/);
    tf.dispose(layer.apply(x) as tf.Tensor); // inference is fine
    x.dispose();
  });

  it('takes no options', () => {
    expect(() => createAttention('srm', { reduction: 16 } as never)).toThrow(UnknownOptionError);
  });
});

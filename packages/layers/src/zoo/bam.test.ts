import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { expectClose, useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import { dilatedConv3x3 } from './bam.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('bam', () => {
  it('counts both gates: C = 64, r = 16 gives m = 4 and 588 + 585 parameters', () => {
    // Channel: fc1 64·4 + 4, BN 2·4, fc2 4·64 + 64. Spatial: reduce 64·4 + 4, BN 8,
    // two × (3·3·4·4 + 4 + BN 8), final 4 + 1.
    expect(createAttention('bam').parameterCount(64)).toBe(588 + 585);
    // C < r: m = 1.
    expect(createAttention('bam').parameterCount(7)).toBe(
      7 + 1 + 2 + 7 + 7 + (7 + 1 + 2) + 2 * 12 + 2,
    );
  });

  it.each([
    [1, 7, 5],
    [2, 6, 6],
    [4, 9, 7],
    [4, 1, 2],
    [3, 7, 2],
  ])('dilation %i on %ix%i equals tfjs conv2d with that dilation', (d, h, w) => {
    const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const got = dilatedConv3x3(x, k, d);
    const pad = [
      [0, 0],
      [d, d],
      [d, d],
      [0, 0],
    ] as [number, number][];
    const want = tf.conv2d(tf.pad(x, pad), k, 1, 'valid', 'NHWC', d);
    expectClose(got, want, 1e-5, 1e-5);
    tf.dispose([x, k, got, want]);
  });

  it('computes the hand-derived output: Mc = fc2 bias, Ms = ReLU of channel 0', () => {
    const layer = createAttention('bam', { reduction: 2 }); // C = 2: m = 1
    const x = tf.tensor4d([2, 1, -1, 3, 0.5, -2], [1, 1, 3, 2]);
    layer.build(x.shape);
    const center = [0, 0, 0, 0, 1, 0, 0, 0, 0];
    const bn = [[1], [0]];
    const channelGate = [[0, 0], [0], ...bn, [0, 0], [1, -2]]; // Mc = fc2 bias = [1, −2]
    const reduce = [[1, 0], [0], ...bn]; // Ms starts from channel 0
    const dilated = [center, [0], ...bn, center, [0], ...bn]; // identity for m = 1
    const final = [[1], [0]];
    const statistics = [0, 1, 2, 3].flatMap(() => [[0], [1]]); // moving mean 0, variance 1
    const values = [...channelGate, ...reduce, ...dilated, ...final, ...statistics];
    const weights = layer.getWeights().map((w, i) => tf.tensor(values[i]!, w.shape));
    layer.setWeights(weights);
    const y = layer.apply(x) as tf.Tensor;
    // Inference BN with mean 0, variance 1 scales by s = 1/sqrt(1 + 1e-5); three on Ms's path.
    const s3 = (1 / Math.sqrt(1 + 1e-5)) ** 3;
    const expected = [2, 1, -1, 3, 0.5, -2].map((v, i) => {
      const ms = Math.max(0, [2, -1, 0.5][i >> 1]!) * s3;
      return v * (1 + sig([1, -2][i % 2]! * ms));
    });
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y, ...weights]);
  });

  it.each([
    ['reduction', 0],
    ['reduction', -16],
    ['reduction', 2.5],
    ['reduction', Number.NaN],
    ['dilation', 0],
    ['dilation', -4],
    ['dilation', 1.5],
    ['dilation', Number.NaN],
    ['dilation', '4'],
  ])('rejects %s = %s before any weight', (option, value) => {
    const make = () => createAttention('bam', { [option]: value });
    expect(make).toThrow(AttentionConfigError);
    expect(make).toThrow(new RegExp(`bam: option '${option}'`));
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import type { SevarEca } from './eca.js';
import { ecaKernelSize } from './eca.js';

beforeAll(async () => useBackend('cpu'));

describe('eca', () => {
  // t = floor(|log2 C + 1| / 2), then the next odd number: worked out by hand.
  it.each([
    [1, 1],
    [3, 1],
    [16, 3],
    [64, 3],
    [128, 5],
    [256, 5],
    [512, 5],
    [1024, 5],
    [2048, 7],
  ])('C=%i gets the adaptive kernel size %i', (c, k) => {
    expect(ecaKernelSize(c)).toBe(k);
    expect(createAttention('eca').parameterCount(c)).toBe(k);
  });

  it('computes the hand-derived output: a [0, 1, 0] kernel gates each channel by its own mean', () => {
    const layer = createAttention('eca', { kernelSize: 3 }) as SevarEca;
    const x = tf.tensor4d([1, -2, 3, 4, 0, -1], [1, 1, 2, 3]); // channel means 2.5, -1, 1
    layer.build(x.shape);
    layer.setWeights([tf.tensor3d([0, 1, 0], [3, 1, 1])]);
    const y = layer.apply(x) as tf.Tensor;
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = [1 * sig(2.5), -2 * sig(-1), 3 * sig(1), 4 * sig(2.5), 0, -1 * sig(1)];
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y]);
  });

  it.each([0, 2, -3, 1.5, Number.NaN, '3'])('rejects kernelSize %s before any weight', (k) => {
    expect(() => createAttention('eca', { kernelSize: k } as never)).toThrow(AttentionConfigError);
    expect(() => createAttention('eca', { kernelSize: k } as never)).toThrow(
      /eca: option 'kernelSize'/,
    );
  });
});

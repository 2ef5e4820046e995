import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { UnknownOptionError } from '../errors.js';
import { createAttention } from '../registry.js';

beforeAll(async () => useBackend('cpu'));

describe('ese', () => {
  it('counts C·C + C parameters (no reduction)', () => {
    expect(createAttention('ese').parameterCount(64)).toBe(4160);
    expect(createAttention('ese').parameterCount(3)).toBe(12);
  });

  it('computes the hand-derived output: identity kernel, bias 0 / 1 / −10 / 10', () => {
    const layer = createAttention('ese');
    // Two pixels, channel means 1.2, 0, 0.5, −2.
    const x = tf.tensor4d([2, -1, 0.5, -3, 0.4, 1, 0.5, -1], [1, 1, 2, 4]);
    layer.build(x.shape);
    const kernel = tf.eye(4);
    const bias = tf.tensor1d([0, 1, -10, 10]);
    layer.setWeights([kernel, bias]);
    const y = layer.apply(x) as tf.Tensor;
    // hsigmoid(v) = min(max(v + 3, 0), 6) / 6 of v = mean + bias: 1.2 → 4.2/6, 1 → 4/6,
    // −9.5 → 0 (clipped), 8 → 1 (clipped).
    const gate = [4.2 / 6, 4 / 6, 0, 1];
    const expected = [2, -1, 0.5, -3, 0.4, 1, 0.5, -1].map((v, i) => v * gate[i % 4]!);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const maps = layer.attentionMaps(x as tf.Tensor4D);
    Array.from(maps.channel!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(gate[i]!, 6));
    tf.dispose([x, y, kernel, bias, maps.channel!]);
  });

  it('takes no options: reduction is an unknown option', () => {
    expect(() => createAttention('ese', { reduction: 4 } as never)).toThrow(UnknownOptionError);
    expect(() => createAttention('ese', { reduction: 4 } as never)).toThrow(/ese/);
  });
});

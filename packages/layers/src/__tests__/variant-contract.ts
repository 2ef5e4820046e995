import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';

import { createAttention, type VariantName } from '../registry.js';

import { useBackend } from './helpers.js';

export interface VariantContract {
  /** `[C, r, expected FC widths]`, worked out by hand from the SPEC's formulas. */
  widths: [number, number, number[]][];
  /** Trainable parameters added at C = 64, r = 16 (the README's column). */
  paramsAt64: number;
  /** Weights for C = 2, r = 2, chosen by hand so that the gate logits come out as (1, -1). */
  handWeights: number[][][];
}

// x = [[[1, 2], [3, 4]]] (H = 1, W = 2, C = 2): channel means (2, 3); gate = (σ(1), σ(-1)).
const HAND_INPUT = [1, 2, 3, 4];
const s1 = 1 / (1 + Math.exp(-1));
const sm1 = 1 / (1 + Math.exp(1));
const HAND_OUTPUT = [1 * s1, 2 * sm1, 3 * s1, 4 * sm1];

/** The checks every variant's own test file runs, with that variant's hand-derived numbers. */
export function variantContract(name: VariantName, contract: VariantContract): void {
  beforeAll(async () => useBackend('cpu'));

  it.each(contract.widths)('C=%i, r=%i has FC widths %j', (c, r, expected) => {
    expect(createAttention(name, { reduction: r }).fcWidths(c)).toEqual(expected);
  });

  it(`adds ${contract.paramsAt64} parameters at C=64, r=16, as many as it builds`, () => {
    const layer = createAttention(name);
    expect(layer.parameterCount(64)).toBe(contract.paramsAt64);
    const x = tf.zeros([1, 2, 2, 64]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.countParams()).toBe(contract.paramsAt64);
    x.dispose();
  });

  it('computes the hand-derived output on a 1x2x2 input', () => {
    const layer = createAttention(name, { reduction: 2 });
    const x = tf.tensor4d(HAND_INPUT, [1, 1, 2, 2]);
    layer.build(x.shape);
    const weights = contract.handWeights.flatMap((fc) => {
      const [kernel, bias] = [fc.slice(0, -1), fc[fc.length - 1]!];
      return [tf.tensor2d(kernel), tf.tensor1d(bias)];
    });
    layer.setWeights(weights);
    const y = layer.apply(x) as tf.Tensor;
    const got = Array.from(y.dataSync());
    got.forEach((v, i) => expect(v).toBeCloseTo(HAND_OUTPUT[i]!, 6));
    tf.dispose([x, y, ...weights]);
  });
}

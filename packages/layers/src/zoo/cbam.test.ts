import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import type { SevarCbam } from './cbam.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('cbam', () => {
  it('counts 2·C·m + m + C + 2·k² + 2 parameters', () => {
    // C = 64, r = 16: m = 4 -> 512 + 4 + 64 + 98 + 2; C = 7: m = max(1, 0) = 1.
    expect(createAttention('cbam').parameterCount(64)).toBe(680);
    expect(createAttention('cbam').parameterCount(7)).toBe(2 * 7 + 1 + 7 + 98 + 2);
    expect(createAttention('cbam', { reduction: 4, kernelSize: 3 }).parameterCount(16)).toBe(
      2 * 16 * 4 + 4 + 16 + 18 + 2,
    );
    expect(createAttention('cbam', { minChannels: 8 }).parameterCount(64)).toBe(
      2 * 64 * 8 + 8 + 64 + 98 + 2,
    );
  });

  it('computes the hand-derived output: the MLP bias counts twice, the spatial conv sees max first', () => {
    // C = 2, m = 1, k = 1. fc1 = 0 so the hidden unit is relu(0) = 0 for both pooled vectors and
    // a = 2·b2 (the shared MLP's output bias, once per pooled vector). The 1x1 conv takes the
    // channel max with weight 1 and the channel mean with weight 0; BN is the identity in
    // inference (mean 0, var 1, γ 1, β 0) up to 1/sqrt(1 + 1e-5).
    const layer = createAttention('cbam', { reduction: 2, kernelSize: 1 }) as SevarCbam;
    const x = tf.tensor4d([1, -2, 3, 4], [1, 1, 2, 2]); // pixels (1, -2) and (3, 4)
    layer.build(x.shape);
    const b2 = [0.5, -1];
    layer.setWeights([
      tf.zeros([2, 1]),
      tf.zeros([1]),
      tf.zeros([1, 2]),
      tf.tensor1d(b2),
      tf.tensor4d([1, 0], [1, 1, 2, 1]),
      tf.ones([1]),
      tf.zeros([1]),
      tf.zeros([1]),
      tf.ones([1]),
    ]);
    const g = b2.map((b) => sig(2 * b));
    const pixels = [
      [1, -2],
      [3, 4],
    ].map((p) => p.map((v, c) => v * g[c]!));
    const expected = pixels.flatMap((p) => {
      const s = sig(Math.max(...p) / Math.sqrt(1 + 1e-5));
      return p.map((v) => v * s);
    });
    const y = layer.apply(x) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const maps = layer.attentionMaps(x);
    Array.from(maps.channel!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(g[i]!, 6));
    expect(maps.spatial!.shape).toEqual([1, 1, 2]);
    tf.dispose([x, y, maps.channel!, maps.spatial!]);
  });

  it.each([0, -16, 1.5, Number.NaN, '16'])('rejects reduction %s before any weight', (r) => {
    expect(() => createAttention('cbam', { reduction: r } as never)).toThrow(AttentionConfigError);
    expect(() => createAttention('cbam', { reduction: r } as never)).toThrow(
      /cbam: option 'reduction'/,
    );
  });

  it.each([0, 2, -7, 3.5, Number.NaN])('rejects kernelSize %s before any weight', (k) => {
    expect(() => createAttention('cbam', { kernelSize: k })).toThrow(AttentionConfigError);
    expect(() => createAttention('cbam', { kernelSize: k })).toThrow(/cbam: option 'kernelSize'/);
  });

  it.each([0, -1, 2.5])('rejects minChannels %s before any weight', (m) => {
    expect(() => createAttention('cbam', { minChannels: m })).toThrow(/cbam: option 'minChannels'/);
  });
});

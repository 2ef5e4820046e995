import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import { SevarGc } from './gc.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));

describe('gc', () => {
  it('counts 2·C·m + 3·m + 2·C + 1 parameters', () => {
    expect(createAttention('gc').parameterCount(64)).toBe(2 * 64 * 4 + 12 + 128 + 1);
    expect(createAttention('gc').parameterCount(7)).toBe(2 * 7 + 3 + 14 + 1); // m = 1
    expect(createAttention('gc', { reduction: 4, minChannels: 8 }).parameterCount(16)).toBe(
      2 * 16 * 8 + 24 + 32 + 1,
    );
  });

  it.each([
    ['add', (x: number) => x],
    ['scale', (x: number) => x / 2],
  ] as const)('starts as the official code does (last FC zero): fusion %s', (fusion, f) => {
    const layer = createAttention('gc', { fusion });
    const x = tf.randomNormal([2, 3, 4, 8], 0, 1, 'float32', 5);
    const y = layer.apply(x) as tf.Tensor;
    const xs = x.dataSync();
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(f(xs[i]!), 6));
    tf.dispose([x, y]);
  });

  it.each(['add', 'scale'] as const)(
    'computes the hand-derived output with fusion %s',
    (fusion) => {
      // Two pixels (1, 2) and (3, -1); the mask reads channel 0, so the softmax weights are
      // softmax(1, 3). fc1 = identity, the LayerNorm over m = 2 maps (z0, z1) to ±(z0 − z1) /
      // (2·sqrt(((z0 − z1) / 2)² + 1e-5)), ReLU, fc2 = identity with bias (0.5, -0.5).
      const layer = new SevarGc({ reduction: 1, fusion });
      const pixels = [
        [1, 2],
        [3, -1],
      ];
      const x = tf.tensor4d(pixels.flat(), [1, 1, 2, 2]);
      layer.build(x.shape);
      const eye = tf.tensor2d([1, 0, 0, 1], [2, 2]);
      layer.setWeights([
        tf.tensor2d([1, 0], [2, 1]),
        tf.zeros([1]),
        eye,
        tf.zeros([2]),
        tf.ones([2]),
        tf.zeros([2]),
        eye,
        tf.tensor1d([0.5, -0.5]),
      ]);
      const a = [Math.exp(1), Math.exp(3)].map((e, _, all) => e / (all[0]! + all[1]!));
      const z = [0, 1].map((c) => a[0]! * pixels[0]![c]! + a[1]! * pixels[1]![c]!);
      const std = Math.sqrt(((z[0]! - z[1]!) / 2) ** 2 + 1e-5);
      const mean = (z[0]! + z[1]!) / 2;
      const t = z.map((v, c) => Math.max(0, (v - mean) / std) + [0.5, -0.5][c]!);
      const expected = pixels.flatMap((p) =>
        p.map((v, c) => (fusion === 'add' ? v + t[c]! : v * sig(t[c]!))),
      );
      const y = layer.apply(x) as tf.Tensor;
      Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
      const maps = layer.attentionMaps(x);
      Array.from(maps.spatial!.dataSync()).forEach((v, i) =>
        expect(v).toBeCloseTo([a[0]! / a[1]!, 1][i]!, 6),
      );
      if (fusion === 'add') expect(maps.channel).toBeUndefined();
      else
        Array.from(maps.channel!.dataSync()).forEach((v, c) =>
          expect(v).toBeCloseTo(sig(t[c]!), 6),
        );
      tf.dispose([x, y, eye, maps.spatial!, ...(maps.channel ? [maps.channel] : [])]);
    },
  );

  it.each(['mul', 'channel_add', '', 1])('rejects fusion %s before any weight', (fusion) => {
    expect(() => createAttention('gc', { fusion } as never)).toThrow(AttentionConfigError);
    expect(() => createAttention('gc', { fusion } as never)).toThrow(
      /gc: option 'fusion'.*'add', 'scale'/,
    );
  });

  it.each([0, -16, 1.5, Number.NaN])('rejects reduction %s before any weight', (r) => {
    expect(() => createAttention('gc', { reduction: r })).toThrow(/gc: option 'reduction'/);
  });

  it.each([0, -1, 0.5])('rejects minChannels %s before any weight', (m) => {
    expect(() => createAttention('gc', { minChannels: m })).toThrow(/gc: option 'minChannels'/);
  });
});

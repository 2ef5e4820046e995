import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

import { SevarCoord } from './coord.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const hswish = (v: number) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6;

describe('coord', () => {
  it('uses mip = max(8, floor(C / 32)) and counts 3·C·mip + 3·mip + 2·C parameters', () => {
    expect(createAttention('coord')).toBeInstanceOf(SevarCoord);
    const layer = new SevarCoord();
    expect([7, 64, 256, 257, 512].map((c) => layer.hiddenUnits(c))).toEqual([8, 8, 8, 8, 16]);
    expect(layer.parameterCount(64)).toBe(3 * 64 * 8 + 24 + 128);
    expect(layer.parameterCount(512)).toBe(3 * 512 * 16 + 48 + 1024);
    expect(createAttention('coord', { reduction: 4, minChannels: 1 }).parameterCount(6)).toBe(
      3 * 6 * 1 + 3 + 12,
    );
  });

  it('computes the hand-derived output on a 1x2 map with one channel and mip = 1', () => {
    // Row pool: the one row's mean (1 - 2) / 2; column pools: 1 and -2. fc1 = 1 and BN the
    // identity in inference (mean 0, var 1) up to 1/sqrt(1 + 1e-5), then h-swish; the row gate
    // has fc_h = 1, the column gates fc_w = 2, biases 0.5 and -0.25.
    const layer = new SevarCoord({ reduction: 1, minChannels: 1 });
    const x = tf.tensor4d([1, -2], [1, 1, 2, 1]);
    layer.build(x.shape);
    const [one, zero] = [tf.ones([1]), tf.zeros([1])];
    layer.setWeights([
      tf.ones([1, 1]),
      zero,
      one,
      zero,
      tf.ones([1, 1]),
      tf.tensor1d([0.5]),
      tf.fill([1, 1], 2),
      tf.tensor1d([-0.25]),
      zero,
      one,
    ]);
    const t = (v: number) => hswish(v / Math.sqrt(1 + 1e-5));
    const ah = sig(t(-0.5) + 0.5);
    const aw = [1, -2].map((v) => sig(2 * t(v) - 0.25));
    const expected = [1 * aw[0]! * ah, -2 * aw[1]! * ah];
    const y = layer.apply(x) as tf.Tensor;
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    const maps = layer.attentionMaps(x);
    Array.from(maps.spatial!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(aw[i]! * ah, 6));
    expect(maps.channel!.dataSync()[0]).toBeCloseTo(((aw[0]! + aw[1]!) / 2) * ah, 6);
    tf.dispose([x, y, one, zero, maps.channel!, maps.spatial!]);
  });

  it.each([0, -32, 1.5, Number.NaN, '32'])('rejects reduction %s before any weight', (r) => {
    expect(() => createAttention('coord', { reduction: r } as never)).toThrow(AttentionConfigError);
    expect(() => createAttention('coord', { reduction: r } as never)).toThrow(
      /coord: option 'reduction'/,
    );
  });

  it.each([0, -8, 2.5])('rejects minChannels %s before any weight', (m) => {
    expect(() => createAttention('coord', { minChannels: m })).toThrow(
      /coord: option 'minChannels'/,
    );
  });
});

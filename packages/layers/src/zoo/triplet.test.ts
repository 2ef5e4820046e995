import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { useBackend } from '../__tests__/helpers.js';
import { AttentionConfigError } from '../errors.js';
import { createAttention } from '../registry.js';

beforeAll(async () => useBackend('cpu'));

const sig = (v: number) => 1 / (1 + Math.exp(-v));
const expectValues = (t: tf.Tensor, want: number[]) =>
  Array.from(t.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));

describe('triplet', () => {
  it('counts 3 · (k·k·2 + 2) parameters, whatever C', () => {
    expect(createAttention('triplet').parameterCount(64)).toBe(300);
    expect(createAttention('triplet').parameterCount(3)).toBe(300);
    expect(createAttention('triplet', { kernelSize: 3 }).parameterCount(64)).toBe(60);
  });

  it('computes the hand-derived output and maps of 1x1 kernels weighing max and mean', () => {
    const layer = createAttention('triplet', { kernelSize: 1 });
    const xs = [
      [1, 3],
      [-2, 0],
    ]; // x[w][c] with N = 1, H = 1, W = 2, C = 2
    const x = tf.tensor4d(xs.flat(), [1, 1, 2, 2]);
    layer.build(x.shape);
    // Each branch's 1x1 conv is a·max + b·mean; BN γ 1, β 0, moving mean 0, variance 1.
    const bn = [[1], [0]];
    const kernels = { cw: [1, 0], hc: [0, 1], hw: [1, -1] };
    const statistics = [0, 1, 2].flatMap(() => [[0], [1]]);
    const values = [kernels.cw, ...bn, kernels.hc, ...bn, kernels.hw, ...bn, ...statistics];
    const weights = layer.getWeights().map((w, i) => tf.tensor(values[i]!, w.shape));
    layer.setWeights(weights);
    const s = 1 / Math.sqrt(1 + 1e-5); // inference BN with variance 1
    // (C, W) pools over H, a single row: max = mean = x, gate σ(x).
    const gCw = (w: number, c: number) => sig(xs[w]![c]! * s);
    // (H, C) pools over W: gate σ(mean of the channel's two values).
    const gHc = (c: number) => sig(((xs[0]![c]! + xs[1]![c]!) / 2) * s);
    // (H, W) pools over C: gate σ(max − mean).
    const gHw = (w: number) => sig((Math.max(...xs[w]!) - (xs[w]![0]! + xs[w]![1]!) / 2) * s);
    const y = layer.apply(x) as tf.Tensor;
    expectValues(
      y,
      [0, 1].flatMap((w) => [0, 1].map((c) => (xs[w]![c]! * (gCw(w, c) + gHc(c) + gHw(w))) / 3)),
    );
    const maps = layer.attentionMaps(x as tf.Tensor4D);
    expectValues(maps.spatial!, [gHw(0), gHw(1)]);
    expectValues(
      maps.channel!,
      [0, 1].map((c) => ((gCw(0, c) + gCw(1, c)) / 2 + gHc(c)) / 2),
    );
    tf.dispose([x, y, maps.spatial!, maps.channel!, ...weights]);
  });

  it.each([0, 2, -7, 1.5, Number.NaN, '7'])('rejects kernelSize %s before any weight', (k) => {
    const make = () => createAttention('triplet', { kernelSize: k } as never);
    expect(make).toThrow(AttentionConfigError);
    expect(make).toThrow(/triplet: option 'kernelSize'/);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  AttentionRegistryError,
  attentionKeys,
  createAttention,
  registerAttention,
} from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';

import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '@sevar/wasm-kernels';
import { registerUserChannelScale, UserChannelScale } from './__tests__/user-gate.js';
import { cnn3 } from './cnn3.js';
import { resnet18 } from './resnet.js';

// A module registered from outside @sevar/layers goes wherever a built-in one goes: the models
// accept its key, it trains, and the saved model loads again with the stock loader. On wasm with
// the project's gradient kernels: ResNet-18 steps on the cpu backend take minutes.
beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
  registerUserChannelScale();
});

async function roundTrip(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(saved!));
}

/**
 * Two SGD steps in training mode on one batch; returns both losses. (Whether the second is lower
 * depends on the backend's rounding for a batch-of-2 ResNet: the test asks for finite losses and
 * moved weights, which is what shows the module trains.)
 */
function train(model: tfl.LayersModel, xShape: number[]): [number, number] {
  const x = tf.randomUniform(xShape, -1, 1, 'float32', 5);
  const labels = tf.tidy(() =>
    tf.oneHot(tf.tensor1d([1, 0, 3, 2].slice(0, xShape[0]), 'int32'), 10),
  );
  const optimizer = tf.train.sgd(0.05);
  const losses: number[] = [];
  for (let i = 0; i < 2; i++) {
    const cost = optimizer.minimize(
      () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor),
      true,
    );
    losses.push(cost!.dataSync()[0]!);
    cost!.dispose();
  }
  tf.dispose([x, labels]);
  optimizer.dispose();
  return [losses[0]!, losses[1]!];
}

describe('a user-registered attention module', () => {
  it('is in the registry and created by key', () => {
    expect(attentionKeys()).toContain('channel-scale');
    expect(createAttention('channel-scale', { initialScale: 2 })).toBeInstanceOf(UserChannelScale);
    expect(() =>
      registerAttention({
        key: 'channel-scale',
        title: 'again',
        citation: '',
        kind: 'channel',
        computes: '',
        layerClass: UserChannelScale,
      }),
    ).toThrow(AttentionRegistryError);
  });

  it.each([
    [
      'cnn3',
      () => cnn3({ attention: 'channel-scale', numClasses: 10, inputShape: [18, 18, 3] }),
      [2, 18, 18, 3],
    ],
    [
      'resnet18',
      () =>
        resnet18({
          attention: 'channel-scale',
          numClasses: 10,
          stem: 'cifar',
          inputShape: [8, 8, 3],
        }),
      [2, 8, 8, 3],
    ],
  ] as const)('trains inside %s and survives save/load', async (_name, build, xShape) => {
    const start = tf.memory().numTensors;
    const model = build();
    const modules = model.layers.filter((l) => l instanceof UserChannelScale);
    expect(modules.length).toBeGreaterThan(0);
    const before = modules.map((l) => l.getWeights().map((w) => w.dataSync().slice()));
    const [first, last] = train(model, [...xShape]);
    expect(Number.isFinite(first) && Number.isFinite(last)).toBe(true);
    modules.forEach((l, i) => {
      const after = l.getWeights().map((w) => w.dataSync());
      expect(after.some((w, j) => w.some((v, k) => v !== before[i]![j]![k]))).toBe(true);
    });
    const loaded = await roundTrip(model);
    const x = tf.randomUniform([...xShape], -1, 1, 'float32', 9);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(loaded.layers.filter((l) => l instanceof UserChannelScale).length).toBe(modules.length);
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

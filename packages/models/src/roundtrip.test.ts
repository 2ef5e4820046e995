import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { VARIANT_NAMES } from '@sevar/layers';
import { beforeAll, describe, expect, it } from 'vitest';

import { fillDeterministic, useCpu } from './__tests__/helpers.js';
import { cnn3, type Cnn3Options } from './cnn3.js';
import { describeModel } from './describe.js';
import { resnet18, resnet34, type ResNetOptions } from './resnet.js';

beforeAll(useCpu);

async function saveToMemory(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  const y = model.predict(x) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

const attentions = [null, ...VARIANT_NAMES] as const;

// Resnets at their smallest input (8x8 cifar, 32x32 imagenet) keep the cpu predictions cheap.
const cases: [string, () => tfl.LayersModel, number[]][] = [
  ...attentions.map((a): [string, () => tfl.LayersModel, number[]] => [
    `cnn3 ${a ?? 'none'}`,
    () => cnn3({ attention: a, numClasses: 10 } satisfies Cnn3Options),
    [2, 32, 32, 3],
  ]),
  ...VARIANT_NAMES.map((a): [string, () => tfl.LayersModel, number[]] => [
    `cnn3 ${a} replace-conv2`,
    () => cnn3({ attention: a, numClasses: 10, attentionPlacement: 'replace-conv2' }),
    [2, 32, 32, 3],
  ]),
  [
    'cnn3 bump conv3x3',
    () => cnn3({ attention: 'bump', numClasses: 10, attentionOptions: { bumpKind: 'conv3x3' } }),
    [2, 32, 32, 3],
  ],
  ...attentions.map((a): [string, () => tfl.LayersModel, number[]] => [
    `resnet18 cifar ${a ?? 'none'}`,
    () =>
      resnet18({
        attention: a,
        numClasses: 10,
        stem: 'cifar',
        inputShape: [8, 8, 3],
      } satisfies ResNetOptions),
    [1, 8, 8, 3],
  ]),
  [
    'resnet18 cifar se post-add',
    () =>
      resnet18({
        attention: 'se',
        numClasses: 100,
        stem: 'cifar',
        placement: 'post-add',
        inputShape: [8, 8, 3],
      }),
    [1, 8, 8, 3],
  ],
  [
    'resnet18 imagenet slow-excite',
    () =>
      resnet18({
        attention: 'slow-excite',
        numClasses: 1000,
        stem: 'imagenet',
        inputShape: [32, 32, 3],
      }),
    [1, 32, 32, 3],
  ],
  [
    'resnet34 cifar bump',
    () => resnet34({ attention: 'bump', numClasses: 10, stem: 'cifar', inputShape: [8, 8, 3] }),
    [1, 8, 8, 3],
  ],
];

describe('save -> load round trip (tf.io in memory)', () => {
  it.each(cases)('%s: same topology, weights and predictions', async (_name, build, xShape) => {
    const before = tf.memory().numTensors;
    const model = build();
    const x = tf.randomUniform(xShape, -1, 1, 'float32', 3);
    const initial = predict(model, x);
    fillDeterministic(model, 7);
    const expected = predict(model, x);
    // The initialisation disagrees, so the match below has to come from the loaded weights.
    expect(expected).not.toEqual(initial);

    const artifacts = await saveToMemory(model);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));

    expect(loaded.name).toBe(model.name);
    expect(loaded.layers.map((l) => [l.name, l.getClassName()])).toEqual(
      model.layers.map((l) => [l.name, l.getClassName()]),
    );
    expect(loaded.weights.map((w) => w.originalName)).toEqual(
      model.weights.map((w) => w.originalName),
    );
    expect(predict(loaded, x)).toEqual(expected);
    // Loaded attention layers are the registered @sevar/layers classes, so their MACs still count.
    expect(describeModel(loaded)).toEqual(describeModel(model));

    tf.dispose(x);
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

// Type-checked (not run) inside the fresh npm project, with the TypeScript settings a strict ESM
// user has: proves the published .d.ts files resolve through `exports` and say what they should.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createAttention,
  UnknownVariantError,
  VARIANT_NAMES,
  type AttentionOptions,
  type SqueezeExciteLayer,
  type VariantName,
} from '@sevar/layers';
import { cnn3, resnet18, type Cnn3Options } from '@sevar/models';
import { createBatches, loadEmbeddedSync, type ImageDataset } from '@sevar/datasets';
import { createOptimizer, createSchedule, train, type TrainOptions } from '@sevar/trainer';
import { registerWasmTrainingKernels } from '@sevar/wasm-kernels';
// @ts-expect-error internals are not exported: only the package root (and package.json) are
import type { getVariant } from '@sevar/layers/dist/registry.js';

const names: readonly VariantName[] = VARIANT_NAMES;
const options: AttentionOptions = { reduction: 8, minChannels: 2 };
const layer: SqueezeExciteLayer = createAttention(names[0]!, options);
const asTfLayer: tfl.layers.Layer = layer;
const error: Error = new UnknownVariantError('nope', names);

const cnnOptions: Cnn3Options = { attention: 'bump', numClasses: 10 };
const models: tfl.LayersModel[] = [
  cnn3(cnnOptions),
  resnet18({ attention: null, numClasses: 100, stem: 'cifar' }),
];
const data: ImageDataset = loadEmbeddedSync({ split: 'test', count: 8 });
const batches = createBatches(data, { batchSize: 4, augment: 'crop-flip' });
const trainOptions: TrainOptions = {
  model: models[0]!,
  data: { train: batches },
  optimizer: createOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9 }),
  schedule: createSchedule({ name: 'cosine', lr: 0.1 }),
  epochs: 1,
};
const done: Promise<{ history: unknown[] }> = train(trainOptions);
const registered: string[] = registerWasmTrainingKernels();
const t: tf.Tensor = tf.zeros([1]);

// @ts-expect-error misspelled option: the options type is exact, not `any`
createAttention('se', { reductio: 8 });
// @ts-expect-error bumpKind is 'dense' | 'conv3x3'
createAttention('bump', { bumpKind: 'conv5x5' });
// @ts-expect-error resnet18 needs a stem
resnet18({ attention: 'se', numClasses: 10 });

export { asTfLayer, error, done, registered, t };
export type { getVariant };

import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyModel, quadrants } from './__fixtures__/tiny.js';
import { activeBackendName, type ModuleImporter, useBackend } from './backend.js';
import { InvalidOptionError } from './errors.js';
import { createOptimizer } from './optimizers.js';
import { resolveTrainOptions, type TrainOptions } from './train-options.js';

/**
 * Stands in for @tensorflow/tfjs-node-gpu, which registers its backend as 'tensorflow' (the
 * name tfjs-node uses too): a cpu backend under that name.
 */
const fakeNodeGpu: ModuleImporter = async (specifier) => {
  expect(specifier).toBe('@tensorflow/tfjs-node-gpu');
  if (tf.findBackendFactory('tensorflow') === null) {
    tf.registerBackend('tensorflow', () => new MathBackendCPU());
    for (const k of tf.getKernelsForBackend('cpu'))
      tf.registerKernel({ ...k, backendName: 'tensorflow' });
  }
  return { version: { 'tfjs-node-gpu': tf.version_core } };
};

afterAll(() => {
  tf.removeBackend('tensorflow');
  tf.removeBackend('custom');
});

const options = (dataParallel: TrainOptions['dataParallel']): TrainOptions => ({
  model: tinyModel(1),
  data: { train: quadrants({ numExamples: 16, batchSize: 16, seed: 1 }) },
  optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
  epochs: 1,
  dataParallel,
});

describe('the backend data-parallel workers get', () => {
  it("is the one useBackend set: 'tensorflow-gpu', although tfjs names it 'tensorflow'", async () => {
    const info = await useBackend('tensorflow-gpu', { importModule: fakeNodeGpu });
    expect(info).toMatchObject({ name: 'tensorflow-gpu', tfName: 'tensorflow' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(activeBackendName()).toBe('tensorflow-gpu');
    expect(resolveTrainOptions(options({ workers: 3 })).dataParallel).toEqual({
      workers: 3,
      backend: 'tensorflow-gpu',
      imports: [],
    });
    // An explicit backend wins.
    expect(resolveTrainOptions(options({ backend: 'wasm' })).dataParallel!.backend).toBe('wasm');
  });

  it('follows the backend as it changes, also when set without useBackend', async () => {
    await useBackend('cpu');
    expect(resolveTrainOptions(options({})).dataParallel!.backend).toBe('cpu');
    // tfjs-node imported by the app itself: tf.getBackend() is the only clue, and enough.
    await tf.setBackend('tensorflow');
    expect(activeBackendName()).toBe('tensorflow');
    await tf.setBackend('cpu');
    expect(resolveTrainOptions(options(undefined)).dataParallel).toBeNull();
  });

  it('a backend useBackend cannot set up in a worker is refused, naming the option', async () => {
    tf.registerBackend('custom', () => new MathBackendCPU());
    await tf.setBackend('custom');
    try {
      const error = (() => {
        try {
          return resolveTrainOptions(options({}));
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as Error).message).toMatch(
        /^train: dataParallel\.backend: expected one of 'tensorflow-gpu', .*'cpu' .*, received "custom"/,
      );
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

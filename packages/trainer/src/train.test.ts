import '@tensorflow/tfjs-backend-cpu';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { quadrants, tinyModel, weightValues } from './__fixtures__/tiny.js';
import { tempDirs } from './__tests__/temp-dirs.js';
import { loadLatestCheckpoint } from './checkpoint.js';
import { CheckpointError, InvalidOptionError, NonFiniteLossError } from './errors.js';
import { createOptimizer } from './optimizers.js';
import { createSchedule } from './schedules.js';
import { evaluate, train } from './train.js';

const tempDir = tempDirs('sevar-trainer-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = () => ({
  train: quadrants({ numExamples: 96, batchSize: 16, seed: 1 }),
  test: quadrants({ numExamples: 48, batchSize: 16, seed: 2 }),
});

describe('train', () => {
  it('lowers the loss, logs JSON lines and keeps tf.memory().numTensors identical after each epoch', async () => {
    const dir = tempDir();
    const logFile = join(dir, 'metrics.jsonl');
    const model = tinyModel(1);
    const counts: number[] = [];
    const { history } = await train({
      model,
      data: data(),
      optimizer: createOptimizer({
        name: 'sgd',
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        weightDecay: 5e-4,
      }),
      schedule: createSchedule({ name: 'cosine', lr: 0.1, warmupEpochs: 1 }),
      epochs: 4,
      seed: 1,
      labelSmoothing: 0.1,
      checkpointDir: join(dir, 'ckpt'),
      logFile,
      progress: false,
      onEpochEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(new Set(counts).size).toBe(1);
    expect(history).toHaveLength(4);
    expect(history[3]!.train.loss).toBeLessThan(history[0]!.train.loss * 0.7);
    expect(history[3]!.test!.top1).toBeGreaterThan(0.8);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { epoch: number }).epoch)).toEqual([1, 2, 3, 4]);
    // Warmup: the first epoch starts at lr / stepsPerEpoch (6 steps).
    expect(history[0]!.lr).toBeCloseTo(0.1 / 6, 12);
    // Only the newest checkpoint and its predecessor are kept.
    expect(readdirSync(join(dir, 'ckpt')).sort()).toEqual(['ckpt-000003', 'ckpt-000004', 'latest']);
  });

  it('runs BN in training mode for steps (batch stats, moving averages updated) and inference mode for eval', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [8, 8, 1] }),
        tfl.layers.batchNormalization({ momentum: 0.5 }),
        tfl.layers.dense({ units: 4, kernelInitializer: 'ones', useBias: false }),
      ],
    });
    const source = quadrants({ numExamples: 16, batchSize: 16, seed: 9 });
    const [batch] = [...(source.epoch(0) as Iterable<{ xs: tf.Tensor; ys: tf.Tensor1D }>)];
    const expectedMean = tf.tidy(() =>
      tf.mul(tf.mean(tf.reshape(batch!.xs, [16, 64]), 0), 0.5).arraySync(),
    );
    tf.dispose([batch!.xs, batch!.ys]);
    // lr 0: weights stay put, so only BN's moving statistics can change.
    await train({
      model,
      data: { train: source },
      optimizer: createOptimizer({ name: 'sgd', lr: 0 }),
      epochs: 1,
      progress: false,
    });
    const movingMean = model.layers[1]!.getWeights()[2]!;
    const actual = Array.from(movingMean.dataSync());
    (expectedMean as number[]).forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 5));

    // evaluate() must use the moving statistics: compare with predict() (inference mode).
    const metrics = await evaluate(model, source);
    const [again] = [...(source.epoch(0) as Iterable<{ xs: tf.Tensor; ys: tf.Tensor1D }>)];
    const manual = tf.tidy(() => {
      const logits = model.predict(again!.xs) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(again!.ys, 4), logits).dataSync()[0]!;
    });
    tf.dispose([again!.xs, again!.ys]);
    expect(metrics.loss).toBeCloseTo(manual, 5);
  });

  it('is deterministic given a seed, and resume continues bit-for-bit', async () => {
    const run = async (dir: string, epochs: number, resume: boolean, seedModel = 4) => {
      const model = tinyModel(seedModel);
      const result = await train({
        model,
        data: data(),
        optimizer: createOptimizer({ name: 'adadelta', lr: 1.0 }),
        schedule: createSchedule({ name: 'step', lr: 1.0, stepSize: 1, gamma: 0.7 }),
        epochs,
        seed: 8,
        checkpointDir: dir,
        resume,
        progress: false,
      });
      return { weights: weightValues(model), result };
    };
    const full = await run(tempDir(), 3, false);
    const again = await run(tempDir(), 3, false);
    expect(again.weights).toEqual(full.weights);

    const dir = tempDir();
    await run(dir, 2, false);
    // A different initialisation proves the weights come from the checkpoint.
    const resumed = await run(dir, 3, true, 99);
    expect(resumed.result.resumedFromEpoch).toBe(2);
    expect(resumed.weights).toEqual(full.weights);
    expect(resumed.result.history.map((h) => h.train.loss)).toEqual(
      full.result.history.map((h) => h.train.loss),
    );
  });

  it('falls back to the previous checkpoint with a warning when the newest is corrupted', async () => {
    const dir = tempDir();
    const optimizer = createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9 });
    await train({
      model: tinyModel(2),
      data: data(),
      optimizer,
      epochs: 2,
      seed: 1,
      checkpointDir: dir,
      progress: false,
    });
    const file = join(dir, 'ckpt-000002', 'weights.bin');
    const bytes = readFileSync(file);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(file, bytes);

    const warnings: string[] = [];
    const loaded = await loadLatestCheckpoint(dir, (m) => warnings.push(m));
    expect(loaded!.manifest.state.epoch).toBe(1);
    tf.dispose([...loaded!.modelWeights, ...loaded!.optimizerWeights.map((w) => w.tensor)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /ckpt-000002: weights.bin sha256 .*\(corrupted file\).*resuming from .*ckpt-000001/,
    );

    const result = await train({
      model: tinyModel(2),
      data: data(),
      optimizer: createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9 }),
      epochs: 2,
      seed: 1,
      checkpointDir: dir,
      resume: true,
      progress: false,
      onWarning: () => {},
    });
    expect(result.resumedFromEpoch).toBe(1);
    expect(result.history).toHaveLength(2);

    // Corrupting every checkpoint is an error, not a silent fresh start.
    for (const name of ['ckpt-000001', 'ckpt-000002'])
      writeFileSync(join(dir, name, 'manifest.json'), '{');
    await expect(loadLatestCheckpoint(dir, () => {})).rejects.toThrow(CheckpointError);
  });

  it('stops on a NaN loss with NonFiniteLossError and keeps the last good checkpoint', async () => {
    const dir = tempDir();
    const model = tinyModel(3);
    const before = tf.memory().numTensors;
    const error = await train({
      model,
      data: {
        train: quadrants({
          numExamples: 96,
          batchSize: 16,
          seed: 1,
          poison: { epoch: 1, step: 2 },
        }),
      },
      optimizer: createOptimizer({ name: 'sgd', lr: 0.05 }),
      epochs: 3,
      seed: 1,
      checkpointDir: dir,
      progress: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect([e.epoch, e.step]).toEqual([2, 3]);
    expect(Number.isNaN(e.value)).toBe(true);
    expect(e.lastCheckpoint).toBe(join(dir, 'ckpt-000001'));
    // The optimizer's rate (the default constant schedule's): half of it is the suggestion.
    expect(e.initialLr).toBe(0.05);
    expect(e.hintOption).toEqual({ option: 'lr', value: 0.025 });
    expect(e.message).toMatch(
      /loss became NaN at epoch 2, step 3.*Last good checkpoint: .*ckpt-000001/,
    );
    expect(readFileSync(join(dir, 'latest'), 'utf8').trim()).toBe('ckpt-000001');
    const loaded = await loadLatestCheckpoint(dir, () => {
      throw new Error('no warning expected');
    });
    expect(loaded!.manifest.state.epoch).toBe(1);
    tf.dispose([...loaded!.modelWeights, ...loaded!.optimizerWeights.map((w) => w.tensor)]);
    // The poisoned step was not applied: every weight is still finite. No tensors leaked.
    for (const w of weightValues(model)) expect(w.every(Number.isFinite)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("suggests half the schedule's initial rate, not the rate of the failing step", async () => {
    const error = await train({
      model: tinyModel(3),
      data: {
        train: quadrants({
          numExamples: 32,
          batchSize: 16,
          seed: 1,
          poison: { epoch: 2, step: 0 },
        }),
      },
      optimizer: createOptimizer({ name: 'sgd', lr: 0.2 }),
      schedule: createSchedule({ name: 'step', lr: 0.2, stepSize: 1, gamma: 0.25 }),
      epochs: 3,
      seed: 1,
      progress: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    // Epoch 3 steps at 0.2 x 0.25^2; lr is the option that sets the whole schedule.
    expect([e.epoch, e.step]).toEqual([3, 1]);
    expect(e.hintOption).toEqual({ option: 'lr', value: 0.1 });
  });

  it('rejects bad options naming the option', async () => {
    const base = {
      model: tinyModel(5),
      data: data(),
      optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }),
      progress: false,
    };
    await expect(train({ ...base, epochs: 0 })).rejects.toThrow(
      /train: epochs: expected an integer >= 1, received 0/,
    );
    await expect(train({ ...base, epochs: 1, resume: true })).rejects.toThrow(InvalidOptionError);
    await expect(
      train({
        ...base,
        epochs: 1,
        optimizer: createOptimizer({ name: 'sgd', lr: 0.1, weightDecay: 1e-4 }),
        weightDecay: 1e-4,
      }),
    ).rejects.toThrow(/applied twice/);
    await expect(
      train({
        ...base,
        epochs: 1,
        data: { train: { epoch: () => [] } },
        schedule: createSchedule({ name: 'cosine', lr: 0.1 }),
      }),
    ).rejects.toThrow(/batchesPerEpoch/);
  });
});

import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { quadrants, tinyModel } from './__fixtures__/tiny.js';
import { tempDirs } from './__tests__/temp-dirs.js';
import { CheckpointError } from './errors.js';
import { EmptyDataError, NoUsableCheckpointError } from './io-errors.js';
import { createOptimizer } from './optimizers.js';
import { evaluate, train } from './train.js';
import type { TrainOptions } from './train.js';
import type { BatchSource } from './types.js';

const tempDir = tempDirs('sevar-reliability-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const empty: BatchSource = { numExamples: 0, batchesPerEpoch: 0, epoch: () => [] };

function options(extra: Partial<TrainOptions> = {}): TrainOptions {
  return {
    model: tinyModel(6),
    data: { train: quadrants({ numExamples: 32, batchSize: 16, seed: 1 }) },
    optimizer: createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9 }),
    epochs: 2,
    seed: 3,
    progress: false,
    ...extra,
  };
}

describe('train() refuses what would look like a result but is not', () => {
  it('a training source with no batches is an EmptyDataError naming data.train, not loss 0', async () => {
    const error = await train(options({ data: { train: empty } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmptyDataError);
    expect((error as EmptyDataError).source).toBe('train: data.train');
    expect((error as EmptyDataError).epoch).toBe(1);
    expect((error as Error).message).toBe(
      'train: data.train: expected at least one batch of examples in epoch 1, received 0. ' +
        'Check that the split holds examples.',
    );
  });

  it('so is an empty test source, and evaluate() on one', async () => {
    const train1 = quadrants({ numExamples: 16, batchSize: 16, seed: 1 });
    await expect(train(options({ data: { train: train1, test: empty } }))).rejects.toThrow(
      /^train: data\.test: expected at least one batch/,
    );
    await expect(evaluate(tinyModel(1), empty)).rejects.toThrow(
      /^evaluate: source: expected at least one batch/,
    );
  });
});

describe('resuming', () => {
  it('tells onResume where it continues from, before the first step', async () => {
    const dir = tempDir();
    await train(options({ checkpointDir: dir, epochs: 1 }));
    const events: string[] = [];
    const result = await train(
      options({
        checkpointDir: dir,
        resume: true,
        epochs: 2,
        onResume: (info) => {
          events.push(`resume ${JSON.stringify(info)}`);
        },
        onStepEnd: ({ epoch, step }) => {
          events.push(`step ${epoch}.${step}`);
        },
      }),
    );
    expect(result.resumedFromEpoch).toBe(1);
    expect(events).toEqual([
      `resume ${JSON.stringify({ epoch: 1, globalStep: 2, checkpoint: join(dir, 'ckpt-000001') })}`,
      'step 2.1',
      'step 2.2',
    ]);
    // A fresh start tells no one.
    let called = false;
    await train(
      options({
        checkpointDir: tempDir(),
        resume: true,
        onResume: () => {
          called = true;
        },
      }),
    );
    expect(called).toBe(false);
  });

  it('every checkpoint corrupt: NoUsableCheckpointError lists them and suggests resume: false, which works', async () => {
    const dir = tempDir();
    await train(options({ checkpointDir: dir }));
    writeFileSync(join(dir, 'ckpt-000002', 'manifest.json'), '{');
    writeFileSync(join(dir, 'ckpt-000001', 'weights.bin'), 'not the weights');
    const error = await train(options({ checkpointDir: dir, resume: true })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoUsableCheckpointError);
    expect(error).toBeInstanceOf(CheckpointError);
    const e = error as NoUsableCheckpointError;
    expect(e.dir).toBe(dir);
    expect(e.tried.map((t) => t.path)).toEqual([
      join(dir, 'ckpt-000002'),
      join(dir, 'ckpt-000001'),
    ]);
    expect(e.tried[0]!.reason).toMatch(/manifest\.json is missing or not valid JSON/);
    expect(e.tried[1]!.reason).toMatch(/weights\.bin sha256 .* \(corrupted file\)/);
    expect(e.hintOption).toEqual({ option: 'resume', value: false });
    expect(e.message).toMatch(
      /expected a readable checkpoint, received 2 unreadable \(.*ckpt-000002: .*; .*ckpt-000001: .*\)\. Start fresh with resume: false/,
    );

    // The hint holds: a fresh run in the same directory trains and replaces them.
    const fresh = await train(options({ checkpointDir: dir }));
    expect(fresh.history).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(['ckpt-000001', 'ckpt-000002', 'latest']);
    const resumed = await train(options({ checkpointDir: dir, resume: true, epochs: 3 }));
    expect(resumed.resumedFromEpoch).toBe(2);
  });
});

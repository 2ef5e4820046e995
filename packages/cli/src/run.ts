import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createBatches } from '@sevar/datasets';
import type { ImageDataset } from '@sevar/datasets';
import { isVariantName, VARIANTS } from '@sevar/layers';
import { createModel, describeModel } from '@sevar/models';
import {
  createOptimizer,
  createSchedule,
  evaluate,
  train,
  TrainerError,
  withSeed,
} from '@sevar/trainer';
import type { EpochRecord, Metrics, ScheduleOptions } from '@sevar/trainer';
import type { Context } from './context.js';
import { NUM_CLASSES } from './data.js';
import { CliError, InterruptedError, UsageError } from './errors.js';
import { saveModel } from './model-io.js';
import { augmentOptions } from './recipe.js';
import type { Recipe } from './recipe.js';

/** `none` (no attention) or a variant registry key. */
export type Method = string;

export const METHOD_NONE = 'none';

/** Methods in the paper's row order: `none`, then the variants as registered. */
export function allMethods(): string[] {
  return [METHOD_NONE, ...VARIANTS.map((v) => v.name)];
}

export interface RunSpec {
  recipe: Recipe;
  method: Method;
  seed: number;
}

/** What a finished run leaves in `result.json`. */
export interface RunResult {
  method: Method;
  seed: number;
  trainableParams: number;
  macsPerImage: number;
  history: EpochRecord[];
  test: Metrics;
  /** Training throughput over all epochs (examples / training seconds). */
  trainImagesPerSecond: number;
  /** Final evaluation throughput. */
  evalImagesPerSecond: number;
  backend: string;
  finishedAt: string;
}

export const RUN_FILES = {
  spec: 'run.json',
  log: 'log.jsonl',
  checkpoints: 'checkpoints',
  result: 'result.json',
  model: 'model',
} as const;

export function runName(spec: Pick<RunSpec, 'method' | 'seed'>): string {
  return `${spec.method}-seed${spec.seed}`;
}

export function buildModel(
  recipe: Recipe,
  method: Method,
  seed: number,
  numClasses = NUM_CLASSES[recipe.dataset],
): tfl.LayersModel {
  if (method !== METHOD_NONE && !isVariantName(method)) {
    throw new UsageError('method', `one of ${allMethods().join(', ')}`, method);
  }
  const attention = method === METHOD_NONE ? null : method;
  const inputShape: [number, number, number] = [recipe.imageSize, recipe.imageSize, 3];
  return withSeed(seed, () =>
    recipe.model === 'cnn3'
      ? createModel('cnn3', { attention, numClasses, inputShape })
      : createModel(recipe.model, { attention, numClasses, inputShape, stem: recipe.stem }),
  );
}

function scheduleOptions(recipe: Recipe): ScheduleOptions {
  switch (recipe.schedule) {
    case 'step':
      return { name: 'step', lr: recipe.lr, stepSize: 1, gamma: recipe.gamma };
    case 'cosine':
      return { name: 'cosine', lr: recipe.lr };
    default:
      return { name: 'constant', lr: recipe.lr };
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`${path}: expected JSON written by sevar, ${(error as Error).message}`);
  }
}

/** The finished result in `dir`, or null when the run has not finished. */
export async function readRunResult(dir: string): Promise<RunResult | null> {
  return readJson<RunResult>(join(dir, RUN_FILES.result));
}

class StopRequest extends Error {
  constructor() {
    super('stop requested');
    this.name = 'StopRequest';
  }
}

export interface RunOptions {
  dir: string;
  train: ImageDataset;
  test: ImageDataset;
  ctx: Context;
  /** Label of progress lines. */
  label: string;
  backend: string;
  /** Also write the trained model to `<dir>/model`. Default true. */
  saveModel?: boolean;
  /** Data-parallel worker threads (`train`'s `dataParallel`); default 1: this thread. */
  workers?: number;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

export function formatEpoch(r: EpochRecord, epochs: number): string {
  const test =
    r.test === null ? '' : `  test loss ${r.test.loss.toFixed(4)} top-1 ${pct(r.test.top1)}`;
  return (
    `epoch ${r.epoch}/${epochs}  train loss ${r.train.loss.toFixed(4)} top-1 ${pct(r.train.top1)}` +
    `${test}  ${r.imagesPerSecond.toFixed(0)} img/s  ${r.seconds.toFixed(1)}s`
  );
}

/**
 * Trains (or resumes, or skips when finished) one run in `dir`: `run.json` (its spec),
 * `checkpoints/` (one per epoch), `log.jsonl` (one line per epoch), then `result.json` and
 * `model/`. A different spec already in `dir` is an error rather than a silent overwrite.
 */
export async function runOne(spec: RunSpec, options: RunOptions): Promise<RunResult> {
  const { dir, ctx, label } = options;
  const { recipe, method, seed } = spec;
  await mkdir(dir, { recursive: true });
  const specPath = join(dir, RUN_FILES.spec);
  const existing = await readJson<RunSpec>(specPath);
  if (existing !== null && JSON.stringify(existing) !== JSON.stringify(spec)) {
    throw new CliError(
      `${specPath} holds a run with other settings (${JSON.stringify(existing.recipe)}); ` +
        `expected ${JSON.stringify(recipe)}. Use another --out, or --fresh to start over`,
    );
  }
  const done = await readRunResult(dir);
  if (done !== null) {
    ctx.stderr.write(`${label}: finished earlier, reusing ${join(dir, RUN_FILES.result)}\n`);
    return done;
  }
  if (ctx.interrupt.stopAfterEpoch) {
    throw new InterruptedError(
      `interrupted before ${label} started; run the same command again to go on`,
    );
  }
  await writeFile(specPath, `${JSON.stringify(spec, null, 2)}\n`);

  const aug = augmentOptions(recipe);
  const trainBatches = createBatches(options.train, {
    batchSize: recipe.batchSize,
    seed,
    augment: aug.train,
  });
  const testBatches = createBatches(options.test, {
    batchSize: Math.max(recipe.batchSize, 100),
    shuffle: false,
    augment: aug.test,
  });
  const model = buildModel(recipe, method, seed);
  const optimizer = createOptimizer({
    name: recipe.optimizer,
    lr: recipe.lr,
    ...(recipe.optimizer === 'sgd' ? { momentum: recipe.momentum } : {}),
    weightDecay: recipe.weightDecay,
  });
  const checkpointDir = join(dir, RUN_FILES.checkpoints);
  let completed = 0;
  ctx.interrupt.training = true;
  try {
    const described = describeModel(model);
    const result = await train({
      model,
      optimizer,
      schedule: createSchedule(scheduleOptions(recipe)),
      epochs: recipe.epochs,
      seed,
      data: { train: trainBatches, test: testBatches },
      checkpointDir,
      resume: true,
      logFile: join(dir, RUN_FILES.log),
      progress: ctx.progress,
      ...((options.workers ?? 1) > 1
        ? {
            dataParallel: {
              workers: options.workers,
              // Registers the attention layers in each worker before the model is rebuilt.
              imports: [import.meta.resolve('@sevar/models')],
            },
          }
        : {}),
      onWarning: (m) => ctx.stderr.write(`${label}: warning: ${m}\n`),
      onEpochEnd: (r) => {
        completed = r.epoch;
        ctx.stderr.write(`${label}: ${formatEpoch(r, recipe.epochs)}\n`);
        if (ctx.interrupt.stopAfterEpoch && r.epoch < recipe.epochs) throw new StopRequest();
      },
      onStepEnd: () => {
        if (ctx.interrupt.stopNow) throw new StopRequest();
      },
    }).catch((error: unknown) => {
      if (error instanceof StopRequest) {
        throw new InterruptedError(
          `interrupted: ${label} stopped after ${completed} of ${recipe.epochs} epochs; ` +
            `checkpoint in ${checkpointDir}; run the same command again to resume`,
        );
      }
      if (error instanceof TrainerError) {
        throw new CliError(`${label}: ${error.message}`, 1, { cause: error });
      }
      throw error;
    });
    if (result.resumedFromEpoch !== null && completed === 0) completed = result.resumedFromEpoch;
    const started = performance.now();
    const test = await evaluate(model, testBatches);
    const evalSeconds = (performance.now() - started) / 1000;
    const trainSeconds = result.history.reduce((a, r) => a + r.seconds, 0);
    const trainExamples = result.history.reduce((a, r) => a + r.train.examples, 0);
    const runResult: RunResult = {
      method,
      seed,
      trainableParams: described.trainableParams,
      macsPerImage: described.macsPerImage,
      history: result.history,
      test,
      trainImagesPerSecond: trainExamples / Math.max(trainSeconds, 1e-9),
      evalImagesPerSecond: test.examples / Math.max(evalSeconds, 1e-9),
      backend: options.backend,
      finishedAt: new Date().toISOString(),
    };
    if (options.saveModel !== false) await saveModel(model, join(dir, RUN_FILES.model));
    await writeFile(join(dir, RUN_FILES.result), `${JSON.stringify(runResult, null, 2)}\n`);
    return runResult;
  } finally {
    ctx.interrupt.training = false;
    model.dispose();
    optimizer.dispose();
  }
}

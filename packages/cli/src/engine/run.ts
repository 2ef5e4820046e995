import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createBatches } from '@sevar/datasets';
import type { ImageDataset } from '@sevar/datasets';
import type { AttentionName } from '@sevar/layers';
import { createModel, describeModel, SevarModelsError } from '@sevar/models';
import {
  createOptimizer,
  createSchedule,
  evaluate,
  loadLatestCheckpoint,
  train,
  TrainerError,
  withSeed,
} from '@sevar/trainer';
import type { EpochRecord, ScheduleOptions, SevarOptimizer, TrainOptions } from '@sevar/trainer';
import type { Context } from '../context.js';
import { DATASETS } from '@sevar/datasets';
import { CliError, InterruptedError } from '../errors.js';
import { cliText } from '../library-flags.js';
import { saveModel } from '../model-io.js';
import { augmentOptions, hasStem } from './recipe.js';
import type { Recipe } from './recipe.js';
import {
  extendsEpochs,
  latestCheckpointEpoch,
  readRunResult,
  readRunSpec,
  RUN_FILES,
  RunFileError,
  RunSettingsError,
  specDifferences,
  writeJsonAtomic,
} from './run-files.js';
import type { RunResult, RunSpec } from './run-files.js';

/**
 * The model of `recipe` with `attention`; `undefined` builds the model's own default (the
 * built-in SE of MobileNetV3 and EfficientNet, no module elsewhere).
 */
export function buildModel(
  recipe: Recipe,
  attention: AttentionName | undefined,
  seed: number,
  numClasses = DATASETS[recipe.dataset].numClasses,
): tfl.LayersModel {
  const inputShape: [number, number, number] = [recipe.imageSize, recipe.imageSize, 3];
  const stem = hasStem(recipe.model) ? { stem: recipe.stem } : {};
  return withSeed(seed, () =>
    createModel(recipe.model, { attention, numClasses, inputShape, ...stem }),
  );
}

/**
 * Builds (and drops) the model of `recipe` with the last of `attentions`, so that settings the
 * model refuses (an image too small for its downsampling) fail before any data is loaded or file
 * written, as a usage error.
 */
export function checkBuildable(recipe: Recipe, attentions: readonly AttentionName[]): void {
  try {
    buildModel(recipe, attentions[attentions.length - 1] ?? 'none', 0).dispose();
  } catch (error) {
    if (error instanceof SevarModelsError) {
      throw new CliError(error.message, 2, { cause: error });
    }
    throw error;
  }
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

function createRunOptimizer(recipe: Recipe): SevarOptimizer {
  return createOptimizer({
    name: recipe.optimizer,
    lr: recipe.lr,
    ...(recipe.optimizer === 'sgd' ? { momentum: recipe.momentum } : {}),
    weightDecay: recipe.weightDecay,
  });
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
  /** Called after each epoch, once its checkpoint is written (a sweep worker reports progress). */
  onEpochEnd?: (record: EpochRecord) => void | Promise<void>;
  /** Called when the run goes on from a checkpoint, with the epochs it had completed. */
  onResume?: (epoch: number) => void | Promise<void>;
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the folder against `spec` and resolves to its finished result, or null when the run is
 * to be trained. A `run.json` of a start that failed before its first checkpoint is replaced; one
 * with checkpoints and other settings is an error naming them, unless the only change is more
 * epochs: then the run goes on from its last checkpoint.
 */
async function inspectRun(
  spec: RunSpec,
  dir: string,
  ctx: Context,
  label: string,
): Promise<RunResult | null> {
  const checkpointEpoch = await latestCheckpointEpoch(join(dir, RUN_FILES.checkpoints));
  const hasResult = await exists(join(dir, RUN_FILES.result));
  const started = checkpointEpoch !== null || hasResult;
  let stored: RunSpec | null;
  try {
    stored = await readRunSpec(dir);
  } catch (error) {
    if (!(error instanceof RunFileError) || started) throw error;
    stored = null; // unreadable and nothing trained: replaced below
  }
  if (stored !== null && specDifferences(stored, spec).length > 0) {
    if (started && extendsEpochs(stored, spec)) {
      ctx.stderr.write(
        `${label}: extending the run from ${stored.recipe.epochs} to ${spec.recipe.epochs} epochs ` +
          '(its learning-rate schedule now spans the new total)\n',
      );
      await rm(join(dir, RUN_FILES.result), { force: true });
    } else if (started) {
      throw new RunSettingsError(join(dir, RUN_FILES.spec), specDifferences(stored, spec));
    }
  }
  return readRunResult(dir);
}

/**
 * Trains (or resumes, or skips when finished) one run in `dir`: `run.json` (its spec),
 * `checkpoints/` (one per epoch), `log.jsonl` (one line per epoch), then `result.json` and
 * `model/`. A different spec already in `dir` is an error rather than a silent overwrite.
 */
export async function runOne(spec: RunSpec, options: RunOptions): Promise<RunResult> {
  const { dir, ctx, label } = options;
  await mkdir(dir, { recursive: true });
  const finished = await inspectRun(spec, dir, ctx, label);
  if (finished !== null) {
    ctx.stderr.write(`${label}: finished earlier, reusing ${join(dir, RUN_FILES.result)}\n`);
    if (options.saveModel !== false) await ensureModel(spec, dir, ctx, label);
    return finished;
  }
  if (ctx.interrupt.stopAfterEpoch) {
    throw new InterruptedError(
      `interrupted before ${label} started; run the same command again to go on`,
    );
  }
  return trainRun(spec, options);
}

/** Re-exports `model/` of a finished run from its final checkpoint when it was deleted. */
async function ensureModel(spec: RunSpec, dir: string, ctx: Context, label: string) {
  const modelDir = join(dir, RUN_FILES.model);
  if (await exists(join(modelDir, 'model.json'))) return;
  const checkpoints = join(dir, RUN_FILES.checkpoints);
  const loaded = await loadLatestCheckpoint(checkpoints, (m) =>
    ctx.stderr.write(`${label}: warning: ${m}\n`),
  );
  const epoch = loaded?.manifest.state.epoch;
  if (loaded === null || epoch !== spec.recipe.epochs) {
    throw new RunFileError(
      modelDir,
      `a saved model, or the checkpoint of epoch ${spec.recipe.epochs} in ${checkpoints} to export it from`,
      loaded === null ? 'neither' : `only the checkpoint of epoch ${epoch}`,
      'Use --fresh to train the run again.',
    );
  }
  const model = buildModel(spec.recipe, spec.attention, spec.seed);
  try {
    model.setWeights(loaded.modelWeights);
    await saveModel(model, modelDir);
  } finally {
    model.dispose();
    for (const t of [...loaded.modelWeights, ...loaded.optimizerWeights.map((w) => w.tensor)]) {
      t.dispose();
    }
  }
  ctx.stderr.write(`${label}: ${modelDir} was missing; exported it again from epoch ${epoch}\n`);
}

function dataParallel(workers: number | undefined): Partial<TrainOptions> {
  if ((workers ?? 1) <= 1) return {};
  // Registers the attention layers in each worker before the model is rebuilt.
  return { dataParallel: { workers, imports: [import.meta.resolve('@sevar/models')] } };
}

type Batches = ReturnType<typeof createBatches>;

function runBatches(spec: RunSpec, options: RunOptions): { train: Batches; test: Batches } {
  const { recipe, seed } = spec;
  const aug = augmentOptions(recipe);
  return {
    train: createBatches(options.train, { batchSize: recipe.batchSize, seed, augment: aug.train }),
    test: createBatches(options.test, {
      batchSize: Math.max(recipe.batchSize, 100),
      shuffle: false,
      augment: aug.test,
    }),
  };
}

function createTraining(spec: RunSpec): { model: tfl.LayersModel; optimizer: SevarOptimizer } {
  const model = buildModel(spec.recipe, spec.attention, spec.seed);
  try {
    return { model, optimizer: createRunOptimizer(spec.recipe) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

async function trainRun(spec: RunSpec, options: RunOptions): Promise<RunResult> {
  const { dir, ctx } = options;
  const batches = runBatches(spec, options);
  // Built before run.json is written: settings the model or optimizer refuse leave no run behind.
  const { model, optimizer } = createTraining(spec);
  ctx.interrupt.training = true;
  try {
    await writeJsonAtomic(join(dir, RUN_FILES.spec), spec);
    const described = describeModel(model);
    const history = await trainLoop(spec, options, model, optimizer, batches);
    const started = performance.now();
    const test = await evaluate(model, batches.test);
    const evalSeconds = (performance.now() - started) / 1000;
    const trainSeconds = history.reduce((a, r) => a + r.seconds, 0);
    const trainExamples = history.reduce((a, r) => a + r.train.examples, 0);
    const runResult: RunResult = {
      attention: spec.attention,
      seed: spec.seed,
      trainableParams: described.trainableParams,
      macsPerImage: described.macsPerImage,
      history,
      test,
      trainImagesPerSecond: trainExamples / Math.max(trainSeconds, 1e-9),
      evalImagesPerSecond: test.examples / Math.max(evalSeconds, 1e-9),
      backend: options.backend,
      finishedAt: new Date().toISOString(),
    };
    if (options.saveModel !== false) await saveModel(model, join(dir, RUN_FILES.model));
    await writeJsonAtomic(join(dir, RUN_FILES.result), runResult);
    return runResult;
  } finally {
    ctx.interrupt.training = false;
    model.dispose();
    optimizer.dispose();
  }
}

/** `train()` with checkpoints, the log, progress lines and Ctrl-C; resolves to the history. */
async function trainLoop(
  spec: RunSpec,
  options: RunOptions,
  model: tfl.LayersModel,
  optimizer: SevarOptimizer,
  batches: { train: Batches; test: Batches },
): Promise<EpochRecord[]> {
  const { dir, ctx, label } = options;
  const { recipe } = spec;
  const checkpointDir = join(dir, RUN_FILES.checkpoints);
  let completed = 0;
  const result = await train({
    model,
    optimizer,
    schedule: createSchedule(scheduleOptions(recipe)),
    epochs: recipe.epochs,
    seed: spec.seed,
    data: batches,
    checkpointDir,
    resume: true,
    logFile: join(dir, RUN_FILES.log),
    progress: ctx.progress,
    ...dataParallel(options.workers),
    onResume: async (info) => {
      completed = info.epoch;
      ctx.stderr.write(`${label}: resuming from epoch ${info.epoch} (${info.checkpoint})\n`);
      await options.onResume?.(info.epoch);
    },
    onWarning: (m) => ctx.stderr.write(`${label}: warning: ${m}\n`),
    onEpochEnd: async (r) => {
      completed = r.epoch;
      ctx.stderr.write(`${label}: ${formatEpoch(r, recipe.epochs)}\n`);
      await options.onEpochEnd?.(r);
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
      throw new CliError(`${label}: ${cliText(error)}`, 1, { cause: error });
    }
    throw error;
  });
  return result.history;
}

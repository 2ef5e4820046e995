import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's gradient functions (tfjs-core's Node entry does not).
import '@tensorflow/tfjs-layers';
import { foldBatchNormInference, fuseBatchNormTraining } from '@sevar/layers';
import { evaluateSource } from './evaluate.js';
import { EmptyDataError } from './io-errors.js';
import { createProgress, type ProgressReporter } from './progress.js';
import { Rng } from './rng.js';
import { addToSums, emptySums, toMetrics } from './step.js';
import {
  type ResolvedTrainOptions,
  resolveTrainOptions,
  setLearningRate,
  type TrainOptions,
  type TrainResult,
} from './train-options.js';
import { createStepRunner, type StepRunner } from './train-step.js';
import type * as TrainFiles from './train-files.js';
import type { EpochRecord } from './types.js';

export { evaluate } from './evaluate.js';
export type { ResumeInfo, StepInfo, TrainOptions, TrainResult } from './train-options.js';

/** What a run carries from epoch to epoch (and through a checkpoint). */
interface RunState {
  /** Completed epochs. */
  epoch: number;
  globalStep: number;
  history: EpochRecord[];
  lastCheckpoint: string | null;
  resumedFromEpoch: number | null;
}

interface Run {
  options: TrainOptions;
  resolved: ResolvedTrainOptions;
  rng: Rng;
  progress: ProgressReporter;
  /** Checkpoint and log files; null when the run writes none. */
  files: typeof TrainFiles | null;
  state: RunState;
}

/**
 * Trains `model` on a custom loop: per-step learning rates from the schedule, BN in training mode
 * for train steps and inference mode for evaluation, loss/top-1/top-5 on train (running) and test
 * every epoch, an atomic checkpoint per epoch, JSON-lines metrics and a progress bar. A NaN or
 * infinite loss throws `NonFiniteLossError` before the step is applied.
 *
 * Bit-exact resume and determinism (on the cpu backend) need: the model's initial weights built
 * under `withSeed`, a `seed` here, and a data source whose batches depend only on the epoch.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const resolved = resolveTrainOptions(options);
  const rng = new Rng(resolved.seed);
  const progress = await createProgress(options.progress);
  // Checkpoints and logs need the file system: loaded only when asked for, so that `train`
  // also runs in a browser bundle.
  const files =
    resolved.checkpointDir !== undefined || resolved.logFile !== undefined
      ? await import('./train-files.js')
      : null;
  const state: RunState = {
    epoch: 0,
    globalStep: 0,
    history: [],
    lastCheckpoint: null,
    resumedFromEpoch: null,
  };
  const run: Run = { options, resolved, rng, progress, files, state };
  await resume(run);
  // Also off where asked: @sevar/models builds its batch norms fused.
  fuseBatchNormTraining(options.model, resolved.fusedBatchNorm);
  foldBatchNormInference(options.model, resolved.fusedBatchNorm);
  const runner = await createStepRunner(options.model, options.optimizer, rng, resolved);
  try {
    for (let epoch = state.epoch; epoch < resolved.epochs; epoch++) {
      const record = await trainEpoch(run, runner, epoch);
      state.history.push(record);
      state.epoch = epoch + 1;
      await writeEpoch(run, record);
      await options.onEpochEnd?.(record);
    }
  } finally {
    await runner.close();
  }
  const { history, resumedFromEpoch, lastCheckpoint } = state;
  return { history, resumedFromEpoch, lastCheckpoint };
}

/** With `resume`, restores the newest readable checkpoint and tells `onResume`. */
async function resume(run: Run): Promise<void> {
  const { options, resolved, files, state } = run;
  if (!resolved.resume || files === null || resolved.checkpointDir === undefined) return;
  const resumed = await files.resumeFromCheckpoint(
    resolved.checkpointDir,
    options.model,
    options.optimizer,
    resolved.warn,
  );
  if (resumed === null) return;
  const saved = resumed.state;
  state.epoch = saved.epoch;
  state.globalStep = saved.globalStep;
  state.history = saved.history;
  run.rng.setState(saved.rng);
  state.lastCheckpoint = resumed.path;
  state.resumedFromEpoch = saved.epoch;
  await options.onResume?.({
    epoch: saved.epoch,
    globalStep: saved.globalStep,
    checkpoint: resumed.path,
  });
}

/** A step run and not read yet: what its report needs besides its values. */
interface Unread {
  step: number;
  lr: number;
  examples: number;
}

/** Trains one epoch (0-based `epoch`) and evaluates on `data.test`. */
async function trainEpoch(run: Run, runner: StepRunner, epoch: number): Promise<EpochRecord> {
  const { options, resolved, progress, state } = run;
  const sums = emptySums();
  const started = performance.now();
  let step = 0;
  let firstLr = NaN;
  let unread: Unread[] = [];
  // Adds the steps read since the last report to the sums, the progress bar and onStepEnd.
  const report = async () => {
    const values = await runner.read();
    const steps = unread;
    unread = [];
    for (const [i, s] of steps.entries()) {
      addToSums(sums, values[i]!, s.examples);
      const running = toMetrics(sums);
      const seconds = (performance.now() - started) / 1000;
      progress.update(s.step, {
        loss: running.loss,
        top1: running.top1,
        imagesPerSecond: sums.examples / Math.max(seconds, 1e-9),
      });
      const loss = values[i]![0]! / s.examples;
      await options.onStepEnd?.({ epoch: epoch + 1, step: s.step, loss, lr: s.lr });
    }
  };
  progress.start(epoch + 1, resolved.epochs, resolved.stepsPerEpoch);
  try {
    for await (const { xs, ys } of options.data.train.epoch(epoch)) {
      try {
        const lr = resolved.schedule.learningRate({
          epoch,
          stepInEpoch: step,
          stepsPerEpoch: resolved.stepsPerEpoch ?? 0,
          totalEpochs: resolved.epochs,
        });
        if (step === 0) firstLr = lr;
        setLearningRate(options.optimizer, lr);
        const at = {
          epoch: epoch + 1,
          step: step + 1,
          lastCheckpoint: state.lastCheckpoint,
          initialLr: resolved.schedule.lr ?? null,
        };
        await runner.run(xs, ys, at);
        step++;
        state.globalStep++;
        unread.push({ step, lr, examples: ys.shape[0] });
      } finally {
        tf.dispose([xs, ys]);
      }
      if (runner.unread() >= resolved.readEvery) await report();
    }
    if (runner.unread() > 0) await report();
  } finally {
    progress.stop();
  }
  // An empty epoch would "train" to loss 0 and accuracy 0 and look like a result.
  if (step === 0) throw new EmptyDataError('train: data.train', epoch + 1);
  const seconds = (performance.now() - started) / 1000;
  const { test } = options.data;
  return {
    epoch: epoch + 1,
    lr: firstLr,
    train: toMetrics(sums),
    test:
      test === undefined
        ? null
        : await evaluateSource(options.model, test, resolved.testLoss, 'train: data.test'),
    seconds,
    imagesPerSecond: sums.examples / Math.max(seconds, 1e-9),
  };
}

/** The epoch's checkpoint and log line, when the run writes them. */
async function writeEpoch(run: Run, record: EpochRecord): Promise<void> {
  const { options, resolved, files, state } = run;
  if (files === null) return;
  if (resolved.checkpointDir !== undefined) {
    const { optimizer } = options;
    state.lastCheckpoint = await files.writeCheckpoint(
      resolved.checkpointDir,
      options.model,
      optimizer,
      {
        epoch: record.epoch,
        globalStep: state.globalStep,
        rng: run.rng.getState(),
        history: state.history,
        optimizer: { className: optimizer.getClassName(), config: optimizer.getConfig() },
      },
      state.lastCheckpoint,
    );
  }
  if (resolved.logFile !== undefined) await files.appendLogLine(resolved.logFile, record);
}

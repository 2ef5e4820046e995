// The sandboxed processor of `sevar worker`: BullMQ forks one child process per concurrent run
// and reuses it for the next job, so the backend and the datasets load once per child. A child
// that loses its parent (the machine's worker was killed) exits at once, so that the run's
// store folder has one writer when another worker takes the job over.
import { appendFile, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { SandboxedJob } from 'bullmq';
import * as tf from '@tensorflow/tfjs-core';
import type { ImageDataset } from '@sevar/datasets';
import type { EpochRecord } from '@sevar/trainer';
import { describeBackend, setBackend } from '../backend.js';
import type { Context } from '../context.js';
import { Interrupt } from '../context.js';
import { loadSplit } from '../data.js';
import { importModules } from '../imports.js';
import type { Recipe } from '../engine/recipe.js';
import { latestCheckpointEpoch, readRunResult, RUN_FILES } from '../engine/run-files.js';
import { runOne } from '../engine/run.js';
import { InterruptedError } from '../errors.js';
import { checkRunJob, runLabel, storeRunDir } from './jobs.js';
import type { RunJobResult } from './jobs.js';
import { jobFailure } from './failures.js';
import { readWorkerConfig, STOP_REASON } from './worker-config.js';

tf.env().set('PROD', true);
const config = readWorkerConfig();
const interrupt = new Interrupt();
const ctx: Context = {
  stdout: { write: (s) => void process.stdout.write(s) },
  stderr: { write: (s) => void process.stderr.write(s) },
  interrupt,
  progress: false,
};

if (process.send !== undefined) process.on('disconnect', () => process.exit(1));
// Ctrl-C or a stop of the worker: the run stops after its epoch, and its job goes back to wait.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => interrupt.press());

let backend: Promise<string> | null = null;
let data: { key: string; splits: Promise<[ImageDataset, ImageDataset]> } | null = null;

function splitsOf(recipe: Recipe): Promise<[ImageDataset, ImageDataset]> {
  const key = JSON.stringify([recipe.dataset, recipe.limitTrain, recipe.limitTest]);
  if (data?.key !== key) {
    const load = (split: 'train' | 'test', limit: number | undefined) =>
      loadSplit(recipe.dataset, split, {
        limit,
        dataDir: config.dataDir,
        download: config.download,
        verify: config.verify,
      });
    const splits = Promise.all([load('train', recipe.limitTrain), load('test', recipe.limitTest)]);
    data = { key, splits };
    splits.catch(() => (data = null));
  }
  return data.splits;
}

/** One line per attempt that trains, in the run's store folder: who trained it, from where. */
async function recordAttempt(dir: string, job: SandboxedJob, resumedFrom: number | null) {
  const line = {
    worker: config.name,
    host: hostname(),
    pid: process.pid,
    attempt: job.attemptsMade + 1,
    resumedFromEpoch: resumedFrom,
    startedAt: new Date().toISOString(),
  };
  await appendFile(join(dir, 'attempts.jsonl'), `${JSON.stringify(line)}\n`);
}

function progressOf(r: EpochRecord, epochs: number) {
  return {
    epoch: r.epoch,
    epochs,
    loss: r.train.loss,
    top1: r.train.top1,
    testTop1: r.test?.top1 ?? null,
    imagesPerSecond: r.imagesPerSecond,
  };
}

async function train(job: SandboxedJob, signal: AbortSignal | undefined): Promise<RunJobResult> {
  // The worker's `--import` modules (user attention modules) first, once per child: the job's
  // attention is checked against the registry they extend.
  backend ??= importModules(config.imports ?? []).then(async () =>
    // One run per process and `--concurrency` processes per machine: one wasm thread each, as
    // compare's worker threads do (more would oversubscribe the cores).
    describeBackend(await setBackend(config.backend, ctx, { wasmThreads: 1 })),
  );
  const backendName = await backend;
  const spec = checkRunJob(String(job.id), job.data);
  const dir = storeRunDir(config.store, String(job.id));
  await mkdir(dir, { recursive: true });
  // A lost lock stops the run after this step; a stop of the worker after this epoch.
  const onAbort = () => {
    const presses = signal?.reason === STOP_REASON ? 1 : 2;
    while (interrupt.presses < presses) interrupt.press();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const [trainSet, testSet] = await splitsOf(spec.recipe);
    const finished = (await readRunResult(dir)) !== null;
    if (!finished) {
      await recordAttempt(dir, job, await latestCheckpointEpoch(join(dir, RUN_FILES.checkpoints)));
    }
    let resumedFromEpoch: number | null = null;
    const result = await runOne(spec, {
      dir,
      train: trainSet,
      test: testSet,
      ctx,
      label: runLabel(spec),
      backend: backendName,
      onResume: (epoch) => {
        resumedFromEpoch = epoch;
      },
      onEpochEnd: (r) => job.updateProgress(progressOf(r, spec.recipe.epochs)),
    });
    return { result, worker: config.name, trained: !finished, resumedFromEpoch };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** BullMQ calls this in the child for each job. */
export default async function processRun(
  job: SandboxedJob,
  token?: string,
  signal?: AbortSignal,
): Promise<RunJobResult> {
  try {
    return await train(job, signal);
  } catch (error) {
    // Stopped by Ctrl-C or the worker's shutdown (not by a lost lock): back to wait, no attempt used.
    const lockLost = signal?.aborted === true && signal.reason !== STOP_REASON;
    if (error instanceof InterruptedError && !lockLost && token !== undefined) {
      await job.moveToWait(token);
    }
    throw jobFailure(error, lockLost);
  }
}

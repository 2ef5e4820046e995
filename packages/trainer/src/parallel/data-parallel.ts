import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ConcreteBackendName } from '../backend.js';
import { InvalidOptionError, TrainerError } from '../errors.js';
import { BackendOutOfMemoryError } from '../io-errors.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './protocol.js';
import { weightSizes, weightViews } from './shared.js';

export interface DataParallelOptions {
  /** The model whose weights are trained; outputs logits [batch, classes]. */
  model: tfl.LayersModel;
  /** Worker threads, each with its own backend. Default 2. */
  workers?: number;
  /** Backend each worker sets with `useBackend`. Default 'wasm'. */
  backend?: ConcreteBackendName;
  /**
   * Modules each worker imports before rebuilding the model from `model.toJSON()`, so custom
   * layer classes are registered there (e.g. `import.meta.resolve('@sevar/layers')`).
   */
  imports?: string[];
  /** Label smoothing of the sparse softmax cross-entropy. Default 0. */
  labelSmoothing?: number;
  /** Workers train batch norms through `fuseBatchNormTraining`. Default true. */
  fusedBatchNorm?: boolean;
  /**
   * `wasm`: threads of each worker's XNNPACK pool (see `useBackend`'s `wasmThreads`). Default
   * 1 (the workers themselves spread the work over the cores); more takes the threaded build.
   */
  wasmThreads?: number;
}

/** What one data-parallel step measured on its batch (before the update). */
export interface DataParallelStepResult {
  /** Mean loss over the batch (the data term; regularizer losses not included). */
  loss: number;
  /** Fraction of the batch with the label in the top 1 / top 5 (ties shared). */
  top1: number;
  top5: number;
  examples: number;
  /** False when the loss was not finite: nothing was applied (weights and BN statistics kept). */
  applied: boolean;
}

export interface DataParallelStepOptions {
  /** Coupled L2 added to each summed gradient before the update (`grad += wd * w`). */
  weightDecay?: number;
}

export interface DataParallelStep {
  readonly workers: number;
  /** The backend every worker set up. */
  readonly backend: ConcreteBackendName;
  /** Tensors alive in each worker after its last step (stable from step to step: no leak). */
  workerTensors(): number[];
  /**
   * One training step on the batch: each worker computes the gradient of its contiguous shard,
   * the main thread sums them (the full-batch mean gradient), applies `optimizer` to the model
   * and averages the BN moving statistics. A non-finite loss applies nothing. A worker whose
   * backend runs out of memory rejects with `BackendOutOfMemoryError`, any other failure with
   * `DataParallelError`. Does not dispose xs/ys.
   */
  step(
    xs: tf.Tensor,
    ys: tf.Tensor1D,
    optimizer: tf.Optimizer,
    options?: DataParallelStepOptions,
  ): Promise<DataParallelStepResult>;
  /** Terminates the workers; also done on any error. */
  close(): Promise<void>;
}

/** A worker failed or exited; the step was not applied and every worker was terminated. */
export class DataParallelError extends TrainerError {
  /** The worker's backend ran out of memory (`step` then throws `BackendOutOfMemoryError`). */
  readonly outOfMemory: boolean;
  constructor(message: string, options?: { cause?: unknown; outOfMemory?: boolean }) {
    super(
      `data-parallel step: ${message}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = 'DataParallelError';
    this.outOfMemory = options?.outOfMemory ?? false;
  }
}

function workerUrl(): URL {
  const url = new URL('./worker.js', import.meta.url);
  // Under vitest this module runs from src/*.ts; the worker must be the built JavaScript.
  if (!existsSync(fileURLToPath(url)) && import.meta.url.includes('/src/parallel/'))
    return new URL('../../dist/parallel/worker.js', import.meta.url);
  return url;
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  private pending: Pending | null = null;
  private failure: Error | null = null;
  constructor(
    readonly worker: Worker,
    readonly index: number,
  ) {
    worker.on('message', (m: FromWorker) => {
      const p = this.pending;
      this.pending = null;
      if (m.type === 'error') {
        const error = new DataParallelError(`worker ${index}: ${m.message}`, {
          outOfMemory: m.outOfMemory,
        });
        if (m.stack !== undefined) error.stack = `${error.stack}\n--- in worker ---\n${m.stack}`;
        this.fail(error, p);
      } else p?.resolve(m);
    });
    worker.on('error', (e) =>
      this.fail(new DataParallelError(`worker ${index}: ${e.message}`, { cause: e }), this.pending),
    );
    worker.on('exit', (code) =>
      this.fail(new DataParallelError(`worker ${index} exited (code ${code})`), this.pending),
    );
  }
  private fail(error: Error, p: Pending | null): void {
    this.failure ??= error;
    this.pending = null;
    p?.reject(error);
  }
  request(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<FromWorker> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage(message, transfer);
    });
  }
}

/** The main thread's side: the workers, the shared buffers and the sums reused every step. */
interface Pool {
  model: tfl.LayersModel;
  handles: WorkerHandle[];
  /** Written before each step: every weight of the model, trainable first. */
  sharedWeights: Float32Array[];
  /** Per worker, its gradients then its BN moving statistics after its step. */
  resultViews: Float32Array[][];
  numTrainable: number;
  /** Sum of the workers' gradients and weighted average of their statistics. */
  grads: Float32Array[];
  stats: Float32Array[];
  workerTensors: number[];
}

interface Reply {
  r: FromWorker;
  index: number;
  /** Shard size / batch size. */
  weight: number;
}

/**
 * Data-parallel training over `worker_threads` (wasm in Node runs one thread; each worker brings
 * its own wasm instance and so its own core). Create once, call `step` per batch, then `close`.
 */
export async function createDataParallelStep(
  options: DataParallelOptions,
): Promise<DataParallelStep> {
  const count = options.workers ?? 2;
  const backend = options.backend ?? 'wasm';
  if (!Number.isInteger(count) || count < 1)
    throw new InvalidOptionError('createDataParallelStep: workers', 'an integer >= 1', count);
  const { model } = options;
  const topology = model.toJSON(null, false);
  // Weights go to the workers, and gradients come back, through shared memory: no per-step
  // copies or transfers of the model's size beyond the reads from and writes to the backend.
  const sizes = weightSizes(model);
  const total = sizes.reduce((a, b) => a + b, 0);
  const weightsBuffer = new SharedArrayBuffer(total * 4);
  const resultBuffers = Array.from({ length: count }, () => new SharedArrayBuffer(total * 4));
  const numTrainable = model.trainableWeights.length;
  const pool: Pool = {
    model,
    handles: [],
    sharedWeights: weightViews(weightsBuffer, sizes),
    resultViews: resultBuffers.map((buffer) => weightViews(buffer, sizes)),
    numTrainable,
    grads: sizes.slice(0, numTrainable).map((size) => new Float32Array(size)),
    stats: sizes.slice(numTrainable).map((size) => new Float32Array(size)),
    workerTensors: [],
  };
  let closed = false;
  const close = async () => {
    closed = true;
    await Promise.all(pool.handles.map((h) => h.worker.terminate()));
  };
  try {
    for (let i = 0; i < count; i++) pool.handles.push(new WorkerHandle(new Worker(workerUrl()), i));
    const init = (h: WorkerHandle): InitMessage => ({
      type: 'init',
      backend,
      imports: options.imports ?? [],
      topology,
      labelSmoothing: options.labelSmoothing ?? 0,
      fusedBatchNorm: options.fusedBatchNorm ?? true,
      wasmThreads: options.wasmThreads ?? 1,
      weights: weightsBuffer,
      results: resultBuffers[h.index]!,
    });
    checkRebuilt(model, await Promise.all(pool.handles.map((h) => h.request(init(h)))));
  } catch (error) {
    await close();
    throw error;
  }

  const step = async (
    xs: tf.Tensor,
    ys: tf.Tensor1D,
    optimizer: tf.Optimizer,
    stepOptions: DataParallelStepOptions = {},
  ): Promise<DataParallelStepResult> => {
    if (closed) throw new DataParallelError('called after close()');
    try {
      const n = xs.shape[0]!;
      if (ys.shape[0] !== n)
        throw new InvalidOptionError('DataParallelStep.step: ys', `${n} labels`, ys.shape[0]);
      const result = sumReplies(pool, await runShards(pool, xs, ys), n);
      if (!Number.isFinite(result.loss)) return { ...result, applied: false };
      applySums(pool, optimizer, stepOptions.weightDecay ?? 0);
      return { ...result, applied: true };
    } catch (error) {
      await close();
      if (error instanceof DataParallelError && error.outOfMemory)
        throw new BackendOutOfMemoryError(backend, xs.shape[0]!, error);
      throw error;
    }
  };
  return { workers: count, backend, workerTensors: () => [...pool.workerTensors], step, close };
}

function checkRebuilt(model: tfl.LayersModel, ready: FromWorker[]): void {
  const shapes = model.trainableWeights.map((w) => w.shape.join('x'));
  for (const r of ready) {
    const got = r.type === 'ready' ? r.trainableShapes.map((s) => s.join('x')) : [];
    if (got.join() !== shapes.join())
      throw new DataParallelError(
        `the model rebuilt in a worker has trainable shapes [${got.join(', ')}], expected [${shapes.join(', ')}]`,
      );
  }
}

/** Shares the current weights, sends each worker a contiguous shard, and awaits the replies. */
async function runShards(pool: Pool, xs: tf.Tensor, ys: tf.Tensor1D): Promise<Reply[]> {
  const n = xs.shape[0]!;
  const [xData, yData] = (await Promise.all([xs.data(), ys.data()])) as [Float32Array, Int32Array];
  const { model } = pool;
  const current = [...model.trainableWeights, ...model.nonTrainableWeights];
  for (let k = 0; k < current.length; k++) {
    pool.sharedWeights[k]!.set((await current[k]!.read().data()) as Float32Array);
  }
  const used = pool.handles.slice(0, Math.min(pool.handles.length, n));
  const perExample = xData.length / n;
  const replies = await Promise.all(
    used.map((h, i) => {
      const from = Math.floor((i * n) / used.length);
      const to = Math.floor(((i + 1) * n) / used.length);
      const message: StepMessage = {
        type: 'step',
        xs: xData.slice(from * perExample, to * perExample),
        xsShape: [to - from, ...xs.shape.slice(1)],
        ys: Int32Array.from(yData.subarray(from, to)),
        scale: (to - from) / n,
      };
      const transfer = [message.xs.buffer as ArrayBuffer, message.ys.buffer as ArrayBuffer];
      return h
        .request(message, transfer)
        .then((r) => ({ r, index: h.index, weight: (to - from) / n }));
    }),
  );
  replies.forEach(({ r }, i) => {
    if (r.type === 'grads') pool.workerTensors[i] = r.numTensors;
  });
  return replies;
}

/** Sums the workers' gradients and averages their BN statistics into `pool`; the batch metrics. */
function sumReplies(
  pool: Pool,
  replies: Reply[],
  n: number,
): Omit<DataParallelStepResult, 'applied'> {
  const { grads, stats, numTrainable } = pool;
  let lossSum = 0;
  let top1Hits = 0;
  let top5Hits = 0;
  for (const a of [...grads, ...stats]) a.fill(0);
  for (const { r, index, weight } of replies) {
    if (r.type !== 'grads') throw new DataParallelError(`unexpected reply '${r.type}'`);
    lossSum += r.lossSum;
    top1Hits += r.top1Hits;
    top5Hits += r.top5Hits;
    const views = pool.resultViews[index]!;
    grads.forEach((sum, k) => {
      const g = views[k]!;
      for (let j = 0; j < sum.length; j++) sum[j]! += g[j]!;
    });
    // Each worker saw only its shard (like PyTorch DDP without SyncBN): average the
    // moving statistics, weighted by shard size.
    stats.forEach((avg, k) => {
      const s = views[numTrainable + k]!;
      for (let j = 0; j < avg.length; j++) avg[j]! += weight * s[j]!;
    });
  }
  return { loss: lossSum / n, top1: top1Hits / n, top5: top5Hits / n, examples: n };
}

/** Applies the summed gradients (plus coupled L2) and writes the averaged BN statistics. */
function applySums(pool: Pool, optimizer: tf.Optimizer, weightDecay: number): void {
  const { model, grads, stats } = pool;
  // wasm copies a tensor's values into its heap; other backends may keep the array itself,
  // which the next step overwrites.
  const own = (a: Float32Array) => (tf.getBackend() === 'wasm' ? a : a.slice());
  const named = model.trainableWeights.map((w, k) => {
    const v = w.read() as tf.Variable;
    const g = tf.tensor(own(grads[k]!), w.shape as number[]);
    if (weightDecay === 0) return { name: v.name, tensor: g };
    const decayed = tf.tidy(() => tf.add(g, tf.mul(v, weightDecay)));
    g.dispose();
    return { name: v.name, tensor: decayed };
  });
  try {
    optimizer.applyGradients(named);
  } finally {
    tf.dispose(named.map((g) => g.tensor));
  }
  tf.tidy(() =>
    model.nonTrainableWeights.forEach((w, k) =>
      w.write(tf.tensor(own(stats[k]!), w.shape as number[])),
    ),
  );
}

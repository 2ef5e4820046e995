// One measurement of `pnpm bench:train`, in its own process: a tfjs backend, one model, one
// worker count and (wasm) one thread count; prints one JSON line (a Result).
import type { SevarOptimizer } from '@sevar/trainer';
import type { Tensor, Tensor1D, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { benchModel } from './models.js';
import { args } from './options.js';
import type { Result } from './options.js';
import { profileKernels } from './profile.js';

/**
 * Median seconds of `fn` over up to --steps runs after --warmup; past --max-seconds it stops
 * once it has two.
 */
async function timed(fn: () => Promise<void>): Promise<{ median: number; n: number }> {
  for (let i = 0; i < Number(args.warmup); i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  const budget = Number(args['max-seconds']) * 1000;
  while (
    times.length < Number(args.steps) &&
    (times.length < 2 || performance.now() - start < budget)
  ) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]! / 1000, n: times.length };
}

/** One training step on (xs, ys): in --workers threads, or on this thread as train() runs it. */
async function trainStepOf(
  model: LayersModel,
  optimizer: SevarOptimizer,
  xs: Tensor,
  ys: Tensor1D,
  workers: number,
  threads: number | undefined,
): Promise<{ step: () => Promise<void>; close: () => Promise<void> }> {
  const tf = await import('@tensorflow/tfjs-core');
  const {
    createDataParallelStep,
    foldBatchNormInference,
    fuseBatchNormTraining,
    lowMemoryVariableGrads,
    sparseSoftmaxCrossEntropy,
  } = await import('@sevar/trainer');
  // @sevar/models imports @sevar/layers, which registers the custom layers in each worker.
  const parallel =
    workers > 1
      ? await createDataParallelStep({
          model,
          workers,
          backend: args.backend as 'cpu',
          imports: [import.meta.resolve('@sevar/models')],
          ...(threads === undefined ? {} : { wasmThreads: threads }),
        })
      : null;
  // As train() does (the workers do it themselves).
  fuseBatchNormTraining(model);
  foldBatchNormInference(model);
  const variables = model.trainableWeights.map((w) => w.read() as Variable);
  const step = async () => {
    if (parallel) {
      await parallel.step(xs, ys, optimizer);
      return;
    }
    // The gradient path of @sevar/trainer's train(): tape memory freed during the backward pass.
    const { value, grads } = lowMemoryVariableGrads(
      () => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as never, ys),
      variables,
    );
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    await value.data();
    value.dispose();
  };
  return { step, close: async () => await parallel?.close() };
}

/**
 * One training step through the plain tfjs API: `optimizer.minimize` of the loss of
 * `model.apply`, nothing of @sevar/trainer's step (the backend and its kernels, as
 * `useBackend` set them up, are all it uses).
 */
async function plainStepOf(
  model: LayersModel,
  optimizer: SevarOptimizer,
  xs: Tensor,
  ys: Tensor1D,
): Promise<{ step: () => Promise<void>; close: () => Promise<void> }> {
  const { sparseSoftmaxCrossEntropy } = await import('@sevar/trainer');
  const step = async () => {
    const loss = optimizer.minimize(
      () => sparseSoftmaxCrossEntropy(model.apply(xs, { training: true }) as never, ys),
      true,
    );
    await loss!.data();
    loss!.dispose();
  };
  return { step, close: async () => {} };
}

/** Times one step with every kernel of the backend wrapped (after the timed steps). */
async function profiled(
  backend: string,
  step: () => Promise<void>,
): Promise<NonNullable<Result['profile']>> {
  const profiler = profileKernels(backend);
  const t0 = performance.now();
  await step();
  const stepMs = performance.now() - t0;
  const convs = profiler.convs();
  return { stepMs, kernels: profiler.stop(), convs };
}

export async function child(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend, createOptimizer } = await import('@sevar/trainer');
  const workers = Number(args.workers);
  // Winograd off: set in the environment too, which data-parallel workers inherit.
  const winograd = args.backend === 'wasm' ? args.winograd !== 'off' : undefined;
  if (winograd === false) process.env.SEVAR_WINOGRAD = '0';
  // Kernel threads: read by initWasmBackend (through useBackend) when it starts the threads.
  const kernelThreads = args.backend === 'wasm' ? args['kernel-threads'] !== 'off' : undefined;
  if (kernelThreads !== undefined) process.env.SEVAR_KERNEL_THREADS = kernelThreads ? '1' : '0';
  // Batch-norm kernels: read by registerWasmTrainingKernels (through useBackend).
  const bnKernels = args.backend === 'wasm' ? args['bn-kernels'] !== 'off' : undefined;
  if (bnKernels === false) process.env.SEVAR_BATCH_NORM_KERNELS = '0';
  // One thread count per child; unset for backends other than wasm.
  const threads = args.backend === 'wasm' ? Number(args.threads) : undefined;
  // Data-parallel: the main thread's backend only holds the batch; the workers get the threads.
  const backend = await useBackend(args.backend as 'cpu', {
    onWarning: () => {},
    ...(threads === undefined ? {} : { wasmThreads: workers > 1 ? 1 : threads }),
  });
  const [name, attention] = [args.models!, args.attention!];
  const batch = Number(args.batch);
  const model = await benchModel(name, attention);
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
  const xs = tf.randomNormal([batch, 32, 32, 3]);
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const plain = args.api === 'plain';
  const trainStep = plain
    ? await plainStepOf(model, optimizer, xs, ys)
    : await trainStepOf(model, optimizer, xs, ys, workers, threads);
  const inferStep = async () => {
    const y = model.predict(xs) as Tensor;
    await y.data();
    y.dispose();
  };
  const train = await timed(trainStep.step);
  const profile =
    args.profile && workers === 1 ? await profiled(tf.getBackend(), trainStep.step) : undefined;
  await trainStep.close();
  const infer = await timed(inferStep);
  // The same inference with tfjs-layers' batch norms (train() folds them into the convolutions).
  const { foldBatchNormInference } = await import('@sevar/trainer');
  foldBatchNormInference(model, false);
  const unfolded = await timed(inferStep);
  const result: Result = {
    framework: 'tfjs',
    backend:
      `${backend.name}${backend.simd ? '+simd' : ''}` +
      (backend.adapter ? ` (${backend.adapter.description || backend.adapter.device})` : ''),
    model: name,
    attention,
    batch,
    trainImagesPerSec: batch / train.median,
    trainSteps: train.n,
    inferImagesPerSec: batch / infer.median,
    inferUnfoldedImagesPerSec: batch / unfolded.median,
    // Worker threads share the process, so this covers them too.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
    ...(threads === undefined ? {} : { threads }),
    ...(winograd === undefined ? {} : { winograd }),
    ...(kernelThreads === undefined ? {} : { kernelThreads }),
    ...(bnKernels === undefined ? {} : { batchNormKernels: bnKernels }),
    ...(plain ? { api: 'plain' as const } : {}),
    ...(profile ? { profile } : {}),
  };
  console.log(JSON.stringify(result));
}

// Command-line options of `pnpm bench:train`, shared by the parent and its child processes.
import { parseArgs } from 'node:util';
import type { ConvShare, KernelShare } from './profile.js';

export interface Result {
  framework: string;
  backend?: string;
  model: string;
  attention: string;
  batch: number;
  trainImagesPerSec: number;
  trainSteps: number;
  inferImagesPerSec: number;
  /** tfjs: inference without `foldBatchNormInference` (tfjs-layers' own batch norms). */
  inferUnfoldedImagesPerSec?: number;
  peakRssMiB: number;
  blas?: string;
  /** tfjs: data-parallel worker threads of the training step (1: the main thread alone). */
  workers?: number;
  /** tfjs wasm: threads of XNNPACK's pool in each worker (1: the single-threaded build). */
  threads?: number;
  /** tfjs wasm: whether 3x3 stride-1 convolutions ran through Winograd F(4x4,3x3). */
  winograd?: boolean;
  /** tfjs wasm: whether the package's kernels were split over kernel threads. */
  kernelThreads?: boolean;
  /** tfjs wasm: whether batch norms trained through the batch-norm kernels. */
  batchNormKernels?: boolean;
  /** 'plain': the step was `optimizer.minimize` on the model as built (no @sevar/trainer). */
  api?: 'plain';
  /** --profile: where one training step's time goes, by top-level kernel. */
  profile?: { stepMs: number; kernels: KernelShare[]; convs?: ConvShare[] };
}

export const { values: args } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    backend: { type: 'string' },
    backends: { type: 'string' },
    models: { type: 'string', default: 'cnn3,resnet18' },
    attention: { type: 'string', default: 'none,se' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    'max-seconds': { type: 'string', default: '60' },
    json: { type: 'string' },
    // Comma-separated worker counts for the tfjs training step (child: one count). Above 1 the
    // step runs through @sevar/trainer's createDataParallelStep, one backend per worker thread.
    workers: { type: 'string', default: '1' },
    // Comma-separated XNNPACK thread counts for wasm (child: one count); 'all' is every core.
    threads: { type: 'string', default: '1,all' },
    // wasm: Winograd F(4x4,3x3) on, off, or both (on,off) for a before/after in one run.
    winograd: { type: 'string', default: 'on' },
    // wasm, 2+ threads: the Winograd transforms split over kernel threads, or not, or both.
    'kernel-threads': { type: 'string', default: 'on' },
    // wasm: the batch-norm training kernels on, off, or both.
    'bn-kernels': { type: 'string', default: 'on' },
    // The training step: as train() runs it, plain tfjs (optimizer.minimize), or both.
    api: { type: 'string', default: 'train' },
    // Rounds of the whole comparison (PyTorch, then every tfjs configuration), interleaved.
    rounds: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

export const USAGE = `pnpm bench:train [options]
  --backends <list>     tfjs backends to measure (default: every installed one)
  --models <list>       default cnn3,resnet18; also resnet34, resnet50, mobilenet_v2,
                        mobilenet_v3_small, mobilenet_v3_large, efficientnet_b0
  --attention <list>    default none,se; any @sevar/layers key, or built-in (the SE of
                        MobileNetV3 and EfficientNet)
  --batch <n>           default 64
  --steps <n>           timed steps per measurement (default 10)
  --warmup <n>          untimed steps first (default 2)
  --max-seconds <n>     stop a measurement past this once it has two steps (default 60)
  --workers <list>      worker-thread counts for the tfjs training step (default 1)
  --threads <list>      wasm: XNNPACK threads per model, 'all' for every core (default 1,all);
                        with --workers above 1, the cores are shared out among the workers
  --winograd <list>     wasm: Winograd 3x3 convolutions on, off or on,off (default on)
  --kernel-threads <list>
                        wasm with 2+ threads: the package's kernels split over kernel threads
                        (SEVAR_KERNEL_THREADS) on, off or on,off (default on)
  --bn-kernels <list>   wasm: batch norms train through @sevar/wasm-kernels' batch-norm
                        kernels (SEVAR_BATCH_NORM_KERNELS) on, off or on,off (default on)
  --api <list>          the tfjs training step: train (as @sevar/trainer's train() runs it:
                        batch norms fused, tape freed during the backward pass), plain
                        (optimizer.minimize on the model as built, after useBackend: its
                        low-memory gradients, the models' fused batch norms), or train,plain
                        (default train; plain needs one worker)
  --rounds <n>          repeat the comparison n times, PyTorch and tfjs taking turns, and
                        report medians: each round's ratios are against that round's PyTorch,
                        so slow drifts of a shared machine cancel (default 1)
  --profile             also time every kernel of one training step (one worker only) and
                        print where the step's time goes
  --json <file>         also write the rows as JSON`;

// `pnpm bench:train`: images/s of one training step (and of inference) for the project's cnn3
// and resnet18 (cifar stem) on every installed tfjs backend, beside the same networks in
// PyTorch measured in the same run. Each measurement runs in its own process so that backends
// and allocators do not share state. Ratios, not absolute numbers, are what to compare.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SevarOptimizer } from '@sevar/trainer';
import type { Tensor, Tensor1D, Variable } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';

import { benchModel } from './models.js';

interface Result {
  framework: string;
  backend?: string;
  model: string;
  attention: string;
  batch: number;
  trainImagesPerSec: number;
  trainSteps: number;
  inferImagesPerSec: number;
  peakRssMiB: number;
  blas?: string;
  /** tfjs: data-parallel worker threads of the training step (1: the main thread alone). */
  workers?: number;
}

const PYTHON = '/usr/bin/python3';
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const here = fileURLToPath(new URL('.', import.meta.url));

const { values: args } = parseArgs({
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
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `pnpm bench:train [options]
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
  --json <file>         also write the rows as JSON`;

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

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
): Promise<{ step: () => Promise<void>; close: () => Promise<void> }> {
  const tf = await import('@tensorflow/tfjs-core');
  const {
    createDataParallelStep,
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
        })
      : null;
  // As train() does (the workers do it themselves).
  fuseBatchNormTraining(model);
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

async function child(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const { useBackend, createOptimizer } = await import('@sevar/trainer');
  const backend = await useBackend(args.backend as 'cpu', { onWarning: () => {} });
  const [name, attention] = [args.models!, args.attention!];
  const batch = Number(args.batch);
  const model = await benchModel(name, attention);
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.01, momentum: 0.9 });
  const xs = tf.randomNormal([batch, 32, 32, 3]);
  const ys = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % 10),
    'int32',
  );
  const workers = Number(args.workers);
  const trainStep = await trainStepOf(model, optimizer, xs, ys, workers);
  const inferStep = async () => {
    const y = model.predict(xs) as Tensor;
    await y.data();
    y.dispose();
  };
  const train = await timed(trainStep.step);
  await trainStep.close();
  const infer = await timed(inferStep);
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
    // Worker threads share the process, so this covers them too.
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
  };
  console.log(JSON.stringify(result));
}

function installedBackends(): string[] {
  const found = ['wasm', 'cpu'];
  try {
    // webgpu: tfjs's backend and, in Node, Dawn (the `webgpu` package).
    import.meta.resolve('@tensorflow/tfjs-backend-webgpu');
    import.meta.resolve('webgpu');
    found.unshift('webgpu');
  } catch {
    // not installed: skipped
  }
  for (const [name, pkg] of [
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ] as const) {
    try {
      import.meta.resolve(pkg);
      found.unshift(name);
    } catch {
      // not installed: skipped
    }
  }
  return found;
}

function runJson(cmd: string, argv: string[], env?: NodeJS.ProcessEnv): Result | string {
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return `failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Row = Result & { ratio?: number };

/** What a run gathers: table rows, failed measurements and notes to print under the table. */
interface Findings {
  rows: Row[];
  failures: string[];
  notes: string[];
}

/** The faster PyTorch run of the two BLAS setups (undefined when both failed). */
function torchReference(
  model: string,
  attention: string,
  common: string[],
  failures: string[],
): Result | undefined {
  let reference: Result | undefined;
  // Debian's stock BLAS and OpenBLAS can differ by 30%+: compare against the better one.
  const setups: [string, NodeJS.ProcessEnv | undefined][] = [['stock', undefined]];
  if (existsSync(OPENBLAS_DIR)) setups.push(['openblas', { LD_LIBRARY_PATH: OPENBLAS_DIR }]);
  for (const [blas, env] of setups) {
    const r = runJson(
      PYTHON,
      [`${here}../torch_train.py`, '--model', model, '--attention', attention, ...common],
      env,
    );
    if (typeof r === 'string') failures.push(`pytorch/${blas} ${model} ${attention}: ${r}`);
    else if (!reference || r.trainImagesPerSec > reference.trainImagesPerSec)
      reference = { ...r, blas };
  }
  return reference;
}

/** One child process per backend and worker count, each row with its ratio to `reference`. */
function measureTfjs(
  model: string,
  attention: string,
  backends: string[],
  common: string[],
  reference: Result | undefined,
  found: Findings,
): void {
  for (const backend of backends) {
    // tfjs-cpu takes minutes per ResNet-18 step: only when asked for by name.
    if (backend === 'cpu' && model !== 'cnn3' && !args.backends) {
      const note = `cpu skipped for ${model} (minutes per step); pass --backends cpu to time it`;
      if (!found.notes.includes(note)) found.notes.push(note);
      continue;
    }
    for (const workers of args.workers!.split(',')) {
      const r = runJson(process.execPath, [
        fileURLToPath(import.meta.url),
        '--child',
        '--backend',
        backend,
        '--models',
        model,
        '--attention',
        attention,
        '--workers',
        workers,
        ...common,
      ]);
      if (typeof r === 'string')
        found.failures.push(`${backend} x${workers} ${model} ${attention}: ${r}`);
      else
        found.rows.push({
          ...r,
          ...(reference ? { ratio: r.trainImagesPerSec / reference.trainImagesPerSec } : {}),
        });
    }
  }
}

function printTable(rows: Row[]): void {
  const head = [
    'model',
    'attention',
    'framework/backend',
    'train img/s',
    'x PyTorch',
    'infer img/s',
    'steps',
    'peak RSS MiB',
  ];
  const table = rows.map((r) => [
    r.model,
    r.attention,
    r.backend
      ? `tfjs ${r.backend}${(r.workers ?? 1) > 1 ? ` x${r.workers} workers` : ''}`
      : r.framework,
    r.trainImagesPerSec.toFixed(1),
    r.ratio !== undefined ? r.ratio.toFixed(3) : r.backend ? '-' : '1',
    r.inferImagesPerSec.toFixed(1),
    String(r.trainSteps),
    r.peakRssMiB.toFixed(0),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  console.log(fmt(head));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const t of table) console.log(fmt(t));
}

async function main(): Promise<void> {
  if (args.child) return child();
  const backends = args.backends ? args.backends.split(',') : installedBackends();
  const common = [
    '--batch',
    args.batch!,
    '--steps',
    args.steps!,
    '--warmup',
    args.warmup!,
    '--max-seconds',
    args['max-seconds']!,
  ];
  const torch = hasTorch();
  const loadBefore = loadavg()[0]!;
  const found: Findings = { rows: [], failures: [], notes: [] };
  for (const model of args.models!.split(',')) {
    for (const attention of args.attention!.split(',')) {
      const reference = torch
        ? torchReference(model, attention, common, found.failures)
        : undefined;
      if (reference)
        found.rows.push({ ...reference, framework: `pytorch (${reference.blas} BLAS)` });
      measureTfjs(model, attention, backends, common, reference, found);
    }
  }
  const loadAfter = loadavg()[0]!;
  printTable(found.rows);
  console.log(
    `batch ${args.batch}, median of up to ${args.steps} steps after ${args.warmup} warm-up; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
  );
  if (Math.max(loadBefore, loadAfter) > 0.5) {
    console.log(
      'note: the machine was busy (load average > 0.5): absolute numbers are low; ratios measured side by side are still the figure to read.',
    );
  }
  if (!torch)
    console.log(
      `note: no PyTorch at ${PYTHON} (apt-get install python3-torch): no reference column.`,
    );
  for (const n of found.notes) console.log(`note: ${n}`);
  for (const f of found.failures) console.log(`failed: ${f}`);
  const { rows, failures } = found;
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ rows, loadBefore, loadAfter, failures }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

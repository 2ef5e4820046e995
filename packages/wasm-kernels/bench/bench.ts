// Times the convolution gradient kernels and one training step of cnn3 (and optionally
// ResNet-18) on wasm and cpu, side by side in one process, and profiles the wasm step.
// Usage: pnpm bench [--steps 5] [--resnet] [--skip-kernels] [--stock-cpu-batch 8]
import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  registerCpuTrainingKernels,
  registerWasmTrainingKernels,
  setSimdKernelsEnabled,
} from '@sevar/wasm-kernels';
import { cnn3, resnet18Cifar } from './models.js';
import { profileKernels } from './profile.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const steps = flag('--steps', 5);
const stockCpuBatch = flag('--stock-cpu-batch', 8);
const withResnet = args.includes('--resnet');
const skipKernels = args.includes('--skip-kernels');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 1): string => x.toFixed(d);

// The stock kernels, captured before anything is replaced, so each configuration can be set.
await tf.setBackend('wasm');
await tf.setBackend('cpu');
const stock = {
  wasmDx: tf.getKernel('Conv2DBackpropInput', 'wasm')!,
  wasmMaxPoolGrad: tf.getKernel('MaxPoolGrad', 'wasm')!,
  wasmMatMul: tf.getKernel('BatchMatMul', 'wasm')!,
  wasmSum: tf.getKernel('Sum', 'wasm')!,
  cpuDw: tf.getKernel('Conv2DBackpropFilter', 'cpu')!,
};
registerWasmTrainingKernels();
registerCpuTrainingKernels();
const ours = {
  wasmDx: tf.getKernel('Conv2DBackpropInput', 'wasm')!,
  wasmMaxPoolGrad: tf.getKernel('MaxPoolGrad', 'wasm')!,
  wasmMatMul: tf.getKernel('BatchMatMul', 'wasm')!,
  wasmSum: tf.getKernel('Sum', 'wasm')!,
  cpuDw: tf.getKernel('Conv2DBackpropFilter', 'cpu')!,
};
function use(config: KernelConfig): void {
  tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}

// ---- kernels ---------------------------------------------------------------------------
interface ConvShape {
  label: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  s: number;
  pad: 'same' | 'valid';
}
const shapes: ConvShape[] = [
  { label: 'cnn3 conv1', x: [64, 32, 32, 3], k: 3, co: 32, s: 1, pad: 'valid' },
  { label: 'cnn3 conv2', x: [64, 15, 15, 32], k: 3, co: 64, s: 1, pad: 'valid' },
  { label: 'cnn3 conv3', x: [64, 6, 6, 64], k: 3, co: 64, s: 1, pad: 'valid' },
  { label: 'r18 stage1 3x3', x: [64, 32, 32, 64], k: 3, co: 64, s: 1, pad: 'same' },
  { label: 'r18 stage2 3x3/2', x: [64, 32, 32, 64], k: 3, co: 128, s: 2, pad: 'same' },
  { label: 'r18 stage4 3x3', x: [64, 4, 4, 512], k: 3, co: 512, s: 1, pad: 'same' },
];

function timeKernel(run: () => void, reps: number, warmUp = true): number {
  if (warmUp) run(); // XNNPACK operator creation, heap growth
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

interface KernelRow {
  shape: string;
  gflop: number;
  wasmDwMs: number;
  wasmDwComposedMs: number;
  wasmDxOursMs: number;
  wasmDxStockMs: number;
  cpuDwOursMs: number;
  cpuDwStockMs: number | null;
}
const kernelRows: KernelRow[] = [];
for (const sh of skipKernels ? [] : shapes) {
  const info = tf.backend_util.computeConv2DInfo(
    sh.x,
    [sh.k, sh.k, sh.x[3], sh.co],
    sh.s,
    1,
    sh.pad,
  );
  const gflop = (2 * info.outShape.reduce((a, b) => a * b, 1) * sh.k * sh.k * sh.x[3]) / 1e9;
  const row: KernelRow = {
    shape: sh.label,
    gflop,
    wasmDwMs: 0,
    wasmDwComposedMs: 0,
    wasmDxOursMs: 0,
    wasmDxStockMs: 0,
    cpuDwOursMs: 0,
    cpuDwStockMs: null,
  };
  for (const backend of ['wasm', 'cpu'] as const) {
    await tf.setBackend(backend);
    const x = tf.randomNormal(sh.x);
    const f = tf.randomNormal([sh.k, sh.k, sh.x[3], sh.co]);
    const dy = tf.randomNormal(info.outShape);
    const attrs = { strides: sh.s, pad: sh.pad, dataFormat: 'NHWC' };
    const dw = (): void =>
      tf.dispose(
        tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: f.shape }),
      );
    const dx = (): void =>
      tf.dispose(
        tf
          .engine()
          .runKernel('Conv2DBackpropInput', { dy, filter: f }, { ...attrs, inputShape: sh.x }),
      );
    if (backend === 'wasm') {
      row.wasmDwMs = timeKernel(dw, 3);
      // The previous filter gradient: one XNNPACK convolution (the fallback without SIMD).
      setSimdKernelsEnabled(false);
      row.wasmDwComposedMs = timeKernel(dw, 3);
      setSimdKernelsEnabled(true);
      row.wasmDxOursMs = timeKernel(dx, 3);
      use(stock.wasmDx);
      row.wasmDxStockMs = timeKernel(dx, 3);
      use(ours.wasmDx);
    } else {
      row.cpuDwOursMs = timeKernel(dw, 1);
      // The stock cpu filter gradient runs at ~10 MFLOP/s: time only the small shapes, once.
      if (gflop < 0.15) {
        use(stock.cpuDw);
        row.cpuDwStockMs = timeKernel(dw, 1, false);
        use(ours.cpuDw);
      }
    }
    tf.dispose([x, f, dy]);
  }
  kernelRows.push(row);
}
console.log('\nConvolution gradient kernels (median ms; GFLOP/s in brackets; batch 64)');
console.log(
  '| shape | GFLOP | wasm dW SIMD | wasm dW composed | dW speed-up | wasm dX ours | wasm dX stock | dX speed-up | cpu dW ours | cpu dW stock |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of kernelRows) {
  const g = (ms: number | null): string =>
    ms === null ? 'skipped' : `${fmt(ms)} [${fmt(r.gflop / (ms / 1000), 2)}]`;
  console.log(
    `| ${r.shape} | ${fmt(r.gflop, 3)} | ${g(r.wasmDwMs)} | ${g(r.wasmDwComposedMs)} | ` +
      `${fmt(r.wasmDwComposedMs / r.wasmDwMs, 2)}x | ${g(r.wasmDxOursMs)} | ${g(r.wasmDxStockMs)} | ` +
      `${fmt(r.wasmDxStockMs / r.wasmDxOursMs, 2)}x | ${g(r.cpuDwOursMs)} | ${g(r.cpuDwStockMs)} |`,
  );
}

// ---- training steps --------------------------------------------------------------------
interface StepRow {
  model: string;
  config: string;
  batch: number;
  msPerStep: number;
  imagesPerSec: number;
}
const stepRows: StepRow[] = [];

async function timeSteps(
  model: string,
  build: () => tfl.LayersModel,
  backend: 'wasm' | 'cpu',
  config: string,
  batch: number,
  n: number,
): Promise<StepRow> {
  await tf.setBackend(backend);
  const net = build();
  const opt = tf.train.adadelta(1.0);
  const xs = tf.randomNormal([batch, 32, 32, 3]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = (): void => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true }) as tf.Tensor),
      true,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  step();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  tf.dispose([xs, ys]);
  opt.dispose();
  net.dispose();
  const ms = median(times);
  const row = { model, config, batch, msPerStep: ms, imagesPerSec: (batch * 1000) / ms };
  stepRows.push(row);
  console.log(
    `  ${model} ${config} batch ${batch}: ${fmt(ms)} ms/step, ${fmt(row.imagesPerSec)} images/s`,
  );
  return row;
}

console.log(`\nTraining steps (Adadelta, median of ${steps} after one warm-up step)`);
const wasmOurs = await timeSteps('cnn3', cnn3, 'wasm', 'wasm + all ours', 64, steps);
use(stock.wasmMaxPoolGrad);
use(stock.wasmMatMul);
use(stock.wasmSum);
const wasmConvOnly = await timeSteps('cnn3', cnn3, 'wasm', 'wasm + ours dW, dX only', 64, steps);
use(stock.wasmDx);
const wasmDwOnly = await timeSteps('cnn3', cnn3, 'wasm', 'wasm + ours dW only', 64, steps);
use(ours.wasmDx);
use(ours.wasmMaxPoolGrad);
use(ours.wasmMatMul);
use(ours.wasmSum);
const cpuOurs = await timeSteps('cnn3', cnn3, 'cpu', 'cpu + ours dW', 64, Math.min(steps, 3));
use(stock.cpuDw);
const cpuStock = await timeSteps('cnn3', cnn3, 'cpu', 'cpu stock', stockCpuBatch, 1);
use(ours.cpuDw);

console.log('\n| cnn3, images/s | value | vs cpu stock | vs wasm (all ours) |');
console.log('|---|---|---|---|');
for (const r of [wasmOurs, wasmConvOnly, wasmDwOnly, cpuOurs, cpuStock]) {
  console.log(
    `| ${r.config} (batch ${r.batch}) | ${fmt(r.imagesPerSec)} | ${fmt(r.imagesPerSec / cpuStock.imagesPerSec, 2)}x | ` +
      `${fmt(r.imagesPerSec / wasmOurs.imagesPerSec, 2)}x |`,
  );
}

// ---- profile of the wasm step ----------------------------------------------------------
async function profileStep(
  model: string,
  build: () => tfl.LayersModel,
  batch: number,
): Promise<void> {
  await tf.setBackend('wasm');
  const net = build();
  const opt = tf.train.adadelta(1.0);
  const xs = tf.randomNormal([batch, 32, 32, 3]);
  const ys = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const step = (): void => {
    const loss = opt.minimize(
      () => tf.losses.softmaxCrossEntropy(ys, net.apply(xs, { training: true }) as tf.Tensor),
      true,
    );
    loss!.dataSync();
    loss!.dispose();
  };
  step();
  const profiler = profileKernels('wasm');
  const t0 = performance.now();
  step();
  const wall = performance.now() - t0;
  const times = profiler.stop();
  tf.dispose([xs, ys]);
  opt.dispose();
  net.dispose();
  const kernelTotal = times.reduce((a, t) => a + t.selfMs, 0);
  console.log(
    `\nwasm ${model} step profile (batch ${batch}): wall ${fmt(wall)} ms, in kernels ${fmt(kernelTotal)} ms`,
  );
  console.log('| kernel | calls | self ms | % of step | incl. callees ms |');
  console.log('|---|---|---|---|---|');
  for (const t of times.slice(0, 16)) {
    console.log(
      `| ${t.name} | ${t.calls} | ${fmt(t.selfMs)} | ${fmt((100 * t.selfMs) / wall)} | ${fmt(t.totalMs)} |`,
    );
  }
  profiles[model] = { wallMs: wall, kernels: times };
}
const profiles: Record<string, unknown> = {};
await profileStep('cnn3', cnn3, 64);

if (withResnet) {
  console.log('\nResNet-18 (cifar stem)');
  // One timed step each; the stock-dX variant is left out (its dX alone is ~10x slower).
  await timeSteps('resnet18-cifar', resnet18Cifar, 'wasm', 'wasm + all ours', 64, 1);
  await profileStep('resnet18-cifar', resnet18Cifar, 64);
}

console.log('\nJSON ' + JSON.stringify({ kernels: kernelRows, steps: stepRows, profiles }));

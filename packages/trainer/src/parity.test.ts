import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { buildResNet, cnn3 } from '@sevar/models';
import { setWinogradEnabled } from '@sevar/wasm-kernels';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { createOptimizer } from './optimizers.js';
import { Rng, withSeed } from './rng.js';
import { train } from './train.js';
import type { BatchSource } from './types.js';

const VARIANTS = [
  null,
  'se',
  'slow-squeeze',
  'slow-excite',
  'slow-squeeze-slow-excite',
  'bump',
] as const;

function oneBatch(shape: [number, number, number, number], numClasses: number): BatchSource {
  const rng = new Rng(42);
  const xs = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rng.next() * 2 - 1);
  const ys = Int32Array.from({ length: shape[0] }, () => rng.nextUint32() % numClasses);
  return {
    batchesPerEpoch: 1,
    epoch: () => [{ xs: tf.tensor4d(xs, shape), ys: tf.tensor1d(ys, 'int32') }],
  };
}

/** One SGD-momentum step through `train` on `backend`, from the given initial weights. */
async function step(
  backend: 'cpu' | 'wasm',
  build: () => tfl.LayersModel,
  init: Float32Array[] | null,
  shape: [number, number, number, number],
): Promise<{ init: Float32Array[]; after: Float32Array[]; loss: number; names: string[] }> {
  await tf.setBackend(backend);
  const model = withSeed(7, build);
  if (init !== null)
    model.setWeights(model.weights.map((w, i) => tf.tensor(init[i]!, w.shape as number[])));
  const start = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const optimizer = createOptimizer({ name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
  const { history } = await train({
    model,
    data: { train: oneBatch(shape, 10) },
    optimizer,
    epochs: 1,
    seed: 1,
    progress: false,
  });
  const after = model.weights.map((w) => w.read().dataSync() as Float32Array);
  const names = model.weights.map((w) => w.originalName);
  optimizer.dispose();
  model.dispose();
  return { init: start, after, loss: history[0]!.train.loss, names };
}

/** Worst over tensors of max|a - b| / max|b| (error relative to each tensor's scale), and where. */
function worstRelative(a: Float32Array[], b: Float32Array[]): { error: number; index: number } {
  let worst = { error: 0, index: -1 };
  b.forEach((ref, i) => {
    const other = a[i]!;
    let scale = 1e-12;
    let diff = 0;
    for (let j = 0; j < ref.length; j++) {
      scale = Math.max(scale, Math.abs(ref[j]!));
      diff = Math.max(diff, Math.abs(other[j]! - ref[j]!));
    }
    if (diff / scale > worst.error) worst = { error: diff / scale, index: i };
  });
  return worst;
}

function deltas(s: { init: Float32Array[]; after: Float32Array[] }): Float32Array[] {
  return s.after.map((w, i) => w.map((v, j) => v - s.init[i]![j]!));
}

/** Smallest over tensors of the cosine between two updates (1 when they point the same way). */
function worstCosine(a: Float32Array[], b: Float32Array[]): number {
  let worst = 1;
  b.forEach((ref, i) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let j = 0; j < ref.length; j++) {
      dot += a[i]![j]! * ref[j]!;
      na += a[i]![j]! ** 2;
      nb += ref[j]! ** 2;
    }
    if (na > 0 && nb > 0) worst = Math.min(worst, dot / Math.sqrt(na * nb));
  });
  return worst;
}

/** One step on cpu and on wasm with Winograd convolutions off, so both round alike. */
async function stepPair(build: () => tfl.LayersModel, shape: [number, number, number, number]) {
  const cpu = await step('cpu', build, null, shape);
  setWinogradEnabled(false);
  try {
    return { cpu, wasm: await step('wasm', build, cpu.init, shape) };
  } finally {
    setWinogradEnabled(undefined);
  }
}

async function compare(
  name: string,
  build: () => tfl.LayersModel,
  shape: [number, number, number, number],
) {
  const { cpu, wasm } = await stepPair(build, shape);
  const weight = worstRelative(wasm.after, cpu.after);
  const update = worstRelative(deltas(wasm), deltas(cpu));
  console.log(
    `${name}: one step wasm vs cpu, worst weight rel. error ${weight.error.toExponential(2)}, ` +
      `update ${update.error.toExponential(2)} (${cpu.names[update.index]})`,
  );
  expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-4);
  expect(weight.error).toBeLessThan(1e-4);
  // Updates are differences of nearby numbers; BN over few values per channel amplifies float32
  // summation-order differences between backends a little beyond 1e-4.
  expect(update.error).toBeLessThan(3e-4);
}

beforeAll(async () => {
  // Registers wasm's training kernels; the cpu reference keeps tfjs's stock kernels.
  await useBackend('wasm');
});

describe('one training step on wasm matches the cpu backend', () => {
  for (const attention of VARIANTS) {
    it(`cnn3, attention ${attention ?? 'none'} (18x18, batch 2)`, async () => {
      await compare(
        `cnn3/${attention ?? 'none'}`,
        () => cnn3({ numClasses: 10, attention, inputShape: [24, 24, 3] }),
        [4, 24, 24, 3],
      );
    });
  }
});

describe('one training step of a small resnet on wasm matches the cpu backend', () => {
  beforeAll(async () => {
    // Stock tfjs-cpu needs ~100 s for one such step (its filter gradient runs at ~14 MFLOP/s);
    // use the composed cpu kernels of @sevar/wasm-kernels (tested there against the stock ones).
    await useBackend('cpu');
  });
  for (const attention of [null, 'se'] as const) {
    it(`resnet [1,1,1,1] cifar stem, attention ${attention ?? 'none'} (16x16, batch 4)`, async () => {
      const build = () =>
        buildResNet('resnet10', [1, 1, 1, 1], {
          numClasses: 10,
          stem: 'cifar',
          attention,
          inputShape: [16, 16, 3],
        });
      await compare(`resnet10/${attention ?? 'none'}`, build, [4, 16, 16, 3]);
    });
  }

  it('resnet [1,1,1,1] with Winograd convolutions: same loss, updates in the same direction', async () => {
    // Winograd's forward error (under 1e-5 of each output's scale, tested per kernel against
    // float64) can flip a ReLU whose input lies within ~1e-5 of zero: in this step one such flip
    // (pre-activation -5.1e-6 vs +4.2e-6, stage 2's output) moves one position's gradient and
    // the largest elementwise update difference to ~1e-1, so updates are compared by direction.
    const build = () =>
      buildResNet('resnet10', [1, 1, 1, 1], {
        numClasses: 10,
        stem: 'cifar',
        attention: null,
        inputShape: [32, 32, 3],
      });
    const cpu = await step('cpu', build, null, [4, 32, 32, 3]);
    const wasm = await step('wasm', build, cpu.init, [4, 32, 32, 3]);
    const cosine = worstCosine(deltas(wasm), deltas(cpu));
    console.log(`resnet10 with Winograd: worst update cosine ${cosine.toFixed(6)}`);
    expect(Math.abs(wasm.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
    expect(cosine).toBeGreaterThan(0.99);
  });
});

// One data-parallel worker: its own tfjs backend and model copy; receives weights and a shard,
// returns the shard's (scaled) gradients and BN moving statistics, computed by the same
// `stepGradients` as a step of `train` on the main thread.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../backend.js';
import { fuseBatchNormTraining } from '@sevar/layers';
import { isOutOfMemory } from '../io-errors.js';
import { sparseSoftmaxCrossEntropy } from '../loss.js';
import { stepGradients } from '../step.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './protocol.js';
import { weightSizes, weightViews } from './shared.js';

const port = parentPort!;
let model: tfl.LayersModel | null = null;
let labelSmoothing = 0;
let weights: Float32Array[] = [];
let results: Float32Array[] = [];

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

async function init(m: InitMessage): Promise<void> {
  await useBackend(m.backend, { onWarning: () => {}, wasmThreads: m.wasmThreads });
  for (const specifier of m.imports) await import(specifier);
  model = await tfl.models.modelFromJSON({
    modelTopology: m.topology as tf.io.ModelJSON['modelTopology'],
  });
  labelSmoothing = m.labelSmoothing;
  fuseBatchNormTraining(model, m.fusedBatchNorm);
  const sizes = weightSizes(model);
  weights = weightViews(m.weights, sizes);
  results = weightViews(m.results, sizes);
  send({ type: 'ready', trainableShapes: model.trainableWeights.map((w) => w.shape as number[]) });
}

async function step(m: StepMessage): Promise<void> {
  const net = model!;
  const all = [...net.trainableWeights, ...net.nonTrainableWeights];
  // wasm copies the values into its heap; other backends may keep the array they are given,
  // which the main thread overwrites before the next step.
  const own = (view: Float32Array) => (tf.getBackend() === 'wasm' ? view : view.slice());
  tf.tidy(() => all.forEach((w, i) => w.write(tf.tensor(own(weights[i]!), w.shape as number[]))));
  const variables = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const xs = tf.tensor(m.xs, m.xsShape);
  const ys = tf.tensor1d(m.ys, 'int32');
  try {
    const { stats, grads } = stepGradients(net, variables, xs, ys, {
      loss: (logits, labels) => sparseSoftmaxCrossEntropy(logits, labels, labelSmoothing),
      scale: m.scale,
    });
    let values: Float32Array;
    try {
      values = (await stats.data()) as Float32Array;
    } finally {
      stats.dispose();
    }
    try {
      for (let i = 0; i < variables.length; i++) {
        results[i]!.set((await grads[variables[i]!.name]!.data()) as Float32Array);
      }
    } finally {
      tf.dispose(grads);
    }
    const trainable = net.trainableWeights.length;
    for (let i = 0; i < net.nonTrainableWeights.length; i++) {
      results[trainable + i]!.set(
        (await net.nonTrainableWeights[i]!.read().data()) as Float32Array,
      );
    }
    tf.dispose([xs, ys]);
    send({
      type: 'grads',
      lossSum: values[0]!,
      top1Hits: values[1]!,
      top5Hits: values[2]!,
      numTensors: tf.memory().numTensors,
    });
  } finally {
    tf.dispose([xs, ys]);
  }
}

port.on('message', (m: ToWorker) => {
  const run = m.type === 'init' ? init(m) : m.type === 'step' ? step(m) : null;
  if (run === null) {
    port.close();
    return;
  }
  run.catch((error: unknown) => {
    const e = error instanceof Error ? error : new Error(String(error));
    send({
      type: 'error',
      message: e.message,
      outOfMemory: isOutOfMemory(e),
      ...(e.stack !== undefined ? { stack: e.stack } : {}),
    });
  });
});

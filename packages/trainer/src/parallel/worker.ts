// One data-parallel worker: its own tfjs backend and model copy; receives weights and a shard,
// returns the shard's (scaled) gradients and BN moving statistics.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../backend.js';
import { fuseBatchNormTraining } from '../batch-norm.js';
import { lowMemoryVariableGrads } from '../grads.js';
import { sparseSoftmaxCrossEntropy } from '../loss.js';
import { topKHits } from '../metrics.js';
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
  await useBackend(m.backend, { onWarning: () => {} });
  for (const specifier of m.imports) await import(specifier);
  model = await tfl.models.modelFromJSON({
    modelTopology: m.topology as tf.io.ModelJSON['modelTopology'],
  });
  labelSmoothing = m.labelSmoothing;
  if (m.fusedBatchNorm) fuseBatchNormTraining(model);
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
    const { value, hits, grads } = tf.tidy(() => {
      let mean: tf.Scalar | null = null;
      let hits: tf.Tensor1D | null = null;
      const result = lowMemoryVariableGrads(() => {
        const logits = net.apply(xs, { training: true }) as tf.Tensor2D;
        mean = tf.keep(sparseSoftmaxCrossEntropy(logits, ys, labelSmoothing));
        const k5 = Math.min(5, logits.shape[1]);
        hits = tf.keep(
          tf.stack([tf.sum(topKHits(logits, ys, 1)), tf.sum(topKHits(logits, ys, k5))]),
        ) as tf.Tensor1D;
        const extra = net.calculateLosses();
        const total = extra.length === 0 ? mean : tf.addN([mean, ...extra]);
        return tf.mul(total, m.scale) as tf.Scalar;
      }, variables);
      return { value: mean! as tf.Scalar, hits: hits! as tf.Tensor1D, grads: result.grads };
    });
    const lossSum = (await value.data())[0]! * m.ys.length;
    const [top1Hits, top5Hits] = Array.from(await hits.data());
    tf.dispose([value, hits]);
    const trainable = net.trainableWeights.length;
    for (let i = 0; i < variables.length; i++) {
      results[i]!.set((await grads[variables[i]!.name]!.data()) as Float32Array);
    }
    tf.dispose(grads);
    for (let i = 0; i < net.nonTrainableWeights.length; i++) {
      results[trainable + i]!.set(
        (await net.nonTrainableWeights[i]!.read().data()) as Float32Array,
      );
    }
    tf.dispose([xs, ys]);
    send({
      type: 'grads',
      lossSum,
      top1Hits: top1Hits!,
      top5Hits: top5Hits!,
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
      ...(e.stack !== undefined ? { stack: e.stack } : {}),
    });
  });
});

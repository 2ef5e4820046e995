// One data-parallel worker: its own tfjs backend and model copy; receives weights and a shard,
// returns the shard's (scaled) gradients and BN moving statistics.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../backend.js';
import { lowMemoryVariableGrads } from '../grads.js';
import { sparseSoftmaxCrossEntropy } from '../loss.js';
import { topKHits } from '../metrics.js';
import type { FromWorker, InitMessage, StepMessage, ToWorker } from './protocol.js';

const port = parentPort!;
let model: tfl.LayersModel | null = null;
let labelSmoothing = 0;

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
  send({ type: 'ready', trainableShapes: model.trainableWeights.map((w) => w.shape as number[]) });
}

async function step(m: StepMessage): Promise<void> {
  const net = model!;
  const assign = (weights: tfl.LayerVariable[], values: Float32Array[]) =>
    tf.tidy(() => weights.forEach((w, i) => w.write(tf.tensor(values[i]!, w.shape as number[]))));
  assign(net.trainableWeights, m.trainable);
  assign(net.nonTrainableWeights, m.nonTrainable);
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
    const out = await Promise.all(
      variables.map((v) => grads[v.name]!.data() as Promise<Float32Array>),
    );
    tf.dispose(grads);
    const stats = await Promise.all(
      net.nonTrainableWeights.map((w) => w.read().data() as Promise<Float32Array>),
    );
    // data() may return views of backend memory; copy so the buffers can be transferred.
    const grad = out.map((a) => a.slice());
    const nonTrainable = stats.map((a) => a.slice());
    tf.dispose([xs, ys]);
    send(
      {
        type: 'grads',
        grads: grad,
        nonTrainable,
        lossSum,
        top1Hits: top1Hits!,
        top5Hits: top5Hits!,
        numTensors: tf.memory().numTensors,
      },
      [
        ...grad.map((a) => a.buffer as ArrayBuffer),
        ...nonTrainable.map((a) => a.buffer as ArrayBuffer),
      ],
    );
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

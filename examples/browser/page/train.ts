import * as tf from '@tensorflow/tfjs-core';
import { createBatches, loadEmbedded } from '@sevar/datasets';
import type { VariantName } from '@sevar/layers';
import { cnn3 } from '@sevar/models';

export interface TrainSettings {
  variant: VariantName | null;
  steps: number;
  batchSize: number;
  log: (line: string) => void;
}

export interface TrainOutcome {
  params: number;
  /** Training loss of the last step. */
  loss: number;
  /** Top-1 on the embedded test split, 0..1. */
  accuracy: number;
  stepsPerSecond: number;
}

/**
 * A short training loop written for the page (the `@sevar/trainer` loop is Node-only: it writes
 * checkpoints and logs to disk). Adam on softmax cross-entropy, then top-1 on held-out images.
 */
export async function trainBriefly(s: TrainSettings): Promise<TrainOutcome> {
  const train = await loadEmbedded({ split: 'train', count: 1024 });
  const test = await loadEmbedded({ split: 'test', count: 200 });
  const model = cnn3({ attention: s.variant, numClasses: train.classNames.length });
  const optimizer = tf.train.adam(0.003);
  const batches = createBatches(train, { batchSize: s.batchSize, augment: 'flip', seed: 1 });
  let loss = NaN;
  let step = 0;
  const started = performance.now();
  try {
    for (let epoch = 0; step < s.steps; epoch++) {
      for await (const { xs, ys } of batches.epoch(epoch)) {
        const value = optimizer.minimize(() => {
          const logits = model.apply(xs, { training: true }) as tf.Tensor2D;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(ys, 10), logits);
        }, true)!;
        loss = (await value.data())[0]!;
        tf.dispose([xs, ys, value]);
        step++;
        s.log(`step ${step}/${s.steps}: loss ${loss.toFixed(4)}`);
        if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step}`);
        if (step === s.steps) break;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    let hits = 0;
    for await (const { xs, ys } of createBatches(test, { batchSize: 100, shuffle: false }).epoch(
      0,
    )) {
      const correct = tf.tidy(() =>
        tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(xs) as tf.Tensor2D, 1), ys), 'int32')),
      );
      hits += (await correct.data())[0]!;
      tf.dispose([xs, ys, correct]);
    }
    return {
      params: model.countParams(),
      loss,
      accuracy: hits / test.count,
      stepsPerSecond: step / seconds,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

import { createBatches, loadEmbedded } from '@sevar/datasets';
import type { AttentionName } from '@sevar/layers';
import { cnn3 } from '@sevar/models';
import { createOptimizer, train } from '@sevar/trainer';
import type { BatchSource } from '@sevar/trainer';

export interface TrainSettings {
  attention: AttentionName;
  steps: number;
  batchSize: number;
  /** Held-out images evaluated after training (the first ones of the embedded test split). */
  testImages: number;
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

/** The first `steps` batches of `source`, continuing into its next epochs when it runs out. */
function firstSteps(source: BatchSource, steps: number, batchSize: number): BatchSource {
  return {
    numExamples: steps * batchSize,
    batchesPerEpoch: steps,
    async *epoch() {
      let taken = 0;
      for (let e = 0; taken < steps; e++) {
        for await (const batch of source.epoch(e)) {
          taken++;
          yield batch;
          if (taken === steps) return;
        }
      }
    },
  };
}

/**
 * Trains cnn3 for a few steps with `@sevar/trainer`'s `train()` (its browser entry: no
 * checkpoints or log files), Adam on softmax cross-entropy, then reads top-1 on held-out images.
 */
export async function trainBriefly(s: TrainSettings): Promise<TrainOutcome> {
  const trainSet = await loadEmbedded({ split: 'train', count: 1024 });
  const testSet = await loadEmbedded({ split: 'test', count: s.testImages });
  const model = cnn3({ attention: s.attention, numClasses: trainSet.classNames.length });
  const optimizer = createOptimizer({ name: 'adam', lr: 0.003 });
  const batches = createBatches(trainSet, { batchSize: s.batchSize, augment: 'flip', seed: 1 });
  let loss = NaN;
  try {
    const result = await train({
      model,
      optimizer,
      epochs: 1,
      seed: 1,
      progress: false,
      data: {
        train: firstSteps(batches, s.steps, s.batchSize),
        test: createBatches(testSet, {
          batchSize: Math.min(100, s.testImages),
          shuffle: false,
        }),
      },
      onStepEnd: (info) => {
        loss = info.loss;
        s.log(`step ${info.step}/${s.steps}: loss ${info.loss.toFixed(4)}`);
      },
    });
    const record = result.history.at(-1)!;
    return {
      params: model.countParams(),
      loss,
      accuracy: record.test?.top1 ?? NaN,
      stepsPerSecond: s.steps / record.seconds,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

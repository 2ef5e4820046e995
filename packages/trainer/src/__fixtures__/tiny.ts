// Test fixtures (built so that child processes can run them; not part of the published files).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng, withSeed } from '../rng.js';
import type { Batch, BatchSource } from '../types.js';

/** A small conv net with BN and dropout (both need the trainer's handling to be deterministic). */
export function tinyModel(seed: number, numClasses = 4): tfl.LayersModel {
  return withSeed(seed, () =>
    tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same' }),
        tfl.layers.batchNormalization(),
        tfl.layers.activation({ activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dropout({ rate: 0.2 }),
        tfl.layers.dense({ units: numClasses }),
      ],
    }),
  );
}

export interface QuadrantOptions {
  numExamples: number;
  batchSize: number;
  seed: number;
  /** Put a NaN pixel into this (epoch, step) batch, 0-based. */
  poison?: { epoch: number; step: number };
}

/**
 * 8x8 single-channel images: class c (0..3) lights quadrant c, plus noise. Order and noise
 * depend only on (seed, epoch).
 */
export function quadrants(options: QuadrantOptions): BatchSource {
  const { numExamples, batchSize, seed } = options;
  const batchesPerEpoch = Math.ceil(numExamples / batchSize);
  return {
    numExamples,
    batchesPerEpoch,
    *epoch(e: number): Iterable<Batch> {
      const rng = new Rng((seed * 7919 + e) >>> 0);
      for (let b = 0; b < batchesPerEpoch; b++) {
        const n = Math.min(batchSize, numExamples - b * batchSize);
        const xs = new Float32Array(n * 64);
        const ys = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const c = rng.nextUint32() % 4;
          ys[i] = c;
          for (let p = 0; p < 64; p++) {
            const r = p >> 3;
            const col = p & 7;
            const q = (r < 4 ? 0 : 2) + (col < 4 ? 0 : 1);
            xs[i * 64 + p] = (q === c ? 1 : 0) + (rng.next() - 0.5) * 0.8;
          }
        }
        if (options.poison?.epoch === e && options.poison.step === b) xs[5] = NaN;
        yield { xs: tf.tensor4d(xs, [n, 8, 8, 1]), ys: tf.tensor1d(ys, 'int32') };
      }
    },
  };
}

/** All model weights as plain arrays (for exact comparisons across processes). */
export function weightValues(model: tfl.LayersModel): number[][] {
  return model.weights.map((w) => Array.from(w.read().dataSync()));
}

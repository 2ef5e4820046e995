import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { topKAccuracy, topKHits } from './metrics.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function hits(logits: number[][], labels: number[], k: number): number[] {
  return tf.tidy(() =>
    Array.from(topKHits(tf.tensor2d(logits), tf.tensor1d(labels, 'int32'), k).dataSync()),
  );
}

describe('top-k', () => {
  const logits = [
    [0.1, 0.9, 0.3, 0.2, 0.5, 0.4, 0.0], // order: 1, 4, 5, 2, 3, 0, 6
    [5, 4, 3, 2, 1, 0, -1],
    [-1, -2, -3, -4, -5, -6, 10],
  ];

  it('top-1 and top-5 on hand-made logits', () => {
    // label rank: ex0 label 3 -> rank 4 (0-based), ex1 label 6 -> rank 6, ex2 label 6 -> rank 0
    expect(hits(logits, [3, 6, 6], 1)).toEqual([0, 0, 1]);
    expect(hits(logits, [3, 6, 6], 5)).toEqual([1, 0, 1]);
    expect(hits(logits, [0, 4, 0], 5)).toEqual([0, 1, 1]);
    const acc = tf.tidy(
      () => topKAccuracy(tf.tensor2d(logits), tf.tensor1d([3, 6, 6], 'int32'), 5).dataSync()[0],
    );
    expect(acc).toBeCloseTo(2 / 3, 6);
  });

  it('ties straddling the boundary share the remaining places', () => {
    // label 0 ties with classes 1 and 2 for first place: top-1 credit 1/3, top-2 2/3, top-3 1.
    const tied = [[2, 2, 2, 1]];
    expect(hits(tied, [0], 1)[0]).toBeCloseTo(1 / 3, 6);
    expect(hits(tied, [0], 2)[0]).toBeCloseTo(2 / 3, 6);
    expect(hits(tied, [0], 3)).toEqual([1]);
    // label 3 is below the tie: 3 strictly greater -> top-3 is 0, top-4 is 1.
    expect(hits(tied, [3], 3)).toEqual([0]);
    expect(hits(tied, [3], 4)).toEqual([1]);
    // One class ahead, label tied with one other for places 2-3: top-2 credit 1/2.
    expect(hits([[9, 1, 1, 0]], [2], 2)).toEqual([0.5]);
  });

  it('constant logits score chance, not 100%', () => {
    const constant = Array.from({ length: 4 }, () => new Array<number>(10).fill(0.5));
    const h1 = hits(constant, [0, 3, 7, 9], 1);
    const h5 = hits(constant, [0, 3, 7, 9], 5);
    h1.forEach((v) => expect(v).toBeCloseTo(0.1, 6));
    h5.forEach((v) => expect(v).toBeCloseTo(0.5, 6));
  });

  it('a NaN true-class logit scores 0 and nothing leaks', () => {
    const before = tf.memory().numTensors;
    expect(hits([[NaN, 1, 2]], [0], 3)).toEqual([0]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

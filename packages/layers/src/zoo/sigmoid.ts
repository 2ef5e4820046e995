import * as tf from '@tensorflow/tfjs-core';

const sigmoidWithPreciseGradient = tf.customGrad((...inputs) => {
  const a = inputs[0] as tf.Tensor;
  const save = inputs[1] as tf.GradSaveFunc;
  save([a]);
  return {
    value: tf.sigmoid(a),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.mul(dy, tf.mul(tf.sigmoid(saved[0]!), tf.sigmoid(tf.neg(saved[0]!)))),
  };
});

/**
 * The sigmoid with its derivative computed as `σ(a)·σ(−a)` instead of tfjs's `σ(a)·(1 − σ(a))`.
 * Both are equal in exact arithmetic, but for a saturated gate (|a| ≳ 8) `1 − σ(a)` keeps only
 * a few float32 digits (σ(a) sits within a few ulps of 1), so the gradient reaching the gate's
 * pre-activation is off by up to ~1e-3 relative; `σ(−a)` is exact to float32 precision. The
 * value is tfjs's own `tf.sigmoid`.
 */
export function preciseSigmoid<T extends tf.Tensor>(a: T): T {
  return sigmoidWithPreciseGradient(a) as T;
}

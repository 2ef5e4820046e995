import * as tf from '@tensorflow/tfjs-core';

/**
 * A loss from logits [batch, classes] and int32 class indices [batch] to a scalar (mean over the
 * batch). Plain functions: they run inside the trainer's gradient tape.
 */
export type LossFn = (logits: tf.Tensor2D, labels: tf.Tensor1D) => tf.Scalar;

/**
 * Mean sparse softmax cross-entropy. With label smoothing `eps` the target is
 * `(1 - eps) * onehot + eps / classes` (PyTorch's `CrossEntropyLoss(label_smoothing=eps)`).
 */
export function sparseSoftmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  labelSmoothing = 0,
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const logProbs = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), numClasses);
    const nll = tf.neg(tf.sum(tf.mul(logProbs, oneHot), 1));
    if (labelSmoothing === 0) return tf.mean(nll);
    const uniform = tf.neg(tf.mean(logProbs, 1));
    return tf.mean(tf.add(tf.mul(nll, 1 - labelSmoothing), tf.mul(uniform, labelSmoothing)));
  });
}

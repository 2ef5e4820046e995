import * as tf from '@tensorflow/tfjs-core';

/**
 * Top-k hits per example, with ties shared fairly: an example whose true-class logit has `g`
 * strictly larger logits and `e` other equal logits scores `clamp((k - g) / (e + 1), 0, 1)`,
 * the probability that it lands in the top k when ties are broken at random. A model that
 * outputs constant logits therefore scores chance, not 100% (as TF's `in_top_k` would) or 0%.
 * A NaN true-class logit scores 0. Returns a float32 tensor of shape [batch].
 */
export function topKHits(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Tensor1D {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), numClasses);
    const trueLogit = tf.sum(tf.mul(logits, oneHot), 1, true);
    const greater = tf.sum(tf.cast(tf.greater(logits, trueLogit), 'float32'), 1);
    const equalOthers = tf.sub(tf.sum(tf.cast(tf.equal(logits, trueLogit), 'float32'), 1), 1);
    const share = tf.clipByValue(tf.div(tf.sub(k, greater), tf.add(equalOthers, 1)), 0, 1);
    return tf.where(
      tf.isNaN(tf.squeeze(trueLogit, [1])),
      tf.zerosLike(share),
      share,
    ) as tf.Tensor1D;
  });
}

/** Fraction (0..1) of examples whose label is in the top k, ties shared as in `topKHits`. */
export function topKAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  return tf.tidy(() => tf.mean(topKHits(logits, labels, k)));
}

/**
 * Kernels that `@sevar/wasm-kernels` registers and `@sevar/layers` calls where a backend has
 * them: a batch norm's whole training-mode forward pass, and its whole backward pass, over
 * channels-last float32 (the channel is the last axis; every other axis is reduced).
 *
 * - forward, inputs `{ x, gamma, beta }`, attrs `{ epsilon }`: outputs `[y, mean, variance]`,
 *   with `variance` the biased one (the mean of squared deviations) and
 *   `y = (x - mean) * (gamma * rsqrt(variance + epsilon)) + beta`;
 * - backward, inputs `{ dy, x, mean, variance, gamma }`, attrs `{ epsilon }`: outputs
 *   `[dx, dgamma, dbeta]`.
 */
export const BATCH_NORM_TRAINING_KERNELS = {
  forward: 'SevarBatchNormTraining',
  backward: 'SevarBatchNormTrainingGrad',
} as const;

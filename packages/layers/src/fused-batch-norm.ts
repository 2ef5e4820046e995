import { BATCH_NORM_TRAINING_KERNELS } from '@sevar/core';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type BatchNormFields, layersOf } from './batch-norm-layers.js';

/** The fields of tfjs-layers' BatchNormalization (4.x) that the fused training path reads. */
interface BatchNormLayer extends BatchNormFields {
  momentum: number;
  center: boolean;
  scale: boolean;
  inputSpec?: Array<{ ndim?: number } | null> | null;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
  getClassName(): string;
}

/** Channels last: axis -1, or the last axis of the input rank the built layer expects. */
function channelsLast(bn: BatchNormLayer): boolean {
  const ndim = bn.inputSpec?.[0]?.ndim;
  return bn.axis === -1 || (ndim !== undefined && bn.axis === ndim - 1);
}

const FUSED = Symbol.for('sevar.fusedBatchNormTraining');

/** tfjs-layers' moving average: `moving -= (moving - value) * (1 - momentum)`. */
function movingAverage(variable: tfl.LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const current = variable.read();
    variable.write(tf.sub(current, tf.mul(tf.sub(current, value), 1 - momentum)));
  });
}

type Op = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

/**
 * The op as one kernel per pass where the backend registers `BATCH_NORM_TRAINING_KERNELS`
 * (`@sevar/wasm-kernels` does on wasm): the same formulas in two passes over x forward and two
 * over (dy, x) backward, with no activation-sized temporaries. Pushes mean and variance.
 */
function kernelOp(epsilon: number, stats: tf.Tensor[]): Op {
  const { forward, backward } = BATCH_NORM_TRAINING_KERNELS;
  return tf.customGrad((input, gammaIn, betaIn, save) => {
    const [x, gamma, beta] = [input, gammaIn, betaIn] as tf.Tensor[];
    const [y, mean, variance] = tf
      .engine()
      .runKernel(forward, { x: x!, gamma: gamma!, beta: beta! }, { epsilon }) as tf.Tensor[];
    stats.push(tf.keep(mean!), tf.keep(variance!));
    (save as (tensors: tf.Tensor[]) => void)([x!, mean!, variance!, gamma!]);
    return {
      value: y!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, mu, sigma2, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const inputs = { dy, x: sx, mean: mu, variance: sigma2, gamma: g };
        return tf.engine().runKernel(backward, inputs, { epsilon }) as tf.Tensor[];
      },
    };
  }) as unknown as Op;
}

/** Whether the current backend registers both batch-norm training kernels. */
function backendHasKernels(): boolean {
  const backendName = tf.getBackend();
  return Object.values(BATCH_NORM_TRAINING_KERNELS).every(
    (name) => tf.getKernel(name, backendName) !== undefined,
  );
}

/** The fused op through the backend's batch-norm training kernels, and the moving statistics. */
function kernelTrainingCall(bn: BatchNormLayer, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const stats: tf.Tensor[] = [];
    const y = kernelOp(bn.epsilon, stats)(x, bn.gamma!.read(), bn.beta!.read());
    const [mean, variance] = stats as [tf.Tensor, tf.Tensor];
    movingAverage(bn.movingMean, mean, bn.momentum);
    movingAverage(bn.movingVariance, variance, bn.momentum);
    tf.dispose([mean, variance]);
    return y;
  });
}

/**
 * Training-mode batch norm over every axis but the last, as ONE differentiable op: the
 * backward pass keeps only x and per-channel vectors, and computes dx, dgamma and dbeta in
 * closed form. tfjs-layers composes it from moments and a batch-norm kernel, whose gradients
 * keep the centred input (and more) alive from the forward pass to the backward pass. Where the
 * backend registers the batch-norm training kernels, the op is those (`kernelTrainingCall`).
 */
function fusedTrainingCall(bn: BatchNormLayer, x: tf.Tensor): tf.Tensor {
  if (backendHasKernels()) return kernelTrainingCall(bn, x);
  return tf.tidy(() => {
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const count = x.size / x.shape[x.rank - 1]!;
    const stats: tf.Tensor[] = [];
    const op = tf.customGrad((input, gammaIn, betaIn, save) => {
      const [xs, gamma, beta] = [input, gammaIn, betaIn] as tf.Tensor[];
      const mean = tf.mean(xs!, axes);
      const centered = tf.sub(xs!, mean);
      const variance = tf.mean(tf.square(centered), axes);
      const invStd = tf.rsqrt(tf.add(variance, bn.epsilon));
      const y = tf.add(tf.mul(centered, tf.mul(gamma!, invStd)), beta!);
      stats.push(tf.keep(mean), tf.keep(variance));
      (save as (tensors: tf.Tensor[]) => void)([xs!, mean, invStd, gamma!]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [sx, mu, inv, g] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          // Per-channel sums first, then dx = dy * k + (x - mean) * c1 + c0 with per-channel k,
          // c1, c0, freeing each activation-sized temporary as soon as it is used (at most three
          // alive at once). Centring before multiplying keeps it exact for large means.
          const centered = tf.sub(sx, mu);
          const dbeta = tf.sum(dy, axes);
          const dgamma = tf.mul(
            tf.tidy(() => tf.sum(tf.mul(dy, centered), axes)),
            inv,
          );
          const k = tf.mul(g, inv);
          const c1 = tf.div(tf.mul(tf.mul(inv, dgamma), k), -count);
          const c0 = tf.div(tf.mul(dbeta, k), -count);
          const dx = tf.tidy(() => {
            const shifted = tf.mul(centered, c1);
            centered.dispose();
            const scaled = tf.mul(dy, k);
            const both = tf.add(scaled, shifted);
            tf.dispose([scaled, shifted]);
            return tf.add(both, c0);
          });
          return [dx, dgamma, dbeta];
        },
      };
    });
    const y = op(x, bn.gamma!.read(), bn.beta!.read());
    const [mean, variance] = stats as [tf.Tensor, tf.Tensor];
    movingAverage(bn.movingMean, mean, bn.momentum);
    movingAverage(bn.movingVariance, variance, bn.momentum);
    tf.dispose([mean, variance]);
    return y;
  });
}

/** A fused layer's state: whether it trains fused now. */
interface Fused {
  on: boolean;
}

/** Whether `layer` is a batch norm that `fuseBatchNormTraining` has switched on. */
export function batchNormTrainingFused(layer: tfl.layers.Layer): boolean {
  return (layer as unknown as { [FUSED]?: Fused })[FUSED]?.on === true;
}

/**
 * Makes the BatchNormalization layers of `target` (a model, nested models included, or one
 * layer) train through one fused op: same outputs, gradients and moving statistics as
 * tfjs-layers' composition (within float32 rounding), in fewer kernels and with less memory held
 * between the forward and the backward pass (a ResNet-18 step: one activation-sized buffer less
 * per batch norm). Inference and layers it does not cover (no centre or scale, a channel axis
 * other than the last) keep tfjs-layers' code. Patches the layer instances, not their class:
 * serialization is unchanged. `on = false` puts tfjs-layers' training path back. Idempotent;
 * returns the number of layers covered. `@sevar/models` builds its batch norms this way, and
 * `train()` and data-parallel workers call it (`fusedBatchNorm`).
 */
export function fuseBatchNormTraining(
  target: tfl.LayersModel | tfl.layers.Layer,
  on = true,
): number {
  let fused = 0;
  for (const layer of layersOf(target)) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const bn = layer as unknown as BatchNormLayer & { [FUSED]?: Fused };
    if (!bn.center || !bn.scale || !channelsLast(bn)) continue;
    fused++;
    const state = bn[FUSED];
    if (state !== undefined) {
      // The wrapper stays (later patches, such as the inference fold, may wrap it in turn).
      state.on = on;
      continue;
    }
    if (!on) continue;
    const self: Fused = { on: true };
    const stock = bn.call.bind(bn);
    bn.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const training = kwargs?.['training'];
      if (
        !self.on ||
        training == null ||
        training === false ||
        x === undefined ||
        x.dtype !== 'float32' ||
        x.rank < 2 ||
        (bn.axis !== -1 && bn.axis !== x.rank - 1)
      ) {
        return stock(inputs, kwargs);
      }
      return fusedTrainingCall(bn, x);
    };
    bn[FUSED] = self;
  }
  return fused;
}

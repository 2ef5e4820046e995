import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/**
 * Gradients of `Sum` and `Mean` without a tensor of ones. tfjs-core's (and the copy bundled in
 * tfjs-layers, which registers last) build dx as `dy · ones(x.shape)` (÷ n for Mean): a
 * JavaScript loop fills the ones, then a full-size multiply. Batch norm's moments take both
 * gradients over whole activations in every layer: filling the ones alone was 12% of a
 * ResNet-18 training step through plain `optimizer.minimize` on wasm. Here dy (÷ n) is
 * broadcast to x's shape instead (`Tile`), which gives the same values bit for bit: each
 * element is dy (or dy / n) either way. Non-float32 gradients keep the stock functions (which
 * multiply by float32 ones, so their dtype depends on the backend's type promotion).
 */
const previous = new Map<string, GradConfig | undefined>();

function reducedShape(x: Tensor, attrs: NamedAttrMap): { shape: number[]; size: number } {
  const axes = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape);
  const shape = x.shape.slice();
  let size = 1;
  for (const axis of axes) {
    size *= x.shape[axis] as number;
    shape[axis] = 1;
  }
  return { shape, size };
}

function broadcastGrad(kernelName: string, mean: boolean): GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const x = saved[0]!;
      const stock = previous.get(kernelName);
      if ((dy as Tensor).dtype !== 'float32' && stock?.gradFunc) {
        return stock.gradFunc(dy, saved, attrs);
      }
      const { shape, size } = reducedShape(x, attrs);
      return {
        x: () => {
          const expanded = tf.reshape(dy as Tensor, shape);
          return tf.broadcastTo(mean ? tf.div(expanded, size) : expanded, x.shape);
        },
      };
    },
  };
}

/** Installs the two gradients (idempotent); `restoreReductionGradients` puts the old back. */
export function registerReductionGradients(): void {
  for (const [name, mean] of [
    [tf.Sum, false],
    [tf.Mean, true],
  ] as const) {
    if (previous.has(name)) continue;
    previous.set(name, tf.getGradient(name));
    tf.registerGradient(broadcastGrad(name, mean));
  }
}

export function restoreReductionGradients(): void {
  for (const [name, config] of previous) {
    if (config !== undefined) tf.registerGradient(config);
    previous.delete(name);
  }
}

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { ModelConfigError } from './errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface StochasticDepthArgs extends LayerArgs {
  /** Probability of dropping a sample's residual branch during training. */
  rate: number;
}

/**
 * torchvision's `StochasticDepth(p, 'row')` (EfficientNet): in training, each sample's residual
 * branch is zeroed with probability `rate` and the survivors are scaled by `1 / (1 - rate)`; in
 * inference it is the identity.
 */
export class SevarStochasticDepth extends tfl.layers.Layer {
  static readonly className = 'SevarStochasticDepth';
  readonly rate: number;

  constructor(args: StochasticDepthArgs) {
    super(args);
    if (typeof args.rate !== 'number' || !(args.rate >= 0 && args.rate < 1)) {
      throw new ModelConfigError(
        `StochasticDepth '${args.name ?? ''}'`,
        'rate',
        'a number in [0, 1)',
        args.rate,
      );
    }
    this.rate = args.rate;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      if (kwargs.training !== true || this.rate === 0) return tf.clone(x);
      const keep = 1 - this.rate;
      const shape = [x.shape[0]!, ...x.shape.slice(1).map(() => 1)];
      // floor(keep + U[0, 1)) is 1 with probability `keep`.
      const mask = tf.floor(tf.add(tf.randomUniform(shape), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, ...super.getConfig() };
  }
}
tf.serialization.registerClass(SevarStochasticDepth);

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { applyBatchNorm, type BatchNormWeights } from './batch-norm.js';
import { AttentionInputError } from './errors.js';
import { checkOptionNames, type InitializerLike } from './options.js';
import { resolveInitializer } from './serialize.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

/** tfjs layer arguments every attention module passes on (`name`, `trainable`, ...). */
export type BaseLayerArgs = Omit<LayerArgs, 'name' | 'trainable'> & {
  /** Layer name (unique within a model). */
  name?: string;
  trainable?: boolean;
};

/** Static members every attention class declares; the base class reads them from `new.target`. */
export interface AttentionStatics {
  /** tfjs serialization name, e.g. `'SevarEca'` (prefix your own with your package's name). */
  readonly className: string;
  /** Registry key, e.g. `'eca'`. */
  readonly key: string;
  /** Option keys the module takes (tfjs layer arguments such as `name` are always accepted). */
  readonly optionNames: readonly string[];
}

/**
 * What a module's gates look like for one input, for visualisation: `channel` `[N, C]` and/or
 * `spatial` `[N, H, W]`, each in [0, 1]. The caller owns (and disposes) the tensors.
 */
export interface AttentionMaps {
  channel?: tf.Tensor2D;
  spatial?: tf.Tensor3D;
}

/**
 * Base of every attention module: an NHWC tensor in, a tensor of the same shape out. A module
 * declares `static className`, `static key` and `static optionNames`, validates its options in
 * its constructor (before any weight exists), creates its weights in {@link buildWeights} with
 * `addWeight` and computes its output in {@link forward}. The base checks the input (rank 4, a
 * known channel count that never changes), runs `forward` inside `tidy`, and passes tfjs's
 * `training` flag so batch norm can use batch statistics while training.
 */
export abstract class AttentionLayer extends tfl.layers.Layer {
  /** Registry key of the module, e.g. `'cbam'`. */
  readonly key: string;
  /** Input channels, known after `build`. */
  protected channels: number | null = null;

  constructor(args: BaseLayerArgs & object = {}) {
    super(args);
    const statics = new.target as unknown as AttentionStatics;
    this.key = statics.key;
    if (args !== null && typeof args === 'object') {
      checkOptionNames(this.key, args, statics.optionNames);
    }
  }

  /** Input channels the layer was built for, or `null` before `build`. */
  get inputChannels(): number | null {
    return this.channels;
  }

  /** Trainable parameters this module adds for `channels` input channels (no build needed). */
  abstract parameterCount(channels: number): number;

  /** Creates the weights for `channels` input channels (`height`/`width` may be unknown). */
  protected abstract buildWeights(
    channels: number,
    height: number | null,
    width: number | null,
  ): void;

  /** The module's output for a validated NHWC input; runs inside `tidy`. */
  protected abstract forward(x: tf.Tensor4D, training: boolean): tf.Tensor4D;

  /**
   * Rejects spatial sizes the module cannot handle (e.g. H·W = 1 for a per-channel variance).
   * Returns a description of what is expected, or `null` when the size is fine.
   */
  protected spatialRequirement(_height: number | null, _width: number | null): string | null {
    return null;
  }

  /** The module's gates for `x`, for visualisation (see {@link AttentionMaps}). */
  attentionMaps(_x: tf.Tensor4D): AttentionMaps {
    return {};
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (shape.length !== 4) {
      this.inputError('a rank-4 NHWC input [batch, height, width, channels]', shape);
    }
    const channels = shape[3];
    if (channels === null || channels === undefined) {
      this.inputError('a known channel count (last axis of the NHWC input)', shape);
    }
    const height = shape[1] ?? null;
    const width = shape[2] ?? null;
    const spatial = this.spatialRequirement(height, width);
    if (spatial !== null) this.inputError(spatial, shape);
    this.buildWeights(channels, height, width);
    this.channels = channels;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = this.checkedInput(Array.isArray(inputs) ? inputs[0]! : inputs);
      this.invokeCallHook(inputs, kwargs);
      return this.forward(x, kwargs['training'] === true);
    });
  }

  /** `x` as a rank-4 tensor with the channels the layer was built for, else a typed error. */
  protected checkedInput(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.channels) {
      this.inputError(
        `a rank-4 NHWC input with ${this.channels} channels (the layer was built for that)`,
        x.shape,
      );
    }
    const spatial = this.spatialRequirement(x.shape[1]!, x.shape[2]!);
    if (spatial !== null) this.inputError(spatial, x.shape);
    return x as tf.Tensor4D;
  }

  protected inputError(expected: string, received: unknown): never {
    throw new AttentionInputError(this.key, this.name, expected, received);
  }

  /** A trainable weight named `name`. */
  protected addTrainable(
    name: string,
    shape: number[],
    initializer: InitializerLike,
    regularizer?: Regularizer,
  ): tfl.LayerVariable {
    const init = resolveInitializer(this.key, name, initializer, 'zeros');
    return this.addWeight(name, shape, 'float32', init, regularizer, true);
  }

  /**
   * Batch-norm weights over `size` features: γ (ones) and β (zeros) trainable now, moving mean
   * (zeros) and variance (ones) non-trainable (tfjs lists non-trainable weights last).
   */
  protected addBatchNorm(prefix: string, size: number): BatchNormWeights {
    return {
      gamma: this.addTrainable(`${prefix}/gamma`, [size], 'ones'),
      beta: this.addTrainable(`${prefix}/beta`, [size], 'zeros'),
      movingMean: this.addWeight(
        `${prefix}/moving_mean`,
        [size],
        'float32',
        tfl.initializers.zeros(),
        undefined,
        false,
      ),
      movingVariance: this.addWeight(
        `${prefix}/moving_variance`,
        [size],
        'float32',
        tfl.initializers.ones(),
        undefined,
        false,
      ),
    };
  }

  /** Batch norm over the last axis of `x` (see {@link applyBatchNorm}). */
  protected batchNorm<T extends tf.Tensor>(bn: BatchNormWeights, x: T, training: boolean): T {
    return applyBatchNorm(bn, x, training);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig() };
  }
}

/** A class extending {@link AttentionLayer} with the statics the registry needs. */
export type AttentionLayerClass<Options extends object = object> = (new (
  options?: Options,
) => AttentionLayer) &
  AttentionStatics;

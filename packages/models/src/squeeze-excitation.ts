import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { ModelConfigError } from './errors.js';

type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export type SqueezeActivation = 'relu' | 'silu';
export type ExcitationGate = 'sigmoid' | 'hard-sigmoid';

export interface SqueezeExcitationArgs extends LayerArgs {
  /** Width of the hidden 1x1 convolution. */
  squeezeChannels: number;
  /** After the first 1x1 conv: `'relu'` (MobileNetV3) or `'silu'` (EfficientNet). */
  activation?: SqueezeActivation;
  /** `'sigmoid'` (EfficientNet) or `'hard-sigmoid'` = `relu6(x + 3) / 6` (MobileNetV3). */
  gate?: ExcitationGate;
}

const ACTIVATIONS: readonly SqueezeActivation[] = ['relu', 'silu'];
const GATES: readonly ExcitationGate[] = ['sigmoid', 'hard-sigmoid'];

/**
 * torchvision's `SqueezeExcitation` (the SE built into MobileNetV3 and EfficientNet):
 * `x * gate(fc2(act(fc1(mean_HW x))))`, the FCs being 1x1 convolutions with biases. Weights, in
 * order: `fc1/kernel [C, squeeze]`, `fc1/bias`, `fc2/kernel [squeeze, C]`, `fc2/bias`.
 */
export class SevarSqueezeExcitation extends tfl.layers.Layer {
  static readonly className = 'SevarSqueezeExcitation';
  readonly squeezeChannels: number;
  readonly activation: SqueezeActivation;
  readonly gate: ExcitationGate;
  private channels: number | null = null;
  private vars: tfl.LayerVariable[] = [];

  constructor(args: SqueezeExcitationArgs) {
    super(args);
    const layer = `SqueezeExcitation '${args.name ?? ''}'`;
    if (!Number.isInteger(args.squeezeChannels) || args.squeezeChannels < 1) {
      throw new ModelConfigError(layer, 'squeezeChannels', 'an integer >= 1', args.squeezeChannels);
    }
    this.squeezeChannels = args.squeezeChannels;
    this.activation = args.activation ?? 'relu';
    this.gate = args.gate ?? 'sigmoid';
    if (!ACTIVATIONS.includes(this.activation)) {
      throw new ModelConfigError(layer, 'activation', "'relu' or 'silu'", this.activation);
    }
    if (!GATES.includes(this.gate)) {
      throw new ModelConfigError(layer, 'gate', "'sigmoid' or 'hard-sigmoid'", this.gate);
    }
  }

  /** Multiply-accumulates of the two 1x1 convolutions on the squeezed vector. */
  macs(channels: number): number {
    return 2 * channels * this.squeezeChannels;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const c = shape[3];
    if (shape.length !== 4 || typeof c !== 'number') {
      throw new ModelConfigError(
        `SqueezeExcitation '${this.name}'`,
        'input',
        'a rank-4 NHWC input with known channels',
        shape,
      );
    }
    const s = this.squeezeChannels;
    // torchvision initialises these 1x1 convs like every conv: kaiming_normal_(mode='fan_out').
    const kernelInit = () =>
      tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });
    const zeros = tfl.initializers.zeros();
    this.vars = [
      this.addWeight('fc1/kernel', [c, s], 'float32', kernelInit()),
      this.addWeight('fc1/bias', [s], 'float32', zeros),
      this.addWeight('fc2/kernel', [s, c], 'float32', kernelInit()),
      this.addWeight('fc2/bias', [c], 'float32', zeros),
    ];
    this.channels = c;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      this.invokeCallHook(inputs, kwargs);
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const [k1, b1, k2, b2] = this.vars.map((v) => v.read());
      const s = tf.mean(x, [1, 2]) as tf.Tensor2D;
      let h = tf.add(tf.matMul(s, k1 as tf.Tensor2D), b1!);
      h = this.activation === 'relu' ? tf.relu(h) : tf.mul(h, tf.sigmoid(h));
      const z = tf.add(tf.matMul(h as tf.Tensor2D, k2 as tf.Tensor2D), b2!);
      const g = this.gate === 'sigmoid' ? tf.sigmoid(z) : tf.div(tf.relu6(tf.add(z, 3)), 6);
      return tf.mul(x, tf.reshape(g, [-1, 1, 1, this.channels!]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      squeezeChannels: this.squeezeChannels,
      activation: this.activation,
      gate: this.gate,
      ...super.getConfig(),
    };
  }
}
tf.serialization.registerClass(SevarSqueezeExcitation);

// A user's own attention module, written against @sevar/layers' public API only, as a reader of
// the "write your own module" guide would: y = x · σ(w ⊙ GAP(x) + b), with w, b of size C.
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { AttentionConfigError, AttentionLayer, registerAttention } from '@sevar/layers';
import type { AttentionMaps, BaseLayerArgs } from '@sevar/layers';

export interface ChannelScaleOptions {
  /** Initial value of every w (default 1). */
  initialScale?: number;
}

export class UserChannelScale extends AttentionLayer {
  static className = 'UserChannelScale';
  static readonly key = 'channel-scale';
  static readonly optionNames = ['initialScale'] as const;
  readonly initialScale: number;
  private w: tfl.LayerVariable | null = null;
  private b: tfl.LayerVariable | null = null;

  constructor(args: ChannelScaleOptions & BaseLayerArgs = {}) {
    super(args);
    const s = args.initialScale ?? 1;
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      throw new AttentionConfigError('channel-scale', 'initialScale', 'a finite number', s);
    }
    this.initialScale = s;
  }

  parameterCount(channels: number): number {
    return 2 * channels;
  }

  protected buildWeights(channels: number): void {
    this.w = this.addTrainable('w', [channels], {
      className: 'Constant',
      config: { value: this.initialScale },
    });
    this.b = this.addTrainable('b', [channels], 'zeros');
  }

  private gate(x: tf.Tensor4D): tf.Tensor2D {
    const s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    return tf.sigmoid(tf.add(tf.mul(s, this.w!.read()), this.b!.read())) as tf.Tensor2D;
  }

  protected forward(x: tf.Tensor4D): tf.Tensor4D {
    return tf.mul(x, tf.reshape(this.gate(x), [-1, 1, 1, x.shape[3]]));
  }

  override attentionMaps(x: tf.Tensor4D): AttentionMaps {
    return { channel: tf.tidy(() => this.gate(this.checkedInput(x))) };
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), initialScale: this.initialScale };
  }
}

let registered = false;

/** Registers the module once per process (a second registration of the key is an error). */
export function registerUserChannelScale(): void {
  if (registered) return;
  registerAttention<ChannelScaleOptions>({
    key: 'channel-scale',
    title: 'Channel scale (a user module)',
    citation: 'written for the tests',
    kind: 'channel',
    computes: 'y = x·σ(w ⊙ GAP x + b)',
    options: [{ name: 'initialScale', default: '1', description: 'initial value of w' }],
    layerClass: UserChannelScale,
  });
  registered = true;
}

// What an attention module does to one image: its channel gate (one value in [0, 1] per
// channel) and, for spatial modules, its spatial map (one value per position).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Gate values of one image, read back from the backend. */
export interface GateMaps {
  /** `[C]`, each in [0, 1]; null for a module without a channel gate. */
  channel: Float32Array | null;
  /** `[H, W]` row-major, each in [0, 1]; null for a module without a spatial map. */
  spatial: { values: Float32Array; height: number; width: number } | null;
}

/** The maps an attention layer reports for a batch `x` (the caller disposes them). */
interface AttentionMapsLayer {
  attentionMaps(x: tf.Tensor4D): { channel?: tf.Tensor2D; spatial?: tf.Tensor3D };
}

function hasAttentionMaps(layer: unknown): layer is AttentionMapsLayer {
  return typeof (layer as Partial<AttentionMapsLayer>).attentionMaps === 'function';
}

/**
 * The channel gate of a squeeze-and-excitation layer, `act(FC stack(GAP x))`, from its weights
 * (kernel and bias per FC, ReLU between, a 3x3 kernel on the 1x1 squeezed map acting through
 * its centre tap), for layers without `attentionMaps`.
 */
function squeezeExciteGate(layer: tfl.layers.Layer, x: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const weights = layer.getWeights();
    let s = tf.mean(x, [1, 2]) as tf.Tensor2D;
    for (let i = 0; i + 1 < weights.length; i += 2) {
      let kernel = weights[i]!;
      if (kernel.rank === 4) {
        const [, , cin, cout] = kernel.shape as number[];
        kernel = tf.reshape(tf.slice(kernel, [1, 1, 0, 0], [1, 1, cin!, cout!]), [cin!, cout!]);
      }
      s = tf.add(tf.matMul(s, kernel as tf.Tensor2D), weights[i + 1]!);
      if (i + 2 < weights.length) s = tf.relu(s);
    }
    const activation = layer.getConfig()['gateActivation'];
    return activation === 'hard-sigmoid' ? tf.div(tf.relu6(tf.add(s, 3)), 6) : tf.sigmoid(s);
  });
}

/** Reads the gates of the layer named `layerName` in `model` for single images. */
export class GateProbe {
  private readonly layer: tfl.layers.Layer;
  /** The model up to the attention layer's input (shares the model's weights: never disposed). */
  private readonly upToLayer: tfl.LayersModel;

  constructor(model: tfl.LayersModel, layerName = 'attention') {
    this.layer = model.getLayer(layerName);
    this.upToLayer = tfl.model({
      inputs: model.inputs,
      outputs: this.layer.input as tfl.SymbolicTensor,
    });
  }

  /** The gates for `image` (`[1, H, W, 3]`, normalized as for training). */
  async read(image: tf.Tensor4D): Promise<GateMaps> {
    const { channel, spatial } = tf.tidy(() => {
      const x = this.upToLayer.apply(image, { training: false }) as tf.Tensor4D;
      if (hasAttentionMaps(this.layer)) return this.layer.attentionMaps(x);
      return { channel: squeezeExciteGate(this.layer, x), spatial: undefined };
    });
    try {
      const [c, s] = await Promise.all([channel?.data(), spatial?.data()]);
      return {
        channel: c === undefined ? null : Float32Array.from(c),
        spatial:
          s === undefined || spatial === undefined
            ? null
            : { values: Float32Array.from(s), height: spatial.shape[1], width: spatial.shape[2] },
      };
    } finally {
      tf.dispose([channel, spatial].filter((t) => t !== undefined));
    }
  }
}

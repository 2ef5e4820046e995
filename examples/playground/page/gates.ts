// What an attention module does to one image: its channel gate (one value in [0, 1] per
// channel) and, for spatial modules, its spatial map (one value per position).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { AttentionLayer } from '@sevar/layers';

/** Gate values of one image, read back from the backend. */
export interface GateMaps {
  /** `[C]`, each in [0, 1]; null for a module without a channel gate. */
  channel: Float32Array | null;
  /** `[H, W]` row-major, each in [0, 1]; null for a module without a spatial map. */
  spatial: { values: Float32Array; height: number; width: number } | null;
}

/** Reads the gates of the layer named `layerName` in `model` for single images. */
export class GateProbe {
  private readonly layer: AttentionLayer;
  /** The model up to the attention layer's input (shares the model's weights: never disposed). */
  private readonly upToLayer: tfl.LayersModel;

  constructor(model: tfl.LayersModel, layerName = 'attention') {
    const layer = model.getLayer(layerName);
    if (!(layer instanceof AttentionLayer)) {
      throw new TypeError(`layer '${layerName}' of ${model.name} is not a @sevar/layers module`);
    }
    this.layer = layer;
    this.upToLayer = tfl.model({
      inputs: model.inputs,
      outputs: this.layer.input as tfl.SymbolicTensor,
    });
  }

  /** The gates for `image` (`[1, H, W, 3]`, normalized as for training). */
  async read(image: tf.Tensor4D): Promise<GateMaps> {
    const { channel, spatial } = tf.tidy(() => {
      const x = this.upToLayer.apply(image, { training: false }) as tf.Tensor4D;
      const maps = this.layer.attentionMaps(x);
      return { channel: maps.channel, spatial: maps.spatial };
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

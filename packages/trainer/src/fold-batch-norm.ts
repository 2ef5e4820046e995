import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

/** The parts of tfjs-layers' layers (4.x) that folding reads. */
interface GraphNode {
  outboundLayer: Layer;
}
interface Layer {
  name: string;
  inboundNodes: GraphNode[];
  outboundNodes: GraphNode[];
  getClassName(): string;
  getConfig(): Record<string, unknown>;
  call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[];
}
interface ConvLayer extends Layer {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
}
interface BatchNormLayer extends Layer {
  axis: number;
  epsilon: number;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

/** One conv → batch norm (→ ReLU) chain, folded while `enabled`. */
interface Fold {
  enabled: boolean;
}

const FOLD = Symbol.for('sevar.foldBatchNormInference');
type Patched = { [FOLD]?: Fold };

// Outputs of folded convolutions the next layer passes on as they are: already normalised
// (for the batch norm), already rectified (for the ReLU).
const normalised = new WeakSet<tf.Tensor>();
const rectified = new WeakSet<tf.Tensor>();

function layersOf(model: tfl.LayersModel | tfl.layers.Layer): Layer[] {
  const inner = (model as { layers?: tfl.layers.Layer[] }).layers;
  return inner === undefined
    ? [model as unknown as Layer]
    : inner.flatMap((l) => layersOf(l as tfl.layers.Layer));
}

/** The one layer `layer`'s single output feeds, if that layer is itself applied once. */
function soleConsumer(layer: Layer): Layer | null {
  if (layer.inboundNodes.length !== 1 || layer.outboundNodes.length !== 1) return null;
  const next = layer.outboundNodes[0]!.outboundLayer;
  return next.inboundNodes.length === 1 ? next : null;
}

function foldableConv(layer: Layer): layer is ConvLayer {
  if (layer.getClassName() !== 'Conv2D') return false;
  const c = layer.getConfig();
  return c['activation'] === 'linear' && c['dataFormat'] === 'channelsLast';
}

function foldableBatchNorm(layer: Layer | null): layer is BatchNormLayer {
  if (layer === null || layer.getClassName() !== 'BatchNormalization') return false;
  const axis = (layer as BatchNormLayer).axis;
  return axis === -1 || axis === 3;
}

function isRelu(layer: Layer | null): boolean {
  if (layer === null) return false;
  const c = layer.getConfig();
  if (layer.getClassName() === 'Activation') return c['activation'] === 'relu';
  return layer.getClassName() === 'ReLU' && c['maxValue'] == null;
}

const inference = (kwargs: Record<string, unknown> | undefined): boolean =>
  kwargs?.['training'] == null || kwargs['training'] === false;

/** The convolution with the batch norm's inference affine map folded into filter and bias. */
function foldedCall(conv: ConvLayer, bn: BatchNormLayer, relu: boolean, x: tf.Tensor): tf.Tensor {
  const config = conv.getConfig();
  const y = tf.tidy(() => {
    const invStd = tf.rsqrt(tf.add(bn.movingVariance.read(), bn.epsilon));
    const scale = bn.gamma ? tf.mul(bn.gamma.read(), invStd) : invStd;
    const mean = bn.movingMean.read();
    const shifted = conv.bias ? tf.sub(conv.bias.read(), mean) : tf.neg(mean);
    const bias = bn.beta ? tf.add(tf.mul(shifted, scale), bn.beta.read()) : tf.mul(shifted, scale);
    return tf.fused.conv2d({
      x: x as tf.Tensor4D,
      filter: tf.mul(conv.kernel.read(), scale) as tf.Tensor4D,
      bias,
      strides: config['strides'] as [number, number],
      pad: config['padding'] as 'same' | 'valid',
      dilations: config['dilationRate'] as [number, number],
      activation: relu ? 'relu' : 'linear',
    });
  });
  normalised.add(y);
  if (relu) rectified.add(y);
  return y;
}

const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor | undefined =>
  Array.isArray(inputs) ? (inputs.length === 1 ? inputs[0] : undefined) : inputs;

function patch(conv: ConvLayer, bn: BatchNormLayer, relu: Layer | null): Fold {
  const fold: Fold = { enabled: true };
  const [convCall, bnCall] = [conv.call.bind(conv), bn.call.bind(bn)];
  conv.call = (inputs, kwargs) => {
    const x = single(inputs);
    if (!fold.enabled || !inference(kwargs) || x?.rank !== 4 || x.dtype !== 'float32')
      return convCall(inputs, kwargs);
    return foldedCall(conv, bn, relu !== null, x);
  };
  bn.call = (inputs, kwargs) => {
    const x = single(inputs);
    if (!fold.enabled || !inference(kwargs) || x === undefined || !normalised.has(x))
      return bnCall(inputs, kwargs);
    // A new tensor sharing the buffer: tfjs-layers disposes a layer's input after its last use.
    const y = tf.clone(x);
    if (rectified.has(x)) rectified.add(y);
    return y;
  };
  if (relu !== null) {
    const reluCall = relu.call.bind(relu);
    relu.call = (inputs, kwargs) => {
      const x = single(inputs);
      if (!fold.enabled || !inference(kwargs) || x === undefined || !rectified.has(x))
        return reluCall(inputs, kwargs);
      return tf.clone(x);
    };
  }
  return fold;
}

/**
 * For inference (`predict`, `evaluate`, any call with `training` unset or false): each batch
 * norm that follows a channels-last `Conv2D` without activation is folded into that
 * convolution's filter and bias, and a ReLU right after it runs inside the same fused
 * convolution: one kernel instead of three. Both layers must be applied once (not shared).
 * Uses the current weights on every call, so training in between needs nothing redone.
 * Training-mode calls keep tfjs-layers' code (and `fuseBatchNormTraining`'s). Patches the layer
 * instances, not their class: serialization is unchanged. `enabled = false` switches the folds
 * of `model` off again (for comparisons). Returns the number of folded conv-batch-norm pairs.
 * `train()` calls it (with `fusedBatchNorm`).
 */
export function foldBatchNormInference(model: tfl.LayersModel, enabled = true): number {
  let folds = 0;
  for (const layer of layersOf(model)) {
    if (!foldableConv(layer)) continue;
    const bn = soleConsumer(layer);
    if (!foldableBatchNorm(bn)) continue;
    const after = soleConsumer(bn);
    const conv = layer as ConvLayer & Patched;
    conv[FOLD] ??= patch(conv, bn, isRelu(after) ? after : null);
    conv[FOLD].enabled = enabled;
    folds++;
  }
  return folds;
}

import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type BatchNormFields, layersOf } from './batch-norm-layers.js';

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
  dispose(): { refCountAfterDispose: number; numDisposedVariables: number };
}
interface ConvLayer extends Layer {
  kernel: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
}
interface BatchNormLayer extends Layer, BatchNormFields {}

/** One conv → batch norm (→ ReLU) chain, folded while `enabled`. */
interface Fold {
  enabled: boolean;
  /** The folded filter and bias, kept while the weights they came from are unchanged. */
  weights?: FoldedWeights;
}

interface FoldedWeights {
  /** The data ids of the weights folded (a variable's id changes when it is assigned). */
  sources: unknown[];
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
}

const FOLD = Symbol.for('sevar.foldBatchNormInference');
type Patched = { [FOLD]?: Fold };

// Outputs of folded convolutions the next layer passes on as they are: already normalised
// (for the batch norm), already rectified (for the ReLU).
const normalised = new WeakSet<tf.Tensor>();
const rectified = new WeakSet<tf.Tensor>();

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

/** The weights a fold reads, as their data ids: equal ids mean equal values. */
function sourcesOf(conv: ConvLayer, bn: BatchNormLayer): unknown[] {
  const vars = [conv.kernel, conv.bias, bn.gamma, bn.beta, bn.movingMean, bn.movingVariance];
  return vars.map((v) => (v === null ? null : v.read().dataId));
}

function dropWeights(fold: Fold): void {
  if (fold.weights === undefined) return;
  tf.dispose([fold.weights.filter, fold.weights.bias]);
  fold.weights = undefined;
}

/**
 * The batch norm's inference affine map folded into the convolution's filter and bias; kept
 * between calls while the weights are the same tensors, so inference batch after batch reuses
 * them (and the wasm backend its transformed Winograd filters).
 */
function foldedWeights(fold: Fold, conv: ConvLayer, bn: BatchNormLayer): FoldedWeights {
  const sources = sourcesOf(conv, bn);
  // Under a gradient tape (inference-mode fine-tuning), fold afresh so gradients reach the weights.
  const taped = tf.engine().state.gradientDepth > 0;
  const kept = fold.weights;
  if (!taped && kept?.sources.every((id, i) => id === sources[i])) return kept;
  const [filter, bias] = tf.tidy(() => {
    const invStd = tf.rsqrt(tf.add(bn.movingVariance.read(), bn.epsilon));
    const scale = bn.gamma ? tf.mul(bn.gamma.read(), invStd) : invStd;
    const mean = bn.movingMean.read();
    const shifted = conv.bias ? tf.sub(conv.bias.read(), mean) : tf.neg(mean);
    const b = bn.beta ? tf.add(tf.mul(shifted, scale), bn.beta.read()) : tf.mul(shifted, scale);
    return [tf.mul(conv.kernel.read(), scale) as tf.Tensor4D, b as tf.Tensor1D];
  });
  if (taped) return { sources, filter, bias };
  dropWeights(fold);
  fold.weights = { sources, filter: tf.keep(filter), bias: tf.keep(bias) };
  return fold.weights;
}

/** The convolution with the batch norm folded in (and the ReLU fused, if `relu`). */
function foldedCall(fold: Fold, conv: ConvLayer, bn: BatchNormLayer, relu: boolean, x: tf.Tensor) {
  const config = conv.getConfig();
  const { filter, bias } = foldedWeights(fold, conv, bn);
  const y = tf.fused.conv2d({
    x: x as tf.Tensor4D,
    filter,
    bias,
    strides: config['strides'] as [number, number],
    pad: config['padding'] as 'same' | 'valid',
    dilations: config['dilationRate'] as [number, number],
    activation: relu ? 'relu' : 'linear',
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
  const convDispose = conv.dispose.bind(conv);
  conv.call = (inputs, kwargs) => {
    const x = single(inputs);
    if (!fold.enabled || !inference(kwargs) || x?.rank !== 4 || x.dtype !== 'float32') {
      // Training changes the weights: the folded ones would only hold memory until the next
      // inference call.
      if (!inference(kwargs)) dropWeights(fold);
      return convCall(inputs, kwargs);
    }
    return foldedCall(fold, conv, bn, relu !== null, x);
  };
  conv.dispose = () => {
    const result = convDispose();
    if (result.refCountAfterDispose === 0) dropWeights(fold);
    return result;
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
 * The folded weights are kept while the layers' weights are the same tensors and refolded when
 * any of them changes (training in between needs nothing redone); a training-mode call or
 * disposing the model frees them, as does `enabled = false`.
 * Training-mode calls keep tfjs-layers' code (and `fuseBatchNormTraining`'s). Patches the layer
 * instances, not their class: serialization is unchanged. `enabled = false` switches the folds
 * of `model` off again (for comparisons). Returns the number of folded conv-batch-norm pairs.
 * `@sevar/trainer`'s `train()` calls it (with `fusedBatchNorm`).
 */
export function foldBatchNormInference(model: tfl.LayersModel, enabled = true): number {
  let folds = 0;
  for (const layer of layersOf(model) as unknown as Layer[]) {
    if (!foldableConv(layer)) continue;
    const bn = soleConsumer(layer);
    if (!foldableBatchNorm(bn)) continue;
    const after = soleConsumer(bn);
    const conv = layer as ConvLayer & Patched;
    conv[FOLD] ??= patch(conv, bn, isRelu(after) ? after : null);
    conv[FOLD].enabled = enabled;
    if (!enabled) dropWeights(conv[FOLD]);
    folds++;
  }
  return folds;
}

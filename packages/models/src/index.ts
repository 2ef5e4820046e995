export { CNN3_ATTENTION_PLACEMENTS, cnn3 } from './cnn3.js';
export { describeModel } from './describe.js';
export {
  AttentionSiteError,
  ModelConfigError,
  ModelRewriteError,
  SevarModelsError,
  UnknownAttentionError,
  UnknownLayerError,
  UnknownModelError,
  UnsupportedGraphError,
} from './errors.js';
export { efficientnetB0 } from './efficientnet.js';
export { SevarHardSwish } from './hard-swish.js';
export { mobilenetV2 } from './mobilenet-v2.js';
export { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';
export {
  MODEL_NAMES,
  createModel,
  hasBuiltInAttention,
  isModelName,
  modelOptionNames,
} from './registry.js';
export {
  ATTENTION_PLACEMENTS,
  RESNET_STEMS,
  buildBottleneckResNet,
  buildResNet,
  resnet18,
  resnet34,
  resnet50,
} from './resnet.js';
export { SevarSqueezeExcitation } from './squeeze-excitation.js';
export { SevarStochasticDepth } from './stochastic-depth.js';
export { ATTENTION_SITE_PRESETS } from './rewrite-graph.js';
export { withAttention } from './with-attention.js';

export type { ModelAttentionOptions } from './attention.js';
export type { Cnn3AttentionPlacement, Cnn3Options } from './cnn3.js';
export type { LayerDescription, ModelDescription } from './describe.js';
export type { EfficientNetOptions } from './efficientnet.js';
export type { MobileNetOptions } from './mobile-common.js';
export type { ModelName, ModelOptionsByName } from './registry.js';
export type { AttentionPlacement, ResNetOptions, ResNetStem } from './resnet.js';
export type {
  ExcitationGate,
  SqueezeActivation,
  SqueezeExcitationArgs,
} from './squeeze-excitation.js';
export type { StochasticDepthArgs } from './stochastic-depth.js';
export type { AttentionSitePreset, AttentionSiteSelector } from './rewrite-graph.js';
export type { WithAttentionOptions, WithAttentionSites } from './with-attention.js';
export type { InputShape } from './validate.js';

export { CNN3_ATTENTION_PLACEMENTS, cnn3 } from './cnn3.js';
export { describeModel } from './describe.js';
export {
  ModelConfigError,
  SevarModelsError,
  UnknownAttentionError,
  UnknownModelError,
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
export type { InputShape } from './validate.js';

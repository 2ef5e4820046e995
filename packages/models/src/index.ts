export { CNN3_ATTENTION_PLACEMENTS, cnn3 } from './cnn3.js';
export { describeModel } from './describe.js';
export {
  ModelConfigError,
  SevarModelsError,
  UnknownAttentionError,
  UnknownModelError,
} from './errors.js';
export { MODEL_NAMES, createModel, isModelName, modelOptionNames } from './registry.js';
export { ATTENTION_PLACEMENTS, RESNET_STEMS, buildResNet, resnet18, resnet34 } from './resnet.js';

export type { ModelAttentionOptions } from './attention.js';
export type { Cnn3AttentionPlacement, Cnn3Options } from './cnn3.js';
export type { LayerDescription, ModelDescription } from './describe.js';
export type { ModelName, ModelOptionsByName } from './registry.js';
export type { AttentionPlacement, ResNetOptions, ResNetStem } from './resnet.js';
export type { InputShape } from './validate.js';

export { AttentionLayer } from './attention-base.js';
export { ATTENTION_KINDS, defineAttention } from './attention-definition.js';
export { SqueezeExciteLayer } from './attention-layer.js';
export { applyBatchNorm, BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
export {
  AttentionConfigError,
  AttentionInputError,
  AttentionRegistryError,
  SevarLayersError,
  UnknownOptionError,
  UnknownVariantError,
} from './errors.js';
export {
  BUMP_KINDS,
  GATE_ACTIVATIONS,
  GATE_MODES,
  LAYER_ARG_NAMES,
  SHARED_OPTION_NAMES,
} from './options.js';
export {
  ATTENTION_NAMES,
  ATTENTION_NONE,
  attentionDefinitions,
  attentionKeys,
  attentionNames,
  createAttention,
  getAttention,
  getVariant,
  isAttentionKey,
  isAttentionName,
  isVariantName,
  parseAttentionName,
  registerAttention,
  VARIANT_NAMES,
  VARIANTS,
} from './registry.js';
export { defineVariant, SE_FAMILY_OPTIONS } from './variant-definition.js';
export { SevarBump } from './variants/bump.js';
export { SevarSqueezeExcite } from './variants/se.js';
export { SevarSlowExcite } from './variants/slow-excite.js';
export { SevarSlowSqueezeSlowExcite } from './variants/slow-squeeze-slow-excite.js';
export { SevarSlowSqueeze } from './variants/slow-squeeze.js';

export type {
  AttentionLayerClass,
  AttentionMaps,
  AttentionStatics,
  BaseLayerArgs,
} from './attention-base.js';
export type {
  AttentionDefinition,
  AttentionDefinitionInput,
  AttentionKind,
  AttentionOptionSpec,
} from './attention-definition.js';
export type { AttentionLayerArgs, VariantStatics } from './attention-layer.js';
export type { BatchNormWeights } from './batch-norm.js';
export type {
  AttentionOptions,
  BumpKind,
  BumpOptions,
  GateActivation,
  GateMode,
  InitializerLike,
  RegularizerLike,
  SerializedObject,
} from './options.js';
export type { AttentionKey, AttentionName, VariantName } from './registry.js';
export type { VariantDefinition } from './variant-definition.js';

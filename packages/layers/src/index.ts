export { SqueezeExciteLayer } from './attention-layer.js';
export {
  AttentionConfigError,
  AttentionInputError,
  SevarLayersError,
  UnknownOptionError,
  UnknownVariantError,
} from './errors.js';
export { BUMP_KINDS, GATE_ACTIVATIONS, LAYER_ARG_NAMES, SHARED_OPTION_NAMES } from './options.js';
export {
  ATTENTION_NAMES,
  ATTENTION_NONE,
  createAttention,
  getVariant,
  isAttentionName,
  isVariantName,
  parseAttentionName,
  VARIANT_NAMES,
  VARIANTS,
} from './registry.js';
export { defineVariant } from './variant-definition.js';
export { SevarBump } from './variants/bump.js';
export { SevarSqueezeExcite } from './variants/se.js';
export { SevarSlowExcite } from './variants/slow-excite.js';
export { SevarSlowSqueezeSlowExcite } from './variants/slow-squeeze-slow-excite.js';
export { SevarSlowSqueeze } from './variants/slow-squeeze.js';

export type { AttentionLayerArgs, VariantStatics } from './attention-layer.js';
export type {
  AttentionOptions,
  BumpKind,
  BumpOptions,
  GateActivation,
  InitializerLike,
  RegularizerLike,
  SerializedObject,
} from './options.js';
export type { AttentionName, VariantName } from './registry.js';
export type { VariantDefinition } from './variant-definition.js';

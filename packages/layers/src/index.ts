export { AttentionLayer } from './attention-base.js';
export { ATTENTION_KINDS, defineAttention } from './attention-definition.js';
export { SqueezeExciteLayer } from './attention-layer.js';
export { applyBatchNorm, BATCH_NORM_EPSILON, BATCH_NORM_MOMENTUM } from './batch-norm.js';
export { foldBatchNormInference } from './fold-batch-norm.js';
export { batchNormTrainingFused, fuseBatchNormTraining } from './fused-batch-norm.js';
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
export { SevarBam } from './zoo/bam.js';
export { SevarCbam } from './zoo/cbam.js';
export { SevarCoord } from './zoo/coord.js';
export { ecaKernelSize, SevarEca } from './zoo/eca.js';
export { SevarEse } from './zoo/ese.js';
export { GC_FUSIONS, SevarGc } from './zoo/gc.js';
export { SevarGatherExcite } from './zoo/ge.js';
export { SevarSenetV2 } from './zoo/senetv2.js';
export { SevarSimam } from './zoo/simam.js';
export { SevarSrm } from './zoo/srm.js';
export { SevarTriplet } from './zoo/triplet.js';

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
export type {
  AttentionKey,
  AttentionLayerOf,
  AttentionName,
  AttentionOptionsOf,
  VariantName,
} from './registry.js';
export type { ZooKey, ZooModules, ZooOptions } from './zoo/types.js';
export type { VariantDefinition } from './variant-definition.js';
export type { BamOptions } from './zoo/bam.js';
export type { CbamOptions } from './zoo/cbam.js';
export type { CoordOptions } from './zoo/coord.js';
export type { EcaOptions } from './zoo/eca.js';
export type { EseOptions } from './zoo/ese.js';
export type { GcFusion, GcOptions } from './zoo/gc.js';
export type { GeOptions } from './zoo/ge.js';
export type { SenetV2Options } from './zoo/senetv2.js';
export type { SimamOptions } from './zoo/simam.js';
export type { SrmOptions } from './zoo/srm.js';
export type { TripletOptions } from './zoo/triplet.js';

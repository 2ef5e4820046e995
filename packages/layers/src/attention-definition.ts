import type { AttentionLayer, AttentionLayerClass } from './attention-base.js';

/** What a module attends over; `parameter-free` modules have no weights at all. */
export type AttentionKind = 'channel' | 'spatial' | 'channel+spatial' | 'parameter-free';
export const ATTENTION_KINDS: readonly AttentionKind[] = [
  'channel',
  'spatial',
  'channel+spatial',
  'parameter-free',
];

/** One option of a module, for docs and `sevar variants`. */
export interface AttentionOptionSpec {
  /** Option key, e.g. `'kernelSize'`. */
  readonly name: string;
  /** The default, as text (`'16'`, `'adaptive'`, `'sigmoid'`). */
  readonly default: string;
  /** What it does, in a line. */
  readonly description: string;
}

/** One registry entry: everything the registry, factory, docs, CLI and guard tests need. */
export interface AttentionDefinition<Options extends object = object> {
  /** Registry key, e.g. `'eca'`: lower case letters, digits and dashes. */
  readonly key: string;
  /** Name of the module, e.g. `'ECA-Net: efficient channel attention'`. */
  readonly title: string;
  /** Where it comes from, e.g. `'Wang et al., CVPR 2020 (arXiv 1910.03151)'`. */
  readonly citation: string;
  readonly kind: AttentionKind;
  /** What it computes, in one line (the README's column). */
  readonly computes: string;
  /** Its options beyond the tfjs layer arguments, with their defaults. */
  readonly options: readonly AttentionOptionSpec[];
  /** True for the paper's five (the rows the paper reports numbers for). */
  readonly paper: boolean;
  /** The layer class (registered for serialization). */
  readonly layerClass: AttentionLayerClass<Options>;
  /** Creates a layer with `options`. */
  create(options?: Options): AttentionLayer;
  /** Trainable parameters the module adds for `channels` input channels with `options`. */
  parameterCount(channels: number, options?: Options): number;
}

/** The fields a definition is written with; `create`, `parameterCount` and `paper` are derived. */
export type AttentionDefinitionInput<Options extends object = object> = Omit<
  AttentionDefinition<Options>,
  'create' | 'parameterCount' | 'paper' | 'options'
> & {
  readonly options?: readonly AttentionOptionSpec[];
  readonly paper?: boolean;
};

/** Builds a definition whose `create` instantiates `layerClass`. */
export function defineAttention<Options extends object>(
  def: AttentionDefinitionInput<Options>,
): AttentionDefinition<Options> {
  const create = (options?: Options): AttentionLayer =>
    new def.layerClass(options ?? ({} as Options));
  return {
    ...def,
    options: def.options ?? [],
    paper: def.paper ?? false,
    create,
    parameterCount: (channels, options) => create(options).parameterCount(channels),
  };
}

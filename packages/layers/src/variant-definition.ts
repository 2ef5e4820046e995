import type { SqueezeExciteLayer } from './attention-layer.js';
import { defineAttention, type AttentionDefinition } from './attention-definition.js';
import type { AttentionOptions } from './options.js';

/** One of the paper's five: a registry entry that also knows its paper name and FC widths. */
export interface VariantDefinition<
  Options extends AttentionOptions = AttentionOptions,
> extends AttentionDefinition<Options> {
  /** Registry key (same as `key`). */
  readonly name: string;
  /** Name of the module in the paper. */
  readonly paperName: string;
  /** FC widths in the SPEC's notation, e.g. `'C → h → m → C'`. */
  readonly widths: string;
  readonly layerClass: AttentionDefinition<Options>['layerClass'] &
    (new (options?: Options) => SqueezeExciteLayer);
  create(options?: Options): SqueezeExciteLayer;
}

const SEED_PAPER = 'Mahendran, Variations of Squeeze and Excitation networks (arXiv 2304.06502)';

/** The options every SE-family variant takes, for docs and `sevar variants`. */
export const SE_FAMILY_OPTIONS = [
  {
    name: 'reduction',
    default: '16',
    description: 'r: the narrowest FC has max(minChannels, floor(C / r)) units',
  },
  { name: 'minChannels', default: '1', description: 'floor on every hidden width' },
  {
    name: 'hiddenUnits',
    default: '—',
    description: 'explicit hidden widths, overriding reduction',
  },
  {
    name: 'midDivisor',
    default: '2',
    description: 'slow step h = floor(C / floor(r / midDivisor))',
  },
  { name: 'gateActivation', default: 'sigmoid', description: "'sigmoid' or 'hard-sigmoid'" },
  { name: 'gate', default: 'multiply', description: "'multiply' (x·g) or 'residual' (x + x·g)" },
] as const;

/** Builds a paper variant's definition whose `create` instantiates `layerClass`. */
export function defineVariant<Options extends AttentionOptions, Name extends string = string>(def: {
  name: Name;
  paperName: string;
  widths: string;
  layerClass: VariantDefinition<Options>['layerClass'];
  citation?: string;
  options?: AttentionDefinition['options'];
}): VariantDefinition<Options> & { readonly name: Name } {
  const base = defineAttention<Options>({
    key: def.name,
    title: def.paperName,
    citation: def.citation ?? SEED_PAPER,
    kind: 'channel',
    computes: `GAP, FCs ${def.widths}, σ gate; y = x·g`,
    options: [...SE_FAMILY_OPTIONS, ...(def.options ?? [])],
    paper: true,
    layerClass: def.layerClass,
  });
  return {
    ...base,
    key: def.name,
    name: def.name,
    paperName: def.paperName,
    widths: def.widths,
    layerClass: def.layerClass,
    create: base.create as VariantDefinition<Options>['create'],
  };
}

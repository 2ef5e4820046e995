import type { SqueezeExciteLayer } from './attention-layer.js';
import type { AttentionOptions } from './options.js';

/** One registry entry: everything the registry, factory, docs and guard tests need to know. */
export interface VariantDefinition<Options extends AttentionOptions = AttentionOptions> {
  /** Registry key. */
  readonly name: string;
  /** Name of the module in the paper. */
  readonly paperName: string;
  /** FC widths in the SPEC's notation, e.g. `'C → h → m → C'`. */
  readonly widths: string;
  /** The layer class (registered for serialization). */
  readonly layerClass: new (options?: Options) => SqueezeExciteLayer;
  /** Creates a layer with `options`. */
  create(options?: Options): SqueezeExciteLayer;
}

/** Builds a definition whose `create` instantiates `layerClass`. */
export function defineVariant<Options extends AttentionOptions>(
  def: Omit<VariantDefinition<Options>, 'create'>,
): VariantDefinition<Options> {
  return { ...def, create: (options?: Options) => new def.layerClass(options ?? ({} as Options)) };
}

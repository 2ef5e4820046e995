import type { SqueezeExciteLayer, VariantStatics } from './attention-layer.js';
import { UnknownVariantError } from './errors.js';
import { checkOptionNames } from './options.js';
import type { AttentionOptions, BumpOptions } from './options.js';
import type { VariantDefinition } from './variant-definition.js';
import { bumpVariant } from './variants/bump.js';
import { seVariant } from './variants/se.js';
import { slowExciteVariant } from './variants/slow-excite.js';
import { slowSqueezeSlowExciteVariant } from './variants/slow-squeeze-slow-excite.js';
import { slowSqueezeVariant } from './variants/slow-squeeze.js';

// The single place a variant is wired in: one line per variant, in the paper's order.
const DEFINITIONS = [
  seVariant,
  slowSqueezeVariant,
  slowExciteVariant,
  slowSqueezeSlowExciteVariant,
  bumpVariant,
] as const satisfies readonly VariantDefinition<BumpOptions>[];

/** A registry key. */
export type VariantName = (typeof DEFINITIONS)[number]['name'];

const REGISTRY: ReadonlyMap<string, VariantDefinition<BumpOptions>> = new Map(
  DEFINITIONS.map((d) => [d.name, d as VariantDefinition<BumpOptions>]),
);

/** Every registry key, in the paper's order. */
export const VARIANT_NAMES: readonly VariantName[] = DEFINITIONS.map((d) => d.name);

/** Registry key, paper name and FC widths of every variant, in the paper's order. */
export const VARIANTS: readonly Pick<VariantDefinition, 'name' | 'paperName' | 'widths'>[] =
  DEFINITIONS.map(({ name, paperName, widths }) => ({ name, paperName, widths }));

/** True when `name` is a registry key. */
export function isVariantName(name: unknown): name is VariantName {
  return typeof name === 'string' && REGISTRY.has(name);
}

/** The attention choice that means no module: the baseline every variant is compared with. */
export const ATTENTION_NONE = 'none';

/** The attention choice of a model: a registry key, or `'none'` for no module. */
export type AttentionName = VariantName | typeof ATTENTION_NONE;

/** `'none'`, then every registry key in the paper's order (the rows of the paper's tables). */
export const ATTENTION_NAMES: readonly AttentionName[] = [ATTENTION_NONE, ...VARIANT_NAMES];

/** True when `name` is `'none'` or a registry key. */
export function isAttentionName(name: unknown): name is AttentionName {
  return name === ATTENTION_NONE || isVariantName(name);
}

/**
 * `name` as an {@link AttentionName}; anything else throws {@link UnknownVariantError} listing
 * `'none'` and the registry keys. Parse once where the choice enters (a flag, a config file).
 */
export function parseAttentionName(name: unknown): AttentionName {
  if (!isAttentionName(name)) throw new UnknownVariantError(name, ATTENTION_NAMES);
  return name;
}

/** The registry entry of `name`; throws {@link UnknownVariantError} listing the valid keys. */
export function getVariant(name: string): VariantDefinition<BumpOptions> {
  const def = typeof name === 'string' ? REGISTRY.get(name) : undefined;
  if (!def) throw new UnknownVariantError(name, VARIANT_NAMES);
  return def;
}

/** The option keys a variant takes beyond the shared ones. */
function ownOptions(def: VariantDefinition<BumpOptions>): readonly string[] {
  return (def.layerClass as unknown as VariantStatics).ownOptions ?? [];
}

/** The variants that take option `key` as one of their own. */
function variantsTaking(key: string): string[] {
  return DEFINITIONS.filter((d) => ownOptions(d).includes(key)).map((d) => d.name);
}

/**
 * Creates the attention layer registered as `name`, e.g. `createAttention('slow-excite', { reduction: 8 })`.
 * The layer maps an NHWC tensor to one of the same shape. An option key the variant does not
 * take (a typo, or another variant's option) throws `UnknownOptionError`.
 */
export function createAttention(
  name: VariantName | (string & {}),
  options: AttentionOptions & BumpOptions = {},
): SqueezeExciteLayer {
  const def = getVariant(name);
  if (options !== null && typeof options === 'object') {
    checkOptionNames(def.name, options, ownOptions(def), variantsTaking);
  }
  return def.create(options);
}

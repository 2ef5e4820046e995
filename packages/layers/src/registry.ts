import type { SqueezeExciteLayer } from './attention-layer.js';
import { UnknownVariantError } from './errors.js';
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

/** The registry entry of `name`; throws {@link UnknownVariantError} listing the valid keys. */
export function getVariant(name: string): VariantDefinition<BumpOptions> {
  const def = typeof name === 'string' ? REGISTRY.get(name) : undefined;
  if (!def) throw new UnknownVariantError(name, VARIANT_NAMES);
  return def;
}

/**
 * Creates the attention layer registered as `name`, e.g. `createAttention('slow-excite', { reduction: 8 })`.
 * The layer maps an NHWC tensor to one of the same shape.
 */
export function createAttention(
  name: VariantName | (string & {}),
  options: AttentionOptions & BumpOptions = {},
): SqueezeExciteLayer {
  return getVariant(name).create(options);
}

import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createAttention,
  type AttentionOptions,
  type BumpOptions,
  type VariantName,
} from '@sevar/layers';

/** Extra options forwarded to every attention layer of a model (name and reduction are set per model). */
export type ModelAttentionOptions = Omit<AttentionOptions & BumpOptions, 'name' | 'reduction'>;

/** Applies `variant` (a `@sevar/layers` registry key) to `x` as the layer named `name`. */
export function applyAttention(
  x: tfl.SymbolicTensor,
  variant: VariantName,
  name: string,
  reduction: number | undefined,
  extra: ModelAttentionOptions | undefined,
): tfl.SymbolicTensor {
  const options: AttentionOptions & BumpOptions = { ...extra, name };
  if (reduction !== undefined) options.reduction = reduction;
  return createAttention(variant, options).apply(x) as tfl.SymbolicTensor;
}

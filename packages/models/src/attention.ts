import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createAttention,
  type AttentionOptions,
  type BumpOptions,
  type VariantName,
} from '@sevar/layers';

import { ModelConfigError } from './errors.js';

/** Extra options forwarded to every attention layer of a model (name and reduction are set per model). */
export type ModelAttentionOptions = Omit<AttentionOptions & BumpOptions, 'name' | 'reduction'>;

/**
 * Constructs (and drops) one attention layer so that bad attention options throw the
 * `@sevar/layers` error before any model weight is allocated.
 */
export function checkAttentionOptions(
  model: string,
  variant: VariantName,
  reduction: number | undefined,
  extra: unknown,
): void {
  if (
    extra !== undefined &&
    (extra === null || typeof extra !== 'object' || Array.isArray(extra))
  ) {
    throw new ModelConfigError(
      model,
      'attentionOptions',
      'an object of @sevar/layers options',
      extra,
    );
  }
  createAttention(variant, layerOptions('attention', reduction, extra));
}

function layerOptions(
  name: string,
  reduction: number | undefined,
  extra: unknown,
): AttentionOptions & BumpOptions {
  const options: AttentionOptions & BumpOptions = { ...(extra as ModelAttentionOptions), name };
  if (reduction !== undefined) options.reduction = reduction;
  return options;
}

/** Applies `variant` (a `@sevar/layers` registry key) to `x` as the layer named `name`. */
export function applyAttention(
  x: tfl.SymbolicTensor,
  variant: VariantName,
  name: string,
  reduction: number | undefined,
  extra: ModelAttentionOptions | undefined,
): tfl.SymbolicTensor {
  return createAttention(variant, layerOptions(name, reduction, extra)).apply(
    x,
  ) as tfl.SymbolicTensor;
}

import type * as tfl from '@tensorflow/tfjs-layers';
import {
  createAttention,
  getAttention,
  type AttentionKey,
  type AttentionOptions,
  type BumpOptions,
} from '@sevar/layers';

import { ModelConfigError } from './errors.js';

/**
 * Extra options forwarded to every attention layer of a model (name and reduction are set per
 * model): the SE family's options, or any option of the chosen module (e.g. ECA's `kernelSize`).
 */
export type ModelAttentionOptions = Omit<AttentionOptions & BumpOptions, 'name' | 'reduction'> &
  Record<string, unknown>;

/**
 * Constructs (and drops) one attention layer so that bad attention options throw the
 * `@sevar/layers` error before any model weight is allocated.
 */
export function checkAttentionOptions(
  model: string,
  variant: AttentionKey,
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
  createAttention(variant, layerOptions(variant, 'attention', reduction, extra));
}

// The model's `reduction` goes to the modules that have one (the SE family, CBAM, GC, ...);
// modules without one (ECA, SimAM, ...) are built the same whatever the model's reduction.
function layerOptions(
  variant: AttentionKey,
  name: string,
  reduction: number | undefined,
  extra: unknown,
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...(extra as ModelAttentionOptions), name };
  const takesReduction = getAttention(variant).layerClass.optionNames.includes('reduction');
  if (reduction !== undefined && takesReduction) options['reduction'] = reduction;
  return options;
}

/** Applies `variant` (a `@sevar/layers` registry key) to `x` as the layer named `name`. */
export function applyAttention(
  x: tfl.SymbolicTensor,
  variant: AttentionKey,
  name: string,
  reduction: number | undefined,
  extra: ModelAttentionOptions | undefined,
): tfl.SymbolicTensor {
  return createAttention(variant, layerOptions(variant, name, reduction, extra)).apply(
    x,
  ) as tfl.SymbolicTensor;
}

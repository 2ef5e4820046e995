import { closestName } from '@sevar/core';
import { ATTENTION_NONE, attentionNames, isAttentionName, type AttentionKey } from '@sevar/layers';

import { ModelConfigError, UnknownAttentionError, quoteList } from './errors.js';

/** `[height, width, channels]` of one NHWC input image. */
export type InputShape = [number, number, number];

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Throws on keys the model does not know (a typo such as `placment` should not be ignored). */
export function checkKeys(model: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ModelConfigError(model, 'options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const suggestion = closestName(key, allowed);
      throw new ModelConfigError(
        model,
        key,
        `absent (known options: ${quoteList(allowed)})`,
        (options as Record<string, unknown>)[key],
        suggestion === undefined ? undefined : `Did you mean '${suggestion}'?`,
      );
    }
  }
}

/**
 * The module to build (any key registered in @sevar/layers, users' own included), or null for
 * none (`'none'`, `null` and absent all mean no module).
 */
export function checkAttention(model: string, attention: unknown): AttentionKey | null {
  if (attention === null || attention === undefined || attention === ATTENTION_NONE) return null;
  if (!isAttentionName(attention)) {
    throw new UnknownAttentionError(model, attention, attentionNames());
  }
  return attention;
}

/** The attention of a model with a built-in module: absent keeps the built-in one. */
export type AttentionSite = AttentionKey | null | 'built-in';

/** As {@link checkAttention}, but `undefined` (absent) means the model's built-in module. */
export function checkAttentionOrBuiltIn(model: string, attention: unknown): AttentionSite {
  return attention === undefined ? 'built-in' : checkAttention(model, attention);
}

export function checkNumClasses(model: string, numClasses: unknown): number {
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 2) {
    throw new ModelConfigError(model, 'numClasses', 'an integer >= 2', numClasses);
  }
  return numClasses;
}

export function checkReduction(model: string, reduction: unknown): number | undefined {
  if (reduction === undefined) return undefined;
  if (!isPositiveInteger(reduction)) {
    throw new ModelConfigError(model, 'reduction', 'an integer >= 1', reduction);
  }
  return reduction;
}

/** Validates `[h, w, c]` and that the network's spatial reduction leaves at least one pixel. */
export function checkInputShape(
  model: string,
  inputShape: unknown,
  fallback: InputShape,
  minSide: number,
  why: string,
): InputShape {
  const shape = inputShape ?? fallback;
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(isPositiveInteger)) {
    throw new ModelConfigError(
      model,
      'inputShape',
      'an NHWC image shape [height, width, channels] of positive integers',
      shape,
    );
  }
  const [h, w] = shape as InputShape;
  if (h < minSide || w < minSide) {
    throw new ModelConfigError(
      model,
      'inputShape',
      `at least ${minSide}x${minSide} (${why})`,
      shape,
    );
  }
  return [...shape] as InputShape;
}

/** `value` if it is one of `choices`; `fallback` when absent (a required option passes `undefined`). */
export function checkChoice<T extends string>(
  model: string,
  option: string,
  value: unknown,
  choices: readonly T[],
  fallback: T | undefined,
): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ModelConfigError(model, option, `one of ${quoteList(choices)}`, value);
  }
  return value as T;
}

import { AttentionConfigError } from '../errors.js';

// Option checks shared by the zoo's modules: each throws AttentionConfigError naming the module,
// the option, what was expected and what was received, from the constructor (before any weight).

/** A positive odd integer (a kernel that keeps the size with symmetric 'same' padding). */
export function oddKernelSize(key: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value % 2 === 0) {
    throw new AttentionConfigError(key, option, 'a positive odd integer', value);
  }
  return value;
}

/** An integer >= `min`. */
export function integerAtLeast(key: string, option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new AttentionConfigError(key, option, `an integer >= ${min}`, value);
  }
  return value;
}

/** A finite number > 0. */
export function positiveNumber(key: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AttentionConfigError(key, option, 'a finite number > 0', value);
  }
  return value;
}

/** One of `choices`. */
export function oneOf<T extends string>(
  key: string,
  option: string,
  value: unknown,
  choices: readonly T[],
): T {
  if (!choices.includes(value as T)) {
    throw new AttentionConfigError(
      key,
      option,
      `one of ${choices.map((c) => `'${c}'`).join(', ')}`,
      value,
    );
  }
  return value as T;
}

/** `max(minChannels, floor(channels / reduction))`: the SPEC's `m`. */
export function reducedWidth(channels: number, reduction: number, minChannels = 1): number {
  return Math.max(minChannels, Math.floor(channels / reduction));
}

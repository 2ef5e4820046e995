import { DatasetOptionError } from './errors.js';

/** Per-channel mean and standard deviation of pixels scaled to [0, 1] (RGB order). */
export interface Normalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Constants from the SPEC ("Data"); `embedded` measured on its own train split. */
export const NORMALIZATION = {
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  svhn: { mean: [0.4377, 0.4438, 0.4728], std: [0.198, 0.201, 0.197] },
  embedded: { mean: [0.5029, 0.5029, 0.5013], std: [0.2921, 0.2913, 0.292] },
  /** Only scales to [0, 1]. */
  unit: { mean: [0, 0, 0], std: [1, 1, 1] },
} as const satisfies Record<string, Normalization>;

export type NormalizationName = keyof typeof NORMALIZATION;

export type NormalizeOption = Normalization | NormalizationName | 'dataset';

/** Resolves a normalize option; `'dataset'` picks the constants of the dataset's `name`. */
export function resolveNormalization(option: NormalizeOption, datasetName: string): Normalization {
  if (typeof option === 'object') {
    for (const k of ['mean', 'std'] as const) {
      const v = option[k];
      if (!Array.isArray(v) || v.length !== 3 || !v.every(Number.isFinite)) {
        throw new DatasetOptionError({
          subject: `normalize.${k}`,
          expected: '3 finite numbers (RGB)',
          received: v,
        });
      }
    }
    if (option.std.some((s) => s <= 0)) {
      throw new DatasetOptionError({
        subject: 'normalize.std',
        expected: 'positive values',
        received: option.std,
      });
    }
    return option;
  }
  const key = option === 'dataset' ? datasetName : option;
  const found = (NORMALIZATION as Record<string, Normalization>)[key];
  if (found === undefined) {
    throw new DatasetOptionError({
      subject: option === 'dataset' ? 'normalize (from the dataset name)' : 'normalize',
      expected: `one of ${Object.keys(NORMALIZATION).join(', ')} or { mean, std }`,
      received: key,
    });
  }
  return found;
}

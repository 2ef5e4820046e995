import { Rng } from '@sevar/core';

// The generator itself lives in @sevar/core (one stream for datasets and trainer); re-exported
// here so that `import { Rng } from '@sevar/trainer'` and the checkpoint code keep working.
export { Rng } from '@sevar/core';
export type { RngState } from '@sevar/core';

/**
 * Runs `fn` with `Math.random` drawn from `rng`. tfjs initialisers and dropout draw their seeds
 * from `Math.random` when no seed is given, so this makes model construction and training steps
 * reproducible. `fn` must be synchronous: the original `Math.random` is restored when it returns.
 */
export function withRandom<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = () => rng.next();
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}

/** Builds something (e.g. a model) with tfjs randomness seeded by `seed`. See `withRandom`. */
export function withSeed<T>(seed: number, fn: () => T): T {
  return withRandom(new Rng(seed), fn);
}

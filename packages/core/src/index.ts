export { SEVAR_ERROR, SevarError, isSevarError } from './errors.js';
export type { HintOption, SevarErrorFacts } from './errors.js';
export { MAX_RENDERED_LENGTH, renderValue } from './render.js';
export { Rng, deriveSeed, shuffleInPlace } from './rng.js';
export { closestName, editDistance } from './suggest.js';
export type { RngState } from './rng.js';
export { BATCH_NORM_TRAINING_KERNELS } from './kernels.js';

import type * as tfl from '@tensorflow/tfjs-layers';

import { CNN3_OPTION_NAMES, cnn3, type Cnn3Options } from './cnn3.js';
import { UnknownModelError } from './errors.js';
import { RESNET_OPTION_NAMES, resnet18, resnet34, type ResNetOptions } from './resnet.js';

/** Options of each zoo model, by name. */
export interface ModelOptionsByName {
  cnn3: Cnn3Options;
  resnet18: ResNetOptions;
  resnet34: ResNetOptions;
}

export type ModelName = keyof ModelOptionsByName;

// The single place a model is wired in.
const REGISTRY: { [K in ModelName]: (options: ModelOptionsByName[K]) => tfl.LayersModel } = {
  cnn3,
  resnet18,
  resnet34,
};

/** Every zoo model name. */
export const MODEL_NAMES: readonly ModelName[] = Object.keys(REGISTRY) as ModelName[];

const OPTION_NAMES: { [K in ModelName]: readonly (keyof ModelOptionsByName[K])[] } = {
  cnn3: CNN3_OPTION_NAMES,
  resnet18: RESNET_OPTION_NAMES,
  resnet34: RESNET_OPTION_NAMES,
};

/**
 * The options model `name` accepts, e.g. whether it has a `stem` choice; a caller (a command
 * line, a config file) can reject an option the model would refuse before building anything.
 */
export function modelOptionNames(name: ModelName): readonly string[] {
  if (!isModelName(name)) throw new UnknownModelError(name, MODEL_NAMES);
  return OPTION_NAMES[name] as readonly string[];
}

export function isModelName(name: unknown): name is ModelName {
  return typeof name === 'string' && Object.hasOwn(REGISTRY, name);
}

/** Builds the zoo model `name`; throws {@link UnknownModelError} listing the valid names. */
export function createModel<N extends ModelName>(
  name: N,
  options: ModelOptionsByName[N],
): tfl.LayersModel {
  if (!isModelName(name)) throw new UnknownModelError(name, MODEL_NAMES);
  return (REGISTRY[name] as (o: ModelOptionsByName[N]) => tfl.LayersModel)(options);
}

import type * as tfl from '@tensorflow/tfjs-layers';

import { CNN3_OPTION_NAMES, cnn3, type Cnn3Options } from './cnn3.js';
import { UnknownModelError } from './errors.js';
import { efficientnetB0, type EfficientNetOptions } from './efficientnet.js';
import {
  EFFICIENTNET_OPTION_NAMES,
  MOBILENET_OPTION_NAMES,
  type MobileNetOptions,
} from './mobile-common.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';
import { RESNET_OPTION_NAMES, resnet18, resnet34, resnet50, type ResNetOptions } from './resnet.js';

/** Options of each zoo model, by name. */
export interface ModelOptionsByName {
  cnn3: Cnn3Options;
  resnet18: ResNetOptions;
  resnet34: ResNetOptions;
  resnet50: ResNetOptions;
  mobilenet_v2: MobileNetOptions;
  mobilenet_v3_small: MobileNetOptions;
  mobilenet_v3_large: MobileNetOptions;
  efficientnet_b0: EfficientNetOptions;
}

export type ModelName = keyof ModelOptionsByName;

// The single place a model is wired in.
const REGISTRY: { [K in ModelName]: (options: ModelOptionsByName[K]) => tfl.LayersModel } = {
  cnn3,
  resnet18,
  resnet34,
  resnet50,
  mobilenet_v2: mobilenetV2,
  mobilenet_v3_small: mobilenetV3Small,
  mobilenet_v3_large: mobilenetV3Large,
  efficientnet_b0: efficientnetB0,
};

/** Every zoo model name. */
export const MODEL_NAMES: readonly ModelName[] = Object.keys(REGISTRY) as ModelName[];

const OPTION_NAMES: { [K in ModelName]: readonly (keyof ModelOptionsByName[K])[] } = {
  cnn3: CNN3_OPTION_NAMES,
  resnet18: RESNET_OPTION_NAMES,
  resnet34: RESNET_OPTION_NAMES,
  resnet50: RESNET_OPTION_NAMES,
  mobilenet_v2: MOBILENET_OPTION_NAMES,
  mobilenet_v3_small: MOBILENET_OPTION_NAMES,
  mobilenet_v3_large: MOBILENET_OPTION_NAMES,
  efficientnet_b0: EFFICIENTNET_OPTION_NAMES,
};

// Models whose network has an attention module of its own (torchvision's SE), kept when the
// `attention` option is absent.
const BUILT_IN_ATTENTION: readonly ModelName[] = [
  'mobilenet_v3_small',
  'mobilenet_v3_large',
  'efficientnet_b0',
];

/**
 * Whether model `name` has a built-in attention module (torchvision's SE in MobileNetV3 and
 * EfficientNet): leaving `attention` absent keeps it, `null`/`'none'` removes it, a key replaces it.
 */
export function hasBuiltInAttention(name: ModelName): boolean {
  if (!isModelName(name)) throw new UnknownModelError(name, MODEL_NAMES);
  return BUILT_IN_ATTENTION.includes(name);
}

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

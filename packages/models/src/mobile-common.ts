// What MobileNetV2, MobileNetV3 and EfficientNet share: their options, the attention site of a
// block (a @sevar/layers module, the model's built-in SE, or nothing) and the classifier head.
import * as tfl from '@tensorflow/tfjs-layers';
import type { AttentionName } from '@sevar/layers';

import { applyAttention, checkAttentionOptions, type ModelAttentionOptions } from './attention.js';
import { ModelConfigError } from './errors.js';
import type { Initializer, Sym } from './graph.js';
import {
  checkAttention,
  checkAttentionOrBuiltIn,
  checkInputShape,
  checkKeys,
  checkNumClasses,
  checkReduction,
  type AttentionSite,
  type InputShape,
} from './validate.js';

export interface MobileNetOptions {
  /**
   * A `@sevar/layers` registry key, or `'none'`/`null` for no module. MobileNetV3 and
   * EfficientNet: absent keeps torchvision's built-in SE, a key replaces it where it sits.
   */
  attention?: AttentionName | null;
  /** Number of output logits (>= 2). */
  numClasses: number;
  /** `[height, width, channels]`; default `[224, 224, 3]`. Any size >= 1x1 (as torchvision). */
  inputShape?: InputShape;
  /** Reduction ratio of every `@sevar/layers` module (default: the module's, 16). */
  reduction?: number;
  /** Further options for every `@sevar/layers` module. */
  attentionOptions?: ModelAttentionOptions;
  /** Dropout before the last dense layer (torchvision: 0.2). */
  dropout?: number;
  /** MobileNets only: channel width multiplier (default 1). */
  widthMultiplier?: number;
  /** EfficientNet only: stochastic depth of the last block (default 0.2, linear in the depth). */
  stochasticDepth?: number;
}

/** The options each mobile family accepts (others are rejected). */
export const MOBILENET_OPTION_NAMES = [
  'attention',
  'numClasses',
  'inputShape',
  'reduction',
  'attentionOptions',
  'dropout',
  'widthMultiplier',
] as const;
export const EFFICIENTNET_OPTION_NAMES = [
  'attention',
  'numClasses',
  'inputShape',
  'reduction',
  'attentionOptions',
  'dropout',
  'stochasticDepth',
] as const;

/** Validated options of a mobile network. */
export interface MobileSettings {
  attention: AttentionSite;
  numClasses: number;
  inputShape: InputShape;
  reduction: number | undefined;
  attentionOptions: ModelAttentionOptions | undefined;
  dropout: number;
  widthMultiplier: number;
  stochasticDepth: number;
}

function checkRate(model: string, option: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new ModelConfigError(model, option, 'a number in [0, 1)', v);
  }
  return v;
}

/** Validates everything before any weight is allocated. */
export function checkMobileOptions(
  model: string,
  options: MobileNetOptions,
  allowed: readonly string[],
  hasBuiltIn: boolean,
): MobileSettings {
  checkKeys(model, options, allowed);
  const attention = hasBuiltIn
    ? checkAttentionOrBuiltIn(model, options.attention)
    : checkAttention(model, options.attention);
  const numClasses = checkNumClasses(model, options.numClasses);
  const reduction = checkReduction(model, options.reduction);
  if (attention !== null && attention !== 'built-in') {
    checkAttentionOptions(model, attention, reduction, options.attentionOptions);
  }
  const width = options.widthMultiplier ?? 1;
  if (typeof width !== 'number' || !(width > 0 && width <= 4)) {
    throw new ModelConfigError(model, 'widthMultiplier', 'a number in (0, 4]', width);
  }
  return {
    attention,
    numClasses,
    reduction,
    attentionOptions: options.attentionOptions,
    // Padded convolutions keep at least one pixel at every stride, as in torchvision.
    inputShape: checkInputShape(model, options.inputShape, [224, 224, 3], 1, 'at least 1 pixel'),
    dropout: checkRate(model, 'dropout', options.dropout, 0.2),
    widthMultiplier: width,
    stochasticDepth: checkRate(model, 'stochasticDepth', options.stochasticDepth, 0.2),
  };
}

/**
 * The attention site of one block: a `@sevar/layers` module, the model's built-in SE (`builtIn`
 * builds it), or nothing. Named `<prefix>_attention` in every case.
 */
export function attend(
  x: Sym,
  s: MobileSettings,
  prefix: string,
  builtIn: ((name: string) => tfl.layers.Layer) | null,
): Sym {
  const name = `${prefix}_attention`;
  if (s.attention === null) return x;
  if (s.attention === 'built-in') return builtIn === null ? x : (builtIn(name).apply(x) as Sym);
  return applyAttention(x, s.attention, name, s.reduction, s.attentionOptions);
}

/** Global average pool → [hidden dense + activation] → dropout → dense (logits). */
export function classifierHead(
  x: Sym,
  s: MobileSettings,
  init: { kernel: () => Initializer; units?: number; hiddenAct?: (t: Sym) => Sym },
): Sym {
  let y = tfl.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(x) as Sym;
  if (init.units !== undefined) {
    y = tfl.layers
      .dense({ units: init.units, kernelInitializer: init.kernel(), name: 'head_fc1' })
      .apply(y) as Sym;
    if (init.hiddenAct) y = init.hiddenAct(y);
  }
  if (s.dropout > 0)
    y = tfl.layers.dropout({ rate: s.dropout, name: 'head_dropout' }).apply(y) as Sym;
  return tfl.layers
    .dense({ units: s.numClasses, kernelInitializer: init.kernel(), name: 'head_fc' })
    .apply(y) as Sym;
}

/** `<arch>`, `<arch>_<key>` or `<arch>_none` (a model whose built-in SE was removed). */
export function modelName(arch: string, s: MobileSettings, hasBuiltIn: boolean): string {
  if (s.attention === 'built-in') return arch;
  if (s.attention === null) return hasBuiltIn ? `${arch}_none` : arch;
  return `${arch}_${s.attention}`;
}

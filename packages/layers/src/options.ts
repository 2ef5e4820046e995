import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';

import { closestName } from '@sevar/core';

import { AttentionConfigError, UnknownOptionError } from './errors.js';

/** Gate applied to the last FC: `sigmoid`, or `hard-sigmoid` = relu6(x + 3) / 6 (MobileNetV3, PyTorch). */
export type GateActivation = 'sigmoid' | 'hard-sigmoid';
export const GATE_ACTIVATIONS: readonly GateActivation[] = ['sigmoid', 'hard-sigmoid'];

/** How a gate `g` is applied: `x·g` (SE) or `x + x·g` (the residual form of SENetV2's author). */
export type GateMode = 'multiply' | 'residual';
export const GATE_MODES: readonly GateMode[] = ['multiply', 'residual'];

/** The bump's middle layer: an FC, or the paper's 3x3 conv applied to the 1x1 squeezed map. */
export type BumpKind = 'dense' | 'conv3x3';
export const BUMP_KINDS: readonly BumpKind[] = ['dense', 'conv3x3'];

type Initializer = ReturnType<typeof tfl.initializers.zeros>;
type Regularizer = ReturnType<typeof tfl.regularizers.l2>;

/** A tfjs initializer: an instance, a factory name such as `'glorotUniform'`, or a serialized `{className, config}`. */
export type InitializerLike = Initializer | string | SerializedObject;
/** A tfjs regularizer: an instance or a serialized `{className, config}` (`'L1L2'`). */
export type RegularizerLike = Regularizer | SerializedObject;

export type SerializedObject = {
  className: string;
  config: tf.serialization.ConfigDict;
};

/** Options shared by every variant. All are optional. */
export interface AttentionOptions {
  /** Reduction ratio `r` (default 16): the narrowest FC has `max(minChannels, floor(C / r))` units. */
  reduction?: number;
  /** Floor on every hidden width (default 1). */
  minChannels?: number;
  /** Explicit hidden FC widths in forward order, overriding `reduction` (one entry per hidden FC). */
  hiddenUnits?: number[];
  /** Divisor of `r` for the slow step (default 2): `h = max(minChannels, floor(C / floor(r / midDivisor)))`. */
  midDivisor?: number;
  /** Activation of the last FC (default `'sigmoid'`). */
  gateActivation?: GateActivation;
  /** How the gate is applied: `'multiply'` (default) `y = x·g`, or `'residual'` `y = x + x·g`. */
  gate?: GateMode;
  kernelInitializer?: InitializerLike;
  biasInitializer?: InitializerLike;
  kernelRegularizer?: RegularizerLike;
  biasRegularizer?: RegularizerLike;
  /** Layer name (unique within a model). */
  name?: string;
  trainable?: boolean;
}

/** Options of the bump variant. */
export interface BumpOptions extends AttentionOptions {
  /** `'dense'` (default): `m → m` FC; `'conv3x3'`: 3x3 conv on the 1x1 map (8/9 of its taps never see data). */
  bumpKind?: BumpKind;
}

/** The option keys every variant takes, in the order of {@link AttentionOptions}. */
export const SHARED_OPTION_NAMES = [
  'reduction',
  'minChannels',
  'hiddenUnits',
  'midDivisor',
  'gateActivation',
  'gate',
  'kernelInitializer',
  'biasInitializer',
  'kernelRegularizer',
  'biasRegularizer',
] as const satisfies readonly (keyof AttentionOptions)[];

/** The tfjs `LayerArgs` keys, which every variant passes on to `tf.layers.Layer`. */
export const LAYER_ARG_NAMES = [
  'name',
  'trainable',
  'inputShape',
  'batchInputShape',
  'batchSize',
  'dtype',
  'weights',
  'inputDType',
] as const;

// Compile-time guard: an option added to AttentionOptions must be listed above to be accepted.
type Unlisted = Exclude<
  keyof AttentionOptions,
  (typeof SHARED_OPTION_NAMES)[number] | (typeof LAYER_ARG_NAMES)[number]
>;
const everyOptionListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyOptionListed;

/**
 * Throws {@link UnknownOptionError} for the first key of `options` that module `key` does not
 * take: not one of its `optionNames`, not a tfjs layer argument. `ownersOf` names the modules
 * that do take a key, for the hint.
 */
export function checkOptionNames(
  key: string,
  options: object,
  optionNames: readonly string[],
  ownersOf: (option: string) => readonly string[] = () => [],
): void {
  const accepted: readonly string[] = [...optionNames, ...LAYER_ARG_NAMES];
  for (const option of Object.keys(options)) {
    // tfjs adds `customObjects` to every config it deserializes (loadLayersModel).
    if (accepted.includes(option) || option === 'customObjects') continue;
    throw new UnknownOptionError(
      key,
      option,
      accepted,
      closestName(option, accepted),
      ownersOf(option).filter((k) => k !== key),
    );
  }
}

/** The options after defaults, as stored in a layer's config. */
export interface ResolvedOptions {
  reduction: number;
  minChannels: number;
  hiddenUnits: number[] | null;
  midDivisor: number;
  gateActivation: GateActivation;
  gate: GateMode;
}

/** The symbolic widths of a variant's hidden FCs: `m` (narrow) or `h` (slow step, about 2m). */
export type HiddenWidth = 'm' | 'h';

function isPositiveInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

/** Validates shared options for `variant` (whose hidden widths are `pattern`) and fills defaults. */
export function resolveOptions(
  variant: string,
  pattern: readonly HiddenWidth[],
  options: AttentionOptions,
): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new AttentionConfigError(variant, 'options', 'an object', options);
  }
  const reduction = options.reduction ?? 16;
  if (!isPositiveInteger(reduction)) {
    throw new AttentionConfigError(variant, 'reduction', 'an integer >= 1', reduction);
  }
  const minChannels = options.minChannels ?? 1;
  if (!isPositiveInteger(minChannels)) {
    throw new AttentionConfigError(variant, 'minChannels', 'an integer >= 1', minChannels);
  }
  const midDivisor = options.midDivisor ?? 2;
  if (!isPositiveInteger(midDivisor)) {
    throw new AttentionConfigError(variant, 'midDivisor', 'an integer >= 1', midDivisor);
  }
  const gateActivation = options.gateActivation ?? 'sigmoid';
  if (!GATE_ACTIVATIONS.includes(gateActivation)) {
    throw new AttentionConfigError(
      variant,
      'gateActivation',
      `one of ${GATE_ACTIVATIONS.map((g) => `'${g}'`).join(', ')}`,
      gateActivation,
    );
  }
  const gate = options.gate ?? 'multiply';
  if (!GATE_MODES.includes(gate)) {
    throw new AttentionConfigError(
      variant,
      'gate',
      `one of ${GATE_MODES.map((g) => `'${g}'`).join(', ')}`,
      gate,
    );
  }
  let hiddenUnits: number[] | null = null;
  if (options.hiddenUnits !== undefined && options.hiddenUnits !== null) {
    const hu = options.hiddenUnits;
    if (!Array.isArray(hu) || hu.length !== pattern.length || !hu.every(isPositiveInteger)) {
      throw new AttentionConfigError(
        variant,
        'hiddenUnits',
        `an array of ${pattern.length} positive integer(s), one per hidden FC (${pattern.join(', ')})`,
        hu,
      );
    }
    hiddenUnits = [...hu];
  } else if (pattern.includes('h') && Math.floor(reduction / midDivisor) < 1) {
    throw new AttentionConfigError(
      variant,
      'reduction',
      `an integer >= ${midDivisor} for a slow variant (its slow step has floor(C / floor(reduction / ${midDivisor})) units)`,
      reduction,
    );
  }
  return { reduction, minChannels, hiddenUnits, midDivisor, gateActivation, gate };
}

/** Hidden FC widths for `channels` input channels. */
export function hiddenWidths(
  channels: number,
  pattern: readonly HiddenWidth[],
  o: ResolvedOptions,
): number[] {
  if (o.hiddenUnits) return [...o.hiddenUnits];
  const m = Math.max(o.minChannels, Math.floor(channels / o.reduction));
  const h = Math.max(o.minChannels, Math.floor(channels / Math.floor(o.reduction / o.midDivisor)));
  return pattern.map((w) => (w === 'm' ? m : h));
}

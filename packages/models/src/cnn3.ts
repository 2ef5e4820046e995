import * as tfl from '@tensorflow/tfjs-layers';
import type { AttentionName } from '@sevar/layers';

import { applyAttention, checkAttentionOptions, type ModelAttentionOptions } from './attention.js';
import { ModelConfigError } from './errors.js';
import {
  checkAttention,
  checkChoice,
  checkInputShape,
  checkKeys,
  checkNumClasses,
  checkReduction,
  type InputShape,
} from './validate.js';

/**
 * Where the attention module goes in `cnn3`:
 * - `'after-conv2'` (default): conv2 (64 ch, ReLU) → module → pool2. The paper's "replaces the
 *   2nd conv with the module" read as "the 2nd conv becomes conv + module".
 * - `'replace-conv2'`: the literal reading. conv2 is removed and the module sits in its place,
 *   on the 32-channel pool1 output; conv3 then takes 32 input channels.
 */
export type Cnn3AttentionPlacement = 'after-conv2' | 'replace-conv2';
export const CNN3_ATTENTION_PLACEMENTS: readonly Cnn3AttentionPlacement[] = [
  'after-conv2',
  'replace-conv2',
];

export interface Cnn3Options {
  /** A `@sevar/layers` registry key, or `'none'`/`null` (default) for the paper's "Default" row. */
  attention?: AttentionName | null;
  /** Number of output logits (>= 2). */
  numClasses: number;
  /** `[height, width, channels]`, default `[32, 32, 3]`. */
  inputShape?: InputShape;
  /** Reduction ratio of the attention module (default: the variant's, 16). */
  reduction?: number;
  attentionPlacement?: Cnn3AttentionPlacement;
  /** Further options for the attention layer (e.g. `bumpKind`, `minChannels`). */
  attentionOptions?: ModelAttentionOptions;
}

/** Every option the model accepts (others are rejected). */
export const CNN3_OPTION_NAMES = [
  'attention',
  'numClasses',
  'inputShape',
  'reduction',
  'attentionPlacement',
  'attentionOptions',
] as const;

/** Side of conv3's output for an input side `s` (valid 3x3 convs, floor 2x2 pools). */
function finalSide(s: number, withConv2: boolean): number {
  let x = Math.floor((s - 2) / 2);
  if (withConv2) x -= 2;
  return Math.floor(x / 2) - 2;
}

function smallestSide(withConv2: boolean): number {
  let s = 1;
  while (finalSide(s, withConv2) < 1) s++;
  return s;
}

/**
 * The 3-layer CNN of the paper's section 2 (the TensorFlow CIFAR-10 tutorial network):
 * Conv(32,3x3,valid,ReLU) → MaxPool2 → Conv(64,3x3,valid,ReLU) → [attention] → MaxPool2 →
 * Conv(64,3x3,valid,ReLU) → Flatten → Dense(64,ReLU) → Dense(numClasses). Outputs logits.
 */
export function cnn3(options: Cnn3Options): tfl.LayersModel {
  const model = 'cnn3';
  checkKeys(model, options, CNN3_OPTION_NAMES);
  const attention = checkAttention(model, options.attention);
  const numClasses = checkNumClasses(model, options.numClasses);
  const reduction = checkReduction(model, options.reduction);
  const placement = checkChoice(
    model,
    'attentionPlacement',
    options.attentionPlacement,
    CNN3_ATTENTION_PLACEMENTS,
    'after-conv2',
  );
  if (placement === 'replace-conv2' && attention === null) {
    // Without a module there is nothing in conv2's place: that is a different, 2-conv network.
    throw new ModelConfigError(
      model,
      'attention',
      "a variant name when attentionPlacement is 'replace-conv2'",
      attention,
    );
  }
  if (attention !== null) {
    checkAttentionOptions(model, attention, reduction, options.attentionOptions);
  }
  const withConv2 = placement === 'after-conv2';
  const inputShape = checkInputShape(
    model,
    options.inputShape,
    [32, 32, 3],
    smallestSide(withConv2),
    `conv3 must output at least 1x1 with attentionPlacement '${placement}'`,
  );

  const input = tfl.input({ shape: inputShape, name: 'input' });
  let x = conv(input, 32, 'conv1');
  x = pool(x, 'pool1');
  if (withConv2) x = conv(x, 64, 'conv2');
  if (attention !== null) {
    x = applyAttention(x, attention, 'attention', reduction, options.attentionOptions);
  }
  x = pool(x, 'pool2');
  x = conv(x, 64, 'conv3');
  // Flattens in H, W, C order (PyTorch flattens C, H, W): fc1's rows are permuted between the two.
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .dense({ units: 64, activation: 'relu', name: 'fc1' })
    .apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: numClasses, name: 'fc2' })
    .apply(x) as tfl.SymbolicTensor;
  const suffix = attention === null ? '' : `_${attention}${withConv2 ? '' : '_replace_conv2'}`;
  return tfl.model({ inputs: input, outputs: logits, name: `cnn3${suffix}` });
}

function conv(x: tfl.SymbolicTensor, filters: number, name: string): tfl.SymbolicTensor {
  return tfl.layers
    .conv2d({ filters, kernelSize: 3, padding: 'valid', activation: 'relu', name })
    .apply(x) as tfl.SymbolicTensor;
}

function pool(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  return tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name }).apply(x) as tfl.SymbolicTensor;
}

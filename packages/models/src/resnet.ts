import * as tfl from '@tensorflow/tfjs-layers';
import type { AttentionKey, AttentionName } from '@sevar/layers';

import { ModelConfigError } from './errors.js';
import { bn as batchNorm, TORCH_BN } from './graph.js';
import { applyAttention, checkAttentionOptions, type ModelAttentionOptions } from './attention.js';
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
 * `'cifar'`: 3x3 stride-1 conv, no max-pool (for 32x32 inputs; downsamples by 8 overall).
 * `'imagenet'`: 7x7 stride-2 conv + 3x3 stride-2 max-pool (torchvision; downsamples by 32).
 */
export type ResNetStem = 'cifar' | 'imagenet';
export const RESNET_STEMS: readonly ResNetStem[] = ['cifar', 'imagenet'];

/**
 * Where the attention module sits in each BasicBlock:
 * - `'pre-add'` (default): on the residual branch after the second BN, before the addition
 *   (SENet, timm, the paper author's code).
 * - `'post-add'`: after the addition and the block's final ReLU (SENet's "SE-POST" ablation).
 */
export type AttentionPlacement = 'pre-add' | 'post-add';
export const ATTENTION_PLACEMENTS: readonly AttentionPlacement[] = ['pre-add', 'post-add'];

export interface ResNetOptions {
  /** A `@sevar/layers` registry key, or `'none'`/`null` (default) for the plain ResNet. */
  attention?: AttentionName | null;
  /** Number of output logits (>= 2). */
  numClasses: number;
  stem: ResNetStem;
  /** `[height, width, channels]`; default `[32, 32, 3]` (cifar stem) or `[224, 224, 3]` (imagenet). */
  inputShape?: InputShape;
  /** Reduction ratio of every attention module (default: the variant's, 16). */
  reduction?: number;
  placement?: AttentionPlacement;
  /** Further options for every attention layer (e.g. `bumpKind`, `minChannels`). */
  attentionOptions?: ModelAttentionOptions;
}

/** Every option the model accepts (others are rejected). */
export const RESNET_OPTION_NAMES = [
  'attention',
  'numClasses',
  'stem',
  'inputShape',
  'reduction',
  'placement',
  'attentionOptions',
] as const;

const WIDTHS = [64, 128, 256, 512] as const;
const BOTTLENECK_EXPANSION = 4;
type BlockKind = 'basic' | 'bottleneck';

// torchvision's kaiming_normal_(mode='fan_out', nonlinearity='relu').
const convInit = () =>
  tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });

/** A BasicBlock ResNet: `blocks[i]` blocks in stage i+1, widths 64/128/256/512. */
export function buildResNet(
  arch: string,
  blocks: readonly [number, number, number, number],
  options: ResNetOptions,
): tfl.LayersModel {
  return buildResNetOf(arch, blocks, 'basic', options);
}

/**
 * A Bottleneck ResNet (torchvision's ResNet-50/101/152): `blocks[i]` blocks in stage i+1, widths
 * 64/128/256/512 expanded 4x, the stride on the 3x3 conv.
 */
export function buildBottleneckResNet(
  arch: string,
  blocks: readonly [number, number, number, number],
  options: ResNetOptions,
): tfl.LayersModel {
  return buildResNetOf(arch, blocks, 'bottleneck', options);
}

function buildResNetOf(
  arch: string,
  blocks: readonly [number, number, number, number],
  kind: BlockKind,
  options: ResNetOptions,
): tfl.LayersModel {
  if (
    !Array.isArray(blocks) ||
    blocks.length !== 4 ||
    !blocks.every((n) => Number.isInteger(n) && n >= 1)
  ) {
    throw new ModelConfigError(arch, 'blocks', 'four integers >= 1 (blocks per stage)', blocks);
  }
  checkKeys(arch, options, RESNET_OPTION_NAMES);
  const attention = checkAttention(arch, options.attention);
  const numClasses = checkNumClasses(arch, options.numClasses);
  const stemKind = checkChoice(arch, 'stem', options.stem, RESNET_STEMS, undefined);
  const reduction = checkReduction(arch, options.reduction);
  const placement = checkChoice(
    arch,
    'placement',
    options.placement,
    ATTENTION_PLACEMENTS,
    'pre-add',
  );
  if (attention !== null) {
    checkAttentionOptions(arch, attention, reduction, options.attentionOptions);
  }
  const factor = stemKind === 'imagenet' ? 32 : 8;
  const inputShape = checkInputShape(
    arch,
    options.inputShape,
    stemKind === 'imagenet' ? [224, 224, 3] : [32, 32, 3],
    factor,
    `stem '${stemKind}' and the three strided stages downsample by ${factor}`,
  );

  const input = tfl.input({ shape: inputShape, name: 'input' });
  let x: tfl.SymbolicTensor;
  if (stemKind === 'imagenet') {
    x = pad(input, 3, 'stem_pad');
    x = convLayer(x, 64, 7, 2, 'valid', 'stem_conv');
  } else {
    x = convLayer(input, 64, 3, 1, 'same', 'stem_conv');
  }
  x = bn(x, 'stem_bn');
  x = relu(x, 'stem_relu');
  if (stemKind === 'imagenet') {
    // Zero padding equals PyTorch's -inf padding here: the ReLU output is >= 0.
    x = pad(x, 1, 'stem_pool_pad');
    x = tfl.layers
      .maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'stem_pool' })
      .apply(x) as tfl.SymbolicTensor;
  }

  let channels = 64;
  for (let s = 0; s < 4; s++) {
    for (let b = 0; b < blocks[s]!; b++) {
      const width = WIDTHS[s]!;
      const stride = s > 0 && b === 0 ? 2 : 1;
      const block = kind === 'basic' ? basicBlock : bottleneckBlock;
      x = block(x, {
        prefix: `stage${s + 1}_block${b + 1}`,
        inChannels: channels,
        width,
        stride,
        attention,
        placement,
        reduction,
        attentionOptions: options.attentionOptions,
      });
      channels = kind === 'basic' ? width : width * BOTTLENECK_EXPANSION;
    }
  }
  x = tfl.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers
    .dense({ units: numClasses, name: 'head_fc' })
    .apply(x) as tfl.SymbolicTensor;
  const suffix =
    attention === null ? '' : `_${attention}${placement === 'pre-add' ? '' : '_post_add'}`;
  return tfl.model({ inputs: input, outputs: logits, name: `${arch}_${stemKind}${suffix}` });
}

interface BlockArgs {
  prefix: string;
  inChannels: number;
  width: number;
  stride: number;
  attention: AttentionKey | null;
  placement: AttentionPlacement;
  reduction: number | undefined;
  attentionOptions: ModelAttentionOptions | undefined;
}

function basicBlock(x: tfl.SymbolicTensor, a: BlockArgs): tfl.SymbolicTensor {
  const p = a.prefix;
  let y = conv3x3(x, a.width, a.stride, `${p}_conv1`);
  y = relu(bn(y, `${p}_bn1`), `${p}_relu1`);
  y = bn(conv3x3(y, a.width, 1, `${p}_conv2`), `${p}_bn2`);
  return closeBlock(x, y, a, a.width, 'relu2');
}

/**
 * torchvision's Bottleneck: 1x1 conv (width) → BN → ReLU → 3x3 conv (width, the stride) → BN →
 * ReLU → 1x1 conv (4 x width) → BN → [attention] → add shortcut → ReLU.
 */
function bottleneckBlock(x: tfl.SymbolicTensor, a: BlockArgs): tfl.SymbolicTensor {
  const p = a.prefix;
  let y = convLayer(x, a.width, 1, 1, 'valid', `${p}_conv1`);
  y = relu(bn(y, `${p}_bn1`), `${p}_relu1`);
  y = relu(bn(conv3x3(y, a.width, a.stride, `${p}_conv2`), `${p}_bn2`), `${p}_relu2`);
  const out = a.width * BOTTLENECK_EXPANSION;
  y = bn(convLayer(y, out, 1, 1, 'valid', `${p}_conv3`), `${p}_bn3`);
  return closeBlock(x, y, a, out, 'relu3');
}

/** Attention (pre- or post-add), the shortcut where stride or width change, add, ReLU. */
function closeBlock(
  x: tfl.SymbolicTensor,
  branch: tfl.SymbolicTensor,
  a: BlockArgs,
  outChannels: number,
  reluName: string,
): tfl.SymbolicTensor {
  const p = a.prefix;
  const attend = (t: tfl.SymbolicTensor) =>
    a.attention === null
      ? t
      : applyAttention(t, a.attention, `${p}_attention`, a.reduction, a.attentionOptions);
  let y = a.placement === 'pre-add' ? attend(branch) : branch;
  let shortcut = x;
  if (a.stride !== 1 || a.inChannels !== outChannels) {
    shortcut = convLayer(x, outChannels, 1, a.stride, 'valid', `${p}_shortcut_conv`);
    shortcut = bn(shortcut, `${p}_shortcut_bn`);
  }
  y = tfl.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as tfl.SymbolicTensor;
  y = relu(y, `${p}_${reluName}`);
  if (a.placement === 'post-add') y = attend(y);
  return y;
}

/**
 * PyTorch's `padding=1` pads both sides; tfjs 'same' with stride 2 on an even input pads only
 * bottom/right, which shifts every strided feature map by a pixel. So strided convs get an
 * explicit symmetric ZeroPadding2D + 'valid'; stride-1 'same' is already symmetric.
 */
function conv3x3(
  x: tfl.SymbolicTensor,
  filters: number,
  stride: number,
  name: string,
): tfl.SymbolicTensor {
  if (stride === 1) return convLayer(x, filters, 3, 1, 'same', name);
  return convLayer(pad(x, 1, `${name}_pad`), filters, 3, stride, 'valid', name);
}

function convLayer(
  x: tfl.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  padding: 'same' | 'valid',
  name: string,
): tfl.SymbolicTensor {
  return tfl.layers
    .conv2d({
      filters,
      kernelSize,
      strides,
      padding,
      useBias: false,
      kernelInitializer: convInit(),
      name,
    })
    .apply(x) as tfl.SymbolicTensor;
}

function pad(x: tfl.SymbolicTensor, p: number, name: string): tfl.SymbolicTensor {
  return tfl.layers
    .zeroPadding2d({
      padding: [
        [p, p],
        [p, p],
      ],
      name,
    })
    .apply(x) as tfl.SymbolicTensor;
}

function bn(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  return batchNorm(x, TORCH_BN, name);
}

function relu(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
  return tfl.layers.activation({ activation: 'relu', name }).apply(x) as tfl.SymbolicTensor;
}

/** ResNet-18: BasicBlock [2, 2, 2, 2]. */
export function resnet18(options: ResNetOptions): tfl.LayersModel {
  return buildResNet('resnet18', [2, 2, 2, 2], options);
}

/** ResNet-34: BasicBlock [3, 4, 6, 3]. */
export function resnet34(options: ResNetOptions): tfl.LayersModel {
  return buildResNet('resnet34', [3, 4, 6, 3], options);
}

/** ResNet-50: Bottleneck [3, 4, 6, 3] (SE-ResNet-50 with `attention: 'se'`). */
export function resnet50(options: ResNetOptions): tfl.LayersModel {
  return buildBottleneckResNet('resnet50', [3, 4, 6, 3], options);
}

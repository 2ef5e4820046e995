import * as tfl from '@tensorflow/tfjs-layers';

import { TORCH_BN, convBnAct, makeDivisible, type Sym } from './graph.js';
import {
  EFFICIENTNET_OPTION_NAMES,
  attend,
  checkMobileOptions,
  classifierHead,
  modelName,
  type MobileNetOptions,
  type MobileSettings,
} from './mobile-common.js';
import { SevarSqueezeExcitation } from './squeeze-excitation.js';
import { SevarStochasticDepth } from './stochastic-depth.js';

/** Options of `efficientnet_b0` (`widthMultiplier` is not among them). */
export type EfficientNetOptions = Omit<MobileNetOptions, 'widthMultiplier'>;

/** expand ratio, kernel, stride, in, out, layers: torchvision's B0 `MBConvConfig` rows. */
const B0: readonly [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

interface MBConvArgs {
  prefix: string;
  expansion: number;
  kernel: number;
  stride: number;
  inChannels: number;
  outChannels: number;
  dropRate: number;
}

/**
 * MBConv: [1x1 expand → BN → SiLU] → k×k depthwise → BN → SiLU → [SE site] → 1x1 project → BN
 * → [stochastic depth → add]. The built-in SE squeezes to `max(1, in // 4)` (of the block's
 * input channels) with SiLU and a sigmoid gate.
 */
function mbConv(x: Sym, b: MBConvArgs, s: MobileSettings): Sym {
  const p = b.prefix;
  const expanded = makeDivisible(b.inChannels * b.expansion);
  let y = x;
  if (expanded !== b.inChannels) {
    y = convBnAct(y, {
      filters: expanded,
      kernel: 1,
      stride: 1,
      prefix: `${p}_expand`,
      bn: TORCH_BN,
      act: 'silu',
    });
  }
  y = convBnAct(y, {
    filters: expanded,
    kernel: b.kernel,
    stride: b.stride,
    prefix: `${p}_dw`,
    bn: TORCH_BN,
    act: 'silu',
    depthwise: true,
  });
  const squeeze = Math.max(1, Math.floor(b.inChannels / 4));
  y = attend(
    y,
    s,
    p,
    (name) =>
      new SevarSqueezeExcitation({
        squeezeChannels: squeeze,
        activation: 'silu',
        gate: 'sigmoid',
        name,
      }),
  );
  y = convBnAct(y, {
    filters: b.outChannels,
    kernel: 1,
    stride: 1,
    prefix: `${p}_project`,
    bn: TORCH_BN,
    act: null,
  });
  if (b.stride === 1 && b.inChannels === b.outChannels) {
    if (b.dropRate > 0)
      y = new SevarStochasticDepth({ rate: b.dropRate, name: `${p}_drop_path` }).apply(y) as Sym;
    y = tfl.layers.add({ name: `${p}_add` }).apply([y, x]) as Sym;
  }
  return y;
}

/**
 * torchvision's `efficientnet_b0` (Tan & Le 2019): 3x3 stride-2 stem, 16 MBConv blocks in 7
 * stages, 1x1 conv to 1280, global average pool, dropout 0.2, dense. Built-in SE in every block
 * unless `attention` is given; stochastic depth rises linearly to `stochasticDepth` (0.2).
 */
export function efficientnetB0(options: EfficientNetOptions): tfl.LayersModel {
  const arch = 'efficientnet_b0';
  const s = checkMobileOptions(arch, options, EFFICIENTNET_OPTION_NAMES, true);
  const input = tfl.input({ shape: s.inputShape, name: 'input' });
  let x = convBnAct(input, {
    filters: 32,
    kernel: 3,
    stride: 2,
    prefix: 'stem',
    bn: TORCH_BN,
    act: 'silu',
  });
  const total = B0.reduce((a, r) => a + r[5], 0);
  let index = 0;
  for (const [expansion, kernel, stride, cin, cout, layers] of B0) {
    for (let i = 0; i < layers; i++) {
      x = mbConv(
        x,
        {
          prefix: `block${index + 1}`,
          expansion,
          kernel,
          stride: i === 0 ? stride : 1,
          inChannels: i === 0 ? cin : cout,
          outChannels: cout,
          dropRate: (s.stochasticDepth * index) / total,
        },
        s,
      );
      index++;
    }
  }
  x = convBnAct(x, {
    filters: 4 * 320,
    kernel: 1,
    stride: 1,
    prefix: 'head',
    bn: TORCH_BN,
    act: 'silu',
  });
  // torchvision: uniform(-1/sqrt(out), 1/sqrt(out)) for the classifier, zero bias.
  const r = 1 / Math.sqrt(s.numClasses);
  const logits = classifierHead(x, s, {
    kernel: () => tfl.initializers.randomUniform({ minval: -r, maxval: r }),
  });
  return tfl.model({ inputs: input, outputs: logits, name: modelName(arch, s, true) });
}

import * as tfl from '@tensorflow/tfjs-layers';

import { TORCH_BN, convBnAct, makeDivisible, type Sym } from './graph.js';
import {
  MOBILENET_OPTION_NAMES,
  attend,
  checkMobileOptions,
  classifierHead,
  modelName,
  type MobileNetOptions,
  type MobileSettings,
} from './mobile-common.js';

// torchvision's inverted_residual_setting: expansion t, channels c, repeats n, first stride s.
const SETTING: readonly [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

interface V2Block {
  prefix: string;
  inChannels: number;
  outChannels: number;
  stride: number;
  expansion: number;
}

/**
 * Inverted residual: [1x1 expand → BN → ReLU6] → 3x3 depthwise → BN → ReLU6 → [attention] →
 * 1x1 project → BN → [add when stride 1 and widths match]. The attention sits after the
 * depthwise stage (MnasNet's site), on the expanded channels.
 */
function invertedResidual(x: Sym, b: V2Block, s: MobileSettings): Sym {
  const hidden = Math.round(b.inChannels * b.expansion);
  const p = b.prefix;
  let y = x;
  if (b.expansion !== 1) {
    y = convBnAct(y, {
      filters: hidden,
      kernel: 1,
      stride: 1,
      prefix: `${p}_expand`,
      bn: TORCH_BN,
      act: 'relu6',
    });
  }
  y = convBnAct(y, {
    filters: hidden,
    kernel: 3,
    stride: b.stride,
    prefix: `${p}_dw`,
    bn: TORCH_BN,
    act: 'relu6',
    depthwise: true,
  });
  y = attend(y, s, p, null);
  y = convBnAct(y, {
    filters: b.outChannels,
    kernel: 1,
    stride: 1,
    prefix: `${p}_project`,
    bn: TORCH_BN,
    act: null,
  });
  if (b.stride === 1 && b.inChannels === b.outChannels) {
    y = tfl.layers.add({ name: `${p}_add` }).apply([y, x]) as Sym;
  }
  return y;
}

/**
 * torchvision's `mobilenet_v2` (MobileNetV2, Sandler et al. 2018): 3x3 stride-2 stem, 17
 * inverted residuals, 1x1 conv to 1280, global average pool, dropout, dense. `attention` (none by
 * default) goes after every depthwise stage.
 */
export function mobilenetV2(options: MobileNetOptions): tfl.LayersModel {
  const arch = 'mobilenet_v2';
  const s = checkMobileOptions(arch, options, MOBILENET_OPTION_NAMES, false);
  const width = s.widthMultiplier;
  const input = tfl.input({ shape: s.inputShape, name: 'input' });
  let channels = makeDivisible(32 * width);
  let x = convBnAct(input, {
    filters: channels,
    kernel: 3,
    stride: 2,
    prefix: 'stem',
    bn: TORCH_BN,
    act: 'relu6',
  });
  let index = 1;
  for (const [t, c, n, firstStride] of SETTING) {
    const out = makeDivisible(c * width);
    for (let i = 0; i < n; i++) {
      x = invertedResidual(
        x,
        {
          prefix: `block${index++}`,
          inChannels: channels,
          outChannels: out,
          stride: i === 0 ? firstStride : 1,
          expansion: t,
        },
        s,
      );
      channels = out;
    }
  }
  const last = makeDivisible(1280 * Math.max(1, width));
  x = convBnAct(x, {
    filters: last,
    kernel: 1,
    stride: 1,
    prefix: 'head',
    bn: TORCH_BN,
    act: 'relu6',
  });
  // torchvision: nn.init.normal_(linear.weight, 0, 0.01), zero bias.
  const logits = classifierHead(x, s, {
    kernel: () => tfl.initializers.randomNormal({ stddev: 0.01 }),
  });
  return tfl.model({ inputs: input, outputs: logits, name: modelName(arch, s, false) });
}

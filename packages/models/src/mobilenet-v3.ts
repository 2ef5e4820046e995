import * as tfl from '@tensorflow/tfjs-layers';

import { activation, convBnAct, makeDivisible, type BnSettings, type Sym } from './graph.js';
import {
  MOBILENET_OPTION_NAMES,
  attend,
  checkMobileOptions,
  classifierHead,
  modelName,
  type MobileNetOptions,
  type MobileSettings,
} from './mobile-common.js';
import { SevarSqueezeExcitation } from './squeeze-excitation.js';

// torchvision's MobileNetV3 norm layer: BatchNorm2d(eps=0.001, momentum=0.01).
const V3_BN: BnSettings = { epsilon: 1e-3, torchMomentum: 0.01 };

/** in, kernel, expanded, out, SE, hard-swish (else ReLU), stride: torchvision's bneck_conf rows. */
type Row = [number, number, number, number, boolean, boolean, number];

const LARGE: readonly Row[] = [
  [16, 3, 16, 16, false, false, 1],
  [16, 3, 64, 24, false, false, 2],
  [24, 3, 72, 24, false, false, 1],
  [24, 5, 72, 40, true, false, 2],
  [40, 5, 120, 40, true, false, 1],
  [40, 5, 120, 40, true, false, 1],
  [40, 3, 240, 80, false, true, 2],
  [80, 3, 200, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1],
  [80, 3, 184, 80, false, true, 1],
  [80, 3, 480, 112, true, true, 1],
  [112, 3, 672, 112, true, true, 1],
  [112, 5, 672, 160, true, true, 2],
  [160, 5, 960, 160, true, true, 1],
  [160, 5, 960, 160, true, true, 1],
];

const SMALL: readonly Row[] = [
  [16, 3, 16, 16, true, false, 2],
  [16, 3, 72, 24, false, false, 2],
  [24, 3, 88, 24, false, false, 1],
  [24, 5, 96, 40, true, true, 2],
  [40, 5, 240, 40, true, true, 1],
  [40, 5, 240, 40, true, true, 1],
  [40, 5, 120, 48, true, true, 1],
  [48, 5, 144, 48, true, true, 1],
  [48, 5, 288, 96, true, true, 2],
  [96, 5, 576, 96, true, true, 1],
  [96, 5, 576, 96, true, true, 1],
];

/**
 * torchvision's V3 block: [1x1 expand → BN → act] → k×k depthwise → BN → act → [SE site] → 1x1
 * project → BN → [add]. The SE site holds the built-in SE (squeeze `make_divisible(E // 4, 8)`,
 * ReLU, hard-sigmoid gate) by default, a `@sevar/layers` module, or nothing.
 */
function block(x: Sym, row: Row, prefix: string, s: MobileSettings): Sym {
  const adjust = (c: number) => makeDivisible(c * s.widthMultiplier);
  const [cin, kernel, cexp, cout, hasSe, hardSwish, stride] = row;
  const [inC, expC, outC] = [adjust(cin), adjust(cexp), adjust(cout)];
  const act = hardSwish ? 'hard-swish' : 'relu';
  let y = x;
  if (expC !== inC) {
    y = convBnAct(y, {
      filters: expC,
      kernel: 1,
      stride: 1,
      prefix: `${prefix}_expand`,
      bn: V3_BN,
      act,
    });
  }
  y = convBnAct(y, {
    filters: expC,
    kernel,
    stride,
    prefix: `${prefix}_dw`,
    bn: V3_BN,
    act,
    depthwise: true,
  });
  if (hasSe) {
    const builtIn = (name: string) =>
      new SevarSqueezeExcitation({
        squeezeChannels: makeDivisible(Math.floor(expC / 4)),
        activation: 'relu',
        gate: 'hard-sigmoid',
        name,
      });
    y = attend(y, s, prefix, builtIn);
  }
  y = convBnAct(y, {
    filters: outC,
    kernel: 1,
    stride: 1,
    prefix: `${prefix}_project`,
    bn: V3_BN,
    act: null,
  });
  if (stride === 1 && inC === outC) {
    y = tfl.layers.add({ name: `${prefix}_add` }).apply([y, x]) as Sym;
  }
  return y;
}

function buildV3(
  arch: string,
  rows: readonly Row[],
  lastChannel: number,
  options: MobileNetOptions,
): tfl.LayersModel {
  const s = checkMobileOptions(arch, options, MOBILENET_OPTION_NAMES, true);
  const adjust = (c: number) => makeDivisible(c * s.widthMultiplier);
  const input = tfl.input({ shape: s.inputShape, name: 'input' });
  let x = convBnAct(input, {
    filters: adjust(rows[0]![0]),
    kernel: 3,
    stride: 2,
    prefix: 'stem',
    bn: V3_BN,
    act: 'hard-swish',
  });
  rows.forEach((row, i) => {
    x = block(x, row, `block${i + 1}`, s);
  });
  const lastIn = adjust(rows[rows.length - 1]![3]);
  x = convBnAct(x, {
    filters: 6 * lastIn,
    kernel: 1,
    stride: 1,
    prefix: 'head',
    bn: V3_BN,
    act: 'hard-swish',
  });
  const logits = classifierHead(x, s, {
    // torchvision: nn.init.normal_(linear.weight, 0, 0.01), zero bias.
    kernel: () => tfl.initializers.randomNormal({ stddev: 0.01 }),
    units: adjust(lastChannel),
    hiddenAct: (t) => activation(t, 'hard-swish', 'head_fc1_act'),
  });
  return tfl.model({ inputs: input, outputs: logits, name: modelName(arch, s, true) });
}

/** torchvision's `mobilenet_v3_large` (Howard et al. 2019); built-in SE unless `attention` is given. */
export function mobilenetV3Large(options: MobileNetOptions): tfl.LayersModel {
  return buildV3('mobilenet_v3_large', LARGE, 1280, options);
}

/** torchvision's `mobilenet_v3_small` (Howard et al. 2019); built-in SE unless `attention` is given. */
export function mobilenetV3Small(options: MobileNetOptions): tfl.LayersModel {
  return buildV3('mobilenet_v3_small', SMALL, 1024, options);
}

// Small builders shared by the ResNets and the mobile networks: PyTorch-equivalent padding, batch
// norm with PyTorch's semantics, torchvision's initialisation.
import { fuseBatchNormTraining } from '@sevar/layers';
import * as tfl from '@tensorflow/tfjs-layers';

import { SevarHardSwish } from './hard-swish.js';

export type Sym = tfl.SymbolicTensor;
export type Initializer = ReturnType<typeof tfl.initializers.zeros>;

/** PyTorch BatchNorm2d settings: `momentum` is torch's (the weight of the new batch). */
export interface BnSettings {
  epsilon: number;
  torchMomentum: number;
}

/** `nn.BatchNorm2d` defaults. */
export const TORCH_BN: BnSettings = { epsilon: 1e-5, torchMomentum: 0.1 };

export type ActivationKind = 'relu' | 'relu6' | 'hard-swish' | 'silu';

// torchvision's kaiming_normal_(mode='fan_out'). torch's fan-out of a depthwise kernel
// [C, 1, k, k] is C*k*k, which is tfjs's fan-in of the same kernel [k, k, C, 1].
const heFanOut = () =>
  tfl.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });
const heDepthwise = () =>
  tfl.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'normal' });

/** Symmetric zero padding of `p` pixels on each side, as PyTorch's `padding=p`. */
export function pad(x: Sym, p: number, name: string): Sym {
  return tfl.layers
    .zeroPadding2d({
      padding: [
        [p, p],
        [p, p],
      ],
      name,
    })
    .apply(x) as Sym;
}

/**
 * A bias-free convolution with PyTorch's `padding=(k-1)/2`. Stride 1 uses tfjs `'same'` (symmetric
 * for odd kernels); a strided one gets an explicit `<name>_pad` + `'valid'`, because tfjs `'same'`
 * pads only bottom/right when the padding is odd.
 */
export function conv(
  x: Sym,
  o: { filters: number; kernel: number; stride: number; name: string; depthwise?: boolean },
): Sym {
  const p = (o.kernel - 1) / 2;
  const strided = o.stride > 1 && p > 0;
  const input = strided ? pad(x, p, `${o.name}_pad`) : x;
  const common = {
    kernelSize: o.kernel,
    strides: o.stride,
    padding: strided || p === 0 ? ('valid' as const) : ('same' as const),
    useBias: false,
    name: o.name,
  };
  const layer = o.depthwise
    ? tfl.layers.depthwiseConv2d({ ...common, depthwiseInitializer: heDepthwise() })
    : tfl.layers.conv2d({ ...common, filters: o.filters, kernelInitializer: heFanOut() });
  return layer.apply(input) as Sym;
}

export function bn(x: Sym, settings: BnSettings, name: string): Sym {
  const layer = tfl.layers.batchNormalization({
    axis: -1,
    // tfjs momentum weighs the old statistic, torch's the new batch.
    momentum: 1 - settings.torchMomentum,
    epsilon: settings.epsilon,
    name,
  });
  // Trains through one fused op, whatever runs the step (optimizer.minimize, model.fit, train).
  fuseBatchNormTraining(layer);
  return layer.apply(x) as Sym;
}

export function activation(x: Sym, kind: ActivationKind, name: string): Sym {
  if (kind === 'hard-swish') return new SevarHardSwish({ name }).apply(x) as Sym;
  // tfjs's 'swish' is x * sigmoid(x): PyTorch's SiLU.
  const tfjsName = kind === 'silu' ? 'swish' : kind;
  return tfl.layers.activation({ activation: tfjsName, name }).apply(x) as Sym;
}

/** Conv → BN → activation (torchvision's `Conv2dNormActivation`); `act` null: no activation. */
export function convBnAct(
  x: Sym,
  o: {
    filters: number;
    kernel: number;
    stride: number;
    prefix: string;
    bn: BnSettings;
    act: ActivationKind | null;
    depthwise?: boolean;
  },
): Sym {
  let y = conv(x, { ...o, name: `${o.prefix}_conv` });
  y = bn(y, o.bn, `${o.prefix}_bn`);
  return o.act === null ? y : activation(y, o.act, `${o.prefix}_act`);
}

/**
 * torchvision's `_make_divisible`: `v` rounded to the nearest multiple of `divisor` (at least
 * `divisor`), never more than 10% below `v`.
 */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let next = Math.max(minValue, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (next < 0.9 * v) next += divisor;
  return next;
}

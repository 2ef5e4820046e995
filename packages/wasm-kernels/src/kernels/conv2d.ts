import type {
  Conv2DAttrs,
  FusedConv2DAttrs,
  KernelBackend,
  KernelConfig,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { kernelOps } from './call.js';
import { perChannelBias, winogradConv2D, winogradFor, winogradPlan } from './winograd.js';

/**
 * Conv2D: 3x3 stride-1 convolutions that qualify (see `winogradPlan`) by Winograd
 * F(4x4,3x3); everything else by the stock XNNPACK convolution. The composed input gradients
 * call this kernel too, so a 3x3 stride-1 layer's dX takes the same path.
 */
export function conv2DVia(stock: KernelConfig) {
  return (
    backendName: string,
    args: {
      inputs: { x: TensorInfo; filter: TensorInfo };
      backend: KernelBackend;
      attrs: Conv2DAttrs;
    },
  ): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const plan =
      inputs.filter.dtype === 'float32'
        ? winogradPlan(inputs.x, inputs.filter.shape, attrs, backend)
        : null;
    const ops = kernelOps(backendName, backend);
    const transforms = plan === null ? null : winogradFor(ops);
    if (plan === null || transforms === null)
      return stock.kernelFunc({
        inputs: { ...inputs },
        backend,
        attrs: { ...attrs },
      }) as TensorInfo;
    return winogradConv2D(ops, transforms, inputs.x, inputs.filter, plan, null, false);
  };
}

/**
 * FusedConv2D (convolution + bias + activation, as tfjs-layers' Conv2D with a bias calls it):
 * by Winograd with the bias and a ReLU fused into the output transform where the convolution
 * qualifies and the activation is linear or ReLU; otherwise the stock kernel.
 */
export function fusedConv2DVia(stock: KernelConfig) {
  return (
    backendName: string,
    args: {
      inputs: {
        x: TensorInfo;
        filter: TensorInfo;
        bias?: TensorInfo;
        preluActivationWeights?: TensorInfo;
      };
      backend: KernelBackend;
      attrs: FusedConv2DAttrs;
    },
  ): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const activation = attrs.activation ?? 'linear';
    const fusable =
      (activation === 'linear' || activation === 'relu') && preluActivationWeights === undefined;
    const plan =
      fusable && filter.dtype === 'float32' ? winogradPlan(x, filter.shape, attrs, backend) : null;
    const ops = kernelOps(backendName, backend);
    const transforms = plan === null ? null : winogradFor(ops);
    if (plan === null || transforms === null || !perChannelBias(bias, plan.co)) {
      return stock.kernelFunc({
        inputs: { ...inputs },
        backend,
        attrs: { ...attrs },
      }) as TensorInfo;
    }
    return winogradConv2D(ops, transforms, x, filter, plan, bias ?? null, activation === 'relu');
  };
}

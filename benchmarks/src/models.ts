// The networks `pnpm bench:train` times, built the way torch_train.py builds their PyTorch twins:
// 32x32 inputs, 10 classes, the ResNets with the cifar stem. Attention: 'none', a @sevar/layers
// key, or 'built-in' (the SE of torchvision's MobileNetV3 and EfficientNet).
import type { LayersModel } from '@tensorflow/tfjs-layers';

export const BUILT_IN = 'built-in';

export async function benchModel(name: string, attention: string): Promise<LayersModel> {
  const { createModel, isModelName, modelOptionNames, MODEL_NAMES } = await import('@sevar/models');
  if (!isModelName(name))
    throw new Error(`--models: ${name} is not one of ${MODEL_NAMES.join(', ')}`);
  const options: Record<string, unknown> = { numClasses: 10, inputShape: [32, 32, 3] };
  if (modelOptionNames(name).includes('stem')) options.stem = 'cifar';
  if (attention !== BUILT_IN) options.attention = attention === 'none' ? null : attention;
  return createModel(name, options as never);
}

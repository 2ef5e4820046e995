import { allowsHorizontalFlip } from '@sevar/datasets';
import type { AugmentOption, DatasetName } from '@sevar/datasets';
import { modelOptionNames } from '@sevar/models';
import type { ModelName, ResNetStem } from '@sevar/models';
import type { OptimizerName } from '@sevar/trainer';
import { UsageError } from '../errors.js';

export const SCHEDULES = ['constant', 'step', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export const AUGMENTS = ['none', 'crop-flip', 'crop', 'flip', 'rrc', 'rrc-noflip'] as const;
/** `rrc`: RandomResizedCrop to `imageSize` (scale 0.08–1, ratio 3/4–4/3) + flip, as the paper's ResNet. */
export type AugmentName = (typeof AUGMENTS)[number];

/** Everything that decides how one run trains; stored with each run so a resume can check it. */
export interface Recipe {
  model: ModelName;
  dataset: DatasetName;
  /** ResNet stem (ignored by cnn3). */
  stem: ResNetStem;
  /** Side of the square images the model sees. */
  imageSize: number;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: ScheduleName;
  /** `step` schedule: multiply the rate by `gamma` after every epoch. */
  gamma: number;
  augment: AugmentName;
  /** Examples kept from each split (undefined: all). */
  limitTrain?: number;
  limitTest?: number;
}

/** Whether the zoo model `model` has a stem choice (cnn3 does not). */
export function hasStem(model: ModelName): boolean {
  return modelOptionNames(model).includes('stem');
}

export const PROTOCOLS = ['paper', 'cifar-standard'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

/**
 * The default recipe for a model on a dataset.
 * - cnn3 on a real dataset: the paper's (batch 64, Adadelta lr 1, ×0.7 per epoch, 50 epochs).
 * - cnn3 on the embedded shapes: 2 epochs of Adam 3e-3 with a cosine decay, batch 32, sized so six
 *   runs fit about 5 minutes on two busy cores. Adadelta's slow start wastes most of such a budget
 *   (measured: 22% vs 39% test top-1 after the same images).
 * - resnet18 `paper`: 224 px RandomResizedCrop, batch 32 (paper); SGD 0.01 momentum 0.9, wd 5e-4,
 *   cosine, 30 epochs (the paper states no optimizer or epochs: these are our choice).
 * - resnet18 `cifar-standard`: 32 px, crop + flip, batch 128, SGD 0.1 momentum 0.9, wd 5e-4,
 *   cosine, 200 epochs (the public ResNet-18 CIFAR recipe).
 */
export function defaultRecipe(
  model: ModelName,
  dataset: DatasetName,
  protocol: ProtocolName = 'paper',
): Recipe {
  const flips = allowsHorizontalFlip(dataset);
  if (model === 'cnn3') {
    if (protocol === 'cifar-standard') {
      throw new UsageError(
        '--protocol',
        "'paper' for cnn3 (cifar-standard is the ResNet-18 32x32 recipe)",
        protocol,
      );
    }
    const base = {
      model,
      dataset,
      stem: 'cifar' as const,
      imageSize: 32,
      momentum: 0,
      weightDecay: 0,
      augment: 'none' as const,
      gamma: 0.7,
    };
    if (dataset === 'embedded') {
      return {
        ...base,
        epochs: 2,
        batchSize: 32,
        optimizer: 'adam',
        lr: 0.003,
        schedule: 'cosine',
      };
    }
    return { ...base, epochs: 50, batchSize: 64, optimizer: 'adadelta', lr: 1, schedule: 'step' };
  }
  const sgd = {
    model,
    dataset,
    optimizer: 'sgd' as const,
    momentum: 0.9,
    weightDecay: 5e-4,
    schedule: 'cosine' as const,
    gamma: 0.1,
  };
  if (protocol === 'paper' && dataset !== 'embedded') {
    return {
      ...sgd,
      stem: 'imagenet',
      imageSize: 224,
      epochs: 30,
      batchSize: 32,
      lr: 0.01,
      augment: flips ? 'rrc' : 'rrc-noflip',
    };
  }
  return {
    ...sgd,
    stem: 'cifar',
    imageSize: 32,
    epochs: dataset === 'embedded' ? 10 : 200,
    batchSize: 128,
    lr: 0.1,
    augment: flips ? 'crop-flip' : 'crop',
  };
}

/** The datasets-package augmentation options for training and for evaluation. */
export function augmentOptions(recipe: Recipe): { train: AugmentOption; test: AugmentOption } {
  const size = recipe.imageSize;
  switch (recipe.augment) {
    case 'rrc':
    case 'rrc-noflip':
      return {
        train: { kind: 'random-resized-crop', size, flip: recipe.augment === 'rrc' },
        // torchvision's eval transform: resize to 256/224 of the crop, then centre crop.
        test: { kind: 'resize-center-crop', resize: Math.round((size * 256) / 224), size },
      };
    default: {
      const test: AugmentOption = size === 32 ? 'none' : { kind: 'resize', size };
      if (size !== 32 && recipe.augment !== 'none') {
        throw new UsageError(
          '--augment',
          `'rrc', 'rrc-noflip' or 'none' with --image-size ${size} (crop/flip keep 32 px)`,
          recipe.augment,
        );
      }
      return { train: recipe.augment === 'none' ? test : recipe.augment, test };
    }
  }
}

import type { AugmentOption } from '@sevar/datasets';
import type { ResNetStem } from '@sevar/models';
import type { OptimizerName } from '@sevar/trainer';

/** A training recipe: every field is also a command-line flag. */
export interface Protocol {
  stem: ResNetStem;
  batchSize: number;
  epochs: number;
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Warm-up epochs before the cosine decay. */
  warmupEpochs: number;
  trainAugment: (flip: boolean) => AugmentOption;
  testAugment: AugmentOption;
}

export const PROTOCOLS = {
  // The paper's pipeline: batch 32, RandomResizedCrop 224 + flip, test resize 256 + center crop 224.
  // The paper names no optimizer or epoch count; SGD with the torchvision ImageNet recipe's lr
  // (0.1 at batch 256) scaled linearly to batch 32, cosine-decayed over 30 epochs, is our choice.
  paper: {
    stem: 'imagenet',
    batchSize: 32,
    epochs: 30,
    optimizer: 'sgd',
    lr: 0.0125,
    momentum: 0.9,
    weightDecay: 1e-4,
    warmupEpochs: 0,
    trainAugment: (flip) => ({ kind: 'random-resized-crop', size: 224, flip }),
    testAugment: { kind: 'resize-center-crop', resize: 256, size: 224 },
  },
  // The well-trained 32x32 recipe whose public targets are ~93-95% (C10) and ~75-76% (C100).
  'cifar-standard': {
    stem: 'cifar',
    batchSize: 128,
    epochs: 200,
    optimizer: 'sgd',
    lr: 0.1,
    momentum: 0.9,
    weightDecay: 5e-4,
    warmupEpochs: 0,
    trainAugment: (flip) => ({ kind: 'crop', padding: 4, flip }),
    testAugment: 'none',
  },
} as const satisfies Record<string, Protocol>;

export type ProtocolName = keyof typeof PROTOCOLS;
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

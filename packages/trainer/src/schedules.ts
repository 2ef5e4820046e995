import { InvalidOptionError } from './errors.js';

/** Where training stands when a learning rate is asked for. Epochs and steps count from 0. */
export interface SchedulePosition {
  /** Epoch index, from 0. */
  epoch: number;
  /** Step within the epoch, from 0. */
  stepInEpoch: number;
  /** Steps (batches) per epoch. */
  stepsPerEpoch: number;
  /** Number of epochs of the whole run. */
  totalEpochs: number;
}

/**
 * A learning-rate schedule: a pure function of the position, so a resumed run gets exactly the
 * rate the uninterrupted run would have had without storing any schedule state.
 */
export interface Schedule {
  readonly name: string;
  /** Per-epoch schedules change the rate only at epoch boundaries (like PyTorch's `StepLR`). */
  readonly perStep: boolean;
  /** The rate the schedule starts from and scales (`createSchedule`'s `lr`); unset if unknown. */
  readonly lr?: number;
  learningRate(position: SchedulePosition): number;
}

export type ScheduleOptions =
  | { name: 'constant'; lr: number }
  /** lr × gamma^floor(epoch / stepSize): PyTorch `StepLR`. The paper's cnn3: lr 1, stepSize 1, gamma 0.7. */
  | { name: 'step'; lr: number; stepSize: number; gamma: number }
  /** lr × gamma^(number of milestones ≤ epoch): PyTorch `MultiStepLR`. */
  | { name: 'multistep'; lr: number; milestones: number[]; gamma: number }
  /**
   * Per step: linear warmup over `warmupEpochs` (rate `lr × (s + 1) / W` at warmup step s), then
   * cosine from `lr` down to `minLr` (default 0) over the remaining steps.
   */
  | { name: 'cosine'; lr: number; warmupEpochs?: number; minLr?: number };

export const SCHEDULE_NAMES = ['constant', 'step', 'multistep', 'cosine'] as const;

export function createSchedule(options: ScheduleOptions): Schedule {
  const { lr } = options;
  if (!(lr >= 0) || !Number.isFinite(lr)) {
    throw new InvalidOptionError('createSchedule: lr', 'a finite number >= 0', lr);
  }
  switch (options.name) {
    case 'constant':
      return { name: 'constant', perStep: false, lr, learningRate: () => lr };
    case 'step': {
      const { stepSize, gamma } = options;
      if (!Number.isInteger(stepSize) || stepSize < 1) {
        throw new InvalidOptionError('createSchedule(step): stepSize', 'an integer >= 1', stepSize);
      }
      return {
        name: 'step',
        perStep: false,
        lr,
        learningRate: ({ epoch }) => lr * gamma ** Math.floor(epoch / stepSize),
      };
    }
    case 'multistep': {
      const { milestones, gamma } = options;
      const sorted = [...milestones].sort((a, b) => a - b);
      if (sorted.some((m) => !Number.isInteger(m) || m < 1)) {
        throw new InvalidOptionError(
          'createSchedule(multistep): milestones',
          'integer epochs >= 1',
          milestones,
        );
      }
      return {
        name: 'multistep',
        perStep: false,
        lr,
        learningRate: ({ epoch }) => lr * gamma ** sorted.filter((m) => m <= epoch).length,
      };
    }
    case 'cosine': {
      const warmupEpochs = options.warmupEpochs ?? 0;
      const minLr = options.minLr ?? 0;
      if (!(warmupEpochs >= 0)) {
        throw new InvalidOptionError('createSchedule(cosine): warmupEpochs', '>= 0', warmupEpochs);
      }
      return {
        name: 'cosine',
        perStep: true,
        lr,
        learningRate: ({ epoch, stepInEpoch, stepsPerEpoch, totalEpochs }) => {
          const step = epoch * stepsPerEpoch + stepInEpoch;
          const total = totalEpochs * stepsPerEpoch;
          const warmup = Math.round(warmupEpochs * stepsPerEpoch);
          if (step < warmup) return (lr * (step + 1)) / warmup;
          const t = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
          return minLr + (lr - minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
        },
      };
    }
    default: {
      const name = (options as { name: unknown }).name;
      throw new InvalidOptionError(
        'createSchedule: name',
        `one of ${SCHEDULE_NAMES.map((n) => `'${n}'`).join(', ')}`,
        name,
      );
    }
  }
}

// The flags of every command that trains (compare, reproduce, train), declared once and parsed
// once into a `TrainingSettings` object that the commands consume.
import { resolve } from 'node:path';
import { Option } from 'commander';
import type { Command } from 'commander';
import { RESNET_STEMS } from '@sevar/models';
import type { ModelName, ResNetStem } from '@sevar/models';
import { OPTIMIZER_NAMES } from '@sevar/trainer';
import type { BackendName, OptimizerName } from '@sevar/trainer';
import type { DatasetName } from '@sevar/datasets';
import { UsageError } from '../errors.js';
import {
  AUGMENTS,
  augmentOptions,
  defaultRecipe,
  hasStem,
  PROTOCOLS,
  SCHEDULES,
} from '../engine/recipe.js';
import type { AugmentName, ProtocolName, Recipe, ScheduleName } from '../engine/recipe.js';
import { belowOne, integer, positiveNumber } from './numbers.js';
import { backendOption, dataDirOption, noVerifyOption } from './options.js';

/** Largest `--image-size`: beyond it one batch of activations does not fit any backend. */
export const MAX_IMAGE_SIZE = 512;

/** Where datasets come from. */
export interface DataSettings {
  /** Dataset cache (default: `$SEVAR_DATA_DIR` or the OS cache folder). */
  dataDir?: string;
  /** Download a missing dataset. */
  download: boolean;
  /** Check the MD5 of dataset files. */
  verify: boolean;
}

/** Everything the shared training flags decide, validated. */
export interface TrainingSettings {
  /** How each run trains: the protocol's defaults with the flags applied. */
  recipe: Recipe;
  protocol: ProtocolName;
  /** Seed of the first run; run k uses `seed + k`. */
  seed: number;
  backend: BackendName;
  data: DataSettings;
  /** Absolute output folder. */
  out: string;
  /** Delete sevar's files in `out` first instead of reusing or resuming them. */
  fresh: boolean;
}

/** Commander's values of the shared training flags (before validation). */
export interface TrainingFlags {
  protocol: ProtocolName;
  epochs?: number;
  batchSize?: number;
  optimizer?: OptimizerName;
  lr?: number;
  momentum?: number;
  weightDecay?: number;
  schedule?: ScheduleName;
  gamma?: number;
  augment?: AugmentName;
  imageSize?: number;
  stem?: ResNetStem;
  limitTrain?: number;
  limitTest?: number;
  seed: number;
  backend: BackendName;
  dataDir?: string;
  download: boolean;
  verify: boolean;
  fresh?: boolean;
  out?: string;
}

/** The flags that override a recipe key of the same name. */
const RECIPE_FLAGS = [
  'epochs',
  'batchSize',
  'optimizer',
  'lr',
  'momentum',
  'weightDecay',
  'schedule',
  'gamma',
  'augment',
  'imageSize',
  'stem',
  'limitTrain',
  'limitTest',
] as const satisfies readonly (keyof Recipe & keyof TrainingFlags)[];

/** The flags a recipe is built from: `--protocol` and the recipe keys. */
export type RecipeFlags = Pick<TrainingFlags, 'protocol' | (typeof RECIPE_FLAGS)[number]>;

/** The flags that override recipe keys (`--epochs`, `--lr`, ...), without `--protocol`. */
export function addRecipeFlags(cmd: Command): Command {
  return cmd
    .option('--epochs <n>', 'epochs (default: from the recipe)', integer(1))
    .option('--batch-size <n>', 'batch size (default: from the recipe)', integer(1))
    .addOption(
      new Option('--optimizer <name>', 'optimizer (default: from the recipe)').choices(
        OPTIMIZER_NAMES,
      ),
    )
    .option('--lr <x>', 'initial learning rate', positiveNumber())
    .option('--momentum <x>', 'SGD momentum, in [0, 1)', belowOne())
    .option('--weight-decay <x>', 'L2 weight decay', positiveNumber(true))
    .addOption(
      new Option(
        '--schedule <name>',
        'learning-rate schedule (step: x gamma after every epoch)',
      ).choices(SCHEDULES),
    )
    .option('--gamma <x>', 'factor of the step schedule', positiveNumber())
    .addOption(
      new Option(
        '--augment <name>',
        'training augmentation (crop: 4-px padded random crop; rrc: RandomResizedCrop to --image-size)',
      ).choices(AUGMENTS),
    )
    .option(
      '--image-size <n>',
      `side of the images the model sees, up to ${MAX_IMAGE_SIZE} (224: the paper ResNet protocol)`,
      integer(8, MAX_IMAGE_SIZE),
    )
    .addOption(
      new Option('--stem <name>', 'ResNet stem (models with a stem only)').choices(RESNET_STEMS),
    )
    .option(
      '--limit-train <n>',
      'use only the first n training images (quick looks, tests)',
      integer(1),
    )
    .option('--limit-test <n>', 'use only the first n test images', integer(1));
}

/** `--protocol`: which recipe the other recipe flags start from. */
export function protocolOption(): Option {
  return new Option(
    '--protocol <name>',
    "recipe defaults: the paper's, or the 32x32 ResNet CIFAR recipe",
  )
    .choices(PROTOCOLS)
    .default('paper');
}

/** Declares the shared training flags on `cmd` (`--protocol` too unless `withProtocol` is false). */
export function addTrainingFlags(cmd: Command, withProtocol = true): Command {
  if (withProtocol) cmd.addOption(protocolOption());
  return addRecipeFlags(cmd)
    .option(
      '--seed <n>',
      'seed of weights, data order and augmentation (run k uses seed + k)',
      integer(0),
      1,
    )
    .addOption(backendOption())
    .addOption(dataDirOption('dataset cache (default: $SEVAR_DATA_DIR or the OS cache directory)'))
    .option('--no-download', 'fail instead of downloading a missing dataset')
    .addOption(noVerifyOption())
    .option(
      '--fresh',
      "delete sevar's earlier runs in the output folder instead of reusing/resuming them",
    );
}

/** The recipe of `model` on `dataset`: the protocol's defaults with the recipe flags applied. */
export function buildRecipe(model: ModelName, dataset: DatasetName, flags: RecipeFlags): Recipe {
  if (flags.stem !== undefined && !hasStem(model)) {
    throw new UsageError(
      '--stem',
      `no --stem with --model ${model} (it has no stem choice)`,
      flags.stem,
    );
  }
  const recipe: Recipe = { ...defaultRecipe(model, dataset, flags.protocol) };
  const overrides = recipe as unknown as Record<string, unknown>;
  for (const k of RECIPE_FLAGS) {
    if (flags[k] !== undefined) overrides[k] = flags[k];
  }
  if (flags.imageSize !== undefined && flags.stem === undefined && hasStem(model)) {
    recipe.stem = flags.imageSize >= 128 ? 'imagenet' : 'cifar';
  }
  if (flags.imageSize !== undefined && flags.augment === undefined && recipe.imageSize !== 32) {
    if (recipe.augment !== 'rrc' && recipe.augment !== 'rrc-noflip') recipe.augment = 'rrc';
  }
  augmentOptions(recipe); // rejects combinations that cannot work (crop at 224 px)
  return recipe;
}

/**
 * Turns the shared training flags into validated settings: the recipe of `model` on `dataset`
 * with the flags applied, and the output folder (`defaultOut` when `--out` is absent).
 */
export function parseTrainingSettings(
  flags: TrainingFlags,
  target: { model: ModelName; dataset: DatasetName; defaultOut: string },
): TrainingSettings {
  if (flags.out !== undefined && flags.out.trim() === '') {
    throw new UsageError('--out', 'a folder path', flags.out);
  }
  const data: DataSettings = { download: flags.download, verify: flags.verify };
  if (flags.dataDir !== undefined) data.dataDir = flags.dataDir;
  return {
    recipe: buildRecipe(target.model, target.dataset, flags),
    protocol: flags.protocol,
    seed: flags.seed,
    backend: flags.backend,
    data,
    out: resolve(flags.out ?? target.defaultOut),
    fresh: flags.fresh === true,
  };
}

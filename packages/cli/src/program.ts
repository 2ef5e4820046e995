import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { DatasetError } from '@sevar/datasets';
import { SevarLayersError, VARIANT_NAMES, isVariantName } from '@sevar/layers';
import { MODEL_NAMES, RESNET_STEMS, SevarModelsError } from '@sevar/models';
import type { ModelName, ResNetStem } from '@sevar/models';
import { BACKEND_NAMES, OPTIMIZER_NAMES, TrainerError } from '@sevar/trainer';
import type { BackendName, OptimizerName } from '@sevar/trainer';
import { benchCommand, BENCH_BACKENDS } from './commands/bench.js';
import { compare, parseMethods } from './commands/compare.js';
import { datasetsDownload, datasetsInfo } from './commands/datasets.js';
import { evalCommand } from './commands/eval.js';
import { modelsCommand } from './commands/models.js';
import { reproduce } from './commands/reproduce.js';
import { trainCommand } from './commands/train.js';
import { variantsCommand } from './commands/variants.js';
import type { Context } from './context.js';
import { DATASET_NAMES } from './data.js';
import type { DatasetName } from './data.js';
import { CliError, UsageError } from './errors.js';
import { PAPER_TABLES, TABLE_NAMES } from './paper.js';
import type { TableName } from './paper.js';
import { integer, positiveNumber } from './parse.js';
import { AUGMENTS, augmentOptions, defaultRecipe, PROTOCOLS, SCHEDULES } from './recipe.js';
import type { AugmentName, ProtocolName, Recipe, ScheduleName } from './recipe.js';
import { allMethods, METHOD_NONE } from './run.js';

export const VERSION = '0.0.0';

/** Flags shared by the commands that train. */
interface TrainingFlags {
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
  fresh?: boolean;
  out?: string;
}

const RECIPE_KEYS = [
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
] as const;

function addTrainingFlags(cmd: Command, withProtocol = true): Command {
  if (withProtocol) {
    cmd.addOption(
      new Option(
        '--protocol <name>',
        "recipe defaults: the paper's, or the 32x32 ResNet CIFAR recipe",
      )
        .choices(PROTOCOLS)
        .default('paper'),
    );
  }
  return cmd
    .option('--epochs <n>', 'epochs (default: from the recipe)', integer(1))
    .option('--batch-size <n>', 'batch size (default: from the recipe)', integer(1))
    .addOption(
      new Option('--optimizer <name>', 'optimizer (default: from the recipe)').choices(
        OPTIMIZER_NAMES,
      ),
    )
    .option('--lr <x>', 'initial learning rate', positiveNumber())
    .option('--momentum <x>', 'SGD momentum', positiveNumber(true))
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
      'side of the images the model sees (224: the paper ResNet protocol)',
      integer(8),
    )
    .addOption(new Option('--stem <name>', 'ResNet stem').choices(RESNET_STEMS))
    .option(
      '--limit-train <n>',
      'use only the first n training images (quick looks, tests)',
      integer(1),
    )
    .option('--limit-test <n>', 'use only the first n test images', integer(1))
    .option(
      '--seed <n>',
      'seed of weights, data order and augmentation (run k uses seed + k)',
      integer(0),
      1,
    )
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(BACKEND_NAMES).default('auto'),
    )
    .option(
      '--data-dir <dir>',
      'dataset cache (default: $SEVAR_DATA_DIR or the OS cache directory)',
    )
    .option('--no-download', 'fail instead of downloading a missing dataset')
    .option('--fresh', 'delete earlier runs in the output folder instead of reusing/resuming them');
}

function buildRecipe(model: ModelName, dataset: DatasetName, flags: TrainingFlags): Recipe {
  const recipe: Recipe = { ...defaultRecipe(model, dataset, flags.protocol) };
  const overrides = recipe as unknown as Record<string, unknown>;
  for (const k of RECIPE_KEYS) {
    const v = (flags as unknown as Record<string, unknown>)[k];
    if (v !== undefined) overrides[k] = v;
  }
  if (flags.imageSize !== undefined && flags.stem === undefined && model !== 'cnn3') {
    recipe.stem = flags.imageSize >= 128 ? 'imagenet' : 'cifar';
  }
  if (flags.imageSize !== undefined && flags.augment === undefined && recipe.imageSize !== 32) {
    if (recipe.augment !== 'rrc' && recipe.augment !== 'rrc-noflip') recipe.augment = 'rrc';
  }
  augmentOptions(recipe); // rejects combinations that cannot work (crop at 224 px)
  return recipe;
}

function outDir(flags: TrainingFlags, fallback: string): string {
  return resolve(flags.out ?? fallback);
}

function modelOption(defaultValue = 'cnn3'): Option {
  return new Option('--model <name>', 'model from the zoo')
    .choices(MODEL_NAMES)
    .default(defaultValue);
}

function datasetOption(defaultValue?: string): Option {
  const o = new Option('--dataset <name>', 'dataset (embedded: built-in shapes, offline)').choices(
    DATASET_NAMES,
  );
  return defaultValue === undefined ? o : o.default(defaultValue);
}

function parseMethod(value: string): string {
  if (value !== METHOD_NONE && !isVariantName(value)) {
    throw new UsageError(
      '--variant',
      `one of ${[METHOD_NONE, ...VARIANT_NAMES].join(', ')}`,
      value,
    );
  }
  return value;
}

function parseJobs(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : integer(1, 64)(value);
}

function parseBackends(value: string): BackendName[] {
  if (value === 'all') return [...BENCH_BACKENDS];
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(n) || n === 'auto') {
      throw new UsageError(
        '--backends',
        `'all' or a comma list of ${BENCH_BACKENDS.join(', ')}, webgl`,
        n,
      );
    }
  }
  return names as BackendName[];
}

const EXAMPLES = `
Examples:
  $ sevar compare                      # every variant + none, cnn3 on the built-in shapes (2-5 min, offline)
  $ sevar compare --model resnet18 --dataset cifar10 --variants se,bump --epochs 30 --seeds 3
  $ sevar reproduce --table cnn3-cifar10          # the paper's 3-layer CNN table (downloads CIFAR-10)
  $ sevar train --model cnn3 --variant se --epochs 5 --out runs/se
  $ sevar eval runs/se --split test
  $ sevar models
  $ sevar variants
  $ sevar datasets info
  $ sevar bench --model cnn3

Ctrl-C during training stops after the current epoch (its checkpoint is written; press again to
stop after the current step); run the same command again to resume.`;

/** The `sevar` command line; actions write through `ctx`. */
export function buildProgram(ctx: Context): Command {
  const program = new Command('sevar')
    .description(
      "Train, evaluate and compare squeeze-and-excitation variants; reproduce the paper's tables",
    )
    .version(VERSION, '-V, --version')
    .option('--no-progress', 'no progress bars (lines per epoch are still printed)')
    .showSuggestionAfterError()
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  const progress = () => ctx.progress && (program.opts() as { progress: boolean }).progress;
  const withProgress = (): Context => ({ ...ctx, progress: progress() });

  const compareCmd = program
    .command('compare')
    .description(
      'train one model per variant (plus none), evaluate, print the table the paper prints and write a results folder',
    )
    .addOption(modelOption())
    .addOption(datasetOption('embedded'))
    .option(
      '--variants <list>',
      `'all' or a comma list of ${allMethods().join(', ')} (none is always added)`,
      'all',
    )
    .option('--seeds <n>', 'runs per method (error bars over seeds)', integer(1), 1)
    .option(
      '--jobs <n>',
      "runs trained at once on worker threads ('auto': one per core on wasm/cpu for images up to 64 px)",
      parseJobs,
      'auto',
    )
    .option('--out <dir>', 'results folder (default: sevar-results/compare-<model>-<dataset>)');
  addTrainingFlags(compareCmd).action(
    async (
      flags: TrainingFlags & {
        model: ModelName;
        dataset: DatasetName;
        variants: string;
        seeds: number;
        jobs: number | 'auto';
      },
    ) => {
      const recipe = buildRecipe(flags.model, flags.dataset, flags);
      await compare(
        {
          recipe,
          protocol: flags.protocol,
          methods: parseMethods(flags.variants),
          seeds: flags.seeds,
          jobs: flags.jobs,
          seed: flags.seed,
          backend: flags.backend,
          out: outDir(flags, `sevar-results/compare-${flags.model}-${flags.dataset}`),
          fresh: flags.fresh === true,
          dataDir: flags.dataDir,
          download: flags.download,
        },
        withProgress(),
      );
    },
  );
  compareCmd.addHelpText(
    'after',
    `
With no flags: cnn3 on the embedded shapes dataset (5,000 train / 1,000 test images), the five
variants and none, ${defaultRecipe('cnn3', 'embedded').epochs} epochs, Adam 3e-3 cosine, batch 32, one seed, wasm backend
(XNNPACK + the @sevar/wasm-kernels gradient kernels), two runs at a time. Offline; about
2 minutes on 2 idle cores, 4-5 minutes on a busy one.
Finished runs in --out are reused and an unfinished one resumes; --fresh starts over.`,
  );

  const reproduceCmd = program
    .command('reproduce')
    .description("train every method with the protocol of one of the paper's tables (resumable)")
    .addOption(
      new Option('--table <name>', 'paper table').choices(TABLE_NAMES).makeOptionMandatory(),
    )
    .option('--variants <list>', "'all' or a comma list of variants", 'all')
    .option('--seeds <n>', 'runs per method', integer(1), 1)
    .option(
      '--jobs <n>',
      "runs trained at once on worker threads ('auto': one per core on wasm/cpu for images up to 64 px)",
      parseJobs,
      'auto',
    )
    .option('--out <dir>', 'results folder (default: sevar-results/reproduce-<table>-<protocol>)');
  addTrainingFlags(reproduceCmd).action(
    async (
      flags: TrainingFlags & {
        table: TableName;
        variants: string;
        seeds: number;
        jobs: number | 'auto';
      },
    ) => {
      const table = PAPER_TABLES[flags.table];
      const recipe = buildRecipe(table.model, table.dataset, flags);
      await reproduce(
        {
          table: flags.table,
          protocol: flags.protocol,
          recipe,
          methods: parseMethods(flags.variants),
          seeds: flags.seeds,
          jobs: flags.jobs,
          seed: flags.seed,
          backend: flags.backend,
          out: outDir(flags, `sevar-results/reproduce-${flags.table}-${flags.protocol}`),
          fresh: flags.fresh === true,
          dataDir: flags.dataDir,
          download: flags.download,
        },
        withProgress(),
      );
    },
  );
  reproduceCmd.addHelpText(
    'after',
    `
Protocols (every value can be changed with the flags above):
  cnn3-cifar10, paper:  batch 64, Adadelta lr 1, lr x0.7 after every epoch, 50 epochs, no augmentation
  resnet18-*, paper:    ImageNet stem at 224 px, RandomResizedCrop (no flip on SVHN), test resize 256 +
                        centre crop 224, batch 32; the paper gives no optimizer or epochs: we use SGD
                        lr 0.01 momentum 0.9 weight decay 5e-4, cosine, 30 epochs
  resnet18-*, cifar-standard: CIFAR stem at 32 px, crop + flip (crop only on SVHN), batch 128,
                        SGD lr 0.1 momentum 0.9 weight decay 5e-4, cosine, 200 epochs
Each run writes a checkpoint every epoch; the same command again skips finished runs and resumes.`,
  );

  const trainCmd = program
    .command('train')
    .description('train one model and save it (resumes an unfinished run in --out)')
    .addOption(modelOption())
    .addOption(datasetOption('embedded'))
    .option(
      '--variant <name>',
      `attention: ${[METHOD_NONE, ...VARIANT_NAMES].join(', ')}`,
      parseMethod,
      'se',
    )
    .option('--out <dir>', 'run folder (default: sevar-results/train-<model>-<variant>-<dataset>)')
    .option(
      '--workers <n>',
      'split every batch over n worker threads, each with its own backend (data-parallel; ' +
        'wasm in Node uses one core per worker)',
      integer(1),
      1,
    );
  addTrainingFlags(trainCmd).action(
    async (
      flags: TrainingFlags & {
        model: ModelName;
        dataset: DatasetName;
        variant: string;
        workers: number;
      },
    ) => {
      await trainCommand(
        {
          recipe: buildRecipe(flags.model, flags.dataset, flags),
          method: flags.variant,
          seed: flags.seed,
          backend: flags.backend,
          out: outDir(
            flags,
            `sevar-results/train-${flags.model}-${flags.variant}-${flags.dataset}`,
          ),
          fresh: flags.fresh === true,
          dataDir: flags.dataDir,
          download: flags.download,
          workers: flags.workers,
        },
        withProgress(),
      );
    },
  );

  program
    .command('eval')
    .description('loss, top-1 and top-5 of a saved model on a dataset split')
    .argument('<model-dir>', 'folder with model.json, or a run folder written by train/compare')
    .addOption(datasetOption())
    .addOption(new Option('--split <name>', 'split').choices(['train', 'test']).default('test'))
    .option('--batch-size <n>', 'evaluation batch size', integer(1), 250)
    .option('--limit <n>', 'use only the first n images', integer(1))
    .addOption(
      new Option('--backend <name>', 'tfjs backend').choices(BACKEND_NAMES).default('auto'),
    )
    .option('--data-dir <dir>', 'dataset cache')
    .option('--no-download', 'fail instead of downloading a missing dataset')
    .action(
      async (
        path: string,
        flags: {
          dataset?: DatasetName;
          split: 'train' | 'test';
          batchSize: number;
          limit?: number;
          backend: BackendName;
          dataDir?: string;
          download: boolean;
        },
      ) => {
        await evalCommand({ path, ...flags }, withProgress());
      },
    );

  program
    .command('models')
    .description(
      'the model zoo with parameters and multiply-accumulates per image, per attention method',
    )
    .addOption(
      new Option(
        '--model <name>',
        "one model, or 'all' (default: the paper's cnn3 and resnet18)",
      ).choices([...MODEL_NAMES, 'all']),
    )
    .option('--variants <list>', "'all' or a comma list of methods", 'all')
    .option('--classes <n>', 'number of classes', integer(2), 10)
    .option('--json', 'JSON output')
    .action(
      async (flags: {
        model?: ModelName | 'all';
        variants: string;
        classes: number;
        json?: boolean;
      }) => {
        const methods = flags.variants === 'all' ? allMethods() : parseMethods(flags.variants);
        await modelsCommand(
          {
            models:
              flags.model === undefined
                ? ['cnn3', 'resnet18']
                : flags.model === 'all'
                  ? [...MODEL_NAMES]
                  : [flags.model],
            methods,
            classes: flags.classes,
            json: flags.json === true,
          },
          ctx,
        );
      },
    );

  program
    .command('variants')
    .description(
      'the SE variants: registry key, paper name, FC widths and parameters for C channels',
    )
    .option('--channels <n>', 'input channels C', integer(1), 64)
    .option('--reduction <n>', 'reduction r', integer(1), 16)
    .option('--json', 'JSON output')
    .action((flags: { channels: number; reduction: number; json?: boolean }) => {
      variantsCommand({ ...flags, json: flags.json === true }, ctx);
    });

  const datasets = program.command('datasets').description('dataset cache: info and download');
  datasets
    .command('info')
    .description('datasets, their files and checksums, and what is in the cache')
    .option('--data-dir <dir>', 'dataset cache')
    .option('--json', 'JSON output')
    .action(async (flags: { dataDir?: string; json?: boolean }) => {
      await datasetsInfo({ dataDir: flags.dataDir, json: flags.json === true }, ctx);
    });
  datasets
    .command('download')
    .description('download, verify (MD5) and unpack datasets')
    .argument('<names...>', `datasets: ${DATASET_NAMES.filter((d) => d !== 'embedded').join(', ')}`)
    .option('--data-dir <dir>', 'dataset cache')
    .action(async (names: string[], flags: { dataDir?: string }) => {
      for (const n of names) {
        if (!(DATASET_NAMES as readonly string[]).includes(n)) {
          throw new UsageError(
            'datasets download',
            `dataset names among ${DATASET_NAMES.join(', ')}`,
            n,
          );
        }
      }
      await datasetsDownload(
        { names: names as DatasetName[], dataDir: flags.dataDir },
        withProgress(),
      );
    });

  program
    .command('bench')
    .description('training and inference images/s of a model on each installed backend')
    .addOption(modelOption())
    .option('--variant <name>', 'attention method', parseMethod, 'se')
    .option('--backends <list>', `'all' or a comma list of ${BENCH_BACKENDS.join(', ')}`, 'all')
    .option('--batch-size <n>', 'batch size', integer(1), 32)
    .option('--steps <n>', 'timed steps per backend (after one warm-up step)', integer(1), 5)
    .option('--image-size <n>', 'image side (default: 32)', integer(8))
    .option(
      '--workers <n>',
      'train data-parallel over n worker threads per backend (as train --workers)',
      integer(1),
      1,
    )
    .option('--json', 'JSON output')
    .action(
      async (flags: {
        model: ModelName;
        variant: string;
        backends: string;
        batchSize: number;
        steps: number;
        imageSize?: number;
        workers: number;
        json?: boolean;
      }) => {
        await benchCommand(
          {
            model: flags.model,
            method: flags.variant,
            backends: parseBackends(flags.backends),
            batchSize: flags.batchSize,
            steps: flags.steps,
            imageSize: flags.imageSize,
            workers: flags.workers,
            json: flags.json === true,
          },
          ctx,
        );
      },
    );

  return program;
}

/** Errors of the sevar packages: shown as one line (they name the option or file involved). */
function isKnownError(error: unknown): error is Error {
  return (
    error instanceof CliError ||
    error instanceof TrainerError ||
    error instanceof DatasetError ||
    error instanceof SevarModelsError ||
    error instanceof SevarLayersError
  );
}

/**
 * Runs `sevar` with `args` (without the node and script paths) and resolves to the exit code.
 * Never throws and never calls `process.exit`, so tests can run commands in-process.
 */
export async function main(args: readonly string[], ctx: Context): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode; // commander printed it
    const debug = process.env['SEVAR_DEBUG'] === '1';
    const message = (error as Error)?.message ?? String(error);
    const oneLine = message.replace(/\s*\n\s*/g, ' ');
    if (isKnownError(error)) {
      ctx.stderr.write(`error: ${oneLine}\n`);
      if (debug) ctx.stderr.write(`${(error as Error).stack}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    ctx.stderr.write(
      `error: ${oneLine}\n` +
        (debug ? `${(error as Error)?.stack}\n` : '(set SEVAR_DEBUG=1 for the stack trace)\n'),
    );
    return 1;
  }
}

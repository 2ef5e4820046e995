import { Command } from 'commander';
import { registerBench } from './commands/bench/index.js';
import type { CommandHost, RegisterCommand } from './commands/command.js';
import { registerCompare } from './commands/compare/index.js';
import { registerDatasets } from './commands/datasets/index.js';
import { registerEval } from './commands/eval/index.js';
import { registerModels } from './commands/models/index.js';
import { registerReproduce } from './commands/reproduce/index.js';
import { registerSweep } from './commands/sweep/index.js';
import { registerTrain } from './commands/train/index.js';
import { registerVariants } from './commands/variants/index.js';
import { registerWorker } from './commands/worker/index.js';
import type { Context } from './context.js';
import { importModules } from './imports.js';

export const VERSION = '0.0.0';

/** Every command, in the order `sevar --help` lists them. */
const COMMANDS: readonly RegisterCommand[] = [
  registerCompare,
  registerReproduce,
  registerSweep,
  registerWorker,
  registerTrain,
  registerEval,
  registerModels,
  registerVariants,
  registerDatasets,
  registerBench,
];

const EXAMPLES = `
Examples:
  $ sevar compare                      # every variant + none, cnn3 on the built-in shapes (2-5 min, offline)
  $ sevar compare --model resnet18 --dataset cifar10 --attention se,bump --epochs 30 --seeds 3
  $ sevar reproduce --table cnn3-cifar10          # the paper's 3-layer CNN table (downloads CIFAR-10)
  $ sevar train --model cnn3 --attention se --epochs 5 --out runs/se
  $ sevar eval runs/se --split test
  $ sevar models
  $ sevar variants
  $ sevar --import ./my-gate.js compare --attention none,se,my-gate   # your registered module
  $ sevar datasets info
  $ sevar bench --model cnn3
  $ sevar sweep submit --queue redis://host:6379 --models cnn3 --variants se,bump --seeds 3
  $ sevar worker --queue redis://host:6379 --store /shared/sevar-store

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
    .option(
      '--import <module>',
      'load a module first, e.g. one that registers your own attention module with registerAttention (a path or package name; repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .showSuggestionAfterError()
    .addHelpText('after', EXAMPLES)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    });
  const host: CommandHost = {
    ctx,
    withProgress: () => ({
      ...ctx,
      progress: ctx.progress && (program.opts() as { progress: boolean }).progress,
    }),
  };
  program.hook('preAction', async () => {
    await importModules((program.opts() as { import?: string[] }).import ?? []);
  });
  for (const register of COMMANDS) register(program, host);
  return program;
}

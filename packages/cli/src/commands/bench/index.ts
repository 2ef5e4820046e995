import type { Command } from 'commander';
import type { ModelName } from '@sevar/models';
import { BACKEND_NAMES } from '@sevar/trainer';
import type { BackendName } from '@sevar/trainer';
import { UsageError } from '../../errors.js';
import { addAttentionFlag, attentionFromFlags } from '../../settings/attention.js';
import type { AttentionFlags } from '../../settings/attention.js';
import { integer } from '../../settings/numbers.js';
import { modelOption } from '../../settings/options.js';
import { MAX_IMAGE_SIZE } from '../../settings/training.js';
import type { CommandHost } from '../command.js';
import { BENCH_BACKENDS, benchCommand } from './bench.js';

export { BENCH_BACKENDS, benchCommand } from './bench.js';
export type { BenchOptions, BenchRow } from './bench.js';

type BenchFlags = AttentionFlags & {
  model: ModelName;
  backends: string;
  batchSize: number;
  steps: number;
  imageSize?: number;
  workers: number;
  json?: boolean;
};

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

export function registerBench(program: Command, host: CommandHost): void {
  const cmd = program
    .command('bench')
    .description('training and inference images/s of a model on each installed backend')
    .addOption(modelOption());
  addAttentionFlag(cmd, 'se')
    .option('--backends <list>', `'all' or a comma list of ${BENCH_BACKENDS.join(', ')}`, 'all')
    .option('--batch-size <n>', 'batch size', integer(1), 32)
    .option('--steps <n>', 'timed steps per backend (after one warm-up step)', integer(1), 5)
    .option('--image-size <n>', 'image side (default: 32)', integer(8, MAX_IMAGE_SIZE))
    .option(
      '--workers <n>',
      'train data-parallel over n worker threads per backend (as train --workers)',
      integer(1),
      1,
    )
    .option('--json', 'JSON output')
    .action(async (flags: BenchFlags) => {
      const { model, batchSize, steps, imageSize, workers } = flags;
      await benchCommand(
        {
          model,
          attention: attentionFromFlags(flags, 'se'),
          backends: parseBackends(flags.backends),
          batchSize,
          steps,
          imageSize,
          workers,
          json: flags.json === true,
        },
        host.ctx,
      );
    });
}

import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import type { Command } from 'commander';
import type { BackendName } from '@sevar/trainer';
import { UsageError } from '../../errors.js';
import { integer } from '../../settings/numbers.js';
import { backendOption, dataDirOption, noVerifyOption } from '../../settings/options.js';
import { parseQueueUrl } from '../../sweep/queue-url.js';
import { runWorker } from '../../sweep/worker.js';
import { QUEUE_HELP } from '../sweep/index.js';
import type { CommandHost } from '../command.js';

interface WorkerFlags {
  queue?: string;
  store: string;
  concurrency: number | 'auto';
  untilIdle?: boolean;
  backend: BackendName;
  dataDir?: string;
  download: boolean;
  verify: boolean;
  lockSeconds: number;
  name?: string;
}

function canResolve(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/**
 * `auto`: one run per core where a run uses one core (wasm and cpu run single-threaded under
 * Node), one run otherwise (tfjs-node uses every core; tfjs-node-gpu one GPU).
 */
export function defaultConcurrency(backend: BackendName): number {
  if (backend === 'wasm' || backend === 'cpu') return availableParallelism();
  if (backend !== 'auto') return 1;
  const native = canResolve('@tensorflow/tfjs-node-gpu') || canResolve('@tensorflow/tfjs-node');
  return native ? 1 : availableParallelism();
}

const HELP = `
Each run trains in a child process (reused for the next run), writes a checkpoint to the store
every epoch and reports its progress to the queue. A run whose worker dies is handed to another
worker after --lock-seconds and resumes there from its newest checkpoint; crashes are retried
with exponential backoff; bad settings and non-finite losses fail the run at once. The store
must be the same folder for every worker (a network file system).`;

export function registerWorker(program: Command, host: CommandHost): void {
  program
    .command('worker')
    .description("train the queue's runs on this machine, one sandboxed process per run")
    .option('--queue <url>', QUEUE_HELP)
    .requiredOption('--store <dir>', 'folder shared by every worker: runs/<job id>/ holds each run')
    .option(
      '--concurrency <n>',
      "runs at once ('auto': one per core on wasm/cpu, else one)",
      (v: string) => (v === 'auto' ? 'auto' : integer(1, 256)(v)),
      'auto',
    )
    .option('--until-idle', 'exit once the queue holds nothing waiting, delayed or running')
    .addOption(backendOption())
    .addOption(dataDirOption('dataset cache (default: $SEVAR_DATA_DIR or the OS cache directory)'))
    .option('--no-download', 'fail a run instead of downloading its missing dataset')
    .addOption(noVerifyOption())
    .addOption(
      new Option(
        '--lock-seconds <s>',
        'a run whose worker is silent this long goes to another worker',
      )
        .argParser(integer(1, 3600))
        .default(30),
    )
    .option('--name <name>', "this worker's name in logs and results (default: host-pid)")
    .addHelpText('after', HELP)
    .action(async (flags: WorkerFlags) => {
      if (flags.store.trim() === '') throw new UsageError('--store', 'a folder path', flags.store);
      const data = {
        download: flags.download,
        verify: flags.verify,
        ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
      };
      await runWorker(
        {
          target: parseQueueUrl(flags.queue),
          store: flags.store,
          concurrency:
            flags.concurrency === 'auto' ? defaultConcurrency(flags.backend) : flags.concurrency,
          untilIdle: flags.untilIdle === true,
          backend: flags.backend,
          data,
          lockSeconds: flags.lockSeconds,
          ...(flags.name === undefined ? {} : { name: flags.name }),
        },
        host.ctx,
      );
    });
}

// The paper's cnn3 recipe on CIFAR-10: batch 64, Adadelta lr 1.0, lr x 0.7 after every epoch
// (PyTorch StepLR(step_size=1, gamma=0.7)), 50 epochs; reports test loss and top-1.
import { parseArgs } from 'node:util';
import { cnn3 } from '@sevar/models';
import { DataNotFoundError, createBatches, loadEmbedded } from '@sevar/datasets';
import type { ImageDataset } from '@sevar/datasets';
import { BACKEND_NAMES, createOptimizer, createSchedule, train, useBackend } from '@sevar/trainer';
import type { BackendName, EpochRecord } from '@sevar/trainer';
import { VARIANT_NAMES } from '@sevar/layers';
import type { VariantName } from '@sevar/layers';
import { loadCifar10Split } from './data.js';

const HELP = `Usage: node dist/main.js [options]

  --attention <name|none>  SE variant after the 2nd conv: none, ${VARIANT_NAMES.join(', ')} (default none)
  --epochs <n>             default 50 (the paper)
  --batch-size <n>         default 64 (the paper)
  --backend <name>         ${BACKEND_NAMES.join(', ')} (default auto)
  --data-dir <dir>         folder holding cifar-10-binary.tar.gz or cifar-10-batches-bin/
  --download               fetch CIFAR-10 (170 MB) into the cache or --data-dir when missing
  --no-verify              use the files as they are (no MD5 or official-size check)
  --seed <n>               default 0
  --smoke                  1 short epoch on a slice of the embedded dataset (also SEVAR_SMOKE=1)
  --help`;

function integerFlag(flag: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    const what = min === 1 ? 'a positive integer' : `an integer >= ${min}`;
    throw new Error(`--${flag}: expected ${what}, received '${value}'`);
  }
  return n;
}

/** The command line, read and checked once. */
interface Options {
  smoke: boolean;
  attention: VariantName | null;
  backend: BackendName;
  epochs: number;
  batchSize: number;
  seed: number;
  source: { dataDir: string | undefined; download: boolean; verify: boolean };
}

/** The checked options, or 'help' when --help was given (before any other flag is checked). */
function parseOptions(): Options | 'help' {
  const { values } = parseArgs({
    options: {
      attention: { type: 'string', default: 'none' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      'data-dir': { type: 'string' },
      download: { type: 'boolean', default: false },
      'no-verify': { type: 'boolean', default: false },
      seed: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const smoke = values.smoke || process.env['SEVAR_SMOKE'] === '1';
  const attention = values.attention === 'none' ? null : values.attention;
  if (attention !== null && !(VARIANT_NAMES as readonly string[]).includes(attention)) {
    throw new Error(
      `--attention: expected none or one of ${VARIANT_NAMES.join(', ')}, received '${attention}'`,
    );
  }
  if (!(BACKEND_NAMES as readonly string[]).includes(values.backend)) {
    throw new Error(
      `--backend: expected one of ${BACKEND_NAMES.join(', ')}, received '${values.backend}'`,
    );
  }
  return {
    smoke,
    attention: attention as VariantName | null,
    backend: values.backend as BackendName,
    epochs: integerFlag('epochs', values.epochs, smoke ? 1 : 50),
    batchSize: integerFlag('batch-size', values['batch-size'], 64),
    seed: integerFlag('seed', values.seed, 0, 0),
    source: {
      dataDir: values['data-dir'],
      download: values.download,
      verify: !values['no-verify'],
    },
  };
}

async function loadSplits(options: Options): Promise<{ train: ImageDataset; test: ImageDataset }> {
  if (options.smoke) {
    return {
      train: await loadEmbedded({ split: 'train', count: 256 }),
      test: await loadEmbedded({ split: 'test', count: 128 }),
    };
  }
  return {
    train: await loadCifar10Split('train', options.source),
    test: await loadCifar10Split('test', options.source),
  };
}

function printEpoch(r: EpochRecord, epochs: number): void {
  const test = r.test ? ` | test loss ${r.test.loss.toFixed(4)} top-1 ${pct(r.test.top1)}` : '';
  console.log(
    `epoch ${r.epoch}/${epochs} lr ${r.lr.toPrecision(3)} | train loss ${r.train.loss.toFixed(4)} ` +
      `top-1 ${pct(r.train.top1)}${test} | ${r.imagesPerSecond.toFixed(0)} img/s`,
  );
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  const { attention, epochs, batchSize, seed } = options;

  // Resolve backend packages from this program, so an `npm install @tensorflow/tfjs-node` here
  // counts. wasm on one thread: cnn3's layers are too small for more threads to pay.
  const backend = await useBackend(options.backend, {
    importModule: (specifier) => import(specifier) as Promise<Record<string, unknown>>,
    wasmThreads: 1,
  });
  const { train: trainSet, test: testSet } = await loadSplits(options);

  const model = cnn3({ attention, numClasses: trainSet.classNames.length });
  console.log(
    `cnn3 (attention: ${attention ?? 'none'}, ${model.countParams()} params) on ${trainSet.name}: ` +
      `${trainSet.count} train / ${testSet.count} test images, batch ${batchSize}, ${epochs} epochs, ` +
      `backend ${backend.name}`,
  );
  const result = await train({
    model,
    data: {
      train: createBatches(trainSet, { batchSize, seed }),
      test: createBatches(testSet, { batchSize: 256, shuffle: false }),
    },
    optimizer: createOptimizer({ name: 'adadelta', lr: 1.0 }),
    schedule: createSchedule({ name: 'step', lr: 1.0, stepSize: 1, gamma: 0.7 }),
    epochs,
    seed,
    onEpochEnd: (r) => printEpoch(r, epochs),
  });
  const last = result.history.at(-1);
  if (last?.test) {
    // The paper's table row for the same model, to read beside ours.
    console.log(
      `final: test loss ${last.test.loss.toFixed(4)}, top-1 ${pct(last.test.top1)} ` +
        `(paper, no attention: 0.8091 / 72.52%)`,
    );
  }
  model.dispose();
}

function pct(fraction: number): string {
  return `${(100 * fraction).toFixed(2)}%`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  // The library speaks of `download: true`; here that is a flag.
  if (error instanceof DataNotFoundError) console.error('(add --download to fetch it)');
  process.exitCode = 1;
});

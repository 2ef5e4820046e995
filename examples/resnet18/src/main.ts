// ResNet-18 with an SE variant on CIFAR-10, CIFAR-100 or SVHN, under the paper's 224 pipeline
// (batch 32) or the CIFAR-standard 32x32 protocol; reports test top-1 and top-5.
import { parseArgs } from 'node:util';
import { DataNotFoundError, createBatches, loadEmbedded } from '@sevar/datasets';
import type { BatchStream, ImageDataset } from '@sevar/datasets';
import { VARIANT_NAMES } from '@sevar/layers';
import type { VariantName } from '@sevar/layers';
import { resnet18 } from '@sevar/models';
import {
  BACKEND_NAMES,
  OPTIMIZER_NAMES,
  createOptimizer,
  createSchedule,
  train,
  useBackend,
} from '@sevar/trainer';
import type { BackendName, EpochRecord, OptimizerName } from '@sevar/trainer';
import { DATASETS, loadSplit } from './data.js';
import type { DatasetName } from './data.js';
import { PROTOCOLS, PROTOCOL_NAMES } from './protocols.js';
import type { Protocol, ProtocolName } from './protocols.js';

const HELP = `Usage: node dist/main.js [options]

  --dataset <name>         ${DATASETS.join(', ')} (default cifar10)
  --protocol <name>        ${PROTOCOL_NAMES.join(', ')} (default paper)
  --attention <name|none>  SE variant on every residual branch: none, ${VARIANT_NAMES.join(', ')} (default se)
  --epochs, --batch-size, --lr, --momentum, --weight-decay, --warmup-epochs
                           override the protocol's values
  --optimizer <name>       ${OPTIMIZER_NAMES.join(', ')} (default: the protocol's)
  --backend <name>         ${BACKEND_NAMES.join(', ')} (default auto)
  --data-dir <dir>         folder holding the official files (or their extracted contents)
  --download               fetch the dataset into the cache or --data-dir when missing
  --no-verify              use the files as they are (no MD5 or official-size check)
  --seed <n>               default 0
  --limit <n>              use only the first n images of each split (quick checks)
  --smoke                  1 short epoch on a slice of the embedded dataset (also SEVAR_SMOKE=1)
  --help`;

function num(flag: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    const what = integer ? 'an integer >= 0' : 'a number >= 0';
    throw new Error(`--${flag}: expected ${what}, received '${value}'`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, value: string, valid: readonly T[]): T {
  if (!(valid as readonly string[]).includes(value)) {
    throw new Error(`--${flag}: expected one of ${valid.join(', ')}, received '${value}'`);
  }
  return value as T;
}

/** The command line, read and checked once: the protocol with every override applied. */
interface Options {
  smoke: boolean;
  dataset: DatasetName;
  protocolName: ProtocolName;
  protocol: Protocol;
  attention: VariantName | null;
  backend: BackendName;
  seed: number;
  limit: number | undefined;
  source: { dataDir: string | undefined; download: boolean; verify: boolean };
}

/** The checked options, or 'help' when --help was given (before any other flag is checked). */
function parseOptions(): Options | 'help' {
  const { values: v } = parseArgs({
    options: {
      dataset: { type: 'string', default: 'cifar10' },
      protocol: { type: 'string', default: 'paper' },
      attention: { type: 'string', default: 'se' },
      epochs: { type: 'string' },
      'batch-size': { type: 'string' },
      optimizer: { type: 'string' },
      lr: { type: 'string' },
      momentum: { type: 'string' },
      'weight-decay': { type: 'string' },
      'warmup-epochs': { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      'data-dir': { type: 'string' },
      download: { type: 'boolean', default: false },
      'no-verify': { type: 'boolean', default: false },
      seed: { type: 'string' },
      limit: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (v.help) return 'help';
  const smoke = v.smoke || process.env['SEVAR_SMOKE'] === '1';
  const dataset = oneOf<DatasetName>('dataset', v.dataset, DATASETS);
  // The smoke run uses the 32x32 recipe: the 224 pipeline is far too slow for a test.
  const protocolName = oneOf<ProtocolName>(
    'protocol',
    smoke ? 'cifar-standard' : v.protocol,
    PROTOCOL_NAMES,
  );
  const base: Protocol = PROTOCOLS[protocolName];
  const attention =
    v.attention === 'none' ? null : oneOf<VariantName>('attention', v.attention, VARIANT_NAMES);
  const backend = oneOf<BackendName>('backend', v.backend, BACKEND_NAMES);
  const protocol: Protocol = {
    ...base,
    epochs: num('epochs', v.epochs, smoke ? 1 : base.epochs, true),
    batchSize: num('batch-size', v['batch-size'], smoke ? 8 : base.batchSize, true),
    optimizer:
      v.optimizer === undefined
        ? base.optimizer
        : oneOf<OptimizerName>('optimizer', v.optimizer, OPTIMIZER_NAMES),
    lr: num('lr', v.lr, smoke ? 0.01 : base.lr, false),
    momentum: num('momentum', v.momentum, base.momentum, false),
    weightDecay: num('weight-decay', v['weight-decay'], base.weightDecay, false),
    warmupEpochs: num('warmup-epochs', v['warmup-epochs'], base.warmupEpochs, false),
  };
  const seed = num('seed', v.seed, 0, true);
  const limit = v.limit === undefined ? undefined : num('limit', v.limit, 0, true);
  if (protocol.epochs < 1 || protocol.batchSize < 1) {
    throw new Error('--epochs and --batch-size: expected >= 1');
  }
  const source = { dataDir: v['data-dir'], download: v.download, verify: !v['no-verify'] };
  return { smoke, dataset, protocolName, protocol, attention, backend, seed, limit, source };
}

async function loadSplits(options: Options): Promise<{ train: ImageDataset; test: ImageDataset }> {
  let train: ImageDataset;
  let test: ImageDataset;
  if (options.smoke) {
    train = await loadEmbedded({ split: 'train', count: 16 });
    test = await loadEmbedded({ split: 'test', count: 16 });
  } else {
    train = await loadSplit(options.dataset, 'train', options.source);
    test = await loadSplit(options.dataset, 'test', options.source);
  }
  if (options.limit !== undefined) {
    train = firstImages(train, options.limit);
    test = firstImages(test, options.limit);
  }
  return { train, test };
}

/** The train and test batch streams, each with the protocol's augmentation. */
function protocolBatches(
  trainSet: ImageDataset,
  testSet: ImageDataset,
  options: Options,
): { train: BatchStream; test: BatchStream } {
  const p = options.protocol;
  // Digits are not mirror-symmetric: no horizontal flip for SVHN.
  const flip = trainSet.name !== 'svhn';
  // Smoke runs at 16x16 (a quarter of the compute) so a test finishes in seconds.
  const smallest = { kind: 'resize', size: 16 } as const;
  const trainAugment = options.smoke ? smallest : p.trainAugment(flip);
  const testAugment = options.smoke ? smallest : p.testAugment;
  return {
    train: createBatches(trainSet, {
      batchSize: p.batchSize,
      seed: options.seed,
      augment: trainAugment,
    }),
    test: createBatches(testSet, { batchSize: 100, shuffle: false, augment: testAugment }),
  };
}

function printEpoch(r: EpochRecord, epochs: number): void {
  const t = r.test;
  const test = t
    ? ` | test loss ${t.loss.toFixed(4)} top-1 ${pct(t.top1)} top-5 ${pct(t.top5)}`
    : '';
  console.log(
    `epoch ${r.epoch}/${epochs} lr ${r.lr.toPrecision(3)} | train loss ${r.train.loss.toFixed(4)} ` +
      `top-1 ${pct(r.train.top1)}${test} | ${r.imagesPerSecond.toFixed(1)} img/s`,
  );
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options === 'help') {
    console.log(HELP);
    return;
  }
  const { protocol: p, attention, seed } = options;

  // Resolve backend packages from this program, so an `npm install @tensorflow/tfjs-node` here counts.
  const backend = await useBackend(options.backend, {
    importModule: (specifier) => import(specifier) as Promise<Record<string, unknown>>,
  });
  const { train: trainSet, test: testSet } = await loadSplits(options);
  const data = protocolBatches(trainSet, testSet, options);
  const [h, w] = data.train.outputShape;

  const model = resnet18({
    attention,
    numClasses: trainSet.classNames.length,
    stem: p.stem,
    inputShape: [h, w, 3],
  });
  console.log(
    `resnet18 (${p.stem} stem, attention: ${attention ?? 'none'}, ${model.countParams()} params) on ` +
      `${trainSet.name} ${h}x${w}: ${trainSet.count} train / ${testSet.count} test, protocol ` +
      `${options.protocolName}, ${p.optimizer} lr ${p.lr} cosine, batch ${p.batchSize}, ${p.epochs} epochs, ` +
      `backend ${backend.name}`,
  );
  const result = await train({
    model,
    data,
    optimizer: createOptimizer({
      name: p.optimizer,
      lr: p.lr,
      ...(p.optimizer === 'sgd' ? { momentum: p.momentum } : {}),
      weightDecay: p.weightDecay,
    }),
    schedule: createSchedule({ name: 'cosine', lr: p.lr, warmupEpochs: p.warmupEpochs }),
    epochs: p.epochs,
    seed,
    onEpochEnd: (r) => printEpoch(r, p.epochs),
  });
  const last = result.history.at(-1)?.test;
  if (last) console.log(`final: test top-1 ${pct(last.top1)}, top-5 ${pct(last.top5)}`);
  model.dispose();
}

function firstImages(ds: ImageDataset, n: number): ImageDataset {
  const count = Math.min(n, ds.count);
  const size = ds.height * ds.width * 3;
  return {
    ...ds,
    count,
    images: ds.images.subarray(0, count * size),
    labels: ds.labels.subarray(0, count),
  };
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

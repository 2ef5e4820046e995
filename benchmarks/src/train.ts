// `pnpm bench:train`: images/s of one training step (and of inference) for the project's cnn3
// and resnet18 (cifar stem) on every installed tfjs backend, beside the same networks in
// PyTorch measured in the same run. Each measurement runs in its own process so that backends
// and allocators do not share state. Ratios, not absolute numbers, are what to compare.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { child } from './child.js';
import { args, USAGE } from './options.js';
import type { Result } from './options.js';
import { formatProfile } from './profile.js';

const PYTHON = '/usr/bin/python3';
const OPENBLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const here = fileURLToPath(new URL('.', import.meta.url));

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function installedBackends(): string[] {
  const found = ['wasm', 'cpu'];
  try {
    // webgpu: tfjs's backend and, in Node, Dawn (the `webgpu` package).
    import.meta.resolve('@tensorflow/tfjs-backend-webgpu');
    import.meta.resolve('webgpu');
    found.unshift('webgpu');
  } catch {
    // not installed: skipped
  }
  for (const [name, pkg] of [
    ['tensorflow', '@tensorflow/tfjs-node'],
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ] as const) {
    try {
      import.meta.resolve(pkg);
      found.unshift(name);
    } catch {
      // not installed: skipped
    }
  }
  return found;
}

function runJson(cmd: string, argv: string[], env?: NodeJS.ProcessEnv): Result | string {
  const r = spawnSync(cmd, argv, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 1 << 24,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Result;
  } catch {
    return `failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`;
  }
}

function hasTorch(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

type Row = Result & {
  ratio?: number;
  inferRatio?: number;
  /** --rounds above 1: the lowest and highest of the rounds' training ratios. */
  ratioRange?: [number, number];
};

/** What a run gathers: table rows, failed measurements and notes to print under the table. */
interface Findings {
  rows: Row[];
  failures: string[];
  notes: string[];
}

/** The faster PyTorch run of the two BLAS setups (undefined when both failed). */
function torchReference(
  model: string,
  attention: string,
  common: string[],
  failures: string[],
): Result | undefined {
  let reference: Result | undefined;
  // Debian's stock BLAS and OpenBLAS can differ by 30%+: compare against the better one.
  const setups: [string, NodeJS.ProcessEnv | undefined][] = [['stock', undefined]];
  if (existsSync(OPENBLAS_DIR)) setups.push(['openblas', { LD_LIBRARY_PATH: OPENBLAS_DIR }]);
  for (const [blas, env] of setups) {
    const r = runJson(
      PYTHON,
      [`${here}../torch_train.py`, '--model', model, '--attention', attention, ...common],
      env,
    );
    if (typeof r === 'string') failures.push(`pytorch/${blas} ${model} ${attention}: ${r}`);
    else if (!reference || r.trainImagesPerSec > reference.trainImagesPerSec)
      reference = { ...r, blas };
  }
  return reference;
}

/** One child process per backend and worker count, each row with its ratio to `reference`. */
function measureTfjs(
  model: string,
  attention: string,
  backends: string[],
  common: string[],
  reference: Result | undefined,
  found: Findings,
  skipProfile = false,
): void {
  for (const backend of backends) {
    // tfjs-cpu takes minutes per ResNet-18 step: only when asked for by name.
    if (backend === 'cpu' && model !== 'cnn3' && !args.backends) {
      const note = `cpu skipped for ${model} (minutes per step); pass --backends cpu to time it`;
      if (!found.notes.includes(note)) found.notes.push(note);
      continue;
    }
    const runs = configurations(backend).flatMap((c) =>
      args.api!.split(',').map((api) => [...c, api] as const),
    );
    for (const [workers, threads, winograd, kernelThreads, bnKernels, api] of runs) {
      if (api !== 'train' && api !== 'plain')
        throw new Error(`--api: expected train, plain or train,plain, received '${args.api}'`);
      if (api === 'plain' && workers > 1) continue;
      const r = runJson(process.execPath, [
        fileURLToPath(import.meta.url),
        '--child',
        '--backend',
        backend,
        '--models',
        model,
        '--attention',
        attention,
        '--workers',
        String(workers),
        ...(threads === undefined ? [] : ['--threads', String(threads)]),
        ...(winograd === undefined ? [] : ['--winograd', winograd]),
        ...(kernelThreads === undefined ? [] : ['--kernel-threads', kernelThreads]),
        ...(bnKernels === undefined ? [] : ['--bn-kernels', bnKernels]),
        '--api',
        api,
        ...(args.profile && !skipProfile ? ['--profile'] : []),
        ...common,
      ]);
      if (typeof r === 'string')
        found.failures.push(`${backend} x${workers} ${model} ${attention}: ${r}`);
      else
        found.rows.push({
          ...r,
          ...(reference
            ? {
                ratio: r.trainImagesPerSec / reference.trainImagesPerSec,
                inferRatio: r.inferImagesPerSec / reference.inferImagesPerSec,
              }
            : {}),
        });
    }
  }
}

type Configuration = [
  number,
  number | undefined,
  string | undefined,
  string | undefined,
  string | undefined,
];

/** The values of an on/off list option, checked. */
function onOff(name: string, value: string): string[] {
  const values = value.split(',');
  if (values.some((v) => v !== 'on' && v !== 'off')) {
    throw new Error(`--${name}: expected on, off or on,off, received '${value}'`);
  }
  return values;
}

/**
 * The (workers, wasm threads per worker, Winograd, kernel threads, batch-norm kernels)
 * configurations to measure: --workers times --threads times --winograd times --kernel-threads
 * times --bn-kernels for wasm (kernel threads only with 2+ threads), 'all' being every core
 * shared out among the workers; other backends get none of the wasm settings.
 */
function configurations(backend: string): Configuration[] {
  const cores = availableParallelism();
  const pairs = new Map<string, Configuration>();
  const splits = onOff('kernel-threads', args['kernel-threads']!);
  const bnKernels = onOff('bn-kernels', args['bn-kernels']!);
  for (const w of args.workers!.split(',').map(Number)) {
    if (backend !== 'wasm') {
      pairs.set(`${w}`, [w, undefined, undefined, undefined, undefined]);
      continue;
    }
    for (const t of args.threads!.split(',')) {
      const threads = t === 'all' ? Math.max(1, Math.floor(cores / w)) : Number(t);
      for (const winograd of onOff('winograd', args.winograd!)) {
        for (const split of threads > 1 ? splits : ['off']) {
          for (const bn of bnKernels) {
            pairs.set(`${w}/${threads}/${winograd}/${split}/${bn}`, [
              w,
              threads,
              winograd,
              split,
              bn,
            ]);
          }
        }
      }
    }
  }
  return [...pairs.values()];
}

/** How a row's tfjs configuration reads in the table. */
function configLabel(r: Row): string {
  if (!r.backend) return r.framework;
  const workers = (r.workers ?? 1) > 1 ? ` x${r.workers} workers` : '';
  const threads = r.threads !== undefined ? ` ${r.threads} thr` : '';
  const winograd = r.winograd === false ? ' no-wino' : '';
  const split = r.kernelThreads === false && (r.threads ?? 1) > 1 ? ' no-kthr' : '';
  const bn = r.batchNormKernels === false ? ' no-bnk' : '';
  const api = r.api === 'plain' ? ' plain-api' : '';
  return `tfjs ${r.backend}${threads}${workers}${winograd}${split}${bn}${api}`;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * One row per configuration from several rounds: medians of the speeds and of the per-round
 * ratios (each against its own round's PyTorch), the range of the training ratio, the largest
 * peak RSS, the first round's profile.
 */
function medianRows(rows: Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.model}/${r.attention}/${configLabel(r)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!;
    const ratios = group.map((r) => r.ratio).filter((v): v is number => v !== undefined);
    const inferRatios = group.map((r) => r.inferRatio).filter((v): v is number => v !== undefined);
    const unfolded = group
      .map((r) => r.inferUnfoldedImagesPerSec)
      .filter((v): v is number => v !== undefined);
    return {
      ...first,
      trainImagesPerSec: median(group.map((r) => r.trainImagesPerSec)),
      inferImagesPerSec: median(group.map((r) => r.inferImagesPerSec)),
      ...(unfolded.length > 0 ? { inferUnfoldedImagesPerSec: median(unfolded) } : {}),
      peakRssMiB: Math.max(...group.map((r) => r.peakRssMiB)),
      ...(ratios.length > 0
        ? { ratio: median(ratios), ratioRange: [Math.min(...ratios), Math.max(...ratios)] }
        : {}),
      ...(inferRatios.length > 0 ? { inferRatio: median(inferRatios) } : {}),
    } as Row;
  });
}

function printTable(rows: Row[]): void {
  const head = [
    'model',
    'attention',
    'framework/backend',
    'train img/s',
    'x PyTorch',
    'infer img/s',
    'infer x PyTorch',
    'unfolded BN infer img/s',
    'steps',
    'peak RSS MiB',
  ];
  const table = rows.map((r) => [
    r.model,
    r.attention,
    configLabel(r),
    r.trainImagesPerSec.toFixed(1),
    r.ratio !== undefined
      ? `${r.ratio.toFixed(3)}${r.ratioRange ? ` (${r.ratioRange.map((v) => v.toFixed(2)).join('–')})` : ''}`
      : r.backend
        ? '-'
        : '1',
    r.inferImagesPerSec.toFixed(1),
    r.inferRatio !== undefined ? r.inferRatio.toFixed(3) : r.backend ? '-' : '1',
    r.inferUnfoldedImagesPerSec?.toFixed(1) ?? '-',
    String(r.trainSteps),
    r.peakRssMiB.toFixed(0),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(w[i]!)).join(' | ')} |`;
  console.log(fmt(head));
  console.log(`|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`);
  for (const t of table) console.log(fmt(t));
}

async function main(): Promise<void> {
  if (args.child) return child();
  const backends = args.backends ? args.backends.split(',') : installedBackends();
  const common = [
    '--batch',
    args.batch!,
    '--steps',
    args.steps!,
    '--warmup',
    args.warmup!,
    '--max-seconds',
    args['max-seconds']!,
  ];
  const torch = hasTorch();
  const loadBefore = loadavg()[0]!;
  const found: Findings = { rows: [], failures: [], notes: [] };
  const rounds = Number(args.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds: expected a whole number of at least 1, received '${args.rounds}'`);
  }
  for (const model of args.models!.split(',')) {
    for (const attention of args.attention!.split(',')) {
      const measured: Row[] = [];
      for (let round = 0; round < rounds; round++) {
        const inRound: Findings = { rows: [], failures: found.failures, notes: found.notes };
        const reference = torch
          ? torchReference(model, attention, common, found.failures)
          : undefined;
        if (reference)
          inRound.rows.push({ ...reference, framework: `pytorch (${reference.blas} BLAS)` });
        measureTfjs(model, attention, backends, common, reference, inRound, round > 0);
        measured.push(...inRound.rows);
        if (rounds > 1) console.error(`round ${round + 1}/${rounds} of ${model} ${attention} done`);
      }
      found.rows.push(...(rounds > 1 ? medianRows(measured) : measured));
    }
  }
  const loadAfter = loadavg()[0]!;
  printTable(found.rows);
  console.log(
    `batch ${args.batch}, median of up to ${args.steps} steps after ${args.warmup} warm-up${rounds > 1 ? `; medians of ${rounds} rounds (x PyTorch: median of the rounds' ratios, lowest–highest)` : ''}; 1-minute load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after`,
  );
  if (Math.max(loadBefore, loadAfter) > 0.5) {
    console.log(
      'note: the machine was busy (load average > 0.5): absolute numbers are low; ratios measured side by side are still the figure to read.',
    );
  }
  if (!torch)
    console.log(
      `note: no PyTorch at ${PYTHON} (apt-get install python3-torch): no reference column.`,
    );
  for (const r of found.rows.filter((row) => row.profile)) {
    const label = `${configLabel(r)} ${r.model} ${r.attention}`;
    const { stepMs, kernels, convs } = r.profile!;
    for (const line of formatProfile(label, stepMs, kernels, convs)) console.log(line);
  }
  for (const n of found.notes) console.log(`note: ${n}`);
  for (const f of found.failures) console.log(`failed: ${f}`);
  const { rows, failures } = found;
  if (args.json)
    writeFileSync(args.json, JSON.stringify({ rows, loadBefore, loadAfter, failures }, null, 2));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

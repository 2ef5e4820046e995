import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DATASETS } from '@sevar/datasets';
import type { ImageDataset } from '@sevar/datasets';
import type { BackendInfo } from '@sevar/trainer';
import { describeBackend, oneWasmThreadUnlessAsked, setBackend } from '../../backend.js';
import type { Context } from '../../context.js';
import { loadSplit } from '../../data.js';
import { withFolderLock } from '../../engine/lock.js';
import { runPool, workerScript } from '../../engine/pool.js';
import type { PoolJob, WorkerInit } from '../../engine/pool.js';
import { importedModules } from '../../imports.js';
import { runName } from '../../engine/run-files.js';
import type { RunResult } from '../../engine/run-files.js';
import { checkBuildable, runOne } from '../../engine/run.js';
import type { ExperimentSettings } from '../../settings/experiment.js';
import type { TrainingSettings } from '../../settings/training.js';
import { clearResults } from './fresh.js';
import { writeReport } from './report.js';
import type { CompareResults } from './report.js';

export { RESULTS_SCHEMA } from './report.js';
export type { CompareResults } from './report.js';

/** What `compare` trains and where: the shared training settings and the experiment's. */
export interface CompareOptions extends TrainingSettings, ExperimentSettings {
  /** Heading of the report. */
  title?: string;
}

/**
 * Whether runs of this comparison train side by side on worker threads, one per core: runs of
 * small images (up to 64 px) on wasm or cpu, which then run single-threaded as those workers
 * do. Not for 224-px ResNets, whose activations would need several GB per worker; those train
 * one after another on this thread, with every core in wasm's thread pool.
 */
function sideBySide(options: CompareOptions): boolean {
  return options.recipe.imageSize <= 64 && options.jobs !== 1;
}

function jobCount(options: CompareOptions, info: BackendInfo, total: number): number {
  if (options.jobs !== 'auto') return Math.min(total, options.jobs);
  const oneThread = info.name === 'cpu' || (info.name === 'wasm' && (info.threadCount ?? 1) === 1);
  return Math.min(total, oneThread && sideBySide(options) ? availableParallelism() : 1);
}

function loadData(options: CompareOptions, ctx: Context): Promise<[ImageDataset, ImageDataset]> {
  const { recipe, data } = options;
  const load = (split: 'train' | 'test', limit: number | undefined) =>
    loadSplit(recipe.dataset, split, { limit, ...data, progress: ctx.progress });
  return Promise.all([load('train', recipe.limitTrain), load('test', recipe.limitTest)]);
}

function plan(options: CompareOptions): PoolJob[] {
  const seeds = Array.from({ length: options.seeds }, (_, k) => options.seed + k);
  const runs = seeds.flatMap((seed) =>
    options.attentions.map((attention) => ({ seed, attention })),
  );
  return runs.map(({ seed, attention }, k) => ({
    spec: { recipe: options.recipe, attention, seed },
    dir: join(options.out, 'runs', runName({ attention, seed })),
    label: `[${k + 1}/${runs.length}] ${runName({ attention, seed })}`,
  }));
}

function workerInit(options: CompareOptions, info: BackendInfo): WorkerInit {
  const { recipe, data } = options;
  const init: WorkerInit = { backend: info.name, dataset: recipe.dataset, verify: data.verify };
  if (recipe.limitTrain !== undefined) init.limitTrain = recipe.limitTrain;
  if (recipe.limitTest !== undefined) init.limitTest = recipe.limitTest;
  if (data.dataDir !== undefined) init.dataDir = data.dataDir;
  const imports = importedModules();
  if (imports.length > 0) init.imports = imports;
  return init;
}

/**
 * Trains every attention for every seed (resuming or reusing runs in `out`) and writes the
 * report. The results folder is locked while it runs; `fresh` deletes sevar's files in it first.
 */
export async function compare(options: CompareOptions, ctx: Context): Promise<CompareResults> {
  const { recipe, out } = options;
  const info = await setBackend(
    options.backend,
    ctx,
    sideBySide(options) ? oneWasmThreadUnlessAsked() : {},
  );
  const backend = describeBackend(info);
  checkBuildable(recipe, options.attentions);
  const jobs = plan(options);
  const size = jobCount(options, info, jobs.length);
  const pooled = size > 1 && workerScript() !== null;
  return withFolderLock(out, async () => {
    if (options.fresh) await clearResults(out);
    // Workers load their own copy; the parent loads here when it trains or must download first.
    const download = DATASETS[recipe.dataset].sources.length > 0;
    const data = !pooled || download ? await loadData(options, ctx) : null;
    ctx.stderr.write(
      `sevar compare: ${options.attentions.length} attentions x ${options.seeds} seed(s) = ` +
        `${jobs.length} runs${pooled ? ` on ${size} worker threads` : ''}; ${recipe.model} on ` +
        `${recipe.dataset}, ${recipe.epochs} epochs, batch ${recipe.batchSize}; backend ` +
        `${backend}; results in ${out}\n`,
    );
    let runs: RunResult[];
    if (pooled) {
      runs = await runPool(jobs, size, workerInit(options, info), { ...ctx, progress: false });
    } else {
      const [train, test] = data!;
      runs = [];
      for (const job of jobs) {
        runs.push(await runOne(job.spec, { ...job, train, test, ctx, backend }));
      }
    }
    return writeReport(
      {
        title: options.title ?? `SE variants: ${recipe.model} on ${recipe.dataset}`,
        recipe,
        protocol: options.protocol,
        attentions: options.attentions,
        seeds: Array.from({ length: options.seeds }, (_, k) => options.seed + k),
        runs,
        backend,
        jobs: pooled ? size : 1,
        out,
      },
      ctx,
    );
  });
}

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { isVariantName, VARIANT_NAMES } from '@sevar/layers';
import type { BackendName } from '@sevar/trainer';
import { describeBackend, setBackend } from '../backend.js';
import type { Context } from '../context.js';
import { loadSplit } from '../data.js';
import { UsageError } from '../errors.js';
import { findPaperTable } from '../paper.js';
import { runPool, workerScript } from '../pool.js';
import type { WorkerInit } from '../pool.js';
import type { PaperTable } from '../paper.js';
import { defaultRecipe } from '../recipe.js';
import type { ProtocolName, Recipe } from '../recipe.js';
import { renderHtml } from '../report/html.js';
import {
  finalAccuracySpec,
  learningCurvesSpec,
  testCurvesSpec,
  writePlots,
} from '../report/plots.js';
import { summarize } from '../report/summary.js';
import type { SummaryRow } from '../report/summary.js';
import { comparisonTable, renderMarkdown, renderText } from '../report/table.js';
import { allMethods, METHOD_NONE, runName, runOne } from '../run.js';
import type { RunResult } from '../run.js';

export const RESULTS_SCHEMA = 'sevar-compare-1';

export interface CompareOptions {
  recipe: Recipe;
  protocol: ProtocolName;
  /** Methods to train: `none` and/or variant keys. */
  methods: string[];
  seeds: number;
  /** Runs trained at once on worker threads; `auto`: one per core on wasm/cpu at <= 64 px, else 1. */
  jobs: number | 'auto';
  /** Seed of the first run; seed k is `seed + k`. */
  seed: number;
  backend: BackendName;
  out: string;
  fresh: boolean;
  dataDir?: string;
  download: boolean;
  /** Heading of the report. */
  title?: string;
}

/** What `results.json` holds. */
export interface CompareResults {
  schema: typeof RESULTS_SCHEMA;
  title: string;
  createdAt: string;
  backend: string;
  recipe: Recipe;
  protocol: ProtocolName;
  trainExamples: number;
  /** Runs trained side by side (worker threads). */
  jobs: number;
  testExamples: number;
  seeds: number[];
  paperTable: { name: string; caption: string; comparable: boolean; notes: string[] } | null;
  summary: SummaryRow[];
  runs: RunResult[];
  files: { markdown: string; html: string; plots: string[]; runs: string[] };
}

/**
 * `--variants all` or a comma list of variant keys (and `none`). `none` is always trained:
 * it is the baseline every variant is compared with.
 */
export function parseMethods(value: string): string[] {
  if (value.trim() === 'all') return allMethods();
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names) {
    if (n !== METHOD_NONE && !isVariantName(n)) {
      throw new UsageError(
        '--variants',
        `'all' or a comma list of ${[METHOD_NONE, ...VARIANT_NAMES].join(', ')}`,
        n,
      );
    }
  }
  if (names.length === 0)
    throw new UsageError('--variants', "'all' or a comma list of variants", value);
  return allMethods().filter((m) => m === METHOD_NONE || names.includes(m));
}

/** Whether the run follows the paper table's protocol, and what differs when it does not. */
function paperComparison(recipe: Recipe, protocol: ProtocolName, table: PaperTable | null) {
  if (table === null) return null;
  const notes: string[] = [];
  if (protocol !== 'paper') notes.push(`protocol '${protocol}' is not the paper's`);
  else {
    const paper = defaultRecipe(recipe.model, recipe.dataset, 'paper');
    const keys = ['imageSize', 'batchSize', 'augment', 'stem'] as const;
    for (const k of keys) {
      if (recipe[k] !== paper[k])
        notes.push(`${k} ${String(recipe[k])} (paper: ${String(paper[k])})`);
    }
    if (recipe.model === 'cnn3') {
      for (const k of ['optimizer', 'lr', 'schedule', 'gamma', 'epochs'] as const) {
        if (recipe[k] !== paper[k])
          notes.push(`${k} ${String(recipe[k])} (paper: ${String(paper[k])})`);
      }
    } else if (recipe.epochs !== paper.epochs) {
      notes.push(`epochs ${recipe.epochs} (our paper-protocol default: ${paper.epochs})`);
    }
    if (recipe.limitTrain !== undefined)
      notes.push(`training on ${recipe.limitTrain} examples only`);
    if (recipe.limitTest !== undefined) notes.push(`testing on ${recipe.limitTest} examples only`);
  }
  return { name: table.name, caption: table.caption, comparable: notes.length === 0, notes };
}

function settingsLines(
  r: Recipe,
  backend: string,
  trainN: number,
  testN: number,
  seeds: number[],
): string[] {
  return [
    `model ${r.model}${r.model === 'cnn3' ? '' : ` (${r.stem} stem)`}, dataset ${r.dataset} (${trainN} train / ${testN} test images, ${r.imageSize}x${r.imageSize})`,
    `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}, batch ${r.batchSize}, ${r.optimizer} lr ${r.lr}` +
      (r.optimizer === 'sgd' ? ` momentum ${r.momentum}` : '') +
      (r.weightDecay > 0 ? ` weight decay ${r.weightDecay}` : '') +
      `, ${r.schedule} schedule${r.schedule === 'step' ? ` (x${r.gamma} per epoch)` : ''}, augment ${r.augment}`,
    `backend ${backend}; seeds ${seeds.join(', ')}`,
  ];
}

/** Trains every method for every seed (resuming or reusing runs in `out`) and writes the report. */
export async function compare(options: CompareOptions, ctx: Context): Promise<CompareResults> {
  const { recipe, out } = options;
  const info = await setBackend(options.backend, ctx);
  const backend = describeBackend(info);
  const seeds = Array.from({ length: options.seeds }, (_, k) => options.seed + k);
  const total = seeds.length * options.methods.length;
  // wasm and cpu run on one thread under Node: one worker per core trains runs side by side.
  // Not for 224-px ResNets, whose activations would need several GB per worker.
  const singleThreaded = (info.name === 'wasm' || info.name === 'cpu') && recipe.imageSize <= 64;
  const jobs = Math.min(
    total,
    options.jobs === 'auto' ? (singleThreaded ? availableParallelism() : 1) : options.jobs,
  );
  const pooled = jobs > 1 && workerScript() !== null;
  const loadOptions = (limit: number | undefined) => ({
    limit,
    dataDir: options.dataDir,
    download: options.download,
    progress: ctx.progress,
  });
  // Workers load their own copy; the parent loads here when it trains or must download first.
  const data =
    !pooled || recipe.dataset !== 'embedded'
      ? await Promise.all([
          loadSplit(recipe.dataset, 'train', loadOptions(recipe.limitTrain)),
          loadSplit(recipe.dataset, 'test', loadOptions(recipe.limitTest)),
        ])
      : null;
  const runsDir = join(out, 'runs');
  if (options.fresh) await rm(runsDir, { recursive: true, force: true });
  await mkdir(runsDir, { recursive: true });
  const plan = seeds.flatMap((seed) => options.methods.map((method) => ({ seed, method })));
  const jobList = plan.map(({ seed, method }, k) => ({
    spec: { recipe, method, seed },
    dir: join(runsDir, runName({ method, seed })),
    label: `[${k + 1}/${total}] ${runName({ method, seed })}`,
  }));
  ctx.stderr.write(
    `sevar compare: ${options.methods.length} methods x ${seeds.length} seed(s) = ${total} runs` +
      `${pooled ? ` on ${jobs} worker threads` : ''}; ${recipe.model} on ${recipe.dataset}, ` +
      `${recipe.epochs} epochs, batch ${recipe.batchSize}; backend ${backend}; results in ${out}\n`,
  );
  let runs: RunResult[];
  if (pooled) {
    const init: WorkerInit = { backend: info.name, dataset: recipe.dataset };
    if (recipe.limitTrain !== undefined) init.limitTrain = recipe.limitTrain;
    if (recipe.limitTest !== undefined) init.limitTest = recipe.limitTest;
    if (options.dataDir !== undefined) init.dataDir = options.dataDir;
    runs = await runPool(jobList, jobs, init, { ...ctx, progress: false });
  } else {
    const [train, test] = data!;
    runs = [];
    for (const job of jobList) {
      runs.push(
        await runOne(job.spec, { dir: job.dir, train, test, ctx, label: job.label, backend }),
      );
    }
  }
  const trainCount = runs[0]!.history[0]?.train.examples ?? 0;
  const testCount = runs[0]!.test.examples;

  const table = findPaperTable(recipe.model, recipe.dataset);
  const comparison = paperComparison(recipe, options.protocol, table);
  const summary = summarize(options.methods, runs, table);
  const tbl = comparisonTable(summary, table !== null);
  const title = options.title ?? `SE variants: ${recipe.model} on ${recipe.dataset}`;
  const notes: string[] = [];
  if (comparison !== null) {
    notes.push(
      comparison.comparable
        ? `paper columns: ${comparison.caption}; this run follows the paper's protocol`
        : `paper columns: ${comparison.caption}; not directly comparable: ${comparison.notes.join(', ')}`,
    );
  }
  notes.push(
    `chance level: ${(100 / (recipe.dataset === 'cifar100' ? 100 : 10)).toFixed(0)}% top-1`,
  );
  const settings = settingsLines(recipe, backend, trainCount, testCount, seeds);

  const plotsDir = join(out, 'plots');
  await mkdir(plotsDir, { recursive: true });
  const plots = await writePlots(
    plotsDir,
    [
      {
        name: 'learning-curves',
        title: 'Learning curves per method',
        spec: learningCurvesSpec(runs, options.methods),
      },
      {
        name: 'test-accuracy',
        title: 'Test top-1 by epoch',
        spec: testCurvesSpec(runs, options.methods),
      },
      {
        name: 'final-accuracy',
        title: 'Final test top-1 with spread over seeds',
        spec: finalAccuracySpec(summary, runs),
      },
    ],
    (m) => ctx.stderr.write(`warning: ${m}\n`),
  );
  const md =
    `# ${title}\n\n${settings.map((s) => `- ${s}`).join('\n')}\n\n${renderMarkdown(tbl)}\n` +
    `${notes.map((n) => `${n}\n`).join('\n')}\n` +
    plots.map((p) => `![${p.title}](plots/${p.svg})\n`).join('\n');
  await writeFile(join(out, 'results.md'), md);
  const html = renderHtml({
    title,
    settings,
    table: tbl,
    notes,
    plots: await Promise.all(
      plots.map(async (file) => ({
        file,
        dir: 'plots',
        svgText: await readFile(join(plotsDir, file.svg), 'utf8'),
      })),
    ),
  });
  await writeFile(join(out, 'report.html'), html);
  const results: CompareResults = {
    schema: RESULTS_SCHEMA,
    title,
    createdAt: new Date().toISOString(),
    backend,
    recipe,
    protocol: options.protocol,
    trainExamples: trainCount,
    testExamples: testCount,
    jobs: pooled ? jobs : 1,
    seeds,
    paperTable: comparison,
    summary,
    runs,
    files: {
      markdown: 'results.md',
      html: 'report.html',
      plots: plots.flatMap((p) => [
        `plots/${p.svg}`,
        ...(p.png === undefined ? [] : [`plots/${p.png}`]),
      ]),
      runs: runs.map((r) => relative(out, join(runsDir, runName(r)))),
    },
  };
  await writeFile(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  ctx.stdout.write(`\n${title}\n${settings.map((s) => `  ${s}\n`).join('')}\n${renderText(tbl)}\n`);
  ctx.stdout.write(notes.map((n) => `${n}\n`).join(''));
  ctx.stdout.write(
    `\nresults: ${join(out, 'results.md')}, ${join(out, 'report.html')}, plots in ${plotsDir}\n`,
  );
  return results;
}

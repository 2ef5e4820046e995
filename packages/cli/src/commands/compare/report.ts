import { mkdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { AttentionName } from '@sevar/layers';
import type { Context } from '../../context.js';
import { DATASETS } from '@sevar/datasets';
import { defaultRecipe, hasStem } from '../../engine/recipe.js';
import type { ProtocolName, Recipe } from '../../engine/recipe.js';
import { renderHtml } from '../../engine/report/html.js';
import {
  finalAccuracySpec,
  learningCurvesSpec,
  testCurvesSpec,
  writePlots,
} from '../../engine/report/plots.js';
import { summarize } from '../../engine/report/summary.js';
import type { SummaryRow } from '../../engine/report/summary.js';
import { comparisonTable, renderMarkdown, renderText } from '../../engine/report/table.js';
import { runName, writeJsonAtomic } from '../../engine/run-files.js';
import type { RunResult } from '../../engine/run-files.js';
import { findPaperTable } from '../../paper.js';
import type { PaperTable } from '../../paper.js';
import { writeFile } from 'node:fs/promises';

export const RESULTS_SCHEMA = 'sevar-compare-2';

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

/** What the report is about: the finished runs and how they were trained. */
export interface ReportInput {
  title: string;
  recipe: Recipe;
  protocol: ProtocolName;
  attentions: AttentionName[];
  seeds: number[];
  runs: RunResult[];
  backend: string;
  jobs: number;
  out: string;
}

/** Whether the run follows the paper table's protocol, and what differs when it does not. */
function paperComparison(recipe: Recipe, protocol: ProtocolName, table: PaperTable | null) {
  if (table === null) return null;
  const notes: string[] = [];
  if (protocol !== 'paper') notes.push(`protocol '${protocol}' is not the paper's`);
  else {
    const paper = defaultRecipe(recipe.model, recipe.dataset, 'paper');
    const differs = (k: keyof Recipe) => {
      if (recipe[k] !== paper[k])
        notes.push(`${k} ${String(recipe[k])} (paper: ${String(paper[k])})`);
    };
    for (const k of ['imageSize', 'batchSize', 'augment', 'stem'] as const) differs(k);
    if (recipe.model === 'cnn3') {
      for (const k of ['optimizer', 'lr', 'schedule', 'gamma', 'epochs'] as const) differs(k);
    } else if (recipe.epochs !== paper.epochs) {
      notes.push(`epochs ${recipe.epochs} (our paper-protocol default: ${paper.epochs})`);
    }
    if (recipe.limitTrain !== undefined)
      notes.push(`training on ${recipe.limitTrain} examples only`);
    if (recipe.limitTest !== undefined) notes.push(`testing on ${recipe.limitTest} examples only`);
  }
  return { name: table.name, caption: table.caption, comparable: notes.length === 0, notes };
}

function settingsLines(r: Recipe, backend: string, trainN: number, testN: number, seeds: number[]) {
  return [
    `model ${r.model}${hasStem(r.model) ? ` (${r.stem} stem)` : ''}, dataset ${r.dataset} (${trainN} train / ${testN} test images, ${r.imageSize}x${r.imageSize})`,
    `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}, batch ${r.batchSize}, ${r.optimizer} lr ${r.lr}` +
      (r.optimizer === 'sgd' ? ` momentum ${r.momentum}` : '') +
      (r.weightDecay > 0 ? ` weight decay ${r.weightDecay}` : '') +
      `, ${r.schedule} schedule${r.schedule === 'step' ? ` (x${r.gamma} per epoch)` : ''}, augment ${r.augment}`,
    `backend ${backend}; seeds ${seeds.join(', ')}`,
  ];
}

async function plotFiles(input: ReportInput, summary: SummaryRow[], ctx: Context) {
  const plotsDir = join(input.out, 'plots');
  await mkdir(plotsDir, { recursive: true });
  const { runs, attentions } = input;
  return writePlots(
    plotsDir,
    [
      {
        name: 'learning-curves',
        title: 'Learning curves per attention',
        spec: learningCurvesSpec(runs, attentions),
      },
      {
        name: 'test-accuracy',
        title: 'Test top-1 by epoch',
        spec: testCurvesSpec(runs, attentions),
      },
      {
        name: 'final-accuracy',
        title: 'Final test top-1 with spread over seeds',
        spec: finalAccuracySpec(summary, runs),
      },
    ],
    (m) => ctx.stderr.write(`warning: ${m}\n`),
  );
}

/** Writes results.md, report.html, plots/ and results.json; prints the table. */
export async function writeReport(input: ReportInput, ctx: Context): Promise<CompareResults> {
  const { recipe, runs, out, title } = input;
  const trainCount = runs[0]!.history[0]?.train.examples ?? 0;
  const testCount = runs[0]!.test.examples;
  const table = findPaperTable(recipe.model, recipe.dataset);
  const comparison = paperComparison(recipe, input.protocol, table);
  const summary = summarize(input.attentions, runs, table);
  const tbl = comparisonTable(summary, table !== null);
  const notes: string[] = [];
  if (comparison !== null) {
    notes.push(
      comparison.comparable
        ? `paper columns: ${comparison.caption}; this run follows the paper's protocol`
        : `paper columns: ${comparison.caption}; not directly comparable: ${comparison.notes.join(', ')}`,
    );
  }
  notes.push(`chance level: ${(100 / DATASETS[recipe.dataset].numClasses).toFixed(0)}% top-1`);
  const settings = settingsLines(recipe, input.backend, trainCount, testCount, input.seeds);
  const plots = await plotFiles(input, summary, ctx);
  const md =
    `# ${title}\n\n${settings.map((s) => `- ${s}`).join('\n')}\n\n${renderMarkdown(tbl)}\n` +
    `${notes.map((n) => `${n}\n`).join('\n')}\n` +
    plots.map((p) => `![${p.title}](plots/${p.svg})\n`).join('\n');
  await writeFile(join(out, 'results.md'), md);
  const svgs = await Promise.all(
    plots.map(async (file) => ({
      file,
      dir: 'plots',
      svgText: await readFile(join(out, 'plots', file.svg), 'utf8'),
    })),
  );
  await writeFile(
    join(out, 'report.html'),
    renderHtml({ title, settings, table: tbl, notes, plots: svgs }),
  );
  const results: CompareResults = {
    schema: RESULTS_SCHEMA,
    title,
    createdAt: new Date().toISOString(),
    backend: input.backend,
    recipe,
    protocol: input.protocol,
    trainExamples: trainCount,
    testExamples: testCount,
    jobs: input.jobs,
    seeds: input.seeds,
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
      runs: runs.map((r) => relative(out, join(out, 'runs', runName(r)))),
    },
  };
  await writeJsonAtomic(join(out, 'results.json'), results);
  ctx.stdout.write(`\n${title}\n${settings.map((s) => `  ${s}\n`).join('')}\n${renderText(tbl)}\n`);
  ctx.stdout.write(notes.map((n) => `${n}\n`).join(''));
  ctx.stdout.write(
    `\nresults: ${join(out, 'results.md')}, ${join(out, 'report.html')}, plots in ${join(out, 'plots')}\n`,
  );
  return results;
}

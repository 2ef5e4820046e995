// `sevar sweep collect`: the results folder `sevar compare` writes (results.json, tables, plots,
// report.html, runs/), one per (model, dataset) of the sweep, from the runs that finished.
import { cp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AttentionName } from '@sevar/layers';
import type { CompareResults } from '../commands/compare/report.js';
import { writeReport } from '../commands/compare/report.js';
import type { Context } from '../context.js';
import { withFolderLock } from '../engine/lock.js';
import {
  readRunSpec,
  RUN_FILES,
  runName,
  RunSettingsError,
  specDifferences,
} from '../engine/run-files.js';
import type { RunResult, RunSpec } from '../engine/run-files.js';
import { CliError } from '../errors.js';
import { runLabel, storeRunDir } from './jobs.js';
import type { FoundSweep, RunState } from './sweeps.js';
import { findSweep, runStates } from './sweeps.js';
import { withQueues } from './queues.js';
import type { QueueTarget } from './queue-url.js';

export interface CollectOptions {
  target: QueueTarget;
  sweep?: string;
  /** Results folder (one subfolder per model and dataset when the sweep has several). */
  out: string;
  /** The workers' store, to copy each run's files into `runs/`; without it only the report. */
  store?: string;
}

export interface CollectResult {
  sweepId: string;
  /** The results folders written, with what each holds. */
  folders: { out: string; results: CompareResults }[];
  /** Runs without a result yet, as `label (state)`. */
  missing: string[];
}

/** The runs of the sweep per (model, dataset), in the sweep's order. */
function groups(states: RunState[]): RunState[][] {
  const byKey = new Map<string, RunState[]>();
  for (const s of states) {
    const key = `${s.run.spec.recipe.model}/${s.run.spec.recipe.dataset}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  return [...byKey.values()];
}

/** Copies a finished run's files (not its checkpoints) from the store into `dir`. */
async function copyRun(store: string, id: string, spec: RunSpec, dir: string): Promise<void> {
  const stored = existsSync(join(dir, RUN_FILES.spec)) ? await readRunSpec(dir) : null;
  if (stored !== null && specDifferences(stored, spec).length > 0) {
    throw new RunSettingsError(join(dir, RUN_FILES.spec), specDifferences(stored, spec));
  }
  const from = storeRunDir(store, id);
  for (const f of [RUN_FILES.spec, RUN_FILES.log, RUN_FILES.result, RUN_FILES.model]) {
    if (!existsSync(join(from, f))) continue;
    await rm(join(dir, f), { recursive: true, force: true });
    await cp(join(from, f), join(dir, f), { recursive: true });
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

async function collectGroup(
  sweep: FoundSweep,
  group: RunState[],
  out: string,
  options: CollectOptions,
  ctx: Context,
): Promise<CompareResults> {
  const done = group.filter((s) => s.value !== null);
  const { recipe } = done[0]!.run.spec;
  return withFolderLock(out, async () => {
    if (options.store !== undefined) {
      for (const s of done) {
        await copyRun(
          resolve(options.store),
          s.run.id,
          s.run.spec,
          join(out, 'runs', runName(s.run.spec)),
        );
      }
    }
    const runs: RunResult[] = done.map((s) => s.value!.result);
    return writeReport(
      {
        title: sweep.data.title,
        recipe,
        protocol: sweep.data.protocol,
        attentions: unique(group.map((s) => s.run.spec.attention)) as AttentionName[],
        seeds: unique(done.map((s) => s.run.spec.seed)).sort((a, b) => a - b),
        runs,
        backend: unique(runs.map((r) => r.backend)).join(', '),
        jobs: unique(done.map((s) => s.value!.worker)).length,
        out,
      },
      ctx,
    );
  });
}

/** Writes the results folder(s) of the sweep's finished runs and names the missing ones. */
export async function collectSweep(options: CollectOptions, ctx: Context): Promise<CollectResult> {
  const warn = (m: string) => ctx.stderr.write(`warning: ${m}\n`);
  const { sweep, states } = await withQueues(options.target, warn, async (queues) => {
    const found = await findSweep(queues, options.target.display, options.sweep);
    return { sweep: found, states: await runStates(queues, found) };
  });
  const missing = states
    .filter((s) => s.value === null)
    .map(
      (s) =>
        `${runLabel(s.run.spec)} (${s.state}${s.state === 'failed' ? `: ${s.job?.failedReason}` : ''})`,
    );
  const all = groups(states);
  const folders: CollectResult['folders'] = [];
  const out = resolve(options.out);
  for (const group of all) {
    const { model, dataset } = group[0]!.run.spec.recipe;
    const dir = all.length === 1 ? out : join(out, `${model}-${dataset}`);
    if (!group.some((s) => s.value !== null)) {
      ctx.stderr.write(
        `sevar sweep collect: no finished run of ${model} on ${dataset} yet; no report for it\n`,
      );
      continue;
    }
    folders.push({ out: dir, results: await collectGroup({ ...sweep }, group, dir, options, ctx) });
  }
  if (missing.length > 0) {
    ctx.stderr.write(
      `sevar sweep collect: ${missing.length} of ${states.length} runs missing: ${missing.join('; ')}\n`,
    );
  }
  if (folders.length === 0) {
    throw new CliError(`sweep ${sweep.id}: no run has finished yet; nothing to collect`, 1, {
      subject: sweep.id,
      hint: 'See `sevar sweep status`.',
    });
  }
  return { sweepId: sweep.id, folders, missing };
}

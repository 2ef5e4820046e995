import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '@sevar/trainer';
import { describeBackend, setBackend } from '../backend.js';
import type { Context } from '../context.js';
import { loadSplit } from '../data.js';
import type { Recipe } from '../recipe.js';
import { RUN_FILES, runOne } from '../run.js';
import type { RunResult } from '../run.js';

export interface TrainCommandOptions {
  recipe: Recipe;
  method: string;
  seed: number;
  backend: BackendName;
  out: string;
  fresh: boolean;
  dataDir?: string;
  download: boolean;
  /** Data-parallel worker threads for the run; 1 trains on this thread. */
  workers?: number;
}

/** Trains one model (resuming from `out` when it holds an unfinished run) and saves it. */
export async function trainCommand(o: TrainCommandOptions, ctx: Context): Promise<RunResult> {
  const info = await setBackend(o.backend, ctx);
  const { recipe } = o;
  const load = (split: 'train' | 'test', limit: number | undefined) =>
    loadSplit(recipe.dataset, split, {
      limit,
      dataDir: o.dataDir,
      download: o.download,
      progress: ctx.progress,
    });
  const [train, test] = await Promise.all([
    load('train', recipe.limitTrain),
    load('test', recipe.limitTest),
  ]);
  if (o.fresh) await rm(o.out, { recursive: true, force: true });
  const result = await runOne(
    { recipe, method: o.method, seed: o.seed },
    {
      dir: o.out,
      train,
      test,
      ctx,
      label: `${recipe.model}/${o.method}`,
      backend: describeBackend(info),
      workers: o.workers ?? 1,
    },
  );
  const t = result.test;
  ctx.stdout.write(
    `${recipe.model} ${o.method} on ${recipe.dataset}: test loss ${t.loss.toFixed(4)}, ` +
      `top-1 ${(t.top1 * 100).toFixed(2)}%, top-5 ${(t.top5 * 100).toFixed(2)}% ` +
      `(${t.examples} images); ${result.trainableParams.toLocaleString('en-US')} params; ` +
      `${result.trainImagesPerSecond.toFixed(0)} train img/s on ${result.backend}\n` +
      `model saved to ${join(o.out, RUN_FILES.model)}\n`,
  );
  return result;
}

import { join } from 'node:path';
import type { AttentionName } from '@sevar/layers';
import { describeBackend, oneWasmThreadUnlessAsked, setBackend } from '../../backend.js';
import type { Context } from '../../context.js';
import { loadSplit } from '../../data.js';
import { LOCK_FILE, withFolderLock } from '../../engine/lock.js';
import { deletePaths, RUN_FILES, runFilesToDelete } from '../../engine/run-files.js';
import type { RunResult } from '../../engine/run-files.js';
import { checkBuildable, runOne } from '../../engine/run.js';
import type { TrainingSettings } from '../../settings/training.js';

export interface TrainCommandOptions extends TrainingSettings {
  attention: AttentionName;
  /** Data-parallel worker threads for the run; 1 trains on this thread. */
  workers?: number;
}

function summary(o: TrainCommandOptions, result: RunResult): string {
  const t = result.test;
  return (
    `${o.recipe.model} ${o.attention} on ${o.recipe.dataset}: test loss ${t.loss.toFixed(4)}, ` +
    `top-1 ${(t.top1 * 100).toFixed(2)}%, top-5 ${(t.top5 * 100).toFixed(2)}% ` +
    `(${t.examples} images); ${result.trainableParams.toLocaleString('en-US')} params; ` +
    `${result.trainImagesPerSecond.toFixed(0)} train img/s on ${result.backend}\n` +
    `model saved to ${join(o.out, RUN_FILES.model)}\n`
  );
}

/**
 * Trains one model in the run folder `out` (resuming an unfinished run there, extending a
 * finished one to a larger `epochs`) and saves it. The folder is locked while it runs; `fresh`
 * deletes sevar's run files there first, and refuses a folder that holds no run.
 */
export async function trainCommand(o: TrainCommandOptions, ctx: Context): Promise<RunResult> {
  // Data-parallel workers use a core each; the main thread only sums their gradients. cnn3's
  // layers are too small to split: it trains faster on one wasm thread than on two.
  const oneThread = (o.workers ?? 1) > 1 || o.recipe.model === 'cnn3';
  const info = await setBackend(o.backend, ctx, oneThread ? oneWasmThreadUnlessAsked() : {});
  const { recipe } = o;
  checkBuildable(recipe, [o.attention]);
  return withFolderLock(o.out, async () => {
    if (o.fresh) await deletePaths(await runFilesToDelete(o.out, [LOCK_FILE]));
    const load = (split: 'train' | 'test', limit: number | undefined) =>
      loadSplit(recipe.dataset, split, { limit, ...o.data, progress: ctx.progress });
    const [train, test] = await Promise.all([
      load('train', recipe.limitTrain),
      load('test', recipe.limitTest),
    ]);
    const result = await runOne(
      { recipe, attention: o.attention, seed: o.seed },
      {
        dir: o.out,
        train,
        test,
        ctx,
        label: `${recipe.model}/${o.attention}`,
        backend: describeBackend(info),
        workers: o.workers ?? 1,
      },
    );
    ctx.stdout.write(summary(o, result));
    return result;
  });
}

// The grid of a sweep: models × datasets × attentions × seeds, one compare run each, with the
// recipe `sevar compare` would use for that model and dataset under the same flags.
import * as tf from '@tensorflow/tfjs-core';
import type { DatasetName } from '@sevar/datasets';
import type { AttentionName } from '@sevar/layers';
import type { ModelName } from '@sevar/models';
import { hasStem } from '../engine/recipe.js';
import type { Recipe } from '../engine/recipe.js';
import { checkBuildable } from '../engine/run.js';
import { UsageError } from '../errors.js';
import { buildRecipe } from '../settings/training.js';
import type { RecipeFlags } from '../settings/training.js';
import { runJobId } from './jobs.js';
import type { SweepRun } from './jobs.js';

export interface SweepGrid {
  models: ModelName[];
  datasets: DatasetName[];
  /** In the paper's order, `none` first (as `--attention` of compare parses them). */
  attentions: AttentionName[];
  /** The seeds of every (model, dataset, attention): `--seed`, `--seed + 1`, ... */
  seeds: number[];
}

/** The recipe of one (model, dataset) cell; `--stem` applies to the models that have one. */
function cellRecipe(model: ModelName, dataset: DatasetName, flags: RecipeFlags): Recipe {
  const cell = hasStem(model) ? flags : { ...flags, stem: undefined };
  return buildRecipe(model, dataset, cell);
}

/**
 * Every run of the grid, grouped by (model, dataset) and, inside a group, ordered as compare
 * orders its runs (seeds outer, attentions inner). Settings a model refuses fail here, before
 * anything is enqueued.
 */
export async function planSweep(grid: SweepGrid, flags: RecipeFlags): Promise<SweepRun[]> {
  if (flags.stem !== undefined && !grid.models.some(hasStem)) {
    throw new UsageError(
      '--stem',
      `a --models list with a model that has a stem`,
      grid.models.join(','),
    );
  }
  // Models are built (and dropped) on the cpu backend to check the settings.
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const runs: SweepRun[] = [];
  for (const model of grid.models) {
    for (const dataset of grid.datasets) {
      const recipe = cellRecipe(model, dataset, flags);
      checkBuildable(recipe, grid.attentions);
      for (const seed of grid.seeds) {
        for (const attention of grid.attentions) {
          const spec = { recipe, attention, seed };
          runs.push({ id: runJobId(spec), spec });
        }
      }
    }
  }
  return runs;
}

import type { Context } from '../../context.js';
import { PAPER_TABLES } from '../../paper.js';
import type { TableName } from '../../paper.js';
import type { ExperimentSettings } from '../../settings/experiment.js';
import type { TrainingSettings } from '../../settings/training.js';
import { compare } from '../compare/compare.js';
import type { CompareResults } from '../compare/compare.js';

/** One paper table: its recipe (after flag overrides) in `recipe`, and what to train. */
export interface ReproduceOptions extends TrainingSettings, ExperimentSettings {
  table: TableName;
}

/**
 * One paper table: every attention trained with the table's protocol, downloading data as
 * needed. Each run checkpoints every epoch; running the same command again skips finished runs
 * and resumes the unfinished one.
 */
export async function reproduce(o: ReproduceOptions, ctx: Context): Promise<CompareResults> {
  const { table, ...options } = o;
  const caption = PAPER_TABLES[table].caption;
  return compare({ ...options, title: `Reproducing "${caption}" (${o.protocol} protocol)` }, ctx);
}

import type { BackendName } from '@sevar/trainer';
import type { Context } from '../context.js';
import { PAPER_TABLES } from '../paper.js';
import type { TableName } from '../paper.js';
import type { ProtocolName, Recipe } from '../recipe.js';
import { compare } from './compare.js';
import type { CompareResults } from './compare.js';

export interface ReproduceOptions {
  table: TableName;
  protocol: ProtocolName;
  /** The table's recipe after flag overrides. */
  recipe: Recipe;
  methods: string[];
  seeds: number;
  jobs: number | 'auto';
  seed: number;
  backend: BackendName;
  out: string;
  fresh: boolean;
  dataDir?: string;
  download: boolean;
}

/**
 * One paper table: every method trained with the table's protocol, downloading data as needed.
 * Each run checkpoints every epoch; running the same command again skips finished runs and
 * resumes the unfinished one.
 */
export async function reproduce(o: ReproduceOptions, ctx: Context): Promise<CompareResults> {
  const table = PAPER_TABLES[o.table];
  return compare(
    {
      recipe: o.recipe,
      protocol: o.protocol,
      methods: o.methods,
      seeds: o.seeds,
      jobs: o.jobs,
      seed: o.seed,
      backend: o.backend,
      out: o.out,
      fresh: o.fresh,
      dataDir: o.dataDir,
      download: o.download,
      title: `Reproducing "${table.caption}" (${o.protocol} protocol)`,
    },
    ctx,
  );
}

// Programmatic entry of the `sevar` CLI: `main(args, ctx)` runs a command line in-process, and
// each command is a function of typed options.
export { benchCommand, BENCH_BACKENDS } from './commands/bench.js';
export { compare, parseMethods, RESULTS_SCHEMA } from './commands/compare.js';
export { datasetsDownload, datasetsInfo } from './commands/datasets.js';
export { evalCommand } from './commands/eval.js';
export { modelsCommand } from './commands/models.js';
export { reproduce } from './commands/reproduce.js';
export { trainCommand } from './commands/train.js';
export { variantsCommand } from './commands/variants.js';
export { bufferOutput, defaultContext, Interrupt } from './context.js';
export { DATASET_NAMES, loadSplit } from './data.js';
export { CliError, InterruptedError, MissingFileError, UsageError } from './errors.js';
export { loadModel, saveModel } from './model-io.js';
export { findPaperTable, PAPER_TABLES, TABLE_NAMES } from './paper.js';
export { buildProgram, main, VERSION } from './program.js';
export { AUGMENTS, defaultRecipe, PROTOCOLS, SCHEDULES } from './recipe.js';
export { allMethods, runOne, RUN_FILES } from './run.js';

export type { BenchOptions, BenchRow } from './commands/bench.js';
export type { CompareOptions, CompareResults } from './commands/compare.js';
export type { DatasetInfo } from './commands/datasets.js';
export type { EvalCommandOptions } from './commands/eval.js';
export type { ModelRow, ModelsOptions } from './commands/models.js';
export type { ReproduceOptions } from './commands/reproduce.js';
export type { TrainCommandOptions } from './commands/train.js';
export type { VariantRow, VariantsOptions } from './commands/variants.js';
export type { Context, Output } from './context.js';
export type { DatasetName, LoadOptions } from './data.js';
export type { PaperRow, PaperTable, TableName } from './paper.js';
export type { AugmentName, ProtocolName, Recipe, ScheduleName } from './recipe.js';
export type { RunOptions, RunResult, RunSpec } from './run.js';
export type { Stat, SummaryRow } from './report/summary.js';

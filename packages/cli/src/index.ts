// Programmatic entry of the `sevar` CLI: `main(args, ctx)` runs a command line in-process, and
// each command is a function of typed options.
export { benchCommand, BENCH_BACKENDS } from './commands/bench/index.js';
export { compare } from './commands/compare/index.js';
export { RESULTS_SCHEMA } from './commands/compare/report.js';
export { datasetsDownload, datasetsInfo } from './commands/datasets/index.js';
export { evalCommand } from './commands/eval/index.js';
export { modelsCommand } from './commands/models/index.js';
export { reproduce } from './commands/reproduce/index.js';
export { collectSweep, submitSweep, sweepStatus } from './commands/sweep/index.js';
export { defaultConcurrency } from './commands/worker/index.js';
export { trainCommand } from './commands/train/index.js';
export { variantsCommand } from './commands/variants/index.js';
export { bufferOutput, defaultContext, Interrupt } from './context.js';
export { DATASET_NAMES, loadSplit } from './data.js';
export { FolderLockedError, LOCK_FILE, lockFolder } from './engine/lock.js';
export { AUGMENTS, defaultRecipe, PROTOCOLS, SCHEDULES } from './engine/recipe.js';
export {
  readRunResult,
  readRunSpec,
  RUN_FILES,
  RunFileError,
  RunSettingsError,
} from './engine/run-files.js';
export { runOne } from './engine/run.js';
export { CliError, InterruptedError, MissingFileError, UsageError } from './errors.js';
export { loadModel, saveModel } from './model-io.js';
export { findPaperTable, PAPER_TABLES, TABLE_NAMES } from './paper.js';
export { main, USAGE_EXIT_CODE } from './main.js';
export { buildProgram, VERSION } from './program.js';
export { parseAttention, parseAttentionList } from './settings/attention.js';
export { parseTrainingSettings } from './settings/training.js';
export { QueueConnectionError, SweepJobDataError, SweepNotFoundError } from './sweep/errors.js';
export { RUN_ID_PATTERN, runJobId, sweepJobId } from './sweep/jobs.js';
export { planSweep } from './sweep/plan.js';
export { parseQueueUrl, QUEUE_ENV } from './sweep/queue-url.js';
export { runWorker } from './sweep/worker.js';

export type { BenchOptions, BenchRow } from './commands/bench/index.js';
export type { CompareOptions, CompareResults } from './commands/compare/index.js';
export type { DatasetInfo } from './commands/datasets/index.js';
export type { EvalCommandOptions } from './commands/eval/index.js';
export type { ModelRow, ModelsOptions } from './commands/models/index.js';
export type { ReproduceOptions } from './commands/reproduce/index.js';
export type { TrainCommandOptions } from './commands/train/index.js';
export type { VariantRow, VariantsOptions } from './commands/variants/index.js';
export type { Context, Output } from './context.js';
export type { DatasetName, LoadOptions } from './data.js';
export type { AugmentName, ProtocolName, Recipe, ScheduleName } from './engine/recipe.js';
export type { Stat, SummaryRow } from './engine/report/summary.js';
export type { RunResult, RunSpec } from './engine/run-files.js';
export type { RunOptions } from './engine/run.js';
export type { PaperRow, PaperTable, TableName } from './paper.js';
export type { ExperimentSettings, Jobs } from './settings/experiment.js';
export type { DataSettings, TrainingFlags, TrainingSettings } from './settings/training.js';
export type { CollectOptions, CollectResult } from './sweep/collect.js';
export type { RunJobData, RunJobResult, SweepJobData, SweepRun } from './sweep/jobs.js';
export type { SweepGrid } from './sweep/plan.js';
export type { QueueTarget } from './sweep/queue-url.js';
export type { StatusOptions, SweepStatus } from './sweep/status.js';
export type { SubmitOptions, SubmitResult } from './sweep/submit.js';
export type { WorkerOptions, WorkerSummary } from './sweep/worker.js';

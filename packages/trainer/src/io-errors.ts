// Errors about the trainer's data, files and memory. Each says what was expected and what was
// received, names the file or source involved and, where a library option would help, names that
// option in `hintOption` (see `SevarError`) so that a front end (the CLI) can print its own flag.
import type { HintOption } from '@sevar/core';
import { CheckpointError, TrainerError } from './errors.js';

export type { HintOption };

/** A data source yielded no batches for an epoch (an empty split trains to a meaningless loss 0). */
export class EmptyDataError extends TrainerError {
  constructor(
    /** The source, as the option that held it: `'train: data.train'`, `'evaluate: source'`. */
    readonly source: string,
    /** 1-based epoch whose iteration was empty. */
    readonly epoch: number,
  ) {
    super({
      subject: source,
      expected: `at least one batch of examples in epoch ${epoch}`,
      received: 0,
      hint: 'Check that the split holds examples.',
    });
    this.name = 'EmptyDataError';
  }
}

/** Writing a file failed (disk full, permissions, a missing directory). */
export class FileWriteError extends TrainerError {
  /** The system error code (`'ENOSPC'`, `'EACCES'`, ...) when there is one. */
  readonly code: string | undefined;
  constructor(
    /** The file whose write failed. */
    readonly file: string,
    /** What the file is: `'checkpoint'`, `'log'`, `'model'`. */
    readonly what: string,
    cause: unknown,
    hint?: string,
    hintOption?: HintOption,
  ) {
    super(`cannot write ${what} file ${file}: ${describeCause(cause)}`, {
      subject: file,
      hint,
      hintOption,
      cause,
    });
    this.name = 'FileWriteError';
    const code = (cause as { code?: unknown } | null)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * Writing a checkpoint failed. Checkpoints are written to a temporary directory renamed into
 * place, so `previous` (the checkpoint `latest` named before) is untouched and loads.
 */
export class CheckpointWriteError extends FileWriteError {
  /** Its `hintOption`: resume from the intact previous checkpoint (`resume: true`), if any. */
  constructor(
    file: string,
    /** The newest complete checkpoint, or null when none had been written. */
    readonly previous: string | null,
    cause: unknown,
  ) {
    super(
      file,
      'checkpoint',
      cause,
      previous === null
        ? 'No earlier checkpoint exists.'
        : `The previous checkpoint ${previous} is intact; free space and run again with resume: true to continue from it.`,
      previous === null ? undefined : { option: 'resume', value: true },
    );
    this.name = 'CheckpointWriteError';
  }
}

/** One checkpoint that could not be read, and why. */
export interface CheckpointAttempt {
  path: string;
  reason: string;
}

/** Every checkpoint in the directory failed to load: resuming is impossible, starting over is not. */
export class NoUsableCheckpointError extends CheckpointError {
  /** Its `hintOption`: `resume: false` trains from scratch and replaces the unreadable ones. */
  constructor(
    readonly dir: string,
    /** Each checkpoint tried, newest first. */
    readonly tried: CheckpointAttempt[],
  ) {
    super(
      dir,
      `expected a readable checkpoint, received ${tried.length} unreadable ` +
        `(${tried.map((t) => `${t.path}: ${t.reason}`).join('; ')})`,
      {
        hint: 'Start fresh with resume: false (the new run replaces them), or restore them from a backup.',
        hintOption: { option: 'resume', value: false },
      },
    );
    this.name = 'NoUsableCheckpointError';
  }
}

/** What the backend was doing when it ran out of memory. */
export type OutOfMemoryPhase = 'training' | 'evaluation';

/**
 * The backend ran out of memory during a training step or an evaluation batch (wasm: "memory
 * access out of bounds").
 */
export class BackendOutOfMemoryError extends TrainerError {
  /** Its `hintOption`: a smaller batch, half the one that failed. */
  constructor(
    readonly backend: string,
    /** Examples in the batch that failed. */
    readonly batchSize: number,
    cause: unknown,
    readonly phase: OutOfMemoryPhase = 'training',
  ) {
    const smaller = Math.max(1, Math.floor(batchSize / 2));
    const during = phase === 'training' ? 'a training step' : 'evaluation';
    super(
      `backend '${backend}' ran out of memory during ${during} with batch size ` +
        `${batchSize} (${describeCause(cause)})`,
      {
        subject: backend,
        hint: `Use a smaller batch size, e.g. batchSize: ${smaller}.`,
        hintOption: { option: 'batchSize', value: smaller },
        cause,
      },
    );
    this.name = 'BackendOutOfMemoryError';
  }
}

/** Why a saved model folder could not be loaded. */
export type ModelFileProblem =
  | 'missing'
  | 'invalid'
  | 'checksum'
  | 'truncated'
  | 'extra-bytes'
  | 'outside-folder'
  | 'unloadable';

/**
 * A saved model (`model.json`, its weights files, `checksums.json`) is missing, corrupt or
 * invalid. `subject` is the file at fault; `expected` and `received` say what was wrong.
 */
export class ModelFileError extends TrainerError {
  constructor(
    /** The file at fault. */
    readonly file: string,
    readonly problem: ModelFileProblem,
    expected: string,
    received: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(`${file}: expected ${expected}, received ${received}`, {
      subject: file,
      expected,
      received,
      hint: options?.hint,
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = 'ModelFileError';
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

/**
 * True for the errors a backend throws when it runs out of memory: wasm's "memory access out of
 * bounds" (a `WebAssembly.RuntimeError`), its failed heap growth (a `RangeError`), emscripten's
 * OOM abort, and allocation failures.
 */
export function isOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /memory access out of bounds|out of memory|Aborted\(OOM\)|Cannot enlarge memory|allocation failed|Maximum memory size exceeded|Array buffer allocation/i.test(
    error.message,
  );
}

import { SevarError } from '@sevar/core';
import type { HintOption, SevarErrorFacts } from '@sevar/core';

/** Base class of every error thrown by `@sevar/trainer`, so callers can catch them as one family. */
export class TrainerError extends SevarError {
  static override readonly packageName: string = '@sevar/trainer';

  /** A message (with optional facts such as `cause` and `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'TrainerError';
  }
}

/** An option had a value outside what the named function accepts. */
export class InvalidOptionError extends TrainerError {
  constructor(
    readonly option: string,
    expected: string,
    received: unknown,
    hint?: string,
  ) {
    super({ subject: option, expected, received, hint });
    this.name = 'InvalidOptionError';
  }
}

/** The requested backend package is not installed; the message says how to install it. */
export class BackendNotInstalledError extends TrainerError {
  constructor(
    readonly backend: string,
    /** The npm package that provides the backend, e.g. `@tensorflow/tfjs-node`. */
    readonly missingPackage: string,
    options?: { cause?: unknown },
  ) {
    super(`backend '${backend}' needs the package ${missingPackage}, which is not installed`, {
      subject: backend,
      hint:
        `Run \`npm install ${missingPackage}\` ` +
        '(it must use the same @tensorflow/tfjs-core version as your app).',
      cause: options?.cause,
    });
    this.name = 'BackendNotInstalledError';
  }
}

/**
 * True when the error says that `pkg` itself is missing (Node: ERR_MODULE_NOT_FOUND "Cannot find
 * package"; bundlers such as Vite: "Could not resolve"), not that something inside it failed.
 */
export function isMissingPackage(error: unknown, pkg: string): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  const namesPkg = message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`);
  return (
    namesPkg &&
    (code === 'ERR_MODULE_NOT_FOUND' ||
      code === 'MODULE_NOT_FOUND' ||
      /Cannot find (package|module)|Could not resolve|Failed to resolve/.test(message))
  );
}

/** The backend package loaded but the backend could not be initialised or did not become active. */
export class BackendInitError extends TrainerError {
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`backend '${backend}': ${message}`, { subject: backend, cause: options?.cause });
    this.name = 'BackendInitError';
  }
}

/**
 * The training loss became NaN or infinite. The step that produced it was not applied, unless
 * the run read its losses every few steps (`readEvery`): then `applied` counts the steps, this
 * one included, that were applied before the loss was read.
 */
export class NonFiniteLossError extends TrainerError {
  /** Its `hintOption`: half the run's initial learning rate (`lr`), when that is known. */
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly value: number,
    readonly lastCheckpoint: string | null,
    /** The run's initial learning rate (its schedule's `lr`); null when unknown. */
    readonly initialLr: number | null = null,
    readonly applied = 0,
  ) {
    const lower = initialLr === null ? null : initialLr / 2;
    super(
      `training loss became ${value} at epoch ${epoch}, step ${step}; expected a finite loss. ` +
        (applied === 0
          ? 'The step was not applied. '
          : `Read ${applied} step(s) late (readEvery): the model's weights are no longer ` +
            'finite; resume from the last checkpoint. ') +
        (lastCheckpoint === null
          ? 'No checkpoint was written yet.'
          : `Last good checkpoint: ${lastCheckpoint}.`),
      {
        subject: `epoch ${epoch}, step ${step}`,
        expected: 'a finite loss',
        received: value,
        hint:
          lower === null
            ? 'Lower the learning rate or check the data.'
            : `Lower the learning rate (e.g. lr: ${lower}) or check the data.`,
        hintOption: lower === null ? undefined : { option: 'lr', value: lower },
      },
    );
    this.name = 'NonFiniteLossError';
  }
}

/** No usable checkpoint could be read (missing, or every candidate failed verification). */
export class CheckpointError extends TrainerError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown; hint?: string; hintOption?: HintOption },
  ) {
    super(`checkpoint ${path}: ${message}`, {
      subject: path,
      cause: options?.cause,
      hint: options?.hint,
      hintOption: options?.hintOption,
    });
    this.name = 'CheckpointError';
  }
}

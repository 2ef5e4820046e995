/** Base class of every error thrown by `@sevar/trainer`, so callers can catch them as one family. */
export class TrainerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainerError';
  }
}

/** An option had a value outside what the named function accepts. */
export class InvalidOptionError extends TrainerError {
  constructor(
    readonly option: string,
    expected: string,
    received: unknown,
  ) {
    super(`${option}: expected ${expected}, received ${describe(received)}`);
    this.name = 'InvalidOptionError';
  }
}

/** The requested backend package is not installed; the message says how to install it. */
export class BackendNotInstalledError extends TrainerError {
  constructor(
    readonly backend: string,
    readonly packageName: string,
    options?: { cause?: unknown },
  ) {
    super(
      `backend '${backend}' needs the package ${packageName}, which is not installed; ` +
        `run \`npm install ${packageName}\` (it must use the same @tensorflow/tfjs-core version as your app)`,
      options,
    );
    this.name = 'BackendNotInstalledError';
  }
}

/** The backend package loaded but the backend could not be initialised or did not become active. */
export class BackendInitError extends TrainerError {
  constructor(
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`backend '${backend}': ${message}`, options);
    this.name = 'BackendInitError';
  }
}

/** The training loss became NaN or infinite; the step that produced it was not applied. */
export class NonFiniteLossError extends TrainerError {
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly value: number,
    readonly lastCheckpoint: string | null,
  ) {
    super(
      `training loss became ${value} at epoch ${epoch}, step ${step}; expected a finite loss. ` +
        `The step was not applied. ` +
        (lastCheckpoint === null
          ? 'No checkpoint was written yet.'
          : `Last good checkpoint: ${lastCheckpoint}.`) +
        ' Lower the learning rate or check the data.',
    );
    this.name = 'NonFiniteLossError';
  }
}

/** No usable checkpoint could be read (missing, or every candidate failed verification). */
export class CheckpointError extends TrainerError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`checkpoint ${path}: ${message}`, options);
    this.name = 'CheckpointError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  return String(value);
}

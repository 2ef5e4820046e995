/** Base of every error the CLI raises itself; `sevar` prints its message on one line and exits 1. */
export class CliError extends Error {
  /** Process exit code for this error. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A flag or argument had a value the command does not accept (exit code 2, like commander). */
export class UsageError extends CliError {
  constructor(option: string, expected: string, received: unknown) {
    super(`${option}: expected ${expected}, received ${JSON.stringify(received)}`, 2);
    this.name = 'UsageError';
  }
}

/** A file or directory the command needs does not exist or is not what was expected. */
export class MissingFileError extends CliError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${what} not found: ${path}`);
    this.name = 'MissingFileError';
  }
}

/** The user pressed Ctrl-C; the run stopped after its last checkpoint (exit code 130). */
export class InterruptedError extends CliError {
  constructor(message: string) {
    super(message, 130);
    this.name = 'InterruptedError';
  }
}

import { SevarError } from '@sevar/core';
import type { SevarErrorFacts } from '@sevar/core';

/** Base of every error the CLI raises itself; `sevar` prints its message on one line and exits 1. */
export class CliError extends SevarError {
  static override readonly packageName: string = '@sevar/cli';

  /** Process exit code for this error. */
  readonly exitCode: number;

  /** A message (with optional facts such as `cause` and `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, exitCode = 1, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A flag or argument had a value the command does not accept (exit code 2, like commander). */
export class UsageError extends CliError {
  constructor(option: string, expected: string, received: unknown, hint?: string) {
    super({ subject: option, expected, received, hint }, 2);
    this.name = 'UsageError';
  }
}

/** A file or directory the command needs does not exist or is not what was expected. */
export class MissingFileError extends CliError {
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${what} not found: ${path}`, 1, { subject: path });
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

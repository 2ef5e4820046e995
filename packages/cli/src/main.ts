import { CommanderError } from 'commander';
import { isSevarError } from '@sevar/core';
import type { Context } from './context.js';
import { CliError } from './errors.js';
import { cliText } from './library-flags.js';
import { buildProgram } from './program.js';

/** Exit code of every flag or usage error, commander's and ours alike. */
export const USAGE_EXIT_CODE = 2;

/**
 * Errors of the sevar packages (every package's carry the `@sevar/core` marker): shown as one
 * line, which names the option, file or variant involved.
 */
function isKnownError(error: unknown): error is Error {
  return isSevarError(error);
}

/** Prints `error` as one line (the stack with SEVAR_DEBUG=1) and returns the exit code. */
function report(error: unknown, ctx: Context): number {
  // Commander printed its own message; help and version exit 0.
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
  const debug = process.env['SEVAR_DEBUG'] === '1';
  const stack = (error as Error)?.stack;
  if (isKnownError(error)) {
    ctx.stderr.write(`error: ${cliText(error)}\n`);
    if (debug) ctx.stderr.write(`${stack}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
  ctx.stderr.write(
    `error: ${cliText(error)}\n` +
      (debug ? `${stack}\n` : '(set SEVAR_DEBUG=1 for the stack trace)\n'),
  );
  return 1;
}

/**
 * Runs `sevar` with `args` (without the node and script paths) and resolves to the exit code.
 * Never throws and never calls `process.exit`, so tests can run commands in-process.
 */
export async function main(args: readonly string[], ctx: Context): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return 0;
  } catch (error) {
    return report(error, ctx);
  }
}

import type { Command } from 'commander';
import type { Context } from '../context.js';

/** What a command's registration gets besides the program. */
export interface CommandHost {
  ctx: Context;
  /** `ctx` with progress bars as the global `--no-progress` flag says. */
  withProgress(): Context;
}

/** Adds one command (its flags, their parsing and its action) to `program`. */
export type RegisterCommand = (program: Command, host: CommandHost) => void;

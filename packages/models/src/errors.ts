import { SevarError } from '@sevar/core';
import type { SevarErrorFacts } from '@sevar/core';

/** Base class of every error thrown by `@sevar/models`, so callers can catch them as a family. */
export class SevarModelsError extends SevarError {
  static override readonly packageName: string = '@sevar/models';

  /** A message (with optional facts such as `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = new.target.name;
  }
}

/** A model option that is missing, of the wrong type or out of range. */
export class ModelConfigError extends SevarModelsError {
  readonly model: string;
  readonly option: string;

  constructor(model: string, option: string, expected: string, received: unknown, hint?: string) {
    super({ subject: `${model}: option '${option}'`, expected, received, hint });
    this.model = model;
    this.option = option;
  }
}

/** An `attention` option that names no `@sevar/layers` variant. */
export class UnknownAttentionError extends ModelConfigError {
  /** The received name, as a string. */
  override readonly received: string;
  readonly validNames: readonly string[];

  constructor(model: string, received: unknown, validNames: readonly string[]) {
    super(model, 'attention', `null or one of ${quoteList(validNames)}`, received);
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** A model name that is not in the zoo. */
export class UnknownModelError extends SevarModelsError {
  /** The received name, as a string. */
  override readonly received: string;
  readonly validNames: readonly string[];

  constructor(received: unknown, validNames: readonly string[]) {
    super({ subject: 'model', expected: `one of ${quoteList(validNames)}`, received });
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** `'a', 'b', 'c'` */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

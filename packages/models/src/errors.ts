/** Base class of every error thrown by `@sevar/models`, so callers can catch them as a family. */
export class SevarModelsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A model option that is missing, of the wrong type or out of range. */
export class ModelConfigError extends SevarModelsError {
  readonly model: string;
  readonly option: string;

  constructor(model: string, option: string, expected: string, received: unknown) {
    super(`${model}: option '${option}' must be ${expected}; received ${describeValue(received)}.`);
    this.model = model;
    this.option = option;
  }
}

/** An `attention` option that names no `@sevar/layers` variant. */
export class UnknownAttentionError extends ModelConfigError {
  readonly received: string;
  readonly validNames: readonly string[];

  constructor(model: string, received: unknown, validNames: readonly string[]) {
    super(model, 'attention', `null or one of ${quoteList(validNames)}`, received);
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** A model name that is not in the zoo. */
export class UnknownModelError extends SevarModelsError {
  readonly received: string;
  readonly validNames: readonly string[];

  constructor(received: unknown, validNames: readonly string[]) {
    super(`Unknown model ${describeValue(received)}: expected one of ${quoteList(validNames)}.`);
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** `'a', 'b', 'c'` */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** Human-readable rendering of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name}` : JSON.stringify(value);
  }
  return String(value);
}

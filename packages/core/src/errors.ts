import { renderValue } from './render.js';

/**
 * Marker every sevar error carries on its prototype chain. `Symbol.for` makes it the same
 * symbol in every copy of this package, so {@link isSevarError} recognises errors thrown by a
 * second installed copy, where `instanceof` would not.
 */
export const SEVAR_ERROR: unique symbol = Symbol.for('sevar.error');

/**
 * A library option that avoids the error and the value to give it, so that a front end (the
 * CLI) can name its own flag for it instead of the library option the hint speaks of.
 */
export interface HintOption {
  option: string;
  value: unknown;
}

/** The facts an error reports; every one is optional and readable on the error afterwards. */
export interface SevarErrorFacts {
  /** What the error is about: the file, option, variant or dataset involved. */
  subject?: string;
  /** What was expected, in words: `"an integer >= 1"`, `"30730000 bytes"`. */
  expected?: string;
  /** The value actually received; rendered readably in the message. */
  received?: unknown;
  /** What the user can do about it, appended to the message as its own sentence. */
  hint?: string;
  /** The option `hint` advises setting, in structured form. */
  hintOption?: HintOption;
  /** The underlying error, if any (standard `Error.cause`). */
  cause?: unknown;
}

/**
 * Base of every error the sevar packages throw. Built from facts, the message reads
 * `"<subject>: expected <expected>, received <received>. <hint>"`; built from a message, it is
 * that message followed by the hint. Each package family extends it and names itself in the
 * static `packageName`.
 *
 * @example
 * throw new SevarError({ subject: 'reduction', expected: 'an integer >= 1', received: 0 });
 * // message: 'reduction: expected an integer >= 1, received 0'
 */
export class SevarError extends Error {
  /** The package whose code threw; each family's base class overrides it. */
  static readonly packageName: string = '@sevar/core';

  readonly subject: string | undefined;
  readonly expected: string | undefined;
  readonly received: unknown;
  readonly hint: string | undefined;
  /** The option the hint advises setting; null when the hint names none. */
  readonly hintOption: HintOption | null;

  /** An error built from facts: the message is composed from them. */
  constructor(facts: SevarErrorFacts);
  /** An error whose message is not expected/received shaped; `facts` are kept as fields. */
  constructor(message: string, facts?: SevarErrorFacts);
  /** Either form, for subclasses that pass their arguments through. */
  constructor(what: string | SevarErrorFacts, facts?: SevarErrorFacts);
  constructor(what: string | SevarErrorFacts, more: SevarErrorFacts = {}) {
    const facts = typeof what === 'string' ? more : what;
    const lead = typeof what === 'string' ? what : composeFacts(facts);
    super(
      appendHint(lead, facts.hint),
      facts.cause === undefined ? undefined : { cause: facts.cause },
    );
    this.name = 'SevarError';
    this.subject = facts.subject;
    this.expected = facts.expected;
    this.received = facts.received;
    this.hint = facts.hint;
    this.hintOption = facts.hintOption ?? null;
  }

  /** The npm package of the error's family, e.g. `'@sevar/layers'`. */
  get packageName(): string {
    return (this.constructor as typeof SevarError).packageName;
  }

  /** The user-facing text on one line: what was expected, what was received, what to do. */
  describe(): string {
    return this.message.replace(/\s*\n\s*/g, ' ').trim();
  }
}

Object.defineProperty(SevarError.prototype, SEVAR_ERROR, { value: true });

/** True for an error thrown by any sevar package, from any installed copy of it. */
export function isSevarError(error: unknown): error is SevarError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [SEVAR_ERROR]?: unknown })[SEVAR_ERROR] === true
  );
}

function composeFacts(facts: SevarErrorFacts): string {
  const parts: string[] = [];
  if (facts.expected !== undefined) parts.push(`expected ${facts.expected}`);
  if ('received' in facts) parts.push(`received ${renderValue(facts.received)}`);
  const body = parts.join(', ');
  if (facts.subject === undefined) return body;
  return body === '' ? facts.subject : `${facts.subject}: ${body}`;
}

function appendHint(message: string, hint: string | undefined): string {
  if (hint === undefined || hint === '') return message;
  if (message === '') return hint;
  return /[.!?]$/.test(message) ? `${message} ${hint}` : `${message}. ${hint}`;
}

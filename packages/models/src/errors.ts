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

/** Base class of the errors of `withAttention`: the model cannot be rewritten as asked. */
export class ModelRewriteError extends SevarModelsError {
  /** The layer involved, when there is one. */
  readonly layer: string | undefined;

  constructor(facts: SevarErrorFacts, layer?: string) {
    super(facts);
    this.layer = layer;
  }
}

/** An `after` layer name that is not in the model. */
export class UnknownLayerError extends ModelRewriteError {
  /** The received name, as a string. */
  override readonly received: string;

  constructor(model: string, received: unknown, suggestion: string | undefined) {
    super({
      subject: `withAttention: option 'after' of model '${model}'`,
      expected: 'names of layers of the model (model.layers[i].name)',
      received,
      hint: suggestion === undefined ? undefined : `Did you mean '${suggestion}'?`,
    });
    this.received = String(received);
  }
}

/** A chosen layer whose output an attention module cannot take (not NHWC 4-D, no channels). */
export class AttentionSiteError extends ModelRewriteError {
  constructor(model: string, layer: string, received: unknown) {
    super(
      {
        subject: `withAttention: layer '${layer}' of model '${model}'`,
        expected: 'a rank-4 NHWC output [batch, height, width, channels] with known channels',
        received,
      },
      layer,
    );
  }
}

/** A graph `withAttention` cannot rewrite: nested models, shared or multi-output layers, ... */
export class UnsupportedGraphError extends ModelRewriteError {
  constructor(model: string, expected: string, received: unknown, layer?: string, hint?: string) {
    super(
      {
        subject:
          layer === undefined
            ? `withAttention: model '${model}'`
            : `withAttention: layer '${layer}' of model '${model}'`,
        expected,
        received,
        hint,
      },
      layer,
    );
  }
}

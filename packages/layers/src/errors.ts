import { SevarError } from '@sevar/core';
import type { SevarErrorFacts } from '@sevar/core';

/** Base class of every error thrown by `@sevar/layers`, so callers can catch them as a family. */
export class SevarLayersError extends SevarError {
  static override readonly packageName: string = '@sevar/layers';

  /** A message (with optional facts such as `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = new.target.name;
  }
}

/** `'a', 'b', 'c'` */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => `'${n}'`).join(', ');
}

/** A registry key that names no module. */
export class UnknownVariantError extends SevarLayersError {
  /** The received name, as a string. */
  override readonly received: string;
  readonly validNames: readonly string[];

  constructor(received: unknown, validNames: readonly string[]) {
    super({ subject: 'attention module', expected: `one of ${quoteList(validNames)}`, received });
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** An option that is missing, of the wrong type or out of range for a variant. */
export class AttentionConfigError extends SevarLayersError {
  readonly variant: string;
  readonly option: string;

  constructor(
    variant: string,
    option: string,
    expected: string,
    received: unknown,
    more: { hint?: string; subject?: string } = {},
  ) {
    super({
      subject: more.subject ?? `${variant}: option '${option}'`,
      expected,
      received,
      hint: more.hint,
    });
    this.variant = variant;
    this.option = option;
  }
}

/**
 * An option key the variant does not take: a typo (`reducton`) or an option of another variant
 * (`bumpKind` on `se`). Lists the keys the variant accepts and suggests the closest one.
 */
export class UnknownOptionError extends AttentionConfigError {
  /** Every option key the variant accepts, tfjs layer arguments included. */
  readonly validOptions: readonly string[];
  /** The accepted key closest to the received one, if one is close. */
  readonly suggestion: string | undefined;

  constructor(
    variant: string,
    option: string,
    validOptions: readonly string[],
    suggestion: string | undefined,
    ownerVariants: readonly string[] = [],
  ) {
    const hint =
      ownerVariants.length > 0
        ? `'${option}' is an option of ${quoteList(ownerVariants)}, not of '${variant}'.`
        : suggestion !== undefined
          ? `Did you mean '${suggestion}'?`
          : undefined;
    super(variant, option, `an option of '${variant}' (${validOptions.join(', ')})`, option, {
      subject: variant,
      hint,
    });
    this.validOptions = validOptions;
    this.suggestion = suggestion;
  }
}

/** An input tensor or shape the layer cannot accept. */
export class AttentionInputError extends SevarLayersError {
  readonly variant: string;
  readonly layerName: string;

  /** `received` is the offending shape (or a description of it). */
  constructor(variant: string, layerName: string, expected: string, received: unknown) {
    super({ subject: `${variant} (layer '${layerName}')`, expected, received });
    this.variant = variant;
    this.layerName = layerName;
  }
}

/** A definition `registerAttention` cannot accept (a taken key, a class not extending the base). */
export class AttentionRegistryError extends SevarLayersError {
  readonly key: string;
  readonly field: string;

  constructor(key: string, field: string, expected: string, received: unknown) {
    super({ subject: `registerAttention('${key}'): ${field}`, expected, received });
    this.key = key;
    this.field = field;
  }
}

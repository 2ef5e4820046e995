/** Base class of every error thrown by `@sevar/layers`, so callers can catch them as a family. */
export class SevarLayersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A registry key that names no variant. */
export class UnknownVariantError extends SevarLayersError {
  readonly received: string;
  readonly validNames: readonly string[];

  constructor(received: unknown, validNames: readonly string[]) {
    super(
      `Unknown attention variant ${describe(received)}: expected one of ${validNames
        .map((n) => `'${n}'`)
        .join(', ')}.`,
    );
    this.received = String(received);
    this.validNames = validNames;
  }
}

/** An option that is missing, of the wrong type or out of range for a variant. */
export class AttentionConfigError extends SevarLayersError {
  readonly variant: string;
  readonly option: string;

  constructor(variant: string, option: string, expected: string, received: unknown) {
    super(`${variant}: option '${option}' must be ${expected}; received ${describe(received)}.`);
    this.variant = variant;
    this.option = option;
  }
}

/** An input tensor or shape the layer cannot accept. */
export class AttentionInputError extends SevarLayersError {
  readonly variant: string;
  readonly layerName: string;

  constructor(variant: string, layerName: string, expected: string, received: string) {
    super(`${variant} (layer '${layerName}'): expected ${expected}; received ${received}.`);
    this.variant = variant;
    this.layerName = layerName;
  }
}

/** Human-readable rendering of a received value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') {
    const name = (value as object).constructor?.name;
    return name && name !== 'Object' ? `an instance of ${name}` : JSON.stringify(value);
  }
  return String(value);
}

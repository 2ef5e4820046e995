/** Longest rendering of an array or object before it is cut with an ellipsis. */
export const MAX_RENDERED_LENGTH = 80;

/**
 * A received value as it reads in an error message: strings JSON-quoted, numbers, booleans,
 * `null` and `undefined` as they are, arrays and plain objects as short JSON (cut past
 * {@link MAX_RENDERED_LENGTH} characters), class instances by their class name.
 */
export function renderValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return truncate(JSON.stringify(value));
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return value.name === '' ? 'a function' : `function ${value.name}`;
  }
  if (value === null) return 'null';
  const proto: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
  }
  return truncate(shortJson(value));
}

/** JSON that keeps what JSON drops or rejects (undefined, NaN, Infinity, bigint, cycles) readable. */
function shortJson(value: unknown): string {
  const seen = new Set<unknown>();
  try {
    return JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (typeof v === 'bigint') return `${v}n`;
      if (v === undefined) return 'undefined';
      if (typeof v === 'function') return renderValue(v);
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[seen above]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
  }
}

function truncate(text: string): string {
  return text.length <= MAX_RENDERED_LENGTH ? text : `${text.slice(0, MAX_RENDERED_LENGTH - 1)}…`;
}

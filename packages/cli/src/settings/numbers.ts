import { InvalidArgumentError } from 'commander';

// Commander turns these into "error: option '--x <n>' argument 'v' is invalid. <message>".

export function integer(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || n < min || n > max) {
      throw new InvalidArgumentError(
        `Expected an integer${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` in [${min}, ${max}]`}.`,
      );
    }
    return n;
  };
}

export function positiveNumber(allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(`Expected a number ${allowZero ? '>= 0' : '> 0'}.`);
    }
    return n;
  };
}

/** A number in [0, 1): SGD momentum (1 or more never converges). */
export function belowOne() {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
      throw new InvalidArgumentError('Expected a number in [0, 1).');
    }
    return n;
  };
}

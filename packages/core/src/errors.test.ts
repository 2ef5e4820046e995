import { describe, expect, it } from 'vitest';
import { SEVAR_ERROR, SevarError, isSevarError } from './errors.js';

class WidgetError extends SevarError {
  static override readonly packageName: string = '@sevar/widgets';
  constructor(option: string, received: unknown) {
    super({ subject: option, expected: 'an integer >= 1', received, hint: 'Try 16.' });
    this.name = 'WidgetError';
  }
}

describe('SevarError message', () => {
  it('composes subject, expected and received', () => {
    const e = new SevarError({ subject: 'reduction', expected: 'an integer >= 1', received: 0 });
    expect(e.message).toBe('reduction: expected an integer >= 1, received 0');
  });

  it('appends the hint as its own sentence', () => {
    const e = new SevarError({
      subject: 'cifar-10-batches-bin/test_batch.bin',
      expected: '30730000 bytes',
      received: 307300,
      hint: 'Delete the folder and load again.',
    });
    expect(e.message).toBe(
      'cifar-10-batches-bin/test_batch.bin: expected 30730000 bytes, received 307300. ' +
        'Delete the folder and load again.',
    );
    expect(new SevarError('It broke.', { hint: 'Retry.' }).message).toBe('It broke. Retry.');
  });

  it.each<[unknown, string]>([
    ['relu', '"relu"'],
    ['say "hi"', '"say \\"hi\\""'],
    [2.5, '2.5'],
    [NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [10n, '10n'],
    [[4, 'a'], '[4,"a"]'],
    [{ units: 8 }, '{"units":8}'],
    [[1, NaN, undefined], '[1,"NaN","undefined"]'],
    [new Map(), 'an instance of Map'],
  ])('renders received %o as %s', (received, text) => {
    expect(new SevarError({ expected: 'x', received }).message).toBe(
      `expected x, received ${text}`,
    );
  });

  it('cuts long arrays and objects past about 80 characters', () => {
    const e = new SevarError({ expected: 'x', received: Array.from({ length: 100 }, (_, i) => i) });
    const rendered = e.message.slice('expected x, received '.length);
    expect(rendered.length).toBe(80);
    expect(rendered.startsWith('[0,1,2,3,')).toBe(true);
    expect(rendered.endsWith('…')).toBe(true);
  });

  it('survives cyclic objects', () => {
    const o: Record<string, unknown> = { a: 1 };
    o['self'] = o;
    expect(new SevarError({ received: o }).message).toBe('received {"a":1,"self":"[seen above]"}');
  });

  it('keeps a plain message as it is, with facts as fields', () => {
    const cause = new Error('ENOENT');
    const e = new SevarError('worker 2 exited (code 1)', { subject: 'worker 2', cause });
    expect(e.message).toBe('worker 2 exited (code 1)');
    expect(e.subject).toBe('worker 2');
    expect(e.cause).toBe(cause);
    expect(e.expected).toBeUndefined();
    expect('cause' in new SevarError('x', { cause: undefined })).toBe(false);
  });
});

describe('SevarError fields and subclasses', () => {
  it('exposes the facts, the name and the package', () => {
    const e = new WidgetError('reduction', 0);
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(SevarError);
    expect(e.name).toBe('WidgetError');
    expect(e.packageName).toBe('@sevar/widgets');
    expect(new SevarError('x').packageName).toBe('@sevar/core');
    expect([e.subject, e.expected, e.received, e.hint]).toEqual([
      'reduction',
      'an integer >= 1',
      0,
      'Try 16.',
    ]);
    expect(String(e)).toBe('WidgetError: reduction: expected an integer >= 1, received 0. Try 16.');
  });

  it('keeps the option a hint advises as structured data, null when the hint names none', () => {
    const e = new SevarError({
      subject: 'batch',
      hint: 'Use a smaller batch size, e.g. batchSize: 16.',
      hintOption: { option: 'batchSize', value: 16 },
    });
    expect(e.hintOption).toEqual({ option: 'batchSize', value: 16 });
    expect(e.message).toBe('batch. Use a smaller batch size, e.g. batchSize: 16.');
    expect(new SevarError('plain', { hint: 'Check the data.' }).hintOption).toBeNull();
  });

  it('describe() is the message on one line, without the class name', () => {
    const e = new SevarError('line one\n  line two', { hint: 'Do this.' });
    expect(e.describe()).toBe('line one line two. Do this.');
    expect(new WidgetError('r', 'x').describe()).toBe(
      'r: expected an integer >= 1, received "x". Try 16.',
    );
  });
});

describe('isSevarError', () => {
  it('recognises sevar errors and nothing else', () => {
    expect(isSevarError(new WidgetError('r', 1))).toBe(true);
    expect(isSevarError(new SevarError('x'))).toBe(true);
    for (const other of [new Error('x'), new TypeError('x'), null, undefined, 'SevarError', {}]) {
      expect(isSevarError(other)).toBe(false);
    }
  });

  it('recognises errors of another copy of the package through the global symbol', () => {
    // A class from a second copy shares nothing with this one but Symbol.for('sevar.error').
    class OtherCopyError extends Error {}
    Object.defineProperty(OtherCopyError.prototype, Symbol.for('sevar.error'), { value: true });
    const foreign = new OtherCopyError('from elsewhere');
    expect(foreign instanceof SevarError).toBe(false);
    expect(isSevarError(foreign)).toBe(true);
    expect(SEVAR_ERROR).toBe(Symbol.for('sevar.error'));
  });
});

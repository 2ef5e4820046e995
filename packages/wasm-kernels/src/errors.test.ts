import { isSevarError } from '@sevar/core';
import { describe, expect, it } from 'vitest';

import { BackendNotLoadedError, TrainingKernelError, WasmKernelsError } from './errors.js';
import { asHeapBackend } from './kernels/heap.js';

describe('errors', () => {
  it('are one family under WasmKernelsError, recognised as sevar errors', () => {
    class NotWasm {}
    let error: unknown;
    try {
      asHeapBackend(new NotWasm() as never, 'Conv2DBackpropFilter');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TrainingKernelError);
    expect(error).toBeInstanceOf(WasmKernelsError);
    expect(isSevarError(error)).toBe(true);
    const e = error as TrainingKernelError;
    expect(e.name).toBe('TrainingKernelError');
    expect(e.packageName).toBe('@sevar/wasm-kernels');
    expect(e.message).toBe(
      '@sevar/wasm-kernels Conv2DBackpropFilter: expected the wasm backend (with makeOutput ' +
        'and typedArrayFromHeap), received an instance of NotWasm',
    );
    expect(new BackendNotLoadedError('x')).toBeInstanceOf(WasmKernelsError);
  });
});

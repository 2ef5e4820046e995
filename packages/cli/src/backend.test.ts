import { describe, expect, it } from 'vitest';
import { describeBackend } from './backend.js';

describe('describeBackend', () => {
  it('names the wasm build: SIMD and the thread count of its pool', () => {
    const wasm = { name: 'wasm', tfName: 'wasm', version: '4.22.0', simd: true } as const;
    expect(describeBackend({ ...wasm, threads: true, threadCount: 2 })).toBe(
      'wasm 4.22.0 (SIMD, 2 threads)',
    );
    expect(describeBackend({ ...wasm, threads: false, threadCount: 1 })).toBe(
      'wasm 4.22.0 (SIMD, 1 thread)',
    );
    expect(describeBackend({ ...wasm, simd: false, threads: false })).toBe(
      'wasm 4.22.0 (no SIMD, 1 thread)',
    );
  });

  it('names a webgpu adapter and whether it is software', () => {
    const adapter = {
      vendor: 'mesa',
      architecture: '',
      device: '',
      description: 'llvmpipe',
      software: true,
    };
    expect(describeBackend({ name: 'webgpu', tfName: 'webgpu', version: '4.22.0', adapter })).toBe(
      'webgpu 4.22.0 (mesa llvmpipe, software adapter)',
    );
  });
});

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as generated from './generated/kernels-wasm.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const builds = Object.entries(generated).map(
  ([name, base64]) => [name, Buffer.from(base64, 'base64')] as const,
);
// The project's lib settings carry no WebAssembly types (they come with the DOM lib).
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: {
        new (bytes: Uint8Array): object;
        imports(module: object): Array<{ module: string; name: string; kind: string }>;
        exports(module: object): Array<{ name: string }>;
      };
      validate(bytes: Uint8Array): boolean;
    };
  }
).WebAssembly;

/** The section ids of a wasm binary, in order. */
function sectionIds(bytes: Uint8Array): number[] {
  let at = 8;
  const sections: number[] = [];
  while (at < bytes.length) {
    const id = bytes[at++]!;
    let size = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++]!;
      size |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    sections.push(id);
    at += size;
  }
  return sections;
}

// Node 20 validates only the builds without relaxed SIMD (unless flagged); those are checked
// wherever the runtime can compile them, and by bytes everywhere.
const compilable = builds.filter(([, b]) => wasm.validate(b));

describe('the generated SIMD module', () => {
  it('is what assembly/*.ts compiles to today (run `pnpm build:wasm` if not)', () => {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
      cwd: root,
      stdio: 'pipe',
    });
  });

  it('has the kernels and the two Winograd modules in four builds each (plain and shared memory, each with and without relaxed SIMD), the batch-norm module in two', () => {
    expect(builds.map(([name]) => name).sort()).toEqual([
      'BATCH_NORM_WASM_BASE64',
      'BATCH_NORM_WASM_SHARED_BASE64',
      'KERNELS_WASM_BASE64',
      'KERNELS_WASM_RELAXED_BASE64',
      'KERNELS_WASM_SHARED_BASE64',
      'KERNELS_WASM_SHARED_RELAXED_BASE64',
      'WINOGRAD_GRAD_WASM_BASE64',
      'WINOGRAD_GRAD_WASM_RELAXED_BASE64',
      'WINOGRAD_GRAD_WASM_SHARED_BASE64',
      'WINOGRAD_GRAD_WASM_SHARED_RELAXED_BASE64',
      'WINOGRAD_WASM_BASE64',
      'WINOGRAD_WASM_RELAXED_BASE64',
      'WINOGRAD_WASM_SHARED_BASE64',
      'WINOGRAD_WASM_SHARED_RELAXED_BASE64',
    ]);
    for (const name of [
      'BATCH_NORM_WASM_BASE64',
      'BATCH_NORM_WASM_SHARED_BASE64',
      'KERNELS_WASM_BASE64',
      'KERNELS_WASM_SHARED_BASE64',
      'WINOGRAD_GRAD_WASM_BASE64',
      'WINOGRAD_GRAD_WASM_SHARED_BASE64',
      'WINOGRAD_WASM_BASE64',
      'WINOGRAD_WASM_SHARED_BASE64',
    ]) {
      expect(compilable.map(([build]) => build)).toContain(name);
    }
  });

  it.each(compilable)('%s imports only the tfjs heap and exports the kernels', (name, bytes) => {
    const module = new wasm.Module(bytes);
    expect(wasm.Module.imports(module)).toEqual([
      { module: 'env', name: 'memory', kind: 'memory' },
    ]);
    expect(
      wasm.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual(
      name.startsWith('BATCH_NORM')
        ? ['channelAffine', 'channelAffineGrad', 'channelDot', 'channelMoments', 'memory']
        : name.startsWith('WINOGRAD_GRAD')
          ? ['memory', 'winogradFilterGrad', 'winogradGradOutput', 'winogradInput']
          : name.startsWith('WINOGRAD')
            ? ['memory', 'winogradFilter', 'winogradInput', 'winogradOutput']
            : ['conv2dBackpropFilter', 'maxPoolGrad', 'memory', 'planeGemm'],
    );
  });

  it.each(builds)('%s has no data of its own', (_name, bytes) => {
    // Section id 11 is the data section: a data segment would overwrite the tfjs heap.
    expect(sectionIds(bytes)).not.toContain(11);
  });

  it.each(builds)(
    '%s stays small enough for a synchronous compile on a browser main thread (4 KB)',
    (_name, bytes) => {
      expect(bytes.length).toBeLessThan(4096);
    },
  );
});

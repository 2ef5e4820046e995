import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bytes = Buffer.from(KERNELS_WASM_BASE64, 'base64');
// The project's lib settings carry no WebAssembly types (they come with the DOM lib).
const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Module: {
        new (bytes: Uint8Array): object;
        imports(module: object): unknown[];
        exports(module: object): Array<{ name: string }>;
      };
    };
  }
).WebAssembly;

describe('the generated SIMD module', () => {
  it('is what assembly/kernels.ts compiles to today (run `pnpm build:wasm` if not)', () => {
    execFileSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], {
      cwd: root,
      stdio: 'pipe',
    });
  });

  it('imports only the tfjs heap and has no data of its own', () => {
    const module = new wasm.Module(bytes);
    expect(wasm.Module.imports(module)).toEqual([
      { module: 'env', name: 'memory', kind: 'memory' },
    ]);
    expect(
      wasm.Module.exports(module)
        .map((e) => e.name)
        .sort(),
    ).toEqual(['conv2dBackpropFilter', 'maxPoolGrad', 'memory']);
    // Section id 11 is the data section: a data segment would overwrite the tfjs heap.
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
    expect(sections).not.toContain(11);
  });

  it('stays small enough for a synchronous compile on a browser main thread (4 KB)', () => {
    expect(bytes.length).toBeLessThan(4096);
  });
});

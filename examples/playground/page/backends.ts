// Backend choice: the preferred backend first, then the ones after it in webgl → wasm → cpu,
// each set up by `useBackend` from `@sevar/trainer` (which registers the wasm backend's
// convolution gradients and checks the backend with a probe op).
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendInitError, useBackend } from '@sevar/trainer';
import type { BackendInfo, ModuleImporter } from '@sevar/trainer';
// Vite copies the .wasm binaries into the build and gives their URLs.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKENDS } from './settings.js';
import type { Backend } from './settings.js';

// The threaded build starts its workers from the source text of a bundled function, which a
// bundler has renamed ("e is not defined" in the worker): use the single-threaded SIMD build.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

// A bundle cannot follow `import(variable)`: hand useBackend the modules by name.
const BACKEND_MODULES: Record<string, () => Promise<unknown>> = {
  '@tensorflow/tfjs-backend-webgl': () => import('@tensorflow/tfjs-backend-webgl'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
};
const importModule: ModuleImporter = async (specifier) => {
  const load = BACKEND_MODULES[specifier];
  if (load === undefined) throw new Error(`Could not resolve "${specifier}"`);
  return (await load()) as Record<string, unknown>;
};

export interface BackendChoice {
  info: BackendInfo;
  /** Backends tried before it, with why each failed. */
  skipped: { name: Backend; reason: string }[];
  /** One line for the page, e.g. "wasm (SIMD) — webgl unavailable: …". */
  described: string;
}

/** The WebGL renderer's name (e.g. SwiftShader, or the GPU), when the browser tells it. */
function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (gl === null) return null;
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const name: unknown = gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER);
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return typeof name === 'string' ? name : null;
}

function describe(info: BackendInfo): string {
  if (info.name === 'wasm') return `wasm (${info.simd === true ? 'SIMD' : 'no SIMD'}, 1 thread)`;
  if (info.name === 'webgl') {
    const renderer = webglRenderer();
    return renderer === null ? 'webgl' : `webgl (${renderer})`;
  }
  return info.name;
}

/** Sets up `preferred`, or the first backend after it that works; throws when none does. */
export async function selectBackend(preferred: Backend): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const name of BACKENDS.slice(BACKENDS.indexOf(preferred))) {
    try {
      const info = await useBackend(name, { importModule, onWarning: (m) => console.warn(m) });
      const fallback = skipped.map((s) => `${s.name} unavailable: ${s.reason}`).join('; ');
      const described = describe(info) + (fallback === '' ? '' : ` — ${fallback}`);
      return { info, skipped, described };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new BackendInitError(
    BACKENDS.slice(BACKENDS.indexOf(preferred)).join(' → '),
    `none could be set up (${skipped.map((s) => s.reason).join('; ')})`,
  );
}

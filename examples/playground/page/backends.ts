// Backend choice: the preferred backend first, then the ones after it in webgpu → webgl → wasm →
// cpu, each set up by `useBackend` from `@sevar/trainer` (which registers the wasm backend's
// convolution gradients and checks the backend with a probe op). `auto` starts at webgpu only on
// a hardware adapter, as `useBackend('auto')` does: a software one is slower than wasm.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BackendInitError, useBackend } from '@sevar/trainer';
import type { BackendInfo, ModuleImporter } from '@sevar/trainer';
// Vite copies the .wasm binaries into the build and gives their URLs.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { describeWebGpu, probeWebGpu } from '@sevar/example-browser/webgpu';
import type { WebGpuProbe } from '@sevar/example-browser/webgpu';
import { BACKEND_ORDER } from './settings.js';
import type { Backend, ConcreteBackend } from './settings.js';

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
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu'),
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
  skipped: { name: ConcreteBackend; reason: string }[];
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
  if (info.name === 'webgpu' && info.adapter !== undefined) {
    const { vendor, architecture, device, description, software } = info.adapter;
    const parts = [vendor, architecture, device, description].filter((p) => p !== '');
    const adapter = [...new Set(parts)].join(' ') || 'unnamed adapter';
    return `webgpu (${adapter}, ${software ? 'software' : 'hardware'} adapter)`;
  }
  return info.name;
}

/** The backends to try for `preferred`, and why `auto` passed over webgpu (null if it did not). */
function backendsFor(
  preferred: Backend,
  gpu: WebGpuProbe,
): { names: ConcreteBackend[]; passed: string | null } {
  if (preferred !== 'auto') {
    return { names: BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(preferred)), passed: null };
  }
  if (gpu.available && !gpu.software) return { names: [...BACKEND_ORDER], passed: null };
  const passed = gpu.available
    ? `webgpu not picked: ${describeWebGpu(gpu)}, slower than wasm (choose webgpu to use it)`
    : `webgpu ${describeWebGpu(gpu)}`;
  return { names: BACKEND_ORDER.filter((n) => n !== 'webgpu'), passed };
}

/** Sets up `preferred`, or the first backend after it that works; throws when none does. */
export async function selectBackend(preferred: Backend): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  const { names, passed } = backendsFor(preferred, await probeWebGpu());
  for (const name of names) {
    try {
      const info = await useBackend(name, { importModule, onWarning: (m) => console.warn(m) });
      const notes = skipped.map((s) => `${s.name} unavailable: ${s.reason}`);
      if (passed !== null) notes.unshift(passed);
      const described = describe(info) + (notes.length === 0 ? '' : ` — ${notes.join('; ')}`);
      return { info, skipped, described };
    } catch (error) {
      skipped.push({ name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new BackendInitError(
    names.join(' → '),
    `none could be set up (${skipped.map((s) => s.reason).join('; ')})`,
  );
}

/** Names the browser's WebGPU adapter (or why there is none) in the backend list's options. */
export async function labelBackendOptions(select: HTMLSelectElement): Promise<void> {
  const gpu = await probeWebGpu();
  for (const option of select.options) {
    if (option.value === 'webgpu') {
      option.textContent = `webgpu (${describeWebGpu(gpu)})`;
      option.dataset['available'] = String(gpu.available);
    }
  }
}

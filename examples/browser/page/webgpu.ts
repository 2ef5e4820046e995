// What WebGPU this browser offers: its adapter (vendor and architecture as the browser reports
// them, and whether it is a software one), or why there is none. Shared with the playground
// (`@sevar/example-browser/webgpu`). Only the adapter is requested: no device is created here.

/** The browser's WebGPU adapter, or why it has none. */
export type WebGpuProbe =
  { available: true; adapter: string; software: boolean } | { available: false; reason: string };

// The subset of the WebGPU API read here (TypeScript's DOM library has no WebGPU types).
interface AdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

// A CPU implementation: slower than wasm, so the pages do not pick it by themselves (the rule of
// `useBackend('auto')` in `@sevar/trainer`).
const SOFTWARE = /software|swiftshader|llvmpipe|lavapipe|microsoft basic render|\bwarp\b/i;

let probed: Promise<WebGpuProbe> | null = null;

async function probe(): Promise<WebGpuProbe> {
  const gpu = (navigator as { gpu?: GpuLike }).gpu;
  if (gpu === undefined) {
    return {
      available: false,
      reason: isSecureContext
        ? 'this browser has no WebGPU (navigator.gpu is absent)'
        : 'WebGPU needs a secure context (https or localhost)',
    };
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { available: false, reason: `requestAdapter() failed: ${String(error)}` };
  }
  if (adapter === null) {
    return {
      available: false,
      reason: 'the browser offers no WebGPU adapter (no usable GPU, or WebGPU blocked)',
    };
  }
  const info = adapter.info ?? {};
  const parts = [info.vendor, info.architecture, info.device, info.description];
  const name = [...new Set(parts.filter((p) => p !== undefined && p !== ''))].join(' ');
  // Chromium reports SwiftShader's adapter as a fallback one (`info.isFallbackAdapter`).
  const software =
    adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || SOFTWARE.test(name);
  return { available: true, adapter: name === '' ? 'unnamed adapter' : name, software };
}

/** The browser's WebGPU adapter (asked once per page). */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probed ??= probe();
  return probed;
}

/** "google swiftshader, software adapter", or "unavailable: …", for an option or a log line. */
export function describeWebGpu(p: WebGpuProbe): string {
  if (!p.available) return `unavailable: ${p.reason}`;
  return `${p.adapter}, ${p.software ? 'software' : 'hardware'} adapter`;
}

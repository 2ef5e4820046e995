import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers' bundle registers tfjs-core's gradient functions (tfjs-core's Node bundle does not).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'cpu' | 'wasm';

/** Deterministic values in [-1, 1) (a small LCG), identical on every backend. */
export function seeded(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** max |a - b| over max |b|: relative to the reference's scale, robust near zeros. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs reference ${b.length}`);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < b.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] as number));
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
  }
  return diff / (scale || 1);
}

/** Runs `f` with `backend` active and returns its (plain array) result. */
export async function onBackend<T>(backend: BackendName, f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

/** Number of data buffers the active backend holds (catches leaked kernel intermediates). */
export function backendBuffers(): number {
  return tf.backend().numDataIds();
}

// Switching tfjs to a backend: tfjs's `setBackend` records the new name before initialising it,
// so after a failed initialisation `tf.getBackend()` names the backend that failed. Here the one
// active before is put back, and the error names both.
import * as tf from '@tensorflow/tfjs-core';
import { BackendInitError } from './errors.js';

/** `tf.setBackend(tfName)`; on failure the backend active before stays so, and the error says it. */
export async function switchTo(name: string, tfName: string): Promise<void> {
  const previous = activeTfName();
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfName);
  } catch (error) {
    const active = await restoreBackend(previous, tfName);
    throw new BackendInitError(name, `initialisation failed: ${String(error)}; ${active}`, {
      cause: error,
    });
  }
  if (!ok || tf.getBackend() !== tfName) {
    // tfjs names the failed backend as its own even so (`tf.getBackend()` reads it).
    const active = await restoreBackend(previous, tfName);
    throw new BackendInitError(
      name,
      `initialisation failed: tf.setBackend('${tfName}') returned false (tfjs printed the ` +
        `reason as a warning); ${active}`,
    );
  }
}

/** tfjs's name of the backend in use, or null when none is initialised. */
function activeTfName(): string | null {
  const engine = tf.engine() as unknown as { backendInstance: unknown; backendName: string | null };
  return engine.backendInstance == null ? null : engine.backendName;
}

/**
 * After `failed` could not be set: makes `previous` (already initialised) active again, as tfjs
 * leaves the failed one's name behind, and says which backend is active.
 */
async function restoreBackend(previous: string | null, failed: string): Promise<string> {
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (previous !== null && previous !== failed && engine.registry[previous] !== undefined) {
    await tf.setBackend(previous);
    return `the active backend is still '${previous}'`;
  }
  return 'no backend is active (tfjs takes the best registered one at the next operation)';
}

import { BACKEND_NAMES, useBackend } from '@sevar/trainer';
import type { BackendInfo, BackendName } from '@sevar/trainer';
import type { Context } from './context.js';
import { UsageError } from './errors.js';

export { BACKEND_NAMES };

// Resolve backend packages from the CLI's own dependencies (tfjs-node is an optional peer of it).
const importFromCli = (specifier: string) => import(specifier) as Promise<Record<string, unknown>>;

export function parseBackendName(value: string): BackendName {
  if (!(BACKEND_NAMES as readonly string[]).includes(value)) {
    throw new UsageError('--backend', `one of ${BACKEND_NAMES.join(', ')}`, value);
  }
  return value as BackendName;
}

/** Sets the tfjs backend; warnings go to stderr. */
export async function setBackend(
  name: BackendName,
  ctx: Context,
  options: { wasmThreads?: number } = {},
): Promise<BackendInfo> {
  return useBackend(name, {
    importModule: importFromCli,
    onWarning: (m) => ctx.stderr.write(`warning: ${m}\n`),
    ...options,
  });
}

/**
 * `setBackend`'s options for a main thread whose work runs on worker threads (compare's pool of
 * runs, data-parallel workers), or for a model too small to split (cnn3): wasm on one thread,
 * unless `SEVAR_WASM_THREADS` asks for threads.
 */
export function oneWasmThreadUnlessAsked(): { wasmThreads?: number } {
  const asked = process.env['SEVAR_WASM_THREADS'];
  return asked === undefined || asked === '' ? { wasmThreads: 1 } : {};
}

export function describeBackend(info: BackendInfo): string {
  const extras: string[] = [];
  if (info.simd !== undefined) extras.push(info.simd ? 'SIMD' : 'no SIMD');
  if (info.threads !== undefined) {
    const count = info.threadCount ?? 1;
    extras.push(info.threads && count > 1 ? `${count} threads` : '1 thread');
  }
  if (info.adapter !== undefined) {
    const { vendor, device, description, software } = info.adapter;
    extras.push(`${[vendor, description || device].filter((s) => s !== '').join(' ')}`);
    extras.push(software ? 'software adapter' : 'hardware adapter');
  }
  return `${info.name} ${info.version}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
}

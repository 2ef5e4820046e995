import { TrainingKernelError } from '../errors.js';

/**
 * An on/off switch from the environment (Node; nothing elsewhere): true for '1', 'on' or
 * 'true', false for '0', 'off' or 'false', undefined when unset or empty; anything else is a
 * TrainingKernelError naming the variable and `what` it switches.
 */
export function envSwitch(name: string, what: string): boolean | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.[name];
  if (env === undefined || env === '') return undefined;
  if (['1', 'on', 'true'].includes(env)) return true;
  if (['0', 'off', 'false'].includes(env)) return false;
  throw new TrainingKernelError({
    subject: `@sevar/wasm-kernels: the environment variable ${name}`,
    expected: `'1', 'on' or 'true' (${what} on), or '0', 'off' or 'false' (off)`,
    received: env,
  });
}

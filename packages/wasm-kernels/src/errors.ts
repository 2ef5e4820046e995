import { SevarError } from '@sevar/core';
import type { SevarErrorFacts } from '@sevar/core';

/** Base class of every error thrown by `@sevar/wasm-kernels`, so callers can catch them as one family. */
export class WasmKernelsError extends SevarError {
  static override readonly packageName: string = '@sevar/wasm-kernels';

  /** A message (with optional facts such as `hint`), or facts to compose it from. */
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'WasmKernelsError';
  }
}

/** Raised when a training kernel receives inputs or attributes it cannot handle. */
export class TrainingKernelError extends WasmKernelsError {
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'TrainingKernelError';
  }
}

/** Raised when kernels are registered before the backend they target is imported. */
export class BackendNotLoadedError extends WasmKernelsError {
  constructor(message: string | SevarErrorFacts, facts?: SevarErrorFacts) {
    super(message, facts);
    this.name = 'BackendNotLoadedError';
  }
}

/** Raised when a training kernel receives inputs or attributes it cannot handle. */
export class TrainingKernelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingKernelError';
  }
}

/** Raised when kernels are registered before the backend they target is imported. */
export class BackendNotLoadedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendNotLoadedError';
  }
}

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wasm-kernels',
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'trainer',
    environment: 'node',
    // wasm spreads over every core by default; the suites run one wasm thread per test process
    // (the test command runs two packages at a time on machines with few cores), and the tests
    // of the default start their own processes without this. SEVAR_WASM_THREADS=n runs them on n.
    env: { SEVAR_WASM_THREADS: process.env['SEVAR_WASM_THREADS'] ?? '1' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

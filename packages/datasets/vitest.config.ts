import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'datasets',
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

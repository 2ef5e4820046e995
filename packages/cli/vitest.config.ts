import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'cli',
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});

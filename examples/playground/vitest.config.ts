import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'example-playground',
    include: ['src/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});

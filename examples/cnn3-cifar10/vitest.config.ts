import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-cnn3-cifar10', include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});

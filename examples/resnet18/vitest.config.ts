import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'example-resnet18', include: ['src/**/*.test.ts'], testTimeout: 120_000 },
});

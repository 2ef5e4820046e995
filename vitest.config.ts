import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Every package is a project; examples join when they have tests of their own.
    projects: ['packages/*', 'examples/*/vitest.config.ts'],
  },
});

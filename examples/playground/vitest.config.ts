import { defineProject } from 'vitest/config';

// PLAYGROUND_SCREENSHOT=1 trains for minutes to draw the README's screenshot (see the test).
const long = process.env['PLAYGROUND_SCREENSHOT'] === '1';

export default defineProject({
  test: {
    name: 'example-playground',
    include: ['src/**/*.test.ts'],
    testTimeout: long ? 3_600_000 : 300_000,
    hookTimeout: 180_000,
  },
});

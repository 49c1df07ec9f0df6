import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // A forgotten `.only` fails the run instead of silently skipping the rest.
    allowOnly: false,
  },
});

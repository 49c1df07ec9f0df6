import { defineConfig } from 'vitest/config';

/**
 * The tests Stryker runs against each mutant of `machines/` (see stryker.config.mjs): the fast,
 * pure ones that pin the machines' behaviour down (coordinator and task scenarios, unit tests of
 * the pure pieces) and the tests written to kill the mutants those leave alive. No real services,
 * no property runs: with per-test coverage each mutant runs only the tests that reach it.
 */
export default defineConfig({
  test: {
    include: ['test/coordinator/**/*.test.ts', 'test/task/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/mutation-gaps/**/*.test.ts'],
    exclude: ['**/*.serial.test.ts', '**/node_modules/**'],
    testTimeout: 60_000,
    allowOnly: false,
  },
});

// @ts-check
/**
 * Mutation testing of the protocol core (`npm run mutation`): Stryker mutates `machines/` and runs
 * the fast test subset of vitest.stryker.config.ts against each mutant, with per-test coverage so
 * a mutant runs only the tests that reach its code. Reports go to reports/mutation (HTML, JSON).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  mutate: ['machines/**/*.ts', '!machines/**/index.ts'],
  coverageAnalysis: 'perTest',
  // A mutant's covering tests run in well under a second; one that loops forever is cut off after
  // 1.5 times their time plus 2.5 s (Stryker's default slack is 5 s), and counts as a timeout.
  timeoutMS: 2500,
  concurrency: 2,
  // Static mutants (module-level code: the statechart definitions, constant tables) would each run
  // every test; they are left out, and the report counts them as ignored.
  ignoreStatic: true,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 80, break: null },
  // Later runs re-test only the mutants whose code or covering tests changed.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
};

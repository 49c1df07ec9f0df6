/**
 * Shared by the mutant tests: the property tier's seed (fixed, printed, `SEED` replays another)
 * and the assertions on a run's report.
 * @packageDocumentation
 */
import { expect } from 'vitest';
import { formatMutantReport } from '../../checker/mutants/format.js';
import { MUTANTS } from '../../checker/mutants/catalog.js';
import type { MutantReport } from '../../checker/mutants/types.js';

/** The default seed of the property tier in the tests (a fixed one keeps the run reproducible). */
export const DEFAULT_SEED = 20_251_125;

/**
 * The property tier's seed: `SEED` from the environment, else {@link DEFAULT_SEED}; printed.
 * @param name - the test file, for the message.
 */
export function mutantSeed(name: string): number {
  const seed = Number(process.env.SEED) || DEFAULT_SEED;
  console.log(`${name}: property tier seed ${seed} (replay with SEED=${seed})`);
  return seed;
}

/**
 * The ids of the catalogue's mutants whose file starts with `prefix`.
 * @param prefix - e.g. `machines/task/`.
 */
export function mutantIdsUnder(prefix: string): string[] {
  return MUTANTS.filter((m) => m.file.startsWith(prefix)).map((m) => m.id);
}

/**
 * Prints the report's table and asserts that the mutant `id` was caught, by the checker when it
 * names a checker world (the world is there because the checker catches it in it).
 * @param report - the run's report.
 * @param id - the mutant.
 */
export function expectCaught(report: MutantReport, id: string): void {
  const result = report.mutants.find((m) => m.id === id);
  expect(result, `mutant ${id} was not run`).toBeDefined();
  const mutant = MUTANTS.find((m) => m.id === id);
  const tried = result?.verdicts.map((v) => `${v.tier}: ${v.detail}`).join('\n  ');
  expect(result?.caughtBy, `mutant ${id} survived every tier:\n  ${tried}`).not.toBeNull();
  if (mutant?.world) {
    expect(result?.caughtBy, `mutant ${id} names a checker world, but ${result?.caughtBy} caught it first:\n  ${tried}`).toBe('checker');
    expect(result?.traceLength).toBeGreaterThan(0);
  }
}

/**
 * Prints a report.
 * @param title - what ran.
 * @param report - the report.
 */
export function printReport(title: string, report: MutantReport): void {
  console.log(`${title}\n${formatMutantReport(report)}`);
}

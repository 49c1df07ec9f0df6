/**
 * Every seeded bug of the coordinator machine is caught by some tier (the model checker first, then
 * the model-based paths, then the fast-check property runs), each in its own patched copy of
 * the source tree.
 */
import { beforeAll, describe, it } from 'vitest';
import { runMutants } from '../../checker/mutants/run.js';
import type { MutantReport } from '../../checker/mutants/types.js';
import { expectCaught, mutantIdsUnder, mutantSeed, printReport } from './support.js';

const ids = mutantIdsUnder('machines/coordinator/');

describe('seeded bugs in the coordinator machine', () => {
  let report: MutantReport;
  beforeAll(async () => {
    report = await runMutants({ only: ids, baseline: false, seed: mutantSeed('coordinator mutants') });
    printReport('coordinator mutants', report);
  }, 120_000);

  for (const id of ids) it(`${id} is caught`, () => expectCaught(report, id));
});

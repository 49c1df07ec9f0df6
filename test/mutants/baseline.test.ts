/**
 * No false alarms: the unpatched tree goes through the same tiers as the seeded bugs (the checker
 * in every world a mutant names, the property runs with the same seed, the model-based paths with
 * the runtimes in lockstep) and none of them finds anything.
 */
import { describe, expect, it } from 'vitest';
import { runMutants } from '../../checker/mutants/run.js';
import { mutantSeed, printReport } from './support.js';

describe('the unpatched tree', () => {
  it('passes every tier the mutants are judged by', async () => {
    const report = await runMutants({ only: [], seed: mutantSeed('baseline') });
    printReport('baseline', report);
    expect(report.total).toBe(0);
    expect(new Set(report.baseline.map((v) => v.tier))).toEqual(new Set(['checker', 'model', 'property']));
    for (const v of report.baseline) expect(v.caught, `${v.tier}: ${v.detail}`).toBe(false);
    // The model tier's baseline drives the runtimes in lockstep, not only the machines.
    expect(report.baseline.find((v) => v.tier === 'model')?.detail).toContain('runtimes agree');
  }, 120_000);
});

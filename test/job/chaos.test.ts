/**
 * The fault campaign, a handful of runs: every run holds (no loss, no duplicates, no invariant
 * violation) with faults injected, and a run replays from its seed. Seed from env `SEED`.
 */
import { describe, expect, it } from 'vitest';
import { chaosMain, chaosRun, runChaos, runSeed } from '../../job/chaos.js';
import { replayable } from '../../job/run-job.js';

const seed = Number(process.env.SEED ?? Math.floor(Math.random() * 0x100000000));

describe(`fault campaign (SEED=${seed})`, () => {
  it('a handful of runs with random faults all hold', async () => {
    const failed: number[] = [];
    const summary = await runChaos(8, seed, (f) => failed.push(f.seed));
    expect(failed, `replay with: npm run chaos -- --replay <seed>`).toEqual([]);
    expect(summary).toMatchObject({ runs: 8, invariantViolations: 0, lostRecords: 0, duplicateRecords: 0 });
    expect(summary.faultsInjected).toBeGreaterThan(0);
  });

  it('a run replays exactly from its seed', async () => {
    const s = runSeed(seed, 3);
    expect(replayable(await chaosRun(s))).toEqual(replayable(await chaosRun(s)));
  });

  it('the command line rejects unknown and malformed flags, naming them', async () => {
    await expect(chaosMain(['--runs', 'many'])).rejects.toThrow(/--runs: must be a non-negative integer/);
    await expect(chaosMain(['--fast'])).rejects.toThrow(/--fast: unknown option/);
  });
});

/**
 * The text report of a mutant run: a row per mutant with the tier that caught it and the
 * checker's trace length, survivors and false alarms called out, the totals.
 */
import { describe, expect, it } from 'vitest';
import { formatMutantReport } from '../../checker/mutants/format.js';
import { mutantsPassed } from '../../checker/mutants/run.js';
import type { MutantReport, TierVerdict } from '../../checker/mutants/types.js';

const verdict = (tier: TierVerdict['tier'], caught: boolean, detail: string, traceLength: number | null = null): TierVerdict => ({ tier, caught, detail, traceLength, seconds: 0.1 });

const report: MutantReport = {
  baseline: [verdict('checker', false, 'fine'), verdict('model', false, 'fine')],
  mutants: [
    { id: 'short', description: 'a', verdicts: [verdict('checker', true, 'bounded-concurrency: checkpoint 3 made 3 pending with max 2', 3)], caughtBy: 'checker', traceLength: 3 },
    { id: 'a-longer-id', description: 'b', verdicts: [verdict('checker', false, 'nothing'), verdict('model', true, 'task model "aligned": step 3 differs')], caughtBy: 'model', traceLength: null },
    { id: 'survivor', description: 'c', verdicts: [verdict('checker', false, 'nothing'), verdict('model', false, 'agree'), verdict('property', false, 'x'.repeat(300))], caughtBy: null, traceLength: null },
  ],
  caught: 2,
  total: 3,
  seed: 7,
  seconds: 1.25,
};

describe('the mutant report table', () => {
  it('has a row per mutant: id, first tier that caught it, trace length, what it found (cut to width)', () => {
    const lines = formatMutantReport(report, 60).split('\n');
    expect(lines[0]).toBe('mutant       caught by  trace  found');
    expect(lines[1]).toBe('short        checker    3      bounded-concurrency: checkpoint 3 made 3 pending with max 2');
    expect(lines[2]).toBe('a-longer-id  model      -      task model "aligned": step 3 differs');
    expect(lines[3]).toBe(`survivor     SURVIVED   -      ${'x'.repeat(59)}…`);
    expect(lines).toContain('baseline (unpatched tree): no tier found anything (2 runs)');
    expect(lines[lines.length - 1]).toBe('2 of 3 mutants caught; property seed 7; 1.3 s');
  });

  it('calls out a false alarm of the unpatched tree', () => {
    const alarmed = { ...report, baseline: [verdict('property', true, 'violation of restore-latest')] };
    const text = formatMutantReport(alarmed);
    expect(text).toContain('baseline (unpatched tree): FALSE ALARM');
    expect(text).toContain('  property: violation of restore-latest');
  });

  it('passes only with every mutant caught and a clean baseline', () => {
    expect(mutantsPassed(report)).toBe(false);
    const all = { ...report, mutants: report.mutants.slice(0, 2), caught: 2, total: 2 };
    expect(mutantsPassed(all)).toBe(true);
    expect(mutantsPassed({ ...all, baseline: [verdict('checker', true, 'violated')] })).toBe(false);
  });
});

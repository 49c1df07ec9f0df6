/**
 * Whole runs of the job (real time, durable store, fsync): the default run and a run with each
 * fault flag commit exactly the input, each record once; a kill in the middle of a checkpoint's
 * acknowledgements recovers from the checkpoint before it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../job/figures.js';
import type { JobOptionsInput } from '../../job/options.js';
import { replayable, runJob } from '../../job/run-job.js';

const dir = () => mkdtempSync(join(tmpdir(), 'snapwright-run-test-'));
const SMALL: JobOptionsInput = { records: 5000, interval: 20 };

describe('snapwright run', () => {
  it('the default run commits every input record exactly once', async () => {
    const r = await runJob({ dir: dir() });
    expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inconsistentKeys: 0, timedOut: false, streamRejections: 0 });
    expect(r.committedRecords).toBe(r.inputRecords);
    expect(r.inputRecords).toBe(2 * 2 * 150_000);
    expect(r.checkpointsCompleted).toBeGreaterThanOrEqual(1);
    expect(r.protocolViolations).toEqual([]);
    expect(r.snapshotBytes).toBeGreaterThan(0);
  });

  const faults: Array<[string, JobOptionsInput['faults'], (r: Awaited<ReturnType<typeof runJob>>) => number]> = [
    ['--kill-task', { killTask: 2 }, (r) => r.faults.tasksKilled],
    ['--kill-coordinator', { killCoordinator: 2 }, (r) => r.faults.coordinatorsKilled],
    ['--drop', { drop: 0.05 }, (r) => r.faults.dropped],
    ['--dup', { dup: 0.3 }, (r) => r.faults.duplicated],
    ['--delay', { delay: 15 }, (r) => r.faults.delayed],
  ];
  for (const [flag, f, injected] of faults) {
    it(`with ${flag} the committed output is still exactly the input, once`, async () => {
      const r = await runJob({ ...SMALL, dir: dir(), seed: 11, faults: f });
      expect(injected(r), 'the fault was injected').toBeGreaterThan(0);
      expect(r).toMatchObject({ exactlyOnce: true, lostRecords: 0, duplicateRecords: 0, inconsistentKeys: 0, timedOut: false });
      expect(r.protocolViolations).toEqual([]);
      if (flag.startsWith('--kill')) expect(r.recoveries).toBeGreaterThanOrEqual(injected(r));
    });
  }

  it('a task killed in the middle of a checkpoint aborts it, restores the checkpoint before, and stays exactly once', async () => {
    const interrupted: Array<number | null> = [];
    const events: JobEvent[] = [];
    // Virtual time: the run, and where each kill lands, replay exactly from the seed.
    const r = await runJob({ virtual: true, records: 400, interval: 5, timeout: 50, sourceBatch: 2, dir: dir(), seed: 4, faults: { killTask: 3 } }, { onKill: (_, c) => interrupted.push(c), onEvent: (e) => events.push(e) });
    expect(interrupted.length).toBe(3);
    const hit = interrupted.filter((c): c is number => c !== null);
    expect(hit.length, 'at least one kill landed between acknowledgements').toBeGreaterThan(0);
    for (const id of hit) {
      const outcome = events.find((e) => e.kind === 'checkpoint' && e.checkpoint.id === id);
      expect(outcome?.kind === 'checkpoint' && outcome.checkpoint.status, `checkpoint ${id}`).toBe('FAILED');
      const restore = events.find((e) => e.kind === 'restored' && events.indexOf(e) > events.indexOf(outcome as JobEvent));
      expect(restore?.kind === 'restored' && restore.checkpointId).toBeLessThan(id);
    }
    expect(r.exactlyOnce).toBe(true);
    expect(r.recoveries).toBe(3);
  });

  it('the same seed in virtual time replays the same run', async () => {
    const options: JobOptionsInput = { virtual: true, records: 120, interval: 5, timeout: 60, sourceBatch: 2, seed: 99, faults: { drop: 0.05, dup: 0.1, delay: 5, killTask: 1, killCoordinator: 1 } };
    const a = await runJob({ ...options, dir: dir() });
    const b = await runJob({ ...options, dir: dir() });
    expect(a.exactlyOnce).toBe(true);
    expect(a.faultsInjected).toBeGreaterThan(0);
    expect(replayable(b)).toEqual(replayable(a));
  });
});

/**
 * A seeded protocol bug must be caught: in this file the coordinator machine is replaced (at test
 * time, for every importer: the checker and the runtime alike) by a copy whose `headExecutable`
 * guard ignores the concurrency limit. The checker must find the shortest counterexample to
 * `bounded-concurrency` (three periodic ticks), save it, and `snapwright replay` must show the
 * same violation on the real runtime actors.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { check } from '../../checker/protocol/run.js';
import { replayTrace } from '../../checker/protocol/replay.js';
import { main } from '../../cli/main.js';
import type { CoordinatorMachine } from '../../machines/coordinator/index.js';

vi.mock('../../machines/coordinator/coordinator.machine.js', async (importOriginal) => {
  const original = await importOriginal<{ coordinatorMachine: CoordinatorMachine }>();
  return {
    ...original,
    // The seeded bug: the head of the queue runs even when max-concurrent checkpoints are pending.
    coordinatorMachine: original.coordinatorMachine.provide({ guards: { headExecutable: ({ context }) => context.queue.length > 0 } }),
  };
});

const SMALL = { maxIds: 3, crashes: 0, savepoints: 0, loss: false };

describe('a seeded bug (the concurrency limit ignored)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is caught with the shortest counterexample: three periodic ticks', () => {
    const result = check({ config: SMALL });
    expect(result.report.complete).toBe(true);
    expect(result.report.properties.find((p) => p.name === 'bounded-concurrency')?.status).toBe('violated');
    const trace = result.counterexamples.find((t) => t.property === 'bounded-concurrency');
    expect(trace?.steps.map((s) => s.action)).toEqual([
      { kind: 'timer', actor: 'coordinator', timer: 'periodic' },
      { kind: 'timer', actor: 'coordinator', timer: 'periodic' },
      { kind: 'timer', actor: 'coordinator', timer: 'periodic' },
    ]);
    expect(trace?.message).toBe('checkpoint 3 made 3 pending with max 2');
    expect(trace?.steps[2]?.violations.map((v) => v.property)).toEqual(['bounded-concurrency']);
  });

  it('replays on the real runtime actors with the same violation at the same step', async () => {
    const trace = check({ config: SMALL }).counterexamples.find((t) => t.property === 'bounded-concurrency');
    if (!trace) throw new Error('no counterexample');
    const r = await replayTrace(trace);
    expect(r.diverged).toBeNull();
    expect(r.reproduced).toBe(true);
    expect(r.violations.map((v) => [v.property, v.step])).toEqual([['bounded-concurrency', 3]]);
  });

  it('is saved by `check --trace-out` (exit 1) and shown again by `replay` (exit 0)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'snapwright-'));
    const file = join(dir, 'bug.json');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['check', '--max-ids', '3', '--crashes', '0', '--savepoints', '0', '--no-loss', '--quiet', '--trace-out', file])).toBe(1);
    const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(printed).toContain('counterexample for bounded-concurrency');
    expect(printed).toContain('!! bounded-concurrency VIOLATED: checkpoint 3 made 3 pending with max 2');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ snapwright: 'trace', property: 'bounded-concurrency', kind: 'always' });
    log.mockClear();
    expect(await main(['replay', file])).toBe(0);
    const replayed = log.mock.calls.map((c) => String(c[0])).join('\n');
    expect(replayed).toContain('!! bounded-concurrency VIOLATED');
    expect(replayed).toContain('the real actors show the same violation at step 3');
  });
});

/**
 * Asynchronous interleavings inside the runtimes, chosen by `fc.scheduler`: every port answer of
 * `createCoordinator` (id counter, store) and `createTask` (state restore, asynchronous part of
 * snapshots), every control message and every data event is a promise the scheduler releases in
 * an order of its choosing, while the operator's actions (checkpoints, savepoints, task failures
 * with failover, time) are interleaved with them. Once everything settled and a final checkpoint
 * completed: the protocol monitor saw no violation and every sink committed exactly the
 * transactions the completed checkpoints recorded, each once.
 *
 * A failure prints the scheduler's report (the order of the releases) and shrinks; the seed is
 * printed, and `SEED=<seed> FC_PATH=<path from fast-check's report>` replays it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckpointingConfig } from '../../spec/index.js';
import type { CheckpointOutcome } from '../../runtime/coordinator/create-coordinator.js';
import { runs, seedOf } from './support/commands.js';
import { problemsOf } from './support/invariants.js';
import { SIX_TASKS } from './support/topologies.js';
import type { World } from './support/world.js';
import { flush, World as WorldClass } from './support/world.js';

const TIMEOUT = 1000;

const CONFIGS: ReadonlyArray<Partial<CheckpointingConfig>> = [
  { timeout: TIMEOUT },
  { timeout: TIMEOUT, maxConcurrent: 3 },
  { timeout: TIMEOUT, unaligned: true, alignedCheckpointTimeout: 100, maxConcurrent: 2 },
  { timeout: TIMEOUT, mode: 'at-least-once', maxConcurrent: 2 },
  // Periodic checkpoints (started at creation): they come as time moves.
  { timeout: TIMEOUT, interval: 300, minPause: 100, maxConcurrent: 2 },
];

/** What the operator does, between the scheduler's releases. */
type Action = { kind: 'checkpoint' } | { kind: 'savepoint' } | { kind: 'failover'; task: number } | { kind: 'advance'; ms: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'savepoint' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('failover' as const), task: fc.nat({ max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(TIMEOUT / 4, TIMEOUT + 1) }) },
);

const label = (a: Action): string => (a.kind === 'failover' ? `fail task #${a.task} and fail over` : a.kind === 'advance' ? `advance ${a.ms} ms` : `trigger ${a.kind}`);

function perform(w: World, a: Action): void {
  switch (a.kind) {
    case 'checkpoint':
      return w.trigger();
    case 'savepoint':
      return w.savepoint();
    case 'failover':
      return w.failover(w.taskIds[a.task % w.taskIds.length]!);
    case 'advance':
      return w.advance(a.ms);
  }
}

/**
 * Releases scheduled work one at a time, in the scheduler's order, until none is left. The
 * runtimes schedule new work a few promise hops after a release (a port answer becomes an event,
 * the event a message, the message a scheduled delivery), so emptiness is judged only after
 * those hops ran.
 */
async function drain(s: fc.Scheduler): Promise<void> {
  for (;;) {
    await flush();
    if (s.count() === 0) return;
    await s.waitOne();
  }
}

/** Lets everything settle (in the scheduler's order), expires what is stuck, takes a final checkpoint. */
async function settle(w: World, s: fc.Scheduler): Promise<CheckpointOutcome | undefined> {
  await drain(s);
  w.advance(TIMEOUT + 1);
  await drain(s);
  let final: CheckpointOutcome | undefined;
  for (let round = 0; round < 4 && final?.status !== 'completed'; round++) {
    w.trigger();
    const mine = w.outcomes[w.outcomes.length - 1];
    await drain(s);
    if (mine?.value === undefined) {
      w.advance(TIMEOUT + 1);
      await drain(s);
    }
    final = mine?.value;
  }
  await drain(s);
  return final;
}

describe('asynchronous ports and deliveries in a scheduler-chosen order', () => {
  it('never break a protocol property, and the sinks commit exactly the recorded transactions (property)', async () => {
    const { seed, path } = seedOf('scheduler property, 6 tasks');
    const stats = { runs: 0, completed: 0, requests: 0, restores: 0 };
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.constantFrom(...CONFIGS), fc.array(action, { minLength: 1, maxLength: 20 }), async (s, config, actions) => {
        const w = await WorldClass.create({ topology: SIX_TASKS, config, scheduler: s, periodic: config.interval !== undefined });
        try {
          // The actions run in order, each when the scheduler picks it among the pending releases.
          void s.scheduleSequence(actions.map((a) => ({ label: label(a), builder: async () => perform(w, a) })));
          const final = await settle(w, s);
          const problems = problemsOf(w, final);
          if (problems.length > 0) throw new Error(`after the schedule:\n  ${problems.join('\n  ')}`);
          stats.runs++;
          stats.completed += w.completed.size;
          stats.requests += w.outcomes.length;
          stats.restores += w.restored.length;
        } finally {
          w.stop();
        }
      }),
      { seed, ...(path ? { path } : {}), numRuns: runs(150) },
    );
    console.log(`scheduler property: ${stats.runs} runs, ${stats.requests} requests, ${stats.completed} checkpoints completed, ${stats.restores} restores in ${Date.now() - started} ms`);
    expect(stats.completed).toBeGreaterThan(stats.runs);
  });
});

/**
 * Batched acknowledgements are equivalent to single ones, in the whole system: the same fault
 * schedule runs twice, once delivering every run of consecutive acknowledgements to the
 * coordinator as one `receiveBatch`, once one by one; both runs must end identical: the same
 * coordinator commands in the same order (batch continuations aside), the same coordinator and
 * task snapshots, the same commits, restores and request outcomes. Seeds are printed; `SEED` and
 * `FC_PATH` replay (see `system.property.test.ts`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckpointingConfig, JobTopology } from '../../spec/index.js';
import { canonical } from '../support/canonical.js';
import type { RunModel } from './support/commands.js';
import { runs, seedOf, worldCommands } from './support/commands.js';
import { heal, problemsOf } from './support/invariants.js';
import { World } from './support/world.js';
import { FIFTY_TASKS, SIX_TASKS } from './support/topologies.js';

const TIMEOUT = 1000;

/** Concurrent checkpoints, so that one batch holds acknowledgements of several. */
const CONFIGS: ReadonlyArray<Partial<CheckpointingConfig>> = [
  { timeout: TIMEOUT, maxConcurrent: 3 },
  { timeout: TIMEOUT, unaligned: true, alignedCheckpointTimeout: 100, maxConcurrent: 2 },
  { timeout: TIMEOUT, tolerableFailures: 2, retained: 2, maxConcurrent: 4 },
];

/** Many checkpoints, data delivered while the control channel lags, so acknowledgements pile up. */
const WEIGHTS = { trigger: 6, deliverData: 2, deliverToTasks: 6, deliver: 2, deliverAll: 1 } as const;
/** At 50 tasks, without failovers and timeouts (else few checkpoints complete): large batches. */
const WEIGHTS_50 = { ...WEIGHTS, savepoint: 0, advance: 0, failover: 0, drop: 0, restart: 0 } as const;

/** Everything observable of a finished world, canonically. */
function fingerprint(w: World) {
  return {
    commands: canonical(w.commands.filter((c) => c.kind !== 'continueBatch')),
    coordinator: canonical({ value: w.coordinator.actor.getSnapshot().value, context: w.coordinator.actor.getSnapshot().context }),
    tasks: canonical([...w.tasks].map(([id, t]) => [id, t.snapshot().value, t.snapshot().context])),
    commits: canonical([...w.sinks].map(([id, s]) => [id, s.committed])),
    restored: canonical(w.restored),
    outcomes: canonical(w.outcomes.map((o) => o.value)),
  };
}

async function run(topology: JobTopology, config: Partial<CheckpointingConfig>, commands: Iterable<fc.AsyncCommand<RunModel, World>>, batchAcks: boolean) {
  const w = await World.create({ topology, config, batchAcks, recordCommands: true });
  await fc.asyncModelRun(() => ({ model: { failovers: 0 }, real: w }), commands);
  const final = await heal(w);
  const problems = problemsOf(w, final);
  const print = fingerprint(w);
  w.stop();
  return { print, problems, batches: w.commands.filter((c) => c.kind === 'continueBatch').length, acks: w.batchedAcks };
}

describe('acknowledgement batches in the whole system', () => {
  for (const [name, topology, numRuns, maxCommands, maxDeliveries, weights] of [
    ['6 tasks', SIX_TASKS, 60, 60, 60, WEIGHTS],
    ['50 tasks', FIFTY_TASKS, 5, 60, 400, WEIGHTS_50],
  ] as const) {
    it(`end exactly as the same acknowledgements one by one, under the same fault schedule (${name}, property)`, async () => {
      const { seed, path } = seedOf(`batch equivalence, ${name}`);
      let continued = 0;
      let batched = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...CONFIGS), worldCommands({ maxCommands, maxDeliveries, timeout: TIMEOUT, weights }), async (config, commands) => {
          // The commands are replayed on two worlds: fast-check's commands may run more than once.
          const list = [...commands];
          const one = await run(topology, config, list, false);
          const batch = await run(topology, config, list, true);
          continued += batch.batches;
          batched += batch.acks;
          expect(batch.problems).toEqual([]);
          expect(one.problems).toEqual([]);
          expect(batch.print).toEqual(one.print);
        }),
        { seed, ...(path ? { path } : {}), numRuns: runs(numRuns) },
      );
      console.log(`batch equivalence (${name}): ${batched} acknowledgements in batches, ${continued} batches continued after a completion midway`);
    });
  }
});

/**
 * Property tests of the whole system (coordinator, tasks, two-phase-commit sinks over FIFO data
 * channels and a lossy, duplicating, reordering control channel), at sizes no explicit-state
 * checker enumerates: 50 tasks and about 20 checkpoints per run, with random fault schedules
 * (`fc.commands`): partial deliveries in random order, lost and duplicated checkpoint messages,
 * timeouts, savepoints, periodic checkpoints, task failures with failover, coordinator crashes.
 * After the faults stop and a final checkpoint completes, the protocol monitor has no violation,
 * every pending checkpoint and request got an outcome, and every sink committed exactly the
 * transactions the completed checkpoints of its lineage recorded, each once, in order.
 *
 * A failure shrinks to a minimal schedule; the seed is printed. To replay one property:
 * `SEED=<seed> FC_PATH=<path from fast-check's report> npx vitest run <this file> -t '<test name>'`
 * (`FC_PATH`, not `PATH`: that one is the shell's). `FC_RUNS_SCALE=10` runs ten times as many.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckpointingConfig, JobTopology } from '../../spec/index.js';
import type { RunModel } from './support/commands.js';
import { runs, seedOf, worldCommands } from './support/commands.js';
import { heal, problemsOf } from './support/invariants.js';
import { FIFTY_TASKS, SIX_TASKS } from './support/topologies.js';
import { World } from './support/world.js';

const TIMEOUT = 1000;

/** Configurations: aligned, concurrent, unaligned with an alignment timeout, at-least-once, with retention. */
const CONFIGS: ReadonlyArray<Partial<CheckpointingConfig>> = [
  { timeout: TIMEOUT },
  { timeout: TIMEOUT, maxConcurrent: 3 },
  { timeout: TIMEOUT, unaligned: true, alignedCheckpointTimeout: 100 },
  { timeout: TIMEOUT, mode: 'at-least-once', maxConcurrent: 2 },
  // Periodic checkpoints (started at creation): they come as time moves.
  { timeout: TIMEOUT, interval: 300, minPause: 100, maxConcurrent: 2 },
  { timeout: TIMEOUT, tolerableFailures: 2, retained: 3 },
];

async function runSchedule(topology: JobTopology, config: Partial<CheckpointingConfig>, commands: Iterable<fc.AsyncCommand<RunModel, World>>): Promise<World> {
  const w = await World.create({ topology, config, periodic: config.interval !== undefined });
  try {
    await fc.asyncModelRun(() => ({ model: { failovers: 0 }, real: w }), commands);
    const final = await heal(w);
    const problems = problemsOf(w, final);
    if (problems.length > 0) throw new Error(`after the schedule:\n  ${problems.join('\n  ')}`);
    return w;
  } finally {
    w.stop();
  }
}

describe('the whole system under random fault schedules', () => {
  it('50 tasks, about 20 checkpoints per run: no violation, exactly the recorded transactions committed (property)', async () => {
    const { seed, path } = seedOf('system property, 50 tasks');
    const stats = { runs: 0, completed: 0, requests: 0, restores: 0 };
    const reached = new Set<string>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONFIGS), worldCommands({ maxCommands: 160, maxDeliveries: 150, timeout: TIMEOUT }), async (config, commands) => {
        const w = await runSchedule(FIFTY_TASKS, config, commands);
        stats.runs++;
        stats.completed += w.completed.size;
        stats.requests += w.outcomes.length;
        stats.restores += w.restored.length;
        w.monitor.reachedProperties().forEach((p) => reached.add(p));
      }),
      { seed, ...(path ? { path } : {}), numRuns: runs(12) },
    );
    console.log(`50 tasks: ${stats.runs} runs, ${stats.requests} requests (${(stats.requests / stats.runs).toFixed(1)} per run), ${stats.completed} checkpoints completed (${(stats.completed / stats.runs).toFixed(1)} per run), ${stats.restores} restores in ${Date.now() - started} ms; reached: ${[...reached].join(', ')}`);
    expect(stats.completed).toBeGreaterThan(stats.runs);
    // (A dozen runs need not reach every `sometimes` property: printed only.)
  });

  it('6 tasks, many short runs: no violation, exactly the recorded transactions committed (property)', async () => {
    const { seed, path } = seedOf('system property, 6 tasks');
    const stats = { runs: 0, completed: 0, requests: 0, restores: 0 };
    const reached = new Set<string>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CONFIGS), worldCommands({ maxCommands: 40, maxDeliveries: 12, timeout: TIMEOUT }), async (config, commands) => {
        const w = await runSchedule(SIX_TASKS, config, commands);
        stats.runs++;
        stats.completed += w.completed.size;
        stats.requests += w.outcomes.length;
        stats.restores += w.restored.length;
        w.monitor.reachedProperties().forEach((p) => reached.add(p));
      }),
      { seed, ...(path ? { path } : {}), numRuns: runs(150) },
    );
    console.log(`6 tasks: ${stats.runs} runs, ${stats.requests} requests, ${stats.completed} checkpoints completed, ${stats.restores} restores in ${Date.now() - started} ms; reached: ${[...reached].join(', ')}`);
    expect(stats.completed).toBeGreaterThan(stats.runs);
    expect(reached).toEqual(new Set(['checkpoint-completes', 'checkpoint-expires', 'checkpoint-declined', 'savepoint-completes', 'recovery-happens']));
  });
});

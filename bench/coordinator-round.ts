/**
 * Benchmark: one full checkpoint round (trigger, every acknowledgement, completion, every
 * notification) through the real coordinator actor, beside the hand-written floor, for 1,000,
 * 10,000 and 100,000 tasks. Acknowledgements arrive in batches of 1,000, as a transport delivers
 * them. Prints one JSON line per size; figures are medians over several rounds.
 * @packageDocumentation
 */
import type { AcknowledgeCheckpoint, JobTopology } from '../spec/index.js';
import { EMPTY_METRICS, taskIdsOf } from '../spec/index.js';
import { createCoordinator } from '../runtime/coordinator/create-coordinator.js';
import { ManualTime } from '../runtime/time.js';
import { FloorCoordinator } from './coordinator-floor.js';
import { gc, median, seconds } from './stats.js';

const BATCH = 1000;

function topologyOf(tasks: number): JobTopology {
  const sources = Math.max(1, Math.floor(tasks / 10));
  return {
    jobId: 'bench',
    vertices: [
      { id: 'source', parallelism: sources, inputs: [] },
      { id: 'map', parallelism: tasks - sources, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
    ],
  };
}

function acksFor(taskIds: readonly string[], checkpointId: number): AcknowledgeCheckpoint[][] {
  const batches: AcknowledgeCheckpoint[][] = [];
  for (let i = 0; i < taskIds.length; i += BATCH) {
    batches.push(
      taskIds.slice(i, i + BATCH).map((taskId) => ({ type: 'acknowledgeCheckpoint', jobId: 'bench', taskId, attempt: 0, checkpointId, metrics: EMPTY_METRICS, state: { key: `${taskId}/${checkpointId}`, sizeBytes: 1 } })),
    );
  }
  return batches;
}

/**
 * Measures one size.
 * @param tasks - number of tasks.
 * @param rounds - rounds measured (after `warmup` unmeasured ones).
 * @param warmup - rounds run first to let the JIT settle.
 */
export async function benchCoordinatorRound(tasks: number, rounds: number, warmup = 1): Promise<Record<string, unknown>> {
  const topology = topologyOf(tasks);
  const taskIds = taskIdsOf(topology);
  const sources = taskIds.slice(0, topology.vertices[0]!.parallelism);
  let messages = 0;
  const time = new ManualTime(1);
  const coordinator = await createCoordinator({
    topology,
    config: { timeout: 3_600_000 },
    transport: { send: () => void messages++ },
    clock: time,
    timers: time,
    tasks: Object.fromEntries(taskIds.map((t) => [t, { attempt: 0, state: 'running' as const }])),
  });
  const floor = new FloorCoordinator('bench', taskIds, sources, () => void messages++);

  // Memory held by a pending checkpoint: one untimed round, measured just before the last ack.
  const warm = acksFor(taskIds, 1);
  const lastAck = warm[warm.length - 1]!.pop()!;
  gc();
  const before = process.memoryUsage().heapUsed;
  const first = coordinator.triggerCheckpoint();
  for (const batch of warm) coordinator.receiveBatch(batch);
  gc();
  const bytesPerTaskPending = Math.max(0, Math.round((process.memoryUsage().heapUsed - before) / tasks));
  coordinator.receiveBatch([lastAck]);
  if ((await first).status !== 'completed') throw new Error('warm-up round did not complete');

  // Inputs for every round are built before timing, so their garbage is not measured.
  const actorInputs = Array.from({ length: rounds + warmup }, (_, r) => acksFor(taskIds, r + 2));
  const floorInputs = Array.from({ length: rounds + warmup }, (_, r) => acksFor(taskIds, r + 1));
  const actorTimes: number[] = [];
  const floorTimes: number[] = [];
  for (let r = 0; r < rounds + warmup; r++) {
    const t = await seconds(async () => {
      const outcome = coordinator.triggerCheckpoint();
      for (const batch of actorInputs[r]!) {
        const rejected = coordinator.receiveBatch(batch);
        if (rejected.length > 0) throw new Error(`unexpected rejection: ${rejected[0]!.message}`);
      }
      const o = await outcome;
      if (o.status !== 'completed') throw new Error(`round ${r} did not complete: ${JSON.stringify(o)}`);
    });
    const f = await seconds(async () => {
      floor.trigger(time.now());
      for (const batch of floorInputs[r]!) floor.acknowledge(batch, time.now());
    });
    if (r >= warmup) {
      actorTimes.push(t);
      floorTimes.push(f);
    }
    time.advance(1);
  }
  coordinator.shutdown();
  const acksPerSecond = Math.round(tasks / median(actorTimes));
  const floorAcksPerSecond = Math.round(tasks / median(floorTimes));
  return {
    bench: 'coordinator-round',
    tasks,
    acksPerSecond,
    floorAcksPerSecond,
    ratioToFloor: Number((floorAcksPerSecond / acksPerSecond).toFixed(2)),
    bytesPerTaskPending,
  };
}

/** All sizes of the coordinator-round benchmark. */
export async function benchCoordinator(): Promise<Array<Record<string, unknown>>> {
  const results = [];
  for (const [tasks, rounds, warmup] of [
    [1_000, 60, 40],
    [10_000, 15, 5],
    [100_000, 5, 1],
  ] as const) {
    results.push(await benchCoordinatorRound(tasks, rounds, warmup));
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await benchCoordinator()) console.log(JSON.stringify(line));
}

/**
 * End to end: one coordinator and five tasks (two sources, a task with two inputs, two
 * two-phase-commit sinks) in one process. Checkpoints complete, a task fails in the middle of a
 * checkpoint, the job restores the latest completed checkpoint, and the sinks' committed
 * transactions are exactly those of completed checkpoints, each once.
 */
import { describe, expect, it } from 'vitest';
import type { JobTopology } from '../../spec/index.js';
import { LocalJob } from '../../runtime/harness/index.js';
import type { TraceEntry } from '../../runtime/harness/index.js';

const TOPOLOGY: JobTopology = {
  jobId: 'e2e',
  vertices: [
    { id: 'source', parallelism: 2, inputs: [] },
    { id: 'join', parallelism: 1, inputs: [{ from: 'source', pattern: 'all-to-all' }] },
    { id: 'sink', parallelism: 2, inputs: [{ from: 'join', pattern: 'all-to-all' }] },
  ],
};

describe('a five-task job in one process', () => {
  it('commits exactly the transactions of completed checkpoints, each once, across a failure and a restore', async () => {
    const trace: TraceEntry[] = [];
    const job = await LocalJob.create({ topology: TOPOLOGY, config: { timeout: 60_000 }, onTrace: (e) => trace.push(e) });
    expect(job.taskIdList).toHaveLength(5);
    expect([...job.tasks.values()].map((t) => t.state().lifecycle)).toEqual(Array(5).fill('running'));

    const completed: number[] = [];
    for (let i = 0; i < 3; i++) {
      const o = await job.checkpoint();
      expect(o.status).toBe('completed');
      if (o.status === 'completed') completed.push(o.checkpointId);
    }
    expect(completed).toEqual([1, 2, 3]);
    // The join task aligned barriers from both sources before it snapshotted.
    expect(trace.filter((e) => e.to === 'join#0' && e.text.startsWith('barrier(2) ')).map((e) => e.from).sort()).toEqual(['source#0', 'source#1']);

    // Checkpoint 4 starts; the join task fails before the checkpoint can complete.
    const fourth = job.coordinator.triggerCheckpoint();
    job.deliver(3);
    job.failover('join#0');
    const outcome = await fourth;
    expect(outcome.status).toBe('aborted');
    expect(job.restored).toEqual([3]);
    expect([...job.tasks.values()].map((t) => t.state().lifecycle)).toEqual(Array(5).fill('running'));

    for (let i = 0; i < 2; i++) {
      const o = await job.checkpoint();
      expect(o.status).toBe('completed');
      if (o.status === 'completed') completed.push(o.checkpointId);
    }
    expect(completed).toEqual([1, 2, 3, 5, 6]);

    for (const [sink, ids] of job.committedCheckpoints()) {
      expect(ids, sink).toEqual(completed);
    }
    expect(job.monitor.violations).toEqual([]);
    expect(job.monitor.reached('checkpoint-completes')).toBe(true);
    expect(job.monitor.reached('recovery-happens')).toBe(true);
    job.stop();
  });

  it('restarts from scratch when a task fails before any checkpoint completed', async () => {
    const job = await LocalJob.create({ topology: TOPOLOGY });
    job.failover('source#1');
    expect(job.restored).toEqual([-1]);
    const o = await job.checkpoint();
    expect(o).toMatchObject({ status: 'completed', checkpointId: 1 });
    for (const ids of job.committedCheckpoints().values()) expect(ids).toEqual([1]);
    expect(job.monitor.violations).toEqual([]);
    job.stop();
  });
});

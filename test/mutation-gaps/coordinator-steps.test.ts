/**
 * Behaviour of the coordinator's pure steps that the scenario tests left unpinned (Stryker left
 * these mutants of `machines/coordinator/` and `machines/_internals/` alive): how plans are
 * computed and reused, the first periodic delay, liveness of tasks that ended and heartbeats of
 * tasks not running, what shutdown disarms, how restores pick their tasks and when they wait, and
 * older versions of a persistent map.
 */
import { describe, expect, it } from 'vitest';
import type { JobTopology, TaskId } from '../../spec/index.js';
import { resolveConfig } from '../../spec/index.js';
import type { TaskRecord } from '../../machines/coordinator/index.js';
import { calculatePlan, initialDelay, prepareTopology } from '../../machines/coordinator/index.js';
import { PersistentMap } from '../../machines/_internals/persistent-map.js';
import { SIMPLE_JOB, startFixture, useProtocolMonitors } from '../support/coordinator-fixture.js';
import { DeferredStore } from '../support/deferred-ports.js';

useProtocolMonitors();

const running = (attempt = 0): TaskRecord => ({ attempt, state: 'running' });

function tasksOf(topology: JobTopology, over: Record<TaskId, TaskRecord | undefined> = {}): PersistentMap<TaskId, TaskRecord> {
  const entries: Array<[TaskId, TaskRecord]> = [];
  for (const id of prepareTopology(topology).taskIds) {
    const r = id in over ? over[id] : running();
    if (r) entries.push([id, r]);
  }
  return PersistentMap.from(entries);
}

/** Two sources feeding two sinks all-to-all. */
const WIDE_JOB: JobTopology = {
  jobId: 'wide',
  vertices: [
    { id: 'src', parallelism: 2, inputs: [] },
    { id: 'sink', parallelism: 2, inputs: [{ from: 'src', pattern: 'all-to-all' }] },
  ],
};

describe('calculatePlan', () => {
  it('returns the same plan again for the same topology, tasks and configuration', () => {
    const prepared = prepareTopology(SIMPLE_JOB);
    const tasks = tasksOf(SIMPLE_JOB);
    const config = resolveConfig({});
    const first = calculatePlan(prepared, tasks, config);
    expect(first.ok).toBe(true);
    expect(calculatePlan(prepared, tasks, config)).toBe(first);
  });

  it('plans anew for another topology or another configuration over the same task map', () => {
    const tasks = tasksOf(WIDE_JOB);
    const config = resolveConfig({});
    const wide = calculatePlan(prepareTopology(WIDE_JOB), tasks, config);
    expect(wide).toMatchObject({ ok: true, plan: { toTrigger: [{ taskId: 'src#0' }, { taskId: 'src#1' }] } });
    // The same tasks against a job with no edges: every task is a source.
    const flat: JobTopology = { jobId: 'flat', vertices: [{ id: 'src', parallelism: 2, inputs: [] }, { id: 'sink', parallelism: 2, inputs: [] }] };
    const flatPlan = calculatePlan(prepareTopology(flat), tasks, config);
    expect(flatPlan.ok && flatPlan.plan.toTrigger.map((r) => r.taskId)).toEqual(['src#0', 'src#1', 'sink#0', 'sink#1']);
    // The same tasks and topology with a configuration that refuses finished tasks.
    const withFinished = tasksOf(WIDE_JOB, { 'src#0': { attempt: 0, state: 'finished' } });
    const prepared = prepareTopology(WIDE_JOB);
    expect(calculatePlan(prepared, withFinished, config).ok).toBe(true);
    expect(calculatePlan(prepared, withFinished, resolveConfig({ checkpointsAfterTasksFinish: false }))).toEqual({ ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' });
    expect(calculatePlan(prepared, withFinished, config).ok).toBe(true);
  });

  it('plans a job whose tasks all run even when checkpoints after tasks finish are off', () => {
    const plan = calculatePlan(prepareTopology(SIMPLE_JOB), tasksOf(SIMPLE_JOB), resolveConfig({ checkpointsAfterTasksFinish: false }));
    expect(plan).toMatchObject({ ok: true, plan: { finished: [] } });
    expect(plan.ok && [...plan.plan.waitFor]).toEqual([
      ['src#0', 0],
      ['src#1', 0],
      ['sink#0', 0],
    ]);
  });

  it('refuses when a task is unknown, never deployed, or only created', () => {
    const prepared = prepareTopology(SIMPLE_JOB);
    const config = resolveConfig({});
    const refused = { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' };
    expect(calculatePlan(prepared, tasksOf(SIMPLE_JOB, { 'sink#0': undefined }), config)).toEqual(refused);
    expect(calculatePlan(prepared, tasksOf(SIMPLE_JOB, { 'sink#0': { attempt: -1, state: 'running' } }), config)).toEqual(refused);
    // A downstream task that is only created (its upstream runs, so it would not be triggered itself).
    expect(calculatePlan(prepared, tasksOf(SIMPLE_JOB, { 'sink#0': { attempt: 1, state: 'created' } }), config)).toEqual(refused);
  });

  it('does not trigger a task fed all-to-all by a vertex that still runs, even if its own subtask finished', () => {
    const plan = calculatePlan(prepareTopology(WIDE_JOB), tasksOf(WIDE_JOB, { 'src#0': { attempt: 0, state: 'finished' } }), resolveConfig({}));
    expect(plan).toMatchObject({ ok: true, plan: { finished: ['src#0'] } });
    expect(plan.ok && plan.plan.toTrigger.map((r) => r.taskId)).toEqual(['src#1']);
  });
  it('skips inputs from vertices the topology does not have (it is not validated here)', () => {
    const odd: JobTopology = {
      jobId: 'odd',
      vertices: [
        { id: 'src', parallelism: 1, inputs: [] },
        { id: 'sink', parallelism: 1, inputs: [{ from: 'ghost', pattern: 'pointwise' }, { from: 'src', pattern: 'pointwise' }] },
      ],
    };
    const plan = calculatePlan(prepareTopology(odd), tasksOf(odd, { 'src#0': { attempt: 0, state: 'finished' } }), resolveConfig({}));
    expect(plan.ok && plan.plan.toTrigger.map((r) => r.taskId)).toEqual(['sink#0']);
  });
});

describe('the first periodic delay', () => {
  it('is uniform over [min pause, interval]', () => {
    expect(initialDelay(10, 100, 0)).toBe(10);
    expect(initialDelay(10, 100, 0.5)).toBe(55);
    expect(initialDelay(10, 100, 0.999)).toBe(100);
    expect(initialDelay(0, 9, 0.5)).toBe(5);
  });
});

describe('liveness supervision', () => {
  it('stops watching a task once it finished: it is never declared lost', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    f.time.advance(500);
    f.report('src#0', 'finished');
    f.time.advance(2000);
    expect(f.commandsOf('taskLost').map((c) => c.taskId)).toEqual(['src#1', 'sink#0']);
  });

  it('changes nothing for a heartbeat at the instant the task was last seen', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    const before = f.c.actor.getSnapshot().context;
    expect(f.c.receive({ type: 'heartbeat', jobId: 'job', taskId: 'src#0', attempt: 0 })).toEqual({ ok: true });
    expect(f.c.actor.getSnapshot().context).toBe(before);
  });

  it('reports how long a lost task was silent', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 } });
    // Checks run every 500 ms from t=1000; every task was last seen at t=1000.
    f.time.advance(900);
    f.c.receive({ type: 'heartbeat', jobId: 'job', taskId: 'src#0', attempt: 0 });
    f.time.advance(700);
    expect(f.commandsOf('taskLost').map((c) => [c.taskId, c.silentForMs])).toEqual([
      ['src#1', 1500],
      ['sink#0', 1500],
    ]);
    f.time.advance(1000);
    expect(f.commandsOf('taskLost').at(-1)).toMatchObject({ taskId: 'src#0', silentForMs: 1100 });
  });

  it('rejects heartbeats of an attempt that is created or ended, saying which', async () => {
    const f = await startFixture({ config: { heartbeatTimeout: 1000 }, running: false, tasks: { 'src#0': { attempt: 0, state: 'created' } } });
    f.report('src#1', 'running');
    f.report('src#1', 'finished');
    expect(f.c.receive({ type: 'heartbeat', jobId: 'job', taskId: 'src#0', attempt: 0 })).toEqual({
      ok: false,
      rejection: { code: 'stale-attempt', path: '$.attempt', message: 'attempt 0 of src#0 is created' },
    });
    expect(f.c.receive({ type: 'heartbeat', jobId: 'job', taskId: 'src#1', attempt: 0 })).toEqual({
      ok: false,
      rejection: { code: 'stale-attempt', path: '$.attempt', message: 'attempt 0 of src#1 is finished' },
    });
  });
});

describe('shutdown', () => {
  it('disarms the heartbeat timer only when heartbeats are supervised', async () => {
    const off = await startFixture();
    await off.c.shutdown();
    expect(off.commandsOf('cancelTimer').map((c) => c.timer.kind)).toEqual(['periodic']);
    const on = await startFixture({ config: { heartbeatTimeout: 1000 } });
    await on.c.shutdown();
    expect(on.commandsOf('cancelTimer').map((c) => c.timer.kind)).toEqual(['periodic', 'heartbeat']);
  });
});

describe('restores', () => {
  it('restore every task unless regional, whatever tasks are named', async () => {
    const f = await startFixture();
    f.c.restore('global', ['sink#0']);
    f.c.restore('regional', ['sink#0']);
    f.c.restore('regional');
    expect(f.restores.map((r) => [r.scope, [...r.tasks]])).toEqual([
      ['global', ['src#0', 'src#1', 'sink#0']],
      ['regional', ['sink#0']],
      ['regional', ['src#0', 'src#1', 'sink#0']],
    ]);
  });

  it('happen at once while a checkpoint is pending but not being stored', async () => {
    const f = await startFixture();
    void f.c.triggerCheckpoint();
    f.ack('src#0', 1);
    expect(f.c.state().pending).toMatchObject([{ checkpointId: 1, stage: 'triggered' }]);
    f.c.restore('global');
    expect(f.restores.map((r) => r.scope)).toEqual(['global']);
  });

  it('asked for regionally while a checkpoint is stored merge: every task when one request named none', async () => {
    for (const order of [[undefined, ['sink#0']], [['sink#0'], undefined]] as const) {
      const store = new DeferredStore();
      const f = await startFixture({ store });
      const p = f.c.triggerCheckpoint();
      f.ackAll(1);
      for (const tasks of order) f.c.restore('regional', tasks);
      await store.release();
      expect((await p).status).toBe('completed');
      expect(f.restores).toHaveLength(1);
      const restored = f.restores[0]!;
      expect(restored.checkpoint?.checkpointId).toBe(1);
      expect([...restored.tasks].sort(), JSON.stringify(order)).toEqual([...f.taskIds].sort());
    }
  });
});

describe('versions of a persistent map', () => {
  it('keep every key a Map can hold, undefined included, when an older version is read again', () => {
    const older = PersistentMap.from<string | undefined, number>([
      [undefined, 0],
      ['a', 1],
    ]);
    const newer = older.withMutations((m) => {
      m.set('a', 2);
      m.set('b', 3);
    });
    expect([...older.view()]).toEqual([
      [undefined, 0],
      ['a', 1],
    ]);
    expect([...newer.view()]).toEqual([
      [undefined, 0],
      ['a', 2],
      ['b', 3],
    ]);
    expect(older.get(undefined)).toBe(0);
  });
});

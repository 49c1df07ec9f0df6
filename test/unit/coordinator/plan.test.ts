/**
 * Plan calculation (DefaultCheckpointPlanCalculatorTest), as a pure function.
 */
import { describe, expect, it } from 'vitest';
import type { JobTopology, TaskExecutionState } from '../../../spec/index.js';
import { resolveConfig, taskIdsOf } from '../../../spec/index.js';
import { PersistentMap } from '../../../machines/_internals/persistent-map.js';
import type { TaskRecord } from '../../../machines/coordinator/index.js';
import { calculatePlan, prepareTopology } from '../../../machines/coordinator/index.js';

const JOB: JobTopology = {
  jobId: 'j',
  vertices: [
    { id: 'a', parallelism: 4, inputs: [] },
    { id: 'b', parallelism: 2, inputs: [{ from: 'a', pattern: 'pointwise' }] },
    { id: 'c', parallelism: 4, inputs: [{ from: 'b', pattern: 'pointwise' }] },
    { id: 'd', parallelism: 1, inputs: [{ from: 'c', pattern: 'all-to-all' }] },
  ],
};
const prepared = prepareTopology(JOB);
const config = resolveConfig({});

function tasks(states: Record<string, TaskExecutionState | 'created'> = {}, attempt = 0): PersistentMap<string, TaskRecord> {
  return PersistentMap.from(taskIdsOf(JOB).map((t) => [t, states[t] === 'created' ? { attempt: -1, state: 'created' } : { attempt, state: states[t] ?? 'running' }] as const));
}

const plan = (states: Record<string, TaskExecutionState | 'created'>, c = config) => {
  const r = calculatePlan(prepared, tasks(states), c);
  if (!r.ok) return r.reason;
  return { trigger: r.plan.toTrigger.map((t) => t.taskId), wait: [...r.plan.waitFor.keys()], commit: r.plan.commitTo.map((t) => t.taskId), finished: r.plan.finished };
};

describe('prepareTopology', () => {
  it('lists tasks vertex by vertex with their positions', () => {
    expect(prepared.taskIds).toEqual(['a#0', 'a#1', 'a#2', 'a#3', 'b#0', 'b#1', 'c#0', 'c#1', 'c#2', 'c#3', 'd#0']);
    expect(prepared.position.get('c#2')).toEqual({ vertex: 2, subtask: 2 });
  });
});

describe('calculatePlan', () => {
  it('triggers the sources and waits for and notifies every task when all run', () => {
    expect(plan({})).toEqual({ trigger: ['a#0', 'a#1', 'a#2', 'a#3'], wait: prepared.taskIds, commit: prepared.taskIds, finished: [] });
  });

  it('needs every task to have an attempt, and no failed or canceled one', () => {
    expect(plan({ 'd#0': 'created' })).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
    expect(plan({ 'c#1': 'failed' })).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
    expect(plan({ 'b#0': 'canceled' })).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
  });

  it('needs the tasks it triggers to run; the others only need an attempt', () => {
    expect(plan({ 'a#2': 'initializing' })).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
    expect(plan({ 'd#0': 'deploying', 'c#0': 'initializing' })).toMatchObject({ trigger: ['a#0', 'a#1', 'a#2', 'a#3'] });
  });

  it('leaves finished tasks out and triggers tasks whose producers all finished (pointwise, fan-in 2)', () => {
    // b#0 reads a#0 and a#1; b#1 reads a#2 and a#3.
    expect(plan({ 'a#0': 'finished' })).toMatchObject({ trigger: ['a#1', 'a#2', 'a#3'], finished: ['a#0'] });
    expect(plan({ 'a#0': 'finished', 'a#1': 'finished' })).toMatchObject({ trigger: ['a#2', 'a#3', 'b#0'], finished: ['a#0', 'a#1'] });
  });

  it('triggers pointwise fan-out tasks from their single producer (pointwise, fan-out 2)', () => {
    // c#0 and c#1 read b#0; c#2 and c#3 read b#1.
    const r = plan({ 'a#0': 'finished', 'a#1': 'finished', 'a#2': 'finished', 'a#3': 'finished', 'b#1': 'finished' });
    expect(r).toMatchObject({ trigger: ['b#0', 'c#2', 'c#3'] });
  });

  it('triggers an all-to-all consumer only when every producer finished', () => {
    const upstream = Object.fromEntries(prepared.taskIds.filter((t) => t !== 'd#0').map((t) => [t, 'finished' as const]));
    expect(plan(upstream)).toEqual({ trigger: ['d#0'], wait: ['d#0'], commit: ['d#0'], finished: prepared.taskIds.filter((t) => t !== 'd#0') });
    expect(plan({ ...upstream, 'c#3': 'running' })).toMatchObject({ trigger: ['c#3'] });
    expect(plan({ ...upstream, 'd#0': 'deploying' })).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
  });

  it('fails when a task finished and checkpoints after tasks finish are disabled', () => {
    expect(plan({ 'a#0': 'finished' }, resolveConfig({ checkpointsAfterTasksFinish: false }))).toBe('NOT_ALL_REQUIRED_TASKS_RUNNING');
  });

  it('plans with each task current attempt', () => {
    const r = calculatePlan(prepared, tasks({}, 3), config);
    expect(r.ok && r.plan.toTrigger[0]).toEqual({ taskId: 'a#0', attempt: 3 });
    expect(r.ok && r.plan.waitFor.get('d#0')).toBe(3);
  });
});

/**
 * Plan calculation (Flink's `DefaultCheckpointPlanCalculator`, reference 1.6): who is triggered,
 * waited for and notified, from the tasks' current states. O(tasks) per checkpoint; all-to-all
 * edges are judged per vertex, never per task pair.
 * @packageDocumentation
 */
import type { Attempt, CheckpointingConfig, JobTopology, TaskAttemptRef, TaskId } from '../../spec/index.js';
import { taskIdOf } from '../../spec/index.js';
import type { PersistentMap } from '../_internals/persistent-map.js';
import type { CheckpointPlan, PreparedTopology, TaskRecord } from './types.js';

/**
 * Indexes a topology once: every task id and its position.
 * @param topology - the job.
 */
export function prepareTopology(topology: JobTopology): PreparedTopology {
  const taskIds: TaskId[] = [];
  const position = new Map<TaskId, { vertex: number; subtask: number }>();
  topology.vertices.forEach((vertex, v) => {
    for (let s = 0; s < vertex.parallelism; s++) {
      const id = taskIdOf(vertex.id, s);
      taskIds.push(id);
      position.set(id, { vertex: v, subtask: s });
    }
  });
  return { topology, taskIds, position };
}

/** A plan, or why none can be made. */
export type PlanResult = { readonly ok: true; readonly plan: CheckpointPlan } | { readonly ok: false; readonly reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' };

const NOT_RUNNING = { ok: false, reason: 'NOT_ALL_REQUIRED_TASKS_RUNNING' } as const;

/**
 * Plans are a pure function of (topology, tasks, configuration) and task maps are immutable
 * values, so a plan is computed once per version of the task map: in steady state every trigger
 * reuses it (O(1)); any task state change makes a new version and a new plan.
 */
const planMemo = new WeakMap<PersistentMap<TaskId, TaskRecord>, { prepared: PreparedTopology; config: CheckpointingConfig; result: PlanResult }>();

/**
 * Computes the plan of a checkpoint.
 * @param prepared - the indexed topology.
 * @param tasks - every task's attempt and state.
 * @param config - the configuration (for checkpoints after tasks finish).
 */
export function calculatePlan(prepared: PreparedTopology, tasks: PersistentMap<TaskId, TaskRecord>, config: CheckpointingConfig): PlanResult {
  const memo = planMemo.get(tasks);
  if (memo && memo.prepared === prepared && memo.config === config) return memo.result;
  const result = computePlan(prepared, tasks, config);
  planMemo.set(tasks, { prepared, config, result });
  return result;
}

function computePlan(prepared: PreparedTopology, tasks: PersistentMap<TaskId, TaskRecord>, config: CheckpointingConfig): PlanResult {
  const { topology, taskIds, position } = prepared;
  const vertices = topology.vertices;
  const runningPerVertex = new Array<number>(vertices.length).fill(0);
  const records = tasks.view();
  let anyFinished = false;
  for (const id of taskIds) {
    const t = records.get(id);
    if (!t || t.attempt < 0 || t.state === 'failed' || t.state === 'canceled' || t.state === 'created') return NOT_RUNNING;
    if (t.state === 'finished') anyFinished = true;
    else runningPerVertex[(position.get(id) as { vertex: number }).vertex]!++;
  }
  if (anyFinished && !config.checkpointsAfterTasksFinish) return NOT_RUNNING;

  const toTrigger: TaskAttemptRef[] = [];
  const commitTo: TaskAttemptRef[] = [];
  const waitFor = new Map<TaskId, Attempt>();
  const finished: TaskId[] = [];
  for (const id of taskIds) {
    const t = records.get(id) as TaskRecord;
    if (t.state === 'finished') {
      finished.push(id);
      continue;
    }
    const ref = { taskId: id, attempt: t.attempt as Attempt };
    waitFor.set(id, ref.attempt);
    commitTo.push(ref);
    const pos = position.get(id) as { vertex: number; subtask: number };
    if (noRunningPredecessor(prepared, tasks, runningPerVertex, pos.vertex, pos.subtask, anyFinished)) {
      if (t.state !== 'running') return NOT_RUNNING;
      toTrigger.push(ref);
    }
  }
  return { ok: true, plan: { toTrigger, waitFor, commitTo, finished } };
}

/** Whether every upstream task of (vertex, subtask) finished; true for sources. */
function noRunningPredecessor(
  prepared: PreparedTopology,
  tasks: PersistentMap<TaskId, TaskRecord>,
  runningPerVertex: readonly number[],
  vertex: number,
  subtask: number,
  anyFinished: boolean,
): boolean {
  const { vertices } = prepared.topology;
  const v = vertices[vertex]!;
  if (v.inputs.length === 0) return true;
  if (!anyFinished) return false;
  for (const input of v.inputs) {
    const upIndex = vertices.findIndex((u) => u.id === input.from);
    const up = vertices[upIndex];
    if (!up) continue;
    if (runningPerVertex[upIndex] === 0) continue;
    if (input.pattern === 'all-to-all') return false;
    for (const u of pointwiseProducers(up.parallelism, v.parallelism, subtask)) {
      if ((tasks.get(taskIdOf(up.id, u)) as TaskRecord).state !== 'finished') return false;
    }
  }
  return true;
}

/** The upstream subtasks feeding downstream subtask `d` on a pointwise edge. */
function pointwiseProducers(pu: number, pd: number, d: number): number[] {
  if (pu === pd) return [d];
  if (pu < pd) return [Math.floor((d * pu) / pd)];
  const result: number[] = [];
  for (let u = Math.ceil((d * pu) / pd); u < pu && Math.floor((u * pd) / pu) === d; u++) result.push(u);
  return result;
}

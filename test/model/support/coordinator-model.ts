/**
 * The coordinator machine as a test model: configurations, the concrete events offered in each
 * snapshot (bounded so that the reachable snapshot space is finite), and the exact snapshot key.
 *
 * Every event is computed from the snapshot it is offered in (the id of the pending checkpoint,
 * the sequence number of the request in flight, ...), and the key ({@link keyOf}) holds
 * everything those events and the transitions they take depend on, so the paths `xstate/graph`
 * returns are consistent: replaying a path's events from the initial snapshot goes through
 * snapshots with exactly the path's keys (the exploration checks it). The space is kept finite by
 * budgets: a few requests per path ({@link CoordinatorModelConfig.requests}), the clock moving
 * through three instants, one task restart, one restore.
 * @packageDocumentation
 */
import type { SnapshotFrom } from 'xstate';
import type { CheckpointingConfig, JobTopology, TaskId } from '../../../spec/index.js';
import { EMPTY_METRICS, resolveConfig, taskIdsOf } from '../../../spec/index.js';
import type { coordinatorMachine, CoordinatorEvent, CoordinatorInput, TaskRecord } from '../../../machines/coordinator/index.js';
import { canonical } from '../../support/canonical.js';

/** The machine's snapshot. */
export type CoordinatorSnapshot = SnapshotFrom<typeof coordinatorMachine>;

/** The clock's start (the runtime's manual clock starts here too). */
export const T0 = 1000;
/** The instants the clock moves through. */
export const INSTANTS = [T0, T0 + 60, T0 + 120] as const;
/** The hook of the configuration with hooks. */
export const HOOK = 'h';
/** A task id that is not part of the job. */
export const UNKNOWN_TASK = 'nope#0';
/** Another job (messages from it are rejected without any change). */
export const OTHER_JOB = 'other-job';

/** Groups of events a model offers (its alphabet). */
export type EventGroup = 'clock' | 'heartbeats' | 'tasks' | 'requests' | 'savepoints' | 'acks' | 'declines' | 'scheduler' | 'timeouts' | 'ids' | 'hooks' | 'transport' | 'store' | 'failover' | 'shutdown' | 'invalid';

/** A model: a named configuration of the coordinator and the events it offers. */
export interface CoordinatorModelConfig {
  /** Its name in reports. */
  readonly name: string;
  /** The job. */
  readonly topology: JobTopology;
  /** The options given to `createCoordinator` (hooks are given as ports there). */
  readonly options: Partial<CheckpointingConfig>;
  /** Whether the job has the hook {@link HOOK}. */
  readonly hooks: boolean;
  /** Whether every task already runs at attempt 0 when the coordinator starts. */
  readonly running: boolean;
  /** Requests (user or periodic) per path. */
  readonly requests: number;
  /** The events offered. */
  readonly alphabet: ReadonlySet<EventGroup>;
}

/** The job of the coordinator models: one source. */
export const MODEL_JOB: JobTopology = { jobId: 'model-job', vertices: [{ id: 'src', parallelism: 1, inputs: [] }] };

/** The task of {@link MODEL_JOB}. */
export const SOURCE = 'src#0';

/** The configurations explored: together they reach every state node and every reachable transition. */
export const COORDINATOR_MODELS: readonly CoordinatorModelConfig[] = [
  {
    // One checkpoint or savepoint at a time from a task that is not running yet, through every
    // port answer and every outcome, then shut down (with a store write in flight).
    name: 'pipeline',
    topology: MODEL_JOB,
    options: { timeout: 1000, tolerableFailures: 1 },
    hooks: false,
    running: false,
    requests: 2,
    alphabet: new Set(['tasks', 'requests', 'savepoints', 'acks', 'declines', 'timeouts', 'ids', 'transport', 'store', 'failover', 'shutdown']),
  },
  {
    // Every input a state must reject without a change, one request deep; the clock moving
    // after shutdown.
    name: 'invalid',
    topology: MODEL_JOB,
    options: { timeout: 1000 },
    hooks: false,
    running: true,
    requests: 1,
    alphabet: new Set(['clock', 'requests', 'acks', 'ids', 'store', 'shutdown', 'invalid']),
  },
  {
    // Periodic checkpoints with a min pause: too-early periodic requests, the scheduler stopping
    // while a periodic request waits for its id, the clock moving.
    name: 'periodic',
    topology: MODEL_JOB,
    options: { interval: 100, minPause: 50, timeout: 1000 },
    hooks: false,
    running: true,
    requests: 3,
    alphabet: new Set(['clock', 'scheduler', 'acks', 'ids', 'store']),
  },
  {
    // A master hook: ids go through awaitingHooks; no interval, so starting the scheduler is rejected.
    name: 'hooks',
    topology: MODEL_JOB,
    options: { timeout: 1000, maxConcurrent: 2 },
    hooks: true,
    running: true,
    requests: 2,
    alphabet: new Set(['requests', 'scheduler', 'acks', 'ids', 'hooks', 'store']),
  },
  {
    // Heartbeat supervision: heartbeats keep an attempt alive, silence past the timeout declares
    // it failed (its pending checkpoint aborts), its later heartbeats are rejected.
    name: 'heartbeats',
    topology: MODEL_JOB,
    options: { timeout: 1000, heartbeatTimeout: 100 },
    hooks: false,
    running: true,
    requests: 1,
    alphabet: new Set(['clock', 'heartbeats', 'requests', 'acks', 'ids', 'store']),
  },
];

/**
 * The machine input of a model (what `createCoordinator` builds from the same options).
 * @param model - the model.
 */
export function inputOf(model: CoordinatorModelConfig): CoordinatorInput {
  const config = resolveConfig({ ...model.options, ...(model.hooks ? { hooks: [HOOK] } : {}) });
  return { topology: model.topology, config, completed: [], now: T0, ...(model.running ? { tasks: runningTasks(model) } : {}) };
}

/**
 * Every task of the model's job running at attempt 0 (the `tasks` option of both the machine and the runtime).
 * @param model - the model.
 */
export function runningTasks(model: CoordinatorModelConfig): Record<TaskId, TaskRecord> {
  return Object.fromEntries(taskIdsOf(model.topology).map((t) => [t, { attempt: 0, state: 'running' } as const]));
}

/**
 * The key of a snapshot in the traversal: its value and its context without the figures
 * (`stats`) and the remembered ids of finished checkpoints (`ghosts`), which decide nothing
 * about the events offered or the transitions taken by them. Two snapshots with the same key
 * are offered the same events and move to snapshots with the same key, so every path replays
 * exactly (the model tests assert it).
 * @param snapshot - the snapshot.
 */
export function keyOf(snapshot: CoordinatorSnapshot): string {
  const { stats: _stats, ghosts: _ghosts, topology: _topology, config: _config, ...rest } = snapshot.context;
  return canonical({ value: snapshot.value, context: rest });
}

const ack = (jobId: string, taskId: TaskId, attempt: number, checkpointId: number): Extract<CoordinatorEvent, { type: 'acknowledgeCheckpoint' }> => ({
  type: 'acknowledgeCheckpoint',
  jobId,
  taskId,
  attempt,
  checkpointId,
  metrics: { ...EMPTY_METRICS, bytesPersisted: 10 },
  state: { key: `${taskId}@${checkpointId}#${attempt}`, sizeBytes: 10 },
});

/**
 * The acknowledgement the runtime driver sends to let the runtime see a clock change: from
 * another job, rejected without any change in every state.
 */
export const NUDGE = ack(OTHER_JOB, SOURCE, 0, 1);

/**
 * The events a model offers in `snapshot`: what the environment (tasks, ports, timers, the
 * operator) may do next, including the invalid and stale inputs every handler must reject.
 * @param model - the model.
 * @param snapshot - the snapshot.
 */
export function eventsOf(model: CoordinatorModelConfig, snapshot: CoordinatorSnapshot): CoordinatorEvent[] {
  const on = (g: EventGroup) => model.alphabet.has(g);
  const ctx = snapshot.context;
  const jobId = ctx.topology.topology.jobId;
  const events: CoordinatorEvent[] = [];
  const budget = ctx.nextSeq <= model.requests;
  const pending = [...ctx.pending.values()].sort((a, b) => a.checkpointId - b.checkpointId);
  const finalizing = pending.find((p) => p.stage === 'finalizing');
  const nextInstant = INSTANTS.find((t) => t > ctx.now);
  if (on('clock') && nextInstant !== undefined) events.push({ type: 'clock.tick', now: nextInstant });
  const request: CoordinatorEvent = { type: 'request.checkpoint', requestId: `m${ctx.nextSeq}`, checkpointType: 'configured' };
  const savepoint: CoordinatorEvent = { type: 'request.savepoint', requestId: `m${ctx.nextSeq}` };

  if (snapshot.value === 'shutDown') {
    if (on('shutdown')) events.push(request, savepoint);
    if (finalizing && on('store')) {
      events.push({ type: 'finalize.succeeded', checkpointId: finalizing.checkpointId });
      events.push({ type: 'finalize.failed', checkpointId: finalizing.checkpointId });
    }
    if (finalizing && on('shutdown')) events.push({ type: 'timer.fired', timer: { kind: 'timeout', checkpointId: finalizing.checkpointId } });
    // Handled by the wildcard only.
    if (on('shutdown')) events.push({ type: 'scheduler.stop' });
    if (on('invalid')) events.push({ type: 'finalize.succeeded', checkpointId: 99 }, { type: 'clock.tick', now: ctx.now - 1 });
    return events;
  }
  const value = snapshot.value as { active: { scheduler: string; trigger: string; finalization: string } };

  for (const p of pending) {
    if (p.stage !== 'triggered' && p.stage !== 'hooks') continue;
    const missing = [...p.plan.waitFor].filter(([t]) => !p.acks.has(t));
    if (on('acks')) for (const [taskId, attempt] of missing) events.push(ack(jobId, taskId, attempt, p.checkpointId));
    const first = missing[0];
    if (first && on('declines')) events.push({ type: 'declineCheckpoint', jobId, taskId: first[0], attempt: first[1], checkpointId: p.checkpointId, reason: 'CHECKPOINT_DECLINED' });
  }
  // A batch: every missing acknowledgement of the oldest triggered checkpoint, then a late duplicate.
  const oldest = pending.find((p) => p.stage === 'triggered');
  if (oldest && on('acks') && on('failover')) {
    const acks = [...oldest.plan.waitFor].filter(([t]) => !oldest.acks.has(t)).map(([t, a]) => ack(jobId, t, a, oldest.checkpointId));
    events.push({ type: 'acknowledgeBatch', acks });
  }

  if (on('tasks')) {
    for (const [taskId, record] of ctx.tasks.toJSON() as Array<[TaskId, TaskRecord]>) {
      if (record.state === 'created') events.push({ type: 'taskStateChanged', jobId, taskId, attempt: 0, state: 'running' });
      if (record.attempt === 0 && record.state === 'running') events.push({ type: 'taskStateChanged', jobId, taskId, attempt: 0, state: 'failed' });
      if (record.attempt === 0 && record.state === 'failed') events.push({ type: 'taskStateChanged', jobId, taskId, attempt: 1, state: 'running' });
    }
  }
  if (on('heartbeats')) {
    for (const [taskId, record] of ctx.tasks.toJSON() as Array<[TaskId, TaskRecord]>) {
      if (record.attempt >= 0) events.push({ type: 'heartbeat', jobId, taskId, attempt: record.attempt });
    }
    events.push({ type: 'timer.fired', timer: { kind: 'heartbeat' } });
  }
  if (budget && on('requests')) events.push(request);
  if (budget && on('savepoints')) events.push(savepoint);
  if (on('scheduler')) events.push({ type: 'scheduler.start', random: 0 }, { type: 'scheduler.stop' });
  if (on('failover')) {
    if (ctx.stats.restored === 0) events.push({ type: 'restore', scope: 'global' });
    if (pending.length > 0) events.push({ type: 'abortPending', reason: 'JOB_FAILOVER_REGION' });
  }
  if (on('shutdown')) events.push({ type: 'shutdown' });

  if (on('scheduler') && value.active.scheduler === 'started' && budget) events.push({ type: 'timer.fired', timer: { kind: 'periodic' } });
  if (on('timeouts')) for (const p of pending) events.push({ type: 'timer.fired', timer: { kind: 'timeout', checkpointId: p.checkpointId } });

  const t = ctx.triggering;
  if (on('ids') && value.active.trigger === 'allocatingId' && t && t.checkpointId === null) {
    const seq = t.request.seq;
    events.push({ type: 'counter.allocated', seq, checkpointId: seq });
    if (on('failover')) events.push({ type: 'counter.failed', seq, reason: 'IO_EXCEPTION' });
    if (on('invalid')) events.push({ type: 'counter.allocated', seq: seq + 100, checkpointId: seq + 100 }, { type: 'counter.failed', seq: seq + 100, reason: 'IO_EXCEPTION' });
  }
  for (const p of pending) {
    if (on('hooks') && p.stage === 'hooks' && p.pendingHooks.includes(HOOK)) {
      events.push({ type: 'hook.acknowledged', checkpointId: p.checkpointId, hook: HOOK, state: { key: `${HOOK}@${p.checkpointId}`, sizeBytes: 1 } });
      events.push({ type: 'hook.failed', checkpointId: p.checkpointId, hook: HOOK });
    }
    if (on('transport') && p.stage === 'triggered') for (const r of p.plan.toTrigger) events.push({ type: 'trigger.failed', checkpointId: p.checkpointId, taskId: r.taskId });
  }
  if (finalizing && on('store')) {
    events.push({ type: 'finalize.succeeded', checkpointId: finalizing.checkpointId });
    if (on('failover')) events.push({ type: 'finalize.failed', checkpointId: finalizing.checkpointId });
  }
  if (on('invalid')) {
    // A store answer for nothing being finalized (or another checkpoint), a clock going back,
    // a restore of an unknown task, metrics (statistics only).
    events.push({ type: 'finalize.succeeded', checkpointId: 99 }, { type: 'finalize.failed', checkpointId: 99 });
    events.push({ type: 'clock.tick', now: ctx.now - 1 });
    events.push({ type: 'restore', scope: 'regional', tasks: [UNKNOWN_TASK] });
    events.push({ type: 'reportCheckpointMetrics', jobId, taskId: SOURCE, attempt: 0, checkpointId: pending[0]?.checkpointId ?? 1, metrics: EMPTY_METRICS });
  }
  return events;
}

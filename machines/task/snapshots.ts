/**
 * Checkpoint participation of one task attempt (Flink's `SubtaskCheckpointCoordinatorImpl` and
 * the notification handling of `StreamTask`), as pure functions over {@link TaskContext}:
 * starting a snapshot (out-of-order guard, aborted-before-start set), its synchronous and
 * asynchronous parts, acknowledging, declining and cancelling, and the complete/abort notices.
 * @packageDocumentation
 */
import { NO_CHECKPOINT } from '../../spec/ids.js';
import type { CheckpointId } from '../../spec/ids.js';
import type { CheckpointOptions } from '../../spec/options.js';
import type { DeclineReason } from '../../spec/reasons.js';
import type { CheckpointMetrics, StateHandle } from '../../spec/state-handle.js';
import type { TaskExecutionState } from '../../spec/task-state.js';
import { PersistentMap } from '../_internals/persistent-map.js';
import type { Emit } from './commands.js';
import { copyContext, copyRecord } from './context.js';
import { closeSink, commitSink, snapshotSink } from './two-phase-commit.js';
import type { SinkSnapshotState, SnapshotRecord, TaskConfig, TaskContext } from './types.js';
import { MAX_ABORTED_BEFORE_START } from './types.js';

/**
 * Reports a lifecycle change to the coordinator.
 * @param config - the task.
 * @param state - the new execution state.
 * @param emit - receives the command.
 */
export function reportState(config: TaskConfig, state: TaskExecutionState, emit: Emit): void {
  emit({ kind: 'sendToCoordinator', message: { type: 'taskStateChanged', jobId: config.jobId, taskId: config.taskId, attempt: config.attempt, state } });
}

/**
 * Declines `checkpointId` to the coordinator and, when `marker`, tells downstream to stop aligning.
 * @param config - the task.
 * @param checkpointId - the checkpoint.
 * @param reason - why.
 * @param marker - whether to broadcast a cancel marker.
 * @param emit - receives the commands.
 */
export function decline(config: TaskConfig, checkpointId: CheckpointId, reason: DeclineReason, marker: boolean, emit: Emit): void {
  emit({ kind: 'sendToCoordinator', message: { type: 'declineCheckpoint', jobId: config.jobId, taskId: config.taskId, attempt: config.attempt, checkpointId, reason } });
  if (marker) emit({ kind: 'broadcast', event: { type: 'cancelMarker', checkpointId } });
}

/** What starts a checkpoint on the task: a trigger (sources) or the barrier handler. */
export interface CheckpointStart {
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** Its timestamp. */
  readonly timestamp: number;
  /** Its options. */
  readonly options: CheckpointOptions;
  /** When it starts here. */
  readonly now: number;
  /** How long the alignment took (0 for a trigger). */
  readonly alignmentMs: number;
  /** Whether the snapshot is taken unaligned. */
  readonly unaligned: boolean;
  /** Unaligned: whether in-flight data is captured until barriers still to come arrive. */
  readonly capturing?: boolean;
}

/**
 * `snapshots` without `checkpointId`, as a fresh map when few remain. A persistent map's older
 * versions point to its newer ones, so the first version of a long-lived map, once the garbage
 * collector moved it to the old generation, keeps every later version alive through each
 * young-generation collection (until a full one): a map updated a few times per checkpoint for
 * the whole life of the task made every collection copy them all. A fresh map starts a new,
 * short chain; rebuilding it is O(snapshots in progress), a handful at most.
 */
function without(snapshots: PersistentMap<CheckpointId, SnapshotRecord>, checkpointId: CheckpointId): PersistentMap<CheckpointId, SnapshotRecord> {
  if (!snapshots.has(checkpointId)) return snapshots;
  if (snapshots.size === 1) return PersistentMap.empty();
  if (snapshots.size > 16) return snapshots.delete(checkpointId);
  const rest: Array<[CheckpointId, SnapshotRecord]> = [];
  snapshots.forEach((r, id) => {
    if (id !== checkpointId) rest.push([id, r]);
  });
  return PersistentMap.from(rest);
}

/** The context with other snapshots. */
function withSnapshots(ctx: TaskContext, snapshots: TaskContext['snapshots']): TaskContext {
  const next = copyContext(ctx);
  next.snapshots = snapshots;
  return next;
}

const below = (ids: readonly CheckpointId[], bound: number): readonly CheckpointId[] => {
  let i = 0;
  while (i < ids.length && (ids[i] as number) < bound) i++;
  return i === 0 ? ids : ids.slice(i);
};

/**
 * Starts checkpoint `s.checkpointId` (Flink's `checkpointState`): the out-of-order guard drops an
 * id at or below the last started one; an id aborted before it started is skipped with a cancel
 * marker downstream; a task stopping with a savepoint declines (`CHECKPOINT_DECLINED_TASK_CLOSING`);
 * otherwise the barrier goes downstream, a two-phase-commit sink pre-commits, the synchronous part
 * is taken within this step (`snapshotSync`: the runtime runs it while carrying out the step's
 * commands, and reports a failure with `snapshot.syncFailed`), and the asynchronous part starts
 * at once, or, for an unaligned snapshot still capturing in-flight data, once the capture ends.
 * @param ctx - the context.
 * @param s - the checkpoint to start.
 * @param emit - receives the commands.
 */
export function startCheckpoint(ctx: TaskContext, s: CheckpointStart, emit: Emit): TaskContext {
  const id = s.checkpointId;
  const aborted = ctx.abortedBeforeStart;
  if (id <= ctx.lastStartedId) {
    const i = aborted.indexOf(id);
    return i < 0 ? ctx : { ...ctx, abortedBeforeStart: aborted.filter((a) => a !== id) };
  }
  if (aborted.length > 0 && aborted.includes(id)) {
    emit({ kind: 'broadcast', event: { type: 'cancelMarker', checkpointId: id } });
    return { ...ctx, lastStartedId: id, abortedBeforeStart: below(aborted, id + 1) };
  }
  const remaining = below(aborted, id);
  if (ctx.syncSavepointId !== NO_CHECKPOINT) {
    decline(ctx.config, id, 'CHECKPOINT_DECLINED_TASK_CLOSING', true, emit);
    return { ...ctx, lastStartedId: id, abortedBeforeStart: remaining };
  }
  const options = s.options;
  const syncSavepoint = options.snapshot === 'sync-savepoint';
  const drain = syncSavepoint && options.syncMode === 'terminate';
  const forwarded: CheckpointOptions = options.alignment === 'forced-aligned' ? { ...options, alignment: 'unaligned' } : options;
  emit({ kind: 'broadcast', event: { type: 'barrier', checkpointId: id, timestamp: s.timestamp, options: forwarded } });
  let sink = ctx.sink;
  let sinkState: SinkSnapshotState | null = null;
  if (sink !== null) {
    const r = snapshotSink(sink, ctx.config, id, drain, emit);
    sink = r.sink;
    sinkState = r.persisted;
  }
  emit({ kind: 'snapshotSync', checkpointId: id, timestamp: s.timestamp, options, unaligned: s.unaligned, sinkState });
  const capturing = s.capturing === true;
  if (!capturing) emit({ kind: 'snapshotAsync', checkpointId: id });
  const record: SnapshotRecord = {
    phase: capturing ? 'capturing' : 'async',
    startedAt: s.now,
    asyncStartedAt: s.now,
    startDelayMs: Math.max(0, s.now - s.timestamp),
    alignmentMs: s.alignmentMs,
    unaligned: s.unaligned,
  };
  const next = copyContext(ctx);
  next.lastStartedId = id;
  next.abortedBeforeStart = remaining;
  next.snapshots = ctx.snapshots.set(id, record);
  next.sink = sink;
  if (syncSavepoint) {
    next.syncSavepointId = id;
    next.syncSavepointDrains = drain;
  }
  return next;
}

/**
 * The barrier handler gave up on `checkpointId` (Flink's `abortCheckpointOnBarrier`): raise the
 * last started id to it, cancel its snapshot if one runs (unaligned), decline and broadcast a
 * cancel marker.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param reason - why.
 * @param emit - receives the commands.
 */
export function abortOnBarrier(ctx: TaskContext, checkpointId: CheckpointId, reason: DeclineReason, emit: Emit): TaskContext {
  const last = Math.max(ctx.lastStartedId, checkpointId);
  let snapshots = ctx.snapshots;
  if (snapshots.has(checkpointId)) {
    emit({ kind: 'cancelSnapshot', checkpointId });
    snapshots = without(snapshots, checkpointId);
  }
  decline(ctx.config, checkpointId, reason, true, emit);
  const next = copyContext(ctx);
  next.lastStartedId = last;
  next.abortedBeforeStart = below(ctx.abortedBeforeStart, last);
  next.snapshots = snapshots;
  return next;
}

/**
 * The figures of a snapshot ending at `now`. `syncMs` is the synchronous part's duration as the
 * runtime measured it (the machine sees no time pass within a step); when the asynchronous part
 * started with the snapshot, that duration is part of `now - asyncStartedAt` and is taken out.
 */
function metricsOf(r: SnapshotRecord, now: number, state: StateHandle | null, syncMs: number): CheckpointMetrics {
  const asyncMs = r.phase === 'async' ? now - r.asyncStartedAt - (r.asyncStartedAt === r.startedAt ? syncMs : 0) : 0;
  return {
    bytesProcessedDuringAlignment: 0,
    alignmentDurationMs: r.alignmentMs,
    syncDurationMs: syncMs,
    asyncDurationMs: Math.max(0, asyncMs),
    checkpointStartDelayMs: r.startDelayMs,
    bytesPersisted: state ? state.sizeBytes : 0,
    unaligned: r.unaligned,
  };
}

/**
 * Whether the snapshot of `checkpointId` is in `phase` (answers for other phases are stale).
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param phase - the phase.
 */
export function snapshotIn(ctx: TaskContext, checkpointId: CheckpointId, phase: SnapshotRecord['phase']): boolean {
  return ctx.snapshots.get(checkpointId)?.phase === phase;
}

/**
 * Unaligned: the last barrier of `checkpointId` arrived, its in-flight data is complete; start
 * the asynchronous part (an acknowledgement never precedes the capture's end).
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param now - the time.
 * @param emit - receives the commands.
 */
export function completeCapture(ctx: TaskContext, checkpointId: CheckpointId, now: number, emit: Emit): TaskContext {
  const r = ctx.snapshots.get(checkpointId);
  if (r?.phase !== 'capturing') return ctx;
  emit({ kind: 'snapshotAsync', checkpointId });
  const record = copyRecord(r);
  record.phase = 'async';
  record.asyncStartedAt = Math.max(r.startedAt, now);
  return withSnapshots(ctx, ctx.snapshots.set(checkpointId, record));
}

/**
 * The asynchronous part of `checkpointId` ended: acknowledge with its handle and metrics.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint (in its asynchronous part).
 * @param state - the snapshot's handle, or null.
 * @param now - the time.
 * @param syncMs - how long the synchronous part took, as the runtime measured it.
 * @param emit - receives the commands.
 */
export function acknowledge(ctx: TaskContext, checkpointId: CheckpointId, state: StateHandle | null, now: number, syncMs: number, emit: Emit): TaskContext {
  const r = ctx.snapshots.get(checkpointId);
  if (r?.phase !== 'async') return ctx;
  const c = ctx.config;
  emit({ kind: 'sendToCoordinator', message: { type: 'acknowledgeCheckpoint', jobId: c.jobId, taskId: c.taskId, attempt: c.attempt, checkpointId, metrics: metricsOf(r, now, state, syncMs), state } });
  return withSnapshots(ctx, without(ctx.snapshots, checkpointId));
}

/**
 * The asynchronous part of `checkpointId` failed: decline with `CHECKPOINT_ASYNC_EXCEPTION`.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint (in its asynchronous part).
 * @param emit - receives the commands.
 */
export function failAsync(ctx: TaskContext, checkpointId: CheckpointId, emit: Emit): TaskContext {
  if (!snapshotIn(ctx, checkpointId, 'async')) return ctx;
  decline(ctx.config, checkpointId, 'CHECKPOINT_ASYNC_EXCEPTION', false, emit);
  return withSnapshots(ctx, without(ctx.snapshots, checkpointId));
}

/**
 * `complete(checkpointId)`: commit every pre-committed transaction at or below it. Stale and
 * repeated notices commit nothing.
 * @param ctx - the context.
 * @param checkpointId - the completed checkpoint.
 * @param emit - receives the commands.
 */
export function notifyComplete(ctx: TaskContext, checkpointId: CheckpointId, emit: Emit): TaskContext {
  let next = ctx;
  if (checkpointId > ctx.latestCompletedId) next = { ...next, latestCompletedId: checkpointId };
  if (ctx.sink !== null) {
    const sink = commitSink(ctx.sink, ctx.config, checkpointId, emit);
    if (sink !== ctx.sink) next = { ...next, sink };
  }
  return next;
}

/**
 * The catch-up of `aborted(N, latestCompleted)`: run `complete(latestCompleted)` when it is set.
 * @param ctx - the context.
 * @param latestCompleted - the coordinator's latest completed checkpoint, or -1.
 * @param emit - receives the commands.
 */
export function catchUp(ctx: TaskContext, latestCompleted: number, emit: Emit): TaskContext {
  return latestCompleted > 0 ? notifyComplete(ctx, latestCompleted, emit) : ctx;
}

/**
 * Remembers an id aborted before it started: ascending, without duplicates, evicting the
 * smallest (oldest) beyond {@link MAX_ABORTED_BEFORE_START}.
 * @param ids - the set, ascending.
 * @param id - the aborted id.
 */
export function rememberAborted(ids: readonly CheckpointId[], id: CheckpointId): readonly CheckpointId[] {
  let i = ids.length;
  while (i > 0 && (ids[i - 1] as number) > id) i--;
  if (i > 0 && ids[i - 1] === id) return ids;
  const next = [...ids.slice(0, i), id, ...ids.slice(i)];
  return next.length > MAX_ABORTED_BEFORE_START ? next.slice(next.length - MAX_ABORTED_BEFORE_START) : next;
}

/**
 * `aborted(N, latestCompleted)` after the catch-up (Flink's `notifyCheckpointAborted`): cancel the
 * snapshot of N if it runs (reporting its figures), else remember N when it has not started yet.
 * Never commits anything.
 * @param ctx - the context.
 * @param checkpointId - the aborted checkpoint.
 * @param now - the time.
 * @param emit - receives the commands.
 */
export function notifyAborted(ctx: TaskContext, checkpointId: CheckpointId, now: number, emit: Emit): TaskContext {
  const r = ctx.snapshots.get(checkpointId);
  if (r !== undefined) {
    const c = ctx.config;
    emit({ kind: 'cancelSnapshot', checkpointId });
    emit({ kind: 'sendToCoordinator', message: { type: 'reportCheckpointMetrics', jobId: c.jobId, taskId: c.taskId, attempt: c.attempt, checkpointId, metrics: metricsOf(r, now, null, 0) } });
    return withSnapshots(ctx, without(ctx.snapshots, checkpointId));
  }
  if (checkpointId > ctx.lastStartedId) {
    const aborted = rememberAborted(ctx.abortedBeforeStart, checkpointId);
    return aborted === ctx.abortedBeforeStart ? ctx : { ...ctx, abortedBeforeStart: aborted };
  }
  return ctx;
}

/**
 * Whether the completion of `checkpointId` ends the attempt: it is the stop-with-savepoint in
 * progress, or a final checkpoint awaited after the input ended.
 * @param ctx - the context.
 * @param checkpointId - the completed checkpoint.
 */
export function completionFinishes(ctx: TaskContext, checkpointId: number): boolean {
  return checkpointId === ctx.syncSavepointId || (ctx.finalCheckpointMinId > 0 && checkpointId >= ctx.finalCheckpointMinId);
}

/**
 * The attempt ends: stop the heartbeat, cancel every running snapshot and close the sink.
 * @param ctx - the context.
 * @param emit - receives the commands.
 */
export function shutDown(ctx: TaskContext, emit: Emit): TaskContext {
  let next = ctx;
  if (ctx.config.heartbeatInterval > 0) emit({ kind: 'cancelTimer', timer: 'heartbeat' });
  if (ctx.snapshots.size > 0) {
    for (const [checkpointId] of ctx.snapshots.toJSON()) emit({ kind: 'cancelSnapshot', checkpointId });
    next = { ...next, snapshots: PersistentMap.empty() };
  }
  if (ctx.sink !== null) {
    const sink = closeSink(ctx.sink, emit);
    if (sink !== ctx.sink) next = { ...next, sink };
  }
  return next;
}


/**
 * The two ways a pending checkpoint ends, aborted or completed (reference 1.8 and 1.9), and the
 * failure bookkeeping they share with requests that fail before a checkpoint exists. Pure: each
 * function returns the next context and appends commands to `out`.
 * @packageDocumentation
 */
import type { CheckpointFailureReason, CheckpointId, SnapshotKind, StateHandle, TaskId } from '../../spec/index.js';
import { isSavepoint } from '../../spec/index.js';
import type { CoordinatorCommand } from './commands.js';
import { addAndSubsume, lastSubsumedId } from './completed-store.js';
import { handleFailure, handleSuccess } from './failure-manager.js';
import type { CompletedCheckpoint, CoordinatorContext, CoordinatorStats, Ghost, PendingCheckpoint, TriggerRequest } from './types.js';
import { GHOST_IDS } from './types.js';

/** Commands produced by one step, in order. */
export type Out = CoordinatorCommand[];

/**
 * Remembers `id` among the last ids that left the pending map.
 * @param ghosts - the remembered ids.
 * @param id - the id that left.
 * @param completed - whether it completed (rather than aborted).
 */
export function remember(ghosts: readonly Ghost[], id: CheckpointId, completed: boolean): readonly Ghost[] {
  const next = ghosts.length >= GHOST_IDS ? ghosts.slice(ghosts.length - GHOST_IDS + 1) : [...ghosts];
  next.push({ checkpointId: id, completed });
  return next;
}

function withFailureStats(stats: CoordinatorStats, checkpointId: number, reason: CheckpointFailureReason, at: number): CoordinatorStats {
  return {
    ...stats,
    failed: stats.failed + 1,
    failuresByReason: { ...stats.failuresByReason, [reason]: (stats.failuresByReason[reason] ?? 0) + 1 },
    latestFailed: { checkpointId, reason, at },
  };
}

/**
 * Feeds one failure to the failure manager and emits what it decided.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint, or -1.
 * @param snapshot - its kind.
 * @param reason - why it failed.
 * @param taskId - the task that reported it, for task-level failures.
 * @param out - commands.
 */
export function countFailure(ctx: CoordinatorContext, checkpointId: number, snapshot: SnapshotKind, reason: CheckpointFailureReason, taskId: TaskId | null, out: Out): CoordinatorContext {
  const d = handleFailure(ctx.failures, { checkpointId, reason, snapshot, taskLevel: taskId !== null }, ctx.config.tolerableFailures);
  if (d.counted) out.push({ kind: 'failureCounted', checkpointId, reason, counter: d.failJob ? ctx.failures.counter + 1 : d.state.counter, failedJob: d.failJob });
  if (d.failJob) out.push({ kind: 'failJob', reason, checkpointId, taskId });
  return d.state === ctx.failures ? ctx : { ...ctx, failures: d.state };
}

/**
 * Fails a request that never became a pending checkpoint.
 * @param ctx - the context.
 * @param request - the request.
 * @param reason - why.
 * @param out - commands.
 */
export function failRequest(ctx: CoordinatorContext, request: TriggerRequest, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  out.push({ kind: 'requestFailed', requestId: request.requestId, snapshot: request.snapshot, reason });
  const next = { ...ctx, stats: withFailureStats(ctx.stats, -1, reason, ctx.now) };
  return countFailure(next, -1, request.snapshot, reason, null, out);
}

/**
 * Disposes pending checkpoint `pc` with outcome "aborted": removes it, disarms its timeout,
 * discards its private state and reports the outcome. No failure counting, no notification: see
 * {@link abortPending} for the full abort; after shutdown this is all that happens.
 * @param ctx - the context.
 * @param pc - the pending checkpoint (must be in `ctx.pending`).
 * @param reason - why.
 * @param out - commands.
 */
export function dispose(ctx: CoordinatorContext, pc: PendingCheckpoint, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  const id = pc.checkpointId;
  const pending = new Map(ctx.pending);
  pending.delete(id);
  out.push({ kind: 'cancelTimer', timer: { kind: 'timeout', checkpointId: id } });
  const handles: StateHandle[] = [];
  pc.acks.forEach((h) => {
    if (h) handles.push(h);
  });
  for (const h of Object.values(pc.hookStates)) if (h) handles.push(h);
  if (handles.length > 0) out.push({ kind: 'discardState', checkpointId: id, handles });
  out.push({ kind: 'checkpointAborted', checkpointId: id, snapshot: pc.request.snapshot, requestId: pc.request.requestId, reason });
  return {
    ...ctx,
    pending,
    // A checkpoint aborted while its hooks run releases the trigger in flight.
    triggering: ctx.triggering?.checkpointId === id ? null : ctx.triggering,
    ghosts: remember(ctx.ghosts, id, false),
    stats: withFailureStats(ctx.stats, id, reason, ctx.now),
  };
}

/**
 * Aborts pending checkpoint `pc`: disposes it, discards its private state, tells the failure
 * manager, and notifies its tasks and the hooks once.
 * @param ctx - the context.
 * @param pc - the pending checkpoint (must be in `ctx.pending`).
 * @param reason - why.
 * @param taskId - the task whose decline caused it, for task-level failures.
 * @param out - commands.
 */
export function abortPending(ctx: CoordinatorContext, pc: PendingCheckpoint, reason: CheckpointFailureReason, taskId: TaskId | null, out: Out): CoordinatorContext {
  if (reason === 'CHECKPOINT_SUBSUMED' && isSavepoint(pc.request.snapshot)) {
    throw new Error(`internal error: savepoint ${pc.checkpointId} cannot be subsumed`);
  }
  const id = pc.checkpointId;
  let next = dispose(ctx, pc, reason, out);
  next = countFailure(next, id, pc.request.snapshot, reason, taskId, out);
  out.push({ kind: 'notifyAborted', checkpointId: id, timestamp: pc.timestamp, latestCompletedCheckpointId: latestCompletedId(next), recipients: pc.plan.commitTo });
  if (ctx.config.hooks.length > 0) out.push({ kind: 'notifyHooks', checkpointId: id, outcome: 'aborted' });
  return next;
}

/**
 * The id of the newest retained completed checkpoint, or -1.
 * @param ctx - the context.
 */
export function latestCompletedId(ctx: CoordinatorContext): number {
  const last = ctx.completed[ctx.completed.length - 1];
  return last ? last.checkpointId : -1;
}

/**
 * The completed checkpoint a fully acknowledged pending checkpoint becomes.
 * @param ctx - the context.
 * @param pc - the pending checkpoint.
 */
export function toCompleted(ctx: CoordinatorContext, pc: PendingCheckpoint): CompletedCheckpoint {
  return {
    checkpointId: pc.checkpointId,
    snapshot: pc.request.snapshot,
    timestamp: pc.timestamp,
    completedAt: ctx.now,
    discardOnSubsume: !isSavepoint(pc.request.snapshot),
    taskStates: pc.acks,
    hookStates: pc.hookStates,
  };
}

/**
 * Starts finalizing a fully acknowledged pending checkpoint: asks the store to add it (savepoints:
 * to write it), with the checkpoints its addition subsumes.
 * @param ctx - the context.
 * @param pc - the pending checkpoint, fully acknowledged.
 * @param out - commands.
 */
export function startFinalizing(ctx: CoordinatorContext, pc: PendingCheckpoint, out: Out): CoordinatorContext {
  const checkpoint = toCompleted(ctx, pc);
  if (isSavepoint(pc.request.snapshot)) {
    out.push({ kind: 'finalizeSavepoint', checkpoint });
  } else {
    const { subsumed } = addAndSubsume(ctx.completed, checkpoint, ctx.config.retained);
    out.push({ kind: 'storeCheckpoint', checkpoint, subsumed: subsumed.map((c) => c.checkpointId) });
  }
  const pending = new Map(ctx.pending);
  pending.set(pc.checkpointId, { ...pc, stage: 'finalizing', completed: checkpoint });
  return { ...ctx, pending };
}

/**
 * Completes a pending checkpoint whose finalization succeeded: records it in the store index,
 * resets the failure counter, subsumes older pending checkpoints and notifies the tasks (not for a
 * plain savepoint).
 * @param ctx - the context.
 * @param pc - the pending checkpoint, finalizing.
 * @param notify - false after shutdown: record the outcome, send nothing.
 * @param out - commands.
 */
export function complete(ctx: CoordinatorContext, pc: PendingCheckpoint, notify: boolean, out: Out): CoordinatorContext {
  const id = pc.checkpointId;
  const snapshot = pc.request.snapshot;
  const checkpoint = pc.completed ?? toCompleted(ctx, pc);
  let completed = ctx.completed;
  let lastSubsumed = -1;
  if (!isSavepoint(snapshot)) {
    const added = addAndSubsume(ctx.completed, checkpoint, ctx.config.retained);
    completed = added.retained;
    lastSubsumed = lastSubsumedId(added.subsumed);
  }
  const pending = new Map(ctx.pending);
  pending.delete(id);
  out.push({ kind: 'cancelTimer', timer: { kind: 'timeout', checkpointId: id } });
  out.push({ kind: 'checkpointCompleted', checkpointId: id, snapshot, requestId: pc.request.requestId, timestamp: pc.timestamp, completedAt: ctx.now, bytesPersisted: pc.bytesPersisted });
  let next: CoordinatorContext = {
    ...ctx,
    pending,
    completed,
    ghosts: remember(ctx.ghosts, id, true),
    failures: handleSuccess(ctx.failures, id),
    lastCompletionAt: ctx.now,
    stats: {
      ...ctx.stats,
      completed: ctx.stats.completed + 1,
      latestCompleted: { checkpointId: id, snapshot, timestamp: pc.timestamp, completedAt: ctx.now, bytesPersisted: pc.bytesPersisted },
    },
  };
  if (!notify || snapshot === 'savepoint') return next;
  for (const older of [...next.pending.values()]) {
    if (older.checkpointId < id && !isSavepoint(older.request.snapshot) && older.stage !== 'finalizing') {
      next = abortPending(next, older, 'CHECKPOINT_SUBSUMED', null, out);
    }
  }
  out.push({ kind: 'notifyComplete', checkpointId: id, timestamp: pc.timestamp, lastSubsumedCheckpointId: lastSubsumed, recipients: pc.plan.commitTo });
  if (ctx.config.hooks.length > 0) out.push({ kind: 'notifyHooks', checkpointId: id, outcome: 'complete' });
  return next;
}

/**
 * The trigger pipeline (reference 1.3 to 1.5 and 1.11): requests enter the queue, the head is
 * planned, given an id, becomes a pending checkpoint with its timeout armed, goes through the
 * hooks, and its tasks are triggered. One trigger is in flight at a time. Pure.
 * @packageDocumentation
 */
import type { CheckpointFailureReason, CheckpointId, CheckpointOptions, CheckpointingConfig, SnapshotKind, SyncSavepointMode } from '../../spec/index.js';
import { isSavepoint } from '../../spec/index.js';
import { PersistentMap } from '../_internals/persistent-map.js';
import type { Out } from './outcomes.js';
import { abortPending, failRequest } from './outcomes.js';
import { calculatePlan } from './plan.js';
import { decide, submit } from './request-queue.js';
import type { CheckpointPlan, CoordinatorContext, PendingCheckpoint, TriggerRequest } from './types.js';

/**
 * The options tasks get for a request (reference 1.13): savepoints always align; at-least-once
 * mode never blocks; unaligned checkpoints start unaligned, or aligned with a timeout.
 * @param config - the configuration.
 * @param snapshot - what is taken.
 * @param syncMode - for sync savepoints.
 */
export function optionsFor(config: CheckpointingConfig, snapshot: SnapshotKind, syncMode?: SyncSavepointMode): CheckpointOptions {
  const savepoint = isSavepoint(snapshot);
  const alignment = savepoint
    ? 'aligned'
    : config.mode === 'at-least-once'
      ? 'at-least-once'
      : config.unaligned && config.alignedCheckpointTimeout === 0
        ? 'unaligned'
        : 'aligned';
  const options: CheckpointOptions = {
    snapshot,
    alignment,
    alignedCheckpointTimeoutMs: !savepoint && config.unaligned ? config.alignedCheckpointTimeout : 0,
  };
  return syncMode ? { ...options, syncMode } : options;
}

/**
 * Puts a new request into the queue (failing it or an evicted one when the queue overflows).
 * @param ctx - the context.
 * @param fields - the request without its sequence number and creation time.
 * @param out - commands.
 */
export function submitRequest(ctx: CoordinatorContext, fields: Omit<TriggerRequest, 'seq' | 'createdAt'>, out: Out): CoordinatorContext {
  const request: TriggerRequest = { ...fields, seq: ctx.nextSeq, createdAt: ctx.now };
  const r = submit(ctx.queue, request, ctx.config.maxQueuedRequests);
  let next: CoordinatorContext = { ...ctx, queue: r.queue, nextSeq: ctx.nextSeq + 1 };
  for (const rejected of r.rejected) next = failRequest(next, rejected, 'TOO_MANY_CHECKPOINT_REQUESTS', out);
  return next;
}

/**
 * A new user request for a checkpoint or savepoint.
 * @param ctx - the context.
 * @param requestId - the caller's id.
 * @param snapshot - what to take.
 * @param syncMode - for stop-with-savepoint.
 * @param out - commands.
 */
export function userRequest(ctx: CoordinatorContext, requestId: string, snapshot: SnapshotKind, syncMode: SyncSavepointMode | undefined, out: Out): CoordinatorContext {
  const forced = isSavepoint(snapshot) && !ctx.config.unaligned;
  const fields = { requestId, snapshot, forced, periodic: false };
  return submitRequest(ctx, syncMode ? { ...fields, syncMode } : fields, out);
}

/** What the decider says now, given the context (no trigger in flight). */
export function decision(ctx: CoordinatorContext) {
  return decide(ctx.queue, ctx.pending.size, ctx.config.maxConcurrent, ctx.lastCompletionAt, ctx.config.minPause, ctx.now);
}

/**
 * Drops the head (a periodic request too early for the min pause) and re-arms the periodic timer
 * for the remaining time.
 * @param ctx - the context.
 * @param out - commands.
 */
export function dropTooEarly(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  const d = decision(ctx);
  if (d.kind !== 'tooEarly') return ctx;
  out.push({ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: d.remainingMs });
  return failRequest({ ...ctx, queue: ctx.queue.slice(1) }, d.request, 'MINIMUM_TIME_BETWEEN_CHECKPOINTS', out);
}

/**
 * Takes the head of the queue and plans it. On success the request is in flight, waiting for an
 * id; otherwise it failed with `NOT_ALL_REQUIRED_TASKS_RUNNING`.
 * @param ctx - the context.
 * @param out - commands.
 */
export function beginTrigger(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  const request = ctx.queue[0];
  if (!request) return ctx;
  const taken = { ...ctx, queue: ctx.queue.slice(1) };
  const planned = calculatePlan(ctx.topology, ctx.tasks, ctx.config);
  if (!planned.ok) return failRequest(taken, request, planned.reason, out);
  out.push({ kind: 'allocateId', seq: request.seq });
  return { ...taken, triggering: { request, plan: planned.plan, tasks: ctx.tasks, timestamp: ctx.now, checkpointId: null } };
}

/**
 * Fails the head of the queue without running it (e.g. a periodic request while the periodic
 * scheduler is stopped).
 * @param ctx - the context.
 * @param reason - why.
 * @param out - commands.
 */
export function failHead(ctx: CoordinatorContext, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  const request = ctx.queue[0];
  if (!request) return ctx;
  return failRequest({ ...ctx, queue: ctx.queue.slice(1) }, request, reason, out);
}

/**
 * Fails the request in flight before it became a pending checkpoint.
 * @param ctx - the context.
 * @param reason - why.
 * @param out - commands.
 */
export function failTriggering(ctx: CoordinatorContext, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  const t = ctx.triggering;
  if (!t) return ctx;
  return failRequest({ ...ctx, triggering: null }, t.request, reason, out);
}

/**
 * The id arrived: the pending checkpoint is created and its timeout armed; then the hooks are
 * triggered, or (without hooks) the tasks.
 * @param ctx - the context (a trigger is in flight, waiting for its id).
 * @param checkpointId - the id.
 * @param out - commands.
 */
export function createPending(ctx: CoordinatorContext, checkpointId: CheckpointId, out: Out): CoordinatorContext {
  const t = ctx.triggering;
  if (!t) return ctx;
  const hooks = ctx.config.hooks;
  const pc: PendingCheckpoint = {
    checkpointId,
    request: t.request,
    timestamp: t.timestamp,
    options: optionsFor(ctx.config, t.request.snapshot, t.request.syncMode),
    plan: t.plan,
    acks: PersistentMap.empty(),
    remaining: t.plan.waitFor.size,
    pendingHooks: hooks,
    hookStates: {},
    stage: hooks.length > 0 ? 'hooks' : 'triggered',
    completed: null,
    bytesPersisted: 0,
  };
  const pending = new Map(ctx.pending);
  pending.set(checkpointId, pc);
  out.push({ kind: 'startTimer', timer: { kind: 'timeout', checkpointId }, delayMs: ctx.config.timeout });
  out.push({
    kind: 'pendingCreated',
    checkpointId,
    snapshot: t.request.snapshot,
    forced: t.request.forced,
    requestId: t.request.requestId,
    plan: t.plan.commitTo,
    pendingCount: pending.size,
  });
  const next: CoordinatorContext = { ...ctx, pending, stats: { ...ctx.stats, triggered: ctx.stats.triggered + 1 } };
  if (ctx.tasks !== t.tasks && planOutlived(ctx, t.plan)) {
    // An attempt of the plan ended while the id was allocated: had the checkpoint existed, that
    // failure would have aborted it (Flink's failUnacknowledgedPendingCheckpointsFor); it could
    // never complete, so abort it now rather than when it expires.
    return abortPending({ ...next, triggering: null }, pc, 'TASK_FAILURE', null, out);
  }
  if (hooks.length > 0) {
    out.push({ kind: 'triggerHooks', checkpointId, timestamp: t.timestamp, hooks });
    return { ...next, triggering: { ...t, checkpointId } };
  }
  return triggerTasks({ ...next, triggering: null }, pc, out);
}

/**
 * Whether an attempt the plan waits for is gone (replaced by a newer attempt, failed or canceled).
 * O(plan); called only when a task changed since the plan was made.
 * @param ctx - the context.
 * @param plan - the plan.
 */
function planOutlived(ctx: CoordinatorContext, plan: CheckpointPlan): boolean {
  for (const [taskId, attempt] of plan.waitFor) {
    const t = ctx.tasks.get(taskId);
    if (!t || t.attempt !== attempt || t.state === 'failed' || t.state === 'canceled') return true;
  }
  return false;
}

/**
 * Sends the trigger to the plan's tasks; a checkpoint with nothing to wait for is acknowledged at
 * once.
 * @param ctx - the context.
 * @param pc - the pending checkpoint.
 * @param out - commands.
 */
export function triggerTasks(ctx: CoordinatorContext, pc: PendingCheckpoint, out: Out): CoordinatorContext {
  if (pc.plan.toTrigger.length > 0) {
    out.push({ kind: 'trigger', checkpointId: pc.checkpointId, timestamp: pc.timestamp, options: pc.options, recipients: pc.plan.toTrigger });
  }
  const stage = pc.remaining === 0 ? 'acknowledged' : 'triggered';
  const pending = new Map(ctx.pending);
  pending.set(pc.checkpointId, { ...pc, stage, pendingHooks: [] });
  return { ...ctx, pending };
}

/**
 * A hook acknowledged: when it was the last one, the tasks are triggered and the trigger is no
 * longer in flight.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param hook - the hook.
 * @param state - what it snapshotted.
 * @param out - commands.
 */
export function hookAcknowledged(ctx: CoordinatorContext, checkpointId: CheckpointId, hook: string, state: PendingCheckpoint['hookStates'][string], out: Out): CoordinatorContext {
  const pc = ctx.pending.get(checkpointId);
  if (!pc || pc.stage !== 'hooks' || !pc.pendingHooks.includes(hook)) return ctx;
  const updated: PendingCheckpoint = { ...pc, pendingHooks: pc.pendingHooks.filter((h) => h !== hook), hookStates: { ...pc.hookStates, [hook]: state } };
  const pending = new Map(ctx.pending);
  pending.set(checkpointId, updated);
  const next = { ...ctx, pending };
  if (updated.pendingHooks.length > 0) return next;
  return triggerTasks({ ...next, triggering: null }, updated, out);
}

/**
 * A hook failed: the checkpoint aborts with `TRIGGER_CHECKPOINT_FAILURE`.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param out - commands.
 */
export function hookFailed(ctx: CoordinatorContext, checkpointId: CheckpointId, out: Out): CoordinatorContext {
  const pc = ctx.pending.get(checkpointId);
  if (!pc || pc.stage !== 'hooks') return ctx;
  return abortPending(ctx, pc, 'TRIGGER_CHECKPOINT_FAILURE', null, out);
}

/**
 * Sending a trigger failed: the checkpoint aborts with `TRIGGER_CHECKPOINT_FAILURE`.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param out - commands.
 */
export function triggerFailed(ctx: CoordinatorContext, checkpointId: CheckpointId, out: Out): CoordinatorContext {
  const pc = ctx.pending.get(checkpointId);
  if (!pc || pc.stage !== 'triggered') return ctx;
  return abortPending(ctx, pc, 'TRIGGER_CHECKPOINT_FAILURE', null, out);
}

/**
 * A checkpoint's timeout fired: it expires unless it is already finalizing or gone.
 * @param ctx - the context.
 * @param checkpointId - the checkpoint.
 * @param out - commands.
 */
export function expire(ctx: CoordinatorContext, checkpointId: CheckpointId, out: Out): CoordinatorContext {
  const pc = ctx.pending.get(checkpointId);
  if (!pc || pc.stage === 'finalizing') return ctx;
  return abortPending(ctx, pc, 'CHECKPOINT_EXPIRED', null, out);
}

/**
 * Operator controls of the coordinator: the periodic scheduler (reference 1.5), aborting
 * everything (suspend, shutdown, failover), and restore (reference 1.19). Pure.
 * @packageDocumentation
 */
import type { CheckpointFailureReason, TaskId } from '../../spec/index.js';
import type { Out } from './outcomes.js';
import { abortPending, failRequest } from './outcomes.js';
import { submitRequest } from './trigger.js';
import type { CoordinatorContext } from './types.js';

/**
 * The first periodic delay: uniform in [min pause, interval], both inclusive.
 * @param minPause - the configured min pause.
 * @param interval - the configured interval.
 * @param random - a uniform number in [0, 1).
 */
export function initialDelay(minPause: number, interval: number, random: number): number {
  return minPause + Math.min(interval - minPause, Math.floor(random * (interval - minPause + 1)));
}

/**
 * Arms the periodic timer for its first tick.
 * @param ctx - the context (an interval is configured).
 * @param random - a uniform number in [0, 1).
 * @param out - commands.
 */
export function startScheduler(ctx: CoordinatorContext, random: number, out: Out): CoordinatorContext {
  const interval = ctx.config.interval as number;
  out.push({ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: initialDelay(ctx.config.minPause, interval, random) });
  return ctx;
}

/**
 * A periodic tick: submits a periodic request and re-arms the timer one interval ahead.
 * @param ctx - the context.
 * @param out - commands.
 */
export function periodicTick(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  out.push({ kind: 'startTimer', timer: { kind: 'periodic' }, delayMs: ctx.config.interval as number });
  return submitRequest(ctx, { requestId: null, snapshot: 'checkpoint', forced: false, periodic: true }, out);
}

/**
 * Fails every queued request and aborts every pending checkpoint that is not being finalized
 * (its outcome belongs to the store), with `reason`.
 * @param ctx - the context.
 * @param reason - why.
 * @param out - commands.
 */
export function abortAll(ctx: CoordinatorContext, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  let next: CoordinatorContext = { ...ctx, queue: [] };
  for (const request of ctx.queue) next = failRequest(next, request, reason, out);
  return abortAllPending(next, reason, out);
}

/**
 * Aborts every pending checkpoint that is not being finalized, with `reason`; queued requests stay
 * queued (Flink's `abortPendingCheckpoints`, used on failover).
 * @param ctx - the context.
 * @param reason - why.
 * @param out - commands.
 */
export function abortAllPending(ctx: CoordinatorContext, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  let next = ctx;
  for (const pc of [...ctx.pending.values()]) {
    if (pc.stage !== 'finalizing') next = abortPending(next, pc, reason, null, out);
  }
  return next;
}

/**
 * Stops periodic checkpoints: the timer is disarmed, everything queued or pending aborts with
 * `CHECKPOINT_COORDINATOR_SUSPEND`.
 * @param ctx - the context.
 * @param out - commands.
 */
export function stopScheduler(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  out.push({ kind: 'cancelTimer', timer: { kind: 'periodic' } });
  return abortAll(ctx, 'CHECKPOINT_COORDINATOR_SUSPEND', out);
}

/**
 * Shuts down: the timer is disarmed, the request in flight fails, and everything queued or
 * pending aborts with `CHECKPOINT_COORDINATOR_SHUTDOWN`.
 * @param ctx - the context.
 * @param out - commands.
 */
export function shutdown(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  out.push({ kind: 'cancelTimer', timer: { kind: 'periodic' } });
  if (ctx.config.heartbeatTimeout > 0) out.push({ kind: 'cancelTimer', timer: { kind: 'heartbeat' } });
  let next = ctx;
  if (ctx.triggering && ctx.triggering.checkpointId === null) {
    next = failRequest({ ...ctx, triggering: null }, ctx.triggering.request, 'CHECKPOINT_COORDINATOR_SHUTDOWN', out);
  }
  return abortAll(next, 'CHECKPOINT_COORDINATOR_SHUTDOWN', out);
}

/**
 * Restores from the latest completed checkpoint: the given tasks (all for a global or initial
 * restore), and the hooks unless regional. With no checkpoint, tasks start empty and hooks reset.
 * @param ctx - the context.
 * @param scope - global, regional or initial.
 * @param tasks - for regional: the tasks to restore.
 * @param out - commands.
 */
export function restore(ctx: CoordinatorContext, scope: 'global' | 'regional' | 'initial', tasks: readonly TaskId[] | undefined, out: Out): CoordinatorContext {
  const latest = ctx.completed[ctx.completed.length - 1] ?? null;
  out.push({ kind: 'restoreState', scope, checkpoint: latest, tasks: scope === 'regional' && tasks ? tasks : ctx.topology.taskIds });
  if (!latest) return ctx;
  return { ...ctx, stats: { ...ctx.stats, restored: ctx.stats.restored + 1, latestRestored: { checkpointId: latest.checkpointId, at: ctx.now } } };
}

/**
 * Restores now, or, while a completed checkpoint is being stored, once the store has answered:
 * a restore must never pick an older checkpoint while a newer one is about to complete. Requests
 * made meanwhile merge (a global or initial restore covers a regional one).
 * @param ctx - the context.
 * @param scope - global, regional or initial.
 * @param tasks - for regional: the tasks to restore.
 * @param out - commands.
 */
export function requestRestore(ctx: CoordinatorContext, scope: 'global' | 'regional' | 'initial', tasks: readonly TaskId[] | undefined, out: Out): CoordinatorContext {
  const storing = [...ctx.pending.values()].some((p) => p.stage === 'finalizing');
  if (!storing) return restore(ctx, scope, tasks, out);
  const prior = ctx.deferredRestore;
  if (!prior) return { ...ctx, deferredRestore: { scope, tasks } };
  if (prior.scope !== 'regional') return ctx;
  if (scope !== 'regional') return { ...ctx, deferredRestore: { scope, tasks } };
  // A regional restore without tasks names every task: merged with anything, it stays every task.
  const merged = prior.tasks === undefined || tasks === undefined ? undefined : [...new Set([...prior.tasks, ...tasks])];
  return { ...ctx, deferredRestore: { scope, tasks: merged } };
}

/**
 * Runs a restore deferred by {@link requestRestore}, if any (after the store answered).
 * @param ctx - the context.
 * @param out - commands.
 */
export function runDeferredRestore(ctx: CoordinatorContext, out: Out): CoordinatorContext {
  const d = ctx.deferredRestore;
  return d ? restore({ ...ctx, deferredRestore: null }, d.scope, d.tasks, out) : ctx;
}

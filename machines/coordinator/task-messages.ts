/**
 * What the coordinator does with each message from a task (reference 1.7): acknowledgements
 * (single and batched, O(1) each), declines, metric reports and state changes. Every message is
 * first checked against the job, the task and its current attempt; a bad one is rejected as data
 * and changes nothing.
 * @packageDocumentation
 */
import type {
  AcknowledgeCheckpoint,
  Attempt,
  DeclineCheckpoint,
  Rejection,
  ReportCheckpointMetrics,
  StateHandle,
  TaskId,
  TaskStateChanged,
  Heartbeat,
} from '../../spec/index.js';
import { isTerminalTaskState } from '../../spec/index.js';
import type { CheckpointFailureReason } from '../../spec/index.js';
import { noteAlive } from './liveness.js';
import type { Out } from './outcomes.js';
import { abortPending } from './outcomes.js';
import type { CoordinatorContext, PendingCheckpoint, TaskRecord } from './types.js';

type TaskMessage = AcknowledgeCheckpoint | DeclineCheckpoint | ReportCheckpointMetrics | TaskStateChanged | Heartbeat;

/**
 * Checks the job, the task and the attempt of a task message.
 * @param ctx - the context.
 * @param m - the message.
 * @returns a rejection, or null when the message may be processed.
 */
export function checkSender(ctx: CoordinatorContext, m: TaskMessage): Rejection | null {
  if (m.jobId !== ctx.topology.topology.jobId) return { code: 'wrong-job', path: '$.jobId', message: `job ${m.jobId} is not ${ctx.topology.topology.jobId}` };
  const task = ctx.tasks.get(m.taskId);
  if (!task) return { code: 'unknown-task', path: '$.taskId', message: `task ${m.taskId} is not part of the job` };
  if (m.attempt < task.attempt) return { code: 'stale-attempt', path: '$.attempt', message: `attempt ${m.attempt} of ${m.taskId} is older than the current attempt ${task.attempt}` };
  if (m.type !== 'taskStateChanged' && m.attempt > task.attempt) {
    return { code: 'stale-attempt', path: '$.attempt', message: `attempt ${m.attempt} of ${m.taskId} was never deployed (current ${task.attempt})` };
  }
  return null;
}

/** Whether `checkpointId` is among the remembered ids that left the pending map. */
function isGhost(ctx: CoordinatorContext, checkpointId: number): boolean {
  return ctx.ghosts.some((g) => g.checkpointId === checkpointId);
}

function reject(out: Out, rejection: Rejection): void {
  out.push({ kind: 'rejected', rejection });
}

/** Read access to the acknowledgements of a pending checkpoint (its map, or a batch's mutator). */
interface AckLookup {
  get(taskId: TaskId): StateHandle | null | undefined;
}

/**
 * Whether the state an acknowledgement carries is referenced by a checkpoint. That happens when
 * the acknowledgement is a redelivery of one that was accepted (acknowledgements are delivered at
 * least once): the pending checkpoint holds the same state, or the checkpoint completed (a
 * retained checkpoint holding that state, or a remembered completed id that is no longer retained,
 * whose states are not kept in memory: kept on the safe side). Such state must never be
 * discarded. O(remembered ids + retained checkpoints); only on the paths of late and rejected
 * acknowledgements.
 * @param ctx - the context.
 * @param ack - the acknowledgement.
 * @param pendingAcks - the pending checkpoint's acknowledgements as the caller sees them.
 */
function referenced(ctx: CoordinatorContext, ack: AcknowledgeCheckpoint, pendingAcks?: AckLookup): boolean {
  const key = ack.state?.key;
  if (key === undefined) return false;
  const pc = ctx.pending.get(ack.checkpointId);
  if (pc) return (pendingAcks ?? pc.acks).get(ack.taskId)?.key === key;
  for (const c of ctx.completed) if (c.checkpointId === ack.checkpointId) return c.taskStates.get(ack.taskId)?.key === key;
  // Completed but no longer retained (subsumed, or a savepoint): keep, on the safe side.
  for (const g of ctx.ghosts) if (g.checkpointId === ack.checkpointId) return g.completed;
  return false;
}

/** Discards the state of an acknowledgement no checkpoint will take, unless a checkpoint references it. */
function discardUnreferenced(ctx: CoordinatorContext, ack: AcknowledgeCheckpoint, out: Out, pendingAcks?: AckLookup): void {
  if (ack.state && !referenced(ctx, ack, pendingAcks)) out.push({ kind: 'discardState', checkpointId: ack.checkpointId, handles: [ack.state] });
}

/**
 * Rejects an acknowledgement that failed the sender check. The state of an attempt that is not the
 * current one (an older attempt, or one never deployed) is discarded: no checkpoint will take it
 * (Flink discards the state of acknowledgements from unknown attempts), unless it is a redelivery
 * of an acknowledgement a checkpoint accepted before the task restarted. A foreign job's or an
 * unknown task's state is not ours to discard.
 */
function rejectSender(ctx: CoordinatorContext, out: Out, ack: AcknowledgeCheckpoint, bad: Rejection, pendingAcks?: AckLookup): void {
  if (bad.code === 'stale-attempt') discardUnreferenced(ctx, ack, out, pendingAcks);
  reject(out, bad);
}

/**
 * Judges an acknowledgement for a live pending checkpoint: `ok` when it is the first from the
 * planned attempt, `duplicate` when that attempt already acknowledged, otherwise rejected (its
 * state is discarded: the checkpoint will never reference it).
 */
function admit(pc: PendingCheckpoint, ack: AcknowledgeCheckpoint, acked: { has(taskId: TaskId): boolean }, out: Out): 'ok' | 'duplicate' | 'rejected' {
  const planned = pc.plan.waitFor.get(ack.taskId);
  if (planned === ack.attempt) return acked.has(ack.taskId) ? 'duplicate' : 'ok';
  if (ack.state) out.push({ kind: 'discardState', checkpointId: ack.checkpointId, handles: [ack.state] });
  reject(
    out,
    planned === undefined
      ? { code: 'unknown-task', path: '$.taskId', message: `task ${ack.taskId} is not part of checkpoint ${ack.checkpointId}` }
      : { code: 'stale-attempt', path: '$.attempt', message: `checkpoint ${ack.checkpointId} waits for attempt ${planned} of ${ack.taskId}` },
  );
  return 'rejected';
}

/**
 * Acknowledgement for a checkpoint that is not pending: late (remembered id) or unknown. Its state
 * is discarded, unless it is a redelivery of state a completed checkpoint or savepoint holds.
 */
function acknowledgeGone(ctx: CoordinatorContext, ack: AcknowledgeCheckpoint, out: Out): CoordinatorContext {
  discardUnreferenced(ctx, ack, out);
  if (!isGhost(ctx, ack.checkpointId)) {
    reject(out, { code: 'unknown-checkpoint', path: '$.checkpointId', message: `checkpoint ${ack.checkpointId} is neither pending nor recently finished` });
    return ctx;
  }
  return { ...ctx, stats: { ...ctx.stats, lateAcknowledgements: ctx.stats.lateAcknowledgements + 1 } };
}

/** The context with `pc` updated after `added` new acknowledgements and `duplicates` repeats. */
function withAcks(ctx: CoordinatorContext, pc: PendingCheckpoint, acks: PendingCheckpoint['acks'], added: number, bytes: number, duplicates: number): CoordinatorContext {
  const remaining = pc.remaining - added;
  const pending = new Map(ctx.pending);
  pending.set(pc.checkpointId, {
    ...pc,
    acks,
    remaining,
    bytesPersisted: pc.bytesPersisted + bytes,
    stage: remaining === 0 && pc.stage === 'triggered' && pc.pendingHooks.length === 0 ? 'acknowledged' : pc.stage,
  });
  const stats = duplicates === 0 ? ctx.stats : { ...ctx.stats, duplicateAcknowledgements: ctx.stats.duplicateAcknowledgements + duplicates };
  return { ...ctx, pending, stats };
}

/**
 * Applies one acknowledgement. Success records the state and, when it was the last one missing,
 * marks the checkpoint acknowledged (finalization picks it up). Duplicates change nothing but a
 * counter; late acknowledgements (remembered ids) and acknowledgements the checkpoint does not
 * expect have their state discarded.
 * @param ctx - the context.
 * @param ack - the acknowledgement.
 * @param out - commands.
 */
export function acknowledge(ctx: CoordinatorContext, ack: AcknowledgeCheckpoint, out: Out): CoordinatorContext {
  const bad = checkSender(ctx, ack);
  if (bad) {
    rejectSender(ctx, out, ack, bad);
    return ctx;
  }
  const pc = ctx.pending.get(ack.checkpointId);
  if (!pc) return acknowledgeGone(ctx, ack, out);
  switch (admit(pc, ack, pc.acks, out)) {
    case 'rejected':
      return ctx;
    case 'duplicate':
      return withAcks(ctx, pc, pc.acks, 0, 0, 1);
    case 'ok':
      return withAcks(ctx, pc, pc.acks.set(ack.taskId, ack.state), 1, ack.metrics.bytesPersisted, 0);
  }
}

/** What a batch step did: the context, and the acknowledgements still to apply. */
export interface BatchResult {
  /** The context after the applied acknowledgements. */
  readonly ctx: CoordinatorContext;
  /** Acknowledgements not applied yet, or null when all were. */
  readonly rest: readonly AcknowledgeCheckpoint[] | null;
}

/**
 * Applies acknowledgements in order, exactly as one by one: it stops right after the one that
 * fully acknowledges a checkpoint and returns the rest, so the machine can start finalizing
 * before they are applied (the machine hands the rest back with a `continueBatch` command).
 * Consecutive acknowledgements for the same checkpoint share one new version of its
 * acknowledgement map.
 * @param ctx - the context.
 * @param acks - the acknowledgements.
 * @param out - commands.
 */
export function acknowledgeBatch(ctx: CoordinatorContext, acks: readonly AcknowledgeCheckpoint[], out: Out): BatchResult {
  let next = ctx;
  let i = 0;
  while (i < acks.length) {
    const first = acks[i] as AcknowledgeCheckpoint;
    const pc = next.pending.get(first.checkpointId);
    if (!pc || pc.remaining === 0 || (pc.stage !== 'triggered' && pc.stage !== 'hooks')) {
      next = acknowledge(next, first, out);
      i++;
      if (pc && pc.stage !== 'acknowledged' && next.pending.get(pc.checkpointId)?.stage === 'acknowledged') break;
      continue;
    }
    let added = 0;
    let bytes = 0;
    let duplicates = 0;
    const sender = next;
    const updated = pc.acks.withMutations((m) => {
      for (; i < acks.length && added < pc.remaining; i++) {
        const ack = acks[i] as AcknowledgeCheckpoint;
        if (ack.checkpointId !== pc.checkpointId) break;
        const bad = checkSender(sender, ack);
        if (bad) {
          rejectSender(sender, out, ack, bad, m);
          continue;
        }
        const verdict = admit(pc, ack, m, out);
        if (verdict === 'duplicate') duplicates++;
        if (verdict !== 'ok') continue;
        m.insert(ack.taskId, ack.state);
        added++;
        bytes += ack.metrics.bytesPersisted;
      }
    });
    next = withAcks(next, pc, updated, added, bytes, duplicates);
    if (next.pending.get(pc.checkpointId)?.stage === 'acknowledged') break;
  }
  return { ctx: next, rest: i < acks.length ? acks.slice(i) : null };
}

/**
 * Applies a decline: the pending checkpoint aborts with the task's reason (task-level failure).
 * Declines for checkpoints already gone change nothing.
 * @param ctx - the context.
 * @param decline - the decline.
 * @param out - commands.
 */
export function decline(ctx: CoordinatorContext, decline: DeclineCheckpoint, out: Out): CoordinatorContext {
  const bad = checkSender(ctx, decline);
  if (bad) {
    reject(out, bad);
    return ctx;
  }
  const pc = ctx.pending.get(decline.checkpointId);
  if (!pc) {
    if (!isGhost(ctx, decline.checkpointId)) {
      reject(out, { code: 'unknown-checkpoint', path: '$.checkpointId', message: `checkpoint ${decline.checkpointId} is neither pending nor recently finished` });
    }
    return ctx;
  }
  if (pc.stage === 'finalizing' || pc.stage === 'acknowledged') return ctx;
  return abortPending(ctx, pc, decline.reason, decline.taskId, out);
}

/**
 * Applies a metrics report: statistics only.
 * @param ctx - the context.
 * @param report - the report.
 * @param out - commands.
 */
export function reportMetrics(ctx: CoordinatorContext, report: ReportCheckpointMetrics, out: Out): CoordinatorContext {
  const bad = checkSender(ctx, report);
  if (bad) reject(out, bad);
  return ctx;
}

const ORDER: Record<TaskRecord['state'], number> = { created: 0, deploying: 1, initializing: 2, running: 3, finished: 4, failed: 4, canceled: 4 };

/**
 * Applies a task state change. A new attempt replaces the old one; the failure or end of an
 * attempt aborts, with `TASK_FAILURE`, every pending checkpoint that attempt has not
 * acknowledged. A report that goes backwards (reordered delivery) changes nothing.
 * @param ctx - the context.
 * @param m - the report.
 * @param out - commands.
 */
export function taskStateChanged(ctx: CoordinatorContext, m: TaskStateChanged, out: Out): CoordinatorContext {
  const bad = checkSender(ctx, m);
  if (bad) {
    reject(out, bad);
    return ctx;
  }
  const current = ctx.tasks.get(m.taskId) as TaskRecord;
  const newAttempt = m.attempt > current.attempt;
  if (!newAttempt && ORDER[m.state] <= ORDER[current.state]) return ctx;
  const record: TaskRecord = { attempt: m.attempt, state: m.state };
  let next: CoordinatorContext = noteAlive({ ...ctx, tasks: ctx.tasks.set(m.taskId, record) }, m.taskId, record);
  const goneAttempt: Attempt | null = newAttempt && current.attempt >= 0 ? current.attempt : m.state === 'failed' || m.state === 'canceled' ? m.attempt : null;
  if (goneAttempt !== null) next = failUnacknowledged(next, m.taskId, goneAttempt, 'TASK_FAILURE', out);
  return next;
}

/**
 * Aborts every pending checkpoint that waits for `attempt` of `taskId` and has not got its
 * acknowledgement (Flink's `failUnacknowledgedPendingCheckpointsFor`).
 * @param ctx - the context.
 * @param taskId - the task.
 * @param attempt - the attempt that is gone.
 * @param reason - the abort reason.
 * @param out - commands.
 */
export function failUnacknowledged(ctx: CoordinatorContext, taskId: TaskId, attempt: Attempt, reason: CheckpointFailureReason, out: Out): CoordinatorContext {
  let next = ctx;
  for (const pc of [...ctx.pending.values()]) {
    if (pc.stage === 'finalizing' || pc.stage === 'acknowledged') continue;
    if (pc.plan.waitFor.get(taskId) === attempt && !pc.acks.has(taskId)) next = abortPending(next, pc, reason, null, out);
  }
  return next;
}

/** Whether a task state is terminal; re-exported for the machine's guards. */
export { isTerminalTaskState };

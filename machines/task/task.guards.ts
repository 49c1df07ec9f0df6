/**
 * The task machine's guards, as plain predicates over the context and the event. The machine
 * names them in `setup`, so the visualizer and the checker show which condition chose a transition.
 * @packageDocumentation
 */
import { alignmentTimedOut, alignmentTimerLive, barrierCase, cancelMarkerAborts, firstBarrierMode } from './barrier-handler.js';
import { isTracking } from './barrier-tracker.js';
import type { TaskEvent } from './events.js';
import { completionFinishes } from './snapshots.js';
import type { TaskContext } from './types.js';
import { eventRejection, isPending } from './validation.js';

/** A guard: a pure predicate over context and event. */
export type TaskGuard = (ctx: TaskContext, e: TaskEvent) => boolean;

const barrierIs = (kind: ReturnType<typeof barrierCase>): TaskGuard => (ctx, e) => e.type === 'stream.barrier' && barrierCase(ctx.inputs, e.barrier.checkpointId) === kind;

/** Every guard of the task machine, by name. */
export const taskGuards = {
  /** The event is malformed, foreign (job, task, attempt) or addresses a closed or blocked channel. */
  invalid: (ctx, e) => eventRejection(ctx, e) !== null,
  /** The task has no input channels: the coordinator triggers it. */
  isSource: (ctx) => ctx.config.inputChannels === 0,
  /** The task counts barriers without aligning (at-least-once). */
  atLeastOnce: (ctx) => ctx.config.alignment.mode === 'at-least-once',
  /** Unaligned checkpoints are enabled (exactly-once): the alternating handler. */
  unalignedEnabled: (ctx) => ctx.config.alignment.unaligned,
  /** Some input channel is still open (so barriers, not triggers, start checkpoints). */
  hasOpenInputs: (ctx) => ctx.config.inputChannels > 0 && ctx.inputs.openChannels > 0,
  /** Every input channel ended (a task with inputs). */
  allInputsEnded: (ctx) => ctx.config.inputChannels > 0 && ctx.inputs.openChannels === 0,
  /** After its input ended, the task waits for a final checkpoint. */
  awaitsFinalCheckpoint: (ctx) => ctx.config.awaitFinalCheckpoint,
  /** A stop-with-savepoint started on this task. */
  stoppingWithSavepoint: (ctx) => ctx.syncSavepointId !== -1,
  /** The barrier is obsolete (older, or of a checkpoint no longer pending). */
  barrierObsolete: barrierIs('obsolete'),
  /** The barrier is of the pending checkpoint and more are to come. */
  barrierNext: barrierIs('next'),
  /** The barrier is the last one the pending checkpoint waits for. */
  barrierLast: barrierIs('last'),
  /** Aligned with timeout: a non-last barrier of the pending checkpoint arrives after the timeout. */
  barrierLate: (ctx, e) => barrierIs('next')(ctx, e) && ctx.inputs.barrier !== null && alignmentTimedOut(ctx.inputs.barrier, e.now),
  /** The first barrier of a checkpoint completes it at once (single open channel). */
  firstBarrierCompletes: (ctx, e) => e.type === 'stream.barrier' && firstBarrierMode(ctx, e.barrier, e.now) === 'complete',
  /** The first barrier of a checkpoint starts it unaligned (options, or already timed out). */
  firstBarrierUnaligned: (ctx, e) => e.type === 'stream.barrier' && firstBarrierMode(ctx, e.barrier, e.now) === 'unaligned',
  /** The cancel marker aborts a newer or the pending checkpoint. */
  cancelMarkerAborts: (ctx, e) => e.type === 'stream.cancelMarker' && cancelMarkerAborts(ctx.inputs, e.marker.checkpointId),
  /** The channel that ends is the last open one. */
  lastOpenChannel: (ctx) => ctx.inputs.openChannels === 1,
  /** The fired timer is the live alignment timer of the pending checkpoint. */
  alignmentTimerLive: (ctx, e) => e.type === 'timer.fired' && alignmentTimerLive(ctx.inputs, e.timer),
  /** Exactly-once handler: no checkpoint is pending (its state is `waitingForFirstBarrier`). */
  handlerWaiting: (ctx) => !isPending(ctx.inputs),
  /** Exactly-once handler: a checkpoint is aligning, blocking channels (`collectingBarriers`). */
  handlerAligning: (ctx) => isPending(ctx.inputs) && !ctx.inputs.unaligned,
  /** Exactly-once handler: a checkpoint runs unaligned, capturing channels (`collectingBarriersUnaligned`). */
  handlerCapturing: (ctx) => isPending(ctx.inputs) && ctx.inputs.unaligned,
  /** The at-least-once tracker follows some checkpoint. */
  tracking: (ctx) => isTracking(ctx),
  /** The completed checkpoint is the stop-with-savepoint or an awaited final checkpoint. */
  completionFinishes: (ctx, e) => e.type === 'notifyCheckpointComplete' && completionFinishes(ctx, e.checkpointId),
  /** The abort notice's catch-up completes the stop-with-savepoint or a final checkpoint. */
  catchUpFinishes: (ctx, e) => e.type === 'notifyCheckpointAborted' && e.latestCompletedCheckpointId > 0 && completionFinishes(ctx, e.latestCompletedCheckpointId),
  /** The aborted checkpoint is the stop-with-savepoint in progress. */
  abortsSyncSavepoint: (ctx, e) => e.type === 'notifyCheckpointAborted' && e.checkpointId === ctx.syncSavepointId,
  /** The heartbeat timer fired (it runs only when heartbeats are configured). */
  heartbeatDue: (ctx, e) => e.type === 'timer.fired' && e.timer === 'heartbeat' && ctx.config.heartbeatInterval > 0,
  /** The failed synchronous part belongs to a snapshot of this attempt that has no outcome yet. */
  snapshotRunning: (ctx, e) => e.type === 'snapshot.syncFailed' && ctx.snapshots.has(e.checkpointId),
} satisfies Record<string, TaskGuard>;

/** The name of a task guard. */
export type TaskGuardName = keyof typeof taskGuards;

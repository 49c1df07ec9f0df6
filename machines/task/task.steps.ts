/**
 * The task machine's actions, as pure steps `(context, event, emit) => context`: the machine wraps
 * each in one `enqueueActions` that emits the commands through the `command` action and assigns
 * the new context. A step never mutates its input.
 * @packageDocumentation
 */
import type { TaskExecutionState } from '../../spec/task-state.js';
import {
  cancelMarker,
  endOfPartition,
  firstBarrier,
  firstBarrierMode,
  lastBarrier,
  newerBarrier,
  nextBarrier,
  switchToUnaligned,
} from './barrier-handler.js';
import { trackBarrier, trackCancelMarker, trackEndOfPartition } from './barrier-tracker.js';
import type { Emit } from './commands.js';
import type { TaskEvent } from './events.js';
import { acknowledge, catchUp, decline, failAsync, notifyAborted, notifyComplete, reportState, shutDown, startCheckpoint } from './snapshots.js';
import { finishSink, initializeSink } from './two-phase-commit.js';
import type { TaskContext } from './types.js';
import { eventRejection } from './validation.js';

/** One action of the task machine. */
export type TaskStep = (ctx: TaskContext, e: TaskEvent, emit: Emit) => TaskContext;

const report = (state: TaskExecutionState): TaskStep => (ctx, _e, emit) => {
  reportState(ctx.config, state, emit);
  return ctx;
};

function failureMessage(e: TaskEvent): string {
  switch (e.type) {
    case 'task.fail':
      return e.message;
    case 'snapshot.syncFailed':
      return `the synchronous part of checkpoint ${e.checkpointId} failed: ${e.message}`;
    case 'notifyCheckpointAborted':
      return `stop-with-savepoint ${e.checkpointId} failed: the savepoint was aborted`;
    default:
      return `failed on ${e.type}`;
  }
}

/** Every step of the task machine, by name. */
export const taskSteps = {
  /** Rejects the event (it changes nothing): emits `rejected` with the typed reason. */
  reject: (ctx, e, emit) => {
    const rejection = eventRejection(ctx, e);
    if (rejection) emit({ kind: 'rejected', eventType: e.type, rejection });
    return ctx;
  },
  /** Input before the task runs: rejected (`invalid-request`), it changes nothing. */
  refuseNotRunning: (ctx, e, emit) => {
    emit({ kind: 'rejected', eventType: e.type, rejection: { code: 'invalid-request', path: '$', message: 'input is consumed only once the task runs' } });
    return ctx;
  },
  /** Entering `deploying`: report it. */
  enterDeploying: (ctx, _e, emit) => {
    reportState(ctx.config, 'deploying', emit);
    if (ctx.config.heartbeatInterval > 0) emit({ kind: 'startTimer', timer: 'heartbeat', delayMs: ctx.config.heartbeatInterval });
    return ctx;
  },
  /** The heartbeat timer fired: tell the coordinator this attempt is alive, and re-arm. */
  sendHeartbeat: (ctx, _e, emit) => {
    const c = ctx.config;
    emit({ kind: 'sendToCoordinator', message: { type: 'heartbeat', jobId: c.jobId, taskId: c.taskId, attempt: c.attempt } });
    emit({ kind: 'startTimer', timer: 'heartbeat', delayMs: c.heartbeatInterval });
    return ctx;
  },
  /** Entering `initializing`: report it, ask for the state to be restored, recover the sink. */
  enterInitializing: (ctx, _e, emit) => {
    reportState(ctx.config, 'initializing', emit);
    emit({ kind: 'initializeState', restore: ctx.config.restore });
    return ctx.config.twoPhaseCommitSink ? { ...ctx, sink: initializeSink(ctx.config, emit) } : ctx;
  },
  /** Entering `running`: report it. */
  enterRunning: report('running'),
  /** Entering `finishing.awaitingFinalCheckpoint`: the next checkpoint started is the final one. */
  awaitFinalCheckpoint: (ctx) => ({ ...ctx, finalCheckpointMinId: Math.max(1, ctx.lastStartedId + 1), sink: ctx.sink && finishSink(ctx.sink) }),
  /** Entering `finished`: cancel snapshots, close the sink, end the outputs, report. */
  enterFinished: (ctx, _e, emit) => {
    const next = shutDown(ctx, emit);
    emit({ kind: 'broadcast', event: { type: 'endOfPartition' } });
    reportState(ctx.config, 'finished', emit);
    return next;
  },
  /** Entering `failed`: cancel snapshots, close the sink, report. */
  enterFailed: (ctx, e, emit) => {
    const next = shutDown({ ...ctx, failure: failureMessage(e) }, emit);
    reportState(ctx.config, 'failed', emit);
    return next;
  },
  /** Entering `canceled`: cancel snapshots, close the sink, report. */
  enterCanceled: (ctx, _e, emit) => {
    const next = shutDown(ctx, emit);
    reportState(ctx.config, 'canceled', emit);
    return next;
  },
  /** A trigger the task cannot run yet: decline `CHECKPOINT_DECLINED_TASK_NOT_READY`, cancel marker downstream. */
  declineNotReady: (ctx, e, emit) => {
    if (e.type === 'triggerCheckpoint') decline(ctx.config, e.checkpointId, 'CHECKPOINT_DECLINED_TASK_NOT_READY', true, emit);
    return ctx;
  },
  /** A trigger to an attempt that ended: decline `CHECKPOINT_DECLINED_TASK_NOT_READY` (its outputs are closed). */
  declineEnded: (ctx, e, emit) => {
    if (e.type === 'triggerCheckpoint') decline(ctx.config, e.checkpointId, 'CHECKPOINT_DECLINED_TASK_NOT_READY', false, emit);
    return ctx;
  },
  /** A trigger to a running source (or a task whose inputs all ended): start the checkpoint. */
  startTriggered: (ctx, e, emit) =>
    e.type !== 'triggerCheckpoint' ? ctx : startCheckpoint(ctx, { checkpointId: e.checkpointId, timestamp: e.timestamp, options: e.options, now: e.now, alignmentMs: 0, unaligned: false }, emit),
  /** `complete(N)`: commit up to N. */
  notifyComplete: (ctx, e, emit) => (e.type === 'notifyCheckpointComplete' ? notifyComplete(ctx, e.checkpointId, emit) : ctx),
  /** `aborted(N, latest)`, first part: catch up on `complete(latest)`. */
  catchUp: (ctx, e, emit) => (e.type === 'notifyCheckpointAborted' ? catchUp(ctx, e.latestCompletedCheckpointId, emit) : ctx),
  /** `aborted(N, latest)`: catch up, then cancel or remember N. */
  notifyAborted: (ctx, e, emit) =>
    e.type === 'notifyCheckpointAborted' ? notifyAborted(catchUp(ctx, e.latestCompletedCheckpointId, emit), e.checkpointId, e.now, emit) : ctx,
  /** The asynchronous part ended: acknowledge. */
  acknowledge: (ctx, e, emit) => (e.type === 'snapshot.asyncCompleted' ? acknowledge(ctx, e.checkpointId, e.state, e.now, e.syncDurationMs ?? 0, emit) : ctx),
  /** The asynchronous part failed: decline `CHECKPOINT_ASYNC_EXCEPTION`. */
  failAsync: (ctx, e, emit) => (e.type === 'snapshot.asyncFailed' ? failAsync(ctx, e.checkpointId, emit) : ctx),
  /** The first barrier of a checkpoint. */
  firstBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? firstBarrier(ctx, e, firstBarrierMode(ctx, e.barrier, e.now), emit) : ctx),
  /** A further barrier of the pending checkpoint, more to come: block (or stop capturing) its channel. */
  nextBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? nextBarrier(ctx, e, emit) : ctx),
  /** The last barrier of the pending checkpoint. */
  lastBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? lastBarrier(ctx, e, emit) : ctx),
  /** A newer checkpoint's barrier subsumes the pending one. */
  newerBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? newerBarrier(ctx, e, firstBarrierMode(ctx, e.barrier, e.now), emit) : ctx),
  /** A late barrier switches the pending aligned checkpoint to unaligned. */
  switchOnLateBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? switchToUnaligned(ctx, e.now, e.channel, emit) : ctx),
  /** The alignment timer switches the pending aligned checkpoint to unaligned. */
  switchOnTimer: (ctx, e, emit) => switchToUnaligned(ctx, e.now, null, emit),
  /** A cancel marker that aborts. */
  cancelMarker: (ctx, e, emit) => (e.type === 'stream.cancelMarker' ? cancelMarker(ctx, e, emit) : ctx),
  /** A channel ended. */
  endOfPartition: (ctx, e, emit) => (e.type === 'stream.endOfPartition' ? endOfPartition(ctx, e, emit) : ctx),
  /** At-least-once: a barrier. */
  trackBarrier: (ctx, e, emit) => (e.type === 'stream.barrier' ? trackBarrier(ctx, e, emit) : ctx),
  /** At-least-once: a cancel marker. */
  trackCancelMarker: (ctx, e, emit) => (e.type === 'stream.cancelMarker' ? trackCancelMarker(ctx, e, emit) : ctx),
  /** At-least-once: a channel ended. */
  trackEndOfPartition: (ctx, e, emit) => (e.type === 'stream.endOfPartition' ? trackEndOfPartition(ctx, e, emit) : ctx),
  /** The attempt ended: drop the alignment timer (channels and captures die with the task). */
  stopInputs: (ctx, _e, emit) => {
    const timer = ctx.inputs.timer;
    if (timer === null) return ctx;
    emit({ kind: 'cancelTimer', timer });
    return { ...ctx, inputs: { ...ctx.inputs, timer: null } };
  },
} satisfies Record<string, TaskStep>;

/** The name of a task step. */
export type TaskStepName = keyof typeof taskSteps;


/**
 * Everything the coordinator machine reacts to. Task messages are the spec's messages as they
 * are; everything else is an input from the embedding runtime (clock, timers, ports' replies,
 * operator requests).
 * @packageDocumentation
 */
import type {
  AcknowledgeCheckpoint,
  CheckpointFailureReason,
  CheckpointId,
  DeclineCheckpoint,
  ReportCheckpointMetrics,
  StateHandle,
  SyncSavepointMode,
  TaskId,
  TaskStateChanged,
  Heartbeat,
} from '../../spec/index.js';

/** A timer the coordinator arms: the periodic trigger, the timeout of one checkpoint, or the heartbeat check. */
export type CoordinatorTimer = { readonly kind: 'periodic' } | { readonly kind: 'timeout'; readonly checkpointId: CheckpointId } | { readonly kind: 'heartbeat' };

/**
 * A timer's name, unique among the coordinator's armed timers: `periodic`, `heartbeat`, or
 * `timeout/<checkpointId>`.
 * @param timer - the timer.
 */
export function coordinatorTimerName(timer: CoordinatorTimer): string {
  return timer.kind === 'timeout' ? `timeout/${timer.checkpointId}` : timer.kind;
}

/**
 * The timer a {@link coordinatorTimerName} names.
 * @param name - the name.
 */
export function coordinatorTimerOf(name: string): CoordinatorTimer {
  if (name === 'periodic' || name === 'heartbeat') return { kind: name };
  return { kind: 'timeout', checkpointId: Number(name.slice('timeout/'.length)) };
}

/** The clock moved: every decision after this event sees `now`. */
export interface ClockTick {
  readonly type: 'clock.tick';
  /** Milliseconds of the coordinator's clock; never decreases. */
  readonly now: number;
}

/**
 * Several acknowledgements at once; behaves exactly as the same acknowledgements one by one. When
 * one of them completes a checkpoint, the machine applies those before it and hands the rest back
 * with a `continueBatch` command, to be delivered after the replies of that step.
 */
export interface AcknowledgeBatch {
  readonly type: 'acknowledgeBatch';
  /** The acknowledgements, in arrival order. */
  readonly acks: readonly AcknowledgeCheckpoint[];
}

/** Start periodic checkpoints. */
export interface StartScheduler {
  readonly type: 'scheduler.start';
  /** A uniform random number in [0, 1) from the injected random source, for the initial delay. */
  readonly random: number;
}

/** Stop periodic checkpoints; queued requests fail and pending checkpoints abort (suspend). */
export interface StopScheduler {
  readonly type: 'scheduler.stop';
}

/** A user asks for a checkpoint (non-periodic, non-forced). */
export interface RequestCheckpoint {
  readonly type: 'request.checkpoint';
  /** The caller's id, echoed in the outcome. */
  readonly requestId: string;
  /** `configured` (default kind), `full` or `incremental`. */
  readonly checkpointType: 'configured' | 'full' | 'incremental';
}

/** A user asks for a savepoint, or a stop-with-savepoint when `syncMode` is set. */
export interface RequestSavepoint {
  readonly type: 'request.savepoint';
  /** The caller's id, echoed in the outcome. */
  readonly requestId: string;
  /** Set for stop-with-savepoint: suspend (no drain) or terminate (drain). */
  readonly syncMode?: SyncSavepointMode;
}

/** A timer the machine armed fired. A firing for a timer no longer armed is ignored. */
export interface TimerFired {
  readonly type: 'timer.fired';
  /** Which timer. */
  readonly timer: CoordinatorTimer;
}

/** The id counter handed out an id for the request being triggered. */
export interface IdAllocated {
  readonly type: 'counter.allocated';
  /** The request the id is for (its `seq`). */
  readonly seq: number;
  /** The id. */
  readonly checkpointId: CheckpointId;
}

/** The id counter failed. */
export interface IdAllocationFailed {
  readonly type: 'counter.failed';
  /** The request the id was for (its `seq`). */
  readonly seq: number;
  /** `IO_EXCEPTION` for I/O failures, `TRIGGER_CHECKPOINT_FAILURE` otherwise. */
  readonly reason: 'IO_EXCEPTION' | 'TRIGGER_CHECKPOINT_FAILURE';
}

/** A hook (master hook or operator coordinator) finished its part of a checkpoint. */
export interface HookAcknowledged {
  readonly type: 'hook.acknowledged';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The hook's name. */
  readonly hook: string;
  /** What it snapshotted, if anything. */
  readonly state: StateHandle | null;
}

/** A hook failed its part of a checkpoint. */
export interface HookFailed {
  readonly type: 'hook.failed';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The hook's name. */
  readonly hook: string;
}

/** Sending the trigger to a task failed (the task is gone or finished meanwhile). */
export interface TriggerFailed {
  readonly type: 'trigger.failed';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The task that could not be triggered. */
  readonly taskId: TaskId;
}

/** The store durably added the completed checkpoint (or the savepoint was written). */
export interface FinalizeSucceeded {
  readonly type: 'finalize.succeeded';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
}

/** The store could not add the completed checkpoint. */
export interface FinalizeFailed {
  readonly type: 'finalize.failed';
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
}

/** Restore tasks from the latest completed checkpoint. */
export interface Restore {
  readonly type: 'restore';
  /** `global` (all tasks and hooks), `regional` (some tasks), `initial` (job start). */
  readonly scope: 'global' | 'regional' | 'initial';
  /** For `regional`: the tasks to restore. */
  readonly tasks?: readonly TaskId[];
}

/** Abort every pending checkpoint with a reason (used on failover). */
export interface AbortPending {
  readonly type: 'abortPending';
  /** Why, e.g. `JOB_FAILOVER_REGION`. */
  readonly reason: CheckpointFailureReason;
}

/** Shut the coordinator down for good. */
export interface Shutdown {
  readonly type: 'shutdown';
}

/** Every event of the coordinator machine. */
export type CoordinatorEvent =
  | ClockTick
  | AcknowledgeCheckpoint
  | AcknowledgeBatch
  | DeclineCheckpoint
  | ReportCheckpointMetrics
  | TaskStateChanged
  | Heartbeat
  | StartScheduler
  | StopScheduler
  | RequestCheckpoint
  | RequestSavepoint
  | TimerFired
  | IdAllocated
  | IdAllocationFailed
  | HookAcknowledged
  | HookFailed
  | TriggerFailed
  | FinalizeSucceeded
  | FinalizeFailed
  | Restore
  | AbortPending
  | Shutdown;

/** The `type` of every coordinator event. */
export type CoordinatorEventType = CoordinatorEvent['type'];

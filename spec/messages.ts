/**
 * Every message between the coordinator and the tasks.
 *
 * Each message is an interface with a `type` discriminant. The doc tags on each interface are
 * read by the code generator:
 * - `@direction`: `coordinator-to-task` or `task-to-coordinator`;
 * - `@channel`: `control` (RPC-like, may be lost, duplicated, reordered) or `data` (in-band, ordered);
 * - `@delivery`: the weakest delivery the protocol tolerates for the message;
 * - `@idempotencyKey`: the fields that identify a message, so redeliveries can be dropped.
 * @packageDocumentation
 */
import type { Attempt, CheckpointId, JobId, LeaderEpoch, TaskId } from './ids.js';
import type { CheckpointOptions } from './options.js';
import type { DeclineReason } from './reasons.js';
import type { CheckpointMetrics, StateHandle } from './state-handle.js';
import type { TaskExecutionState } from './task-state.js';

/**
 * Starts checkpoint `checkpointId` on a task that is triggered directly (a source, or a task whose
 * upstream tasks all finished). The task declines with `CHECKPOINT_DECLINED_TASK_NOT_READY` when
 * it is not running.
 * @direction coordinator-to-task
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface TriggerCheckpoint {
  /** The discriminant: `triggerCheckpoint`. */
  readonly type: 'triggerCheckpoint';
  /** The job. */
  readonly jobId: JobId;
  /** The task to trigger. */
  readonly taskId: TaskId;
  /** The attempt of the task the coordinator planned with. */
  readonly attempt: Attempt;
  /** The checkpoint to start. */
  readonly checkpointId: CheckpointId;
  /** When triggering started, in milliseconds of the coordinator's clock. */
  readonly timestamp: number;
  /** What to snapshot and how to align. */
  readonly options: CheckpointOptions;
  /**
   * The sending coordinator's leader epoch (absent: 0, a coordinator without failover). A task
   * rejects a message from an epoch below the highest it has seen (`stale-epoch`): a deposed
   * coordinator can neither trigger nor notify once its successor has spoken.
   */
  readonly leaderEpoch?: LeaderEpoch;
}

/**
 * Checkpoint `checkpointId` completed and is stored: commit everything pre-committed up to it.
 * Sent once per completed checkpoint (and sync savepoint) to every task of its plan, never for a
 * plain savepoint.
 * @direction coordinator-to-task
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface NotifyCheckpointComplete {
  /** The discriminant: `notifyCheckpointComplete`. */
  readonly type: 'notifyCheckpointComplete';
  /** The job. */
  readonly jobId: JobId;
  /** The task notified. */
  readonly taskId: TaskId;
  /** The attempt notified. */
  readonly attempt: Attempt;
  /** The completed checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The completed checkpoint's timestamp. */
  readonly timestamp: number;
  /** The checkpoint the store subsumed on this completion, or -1 when none may be released. */
  readonly lastSubsumedCheckpointId: number;
  /**
   * The sending coordinator's leader epoch (absent: 0, a coordinator without failover). A task
   * rejects a message from an epoch below the highest it has seen (`stale-epoch`): a deposed
   * coordinator can neither trigger nor notify once its successor has spoken.
   */
  readonly leaderEpoch?: LeaderEpoch;
}

/**
 * Checkpoint `checkpointId` was aborted: never commit it. `latestCompletedCheckpointId` lets the
 * task catch up on a completion notice it may have missed (-1 when nothing completed yet).
 * @direction coordinator-to-task
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface NotifyCheckpointAborted {
  /** The discriminant: `notifyCheckpointAborted`. */
  readonly type: 'notifyCheckpointAborted';
  /** The job. */
  readonly jobId: JobId;
  /** The task notified. */
  readonly taskId: TaskId;
  /** The attempt notified. */
  readonly attempt: Attempt;
  /** The aborted checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The latest completed checkpoint at abort time, or -1. */
  readonly latestCompletedCheckpointId: number;
  /** The aborted checkpoint's timestamp. */
  readonly timestamp: number;
  /**
   * The sending coordinator's leader epoch (absent: 0, a coordinator without failover). A task
   * rejects a message from an epoch below the highest it has seen (`stale-epoch`): a deposed
   * coordinator can neither trigger nor notify once its successor has spoken.
   */
  readonly leaderEpoch?: LeaderEpoch;
}

/**
 * The task snapshotted checkpoint `checkpointId`. `state` is null for a stateless task.
 * @direction task-to-coordinator
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface AcknowledgeCheckpoint {
  /** The discriminant: `acknowledgeCheckpoint`. */
  readonly type: 'acknowledgeCheckpoint';
  /** The job. */
  readonly jobId: JobId;
  /** The acknowledging task. */
  readonly taskId: TaskId;
  /** The acknowledging attempt. */
  readonly attempt: Attempt;
  /** The acknowledged checkpoint. */
  readonly checkpointId: CheckpointId;
  /** The task's figures for this checkpoint. */
  readonly metrics: CheckpointMetrics;
  /** The snapshot's handle, or null when the task has no state. */
  readonly state: StateHandle | null;
}

/**
 * The task cannot take part in checkpoint `checkpointId`; the coordinator aborts it.
 * @direction task-to-coordinator
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface DeclineCheckpoint {
  /** The discriminant: `declineCheckpoint`. */
  readonly type: 'declineCheckpoint';
  /** The job. */
  readonly jobId: JobId;
  /** The declining task. */
  readonly taskId: TaskId;
  /** The declining attempt. */
  readonly attempt: Attempt;
  /** The declined checkpoint. */
  readonly checkpointId: CheckpointId;
  /** Why the task declined. */
  readonly reason: DeclineReason;
}

/**
 * Figures of a checkpoint the task aborted after the coordinator forgot it (statistics only).
 * @direction task-to-coordinator
 * @channel control
 * @delivery at-most-once
 * @idempotencyKey jobId taskId attempt checkpointId
 */
export interface ReportCheckpointMetrics {
  /** The discriminant: `reportCheckpointMetrics`. */
  readonly type: 'reportCheckpointMetrics';
  /** The job. */
  readonly jobId: JobId;
  /** The reporting task. */
  readonly taskId: TaskId;
  /** The reporting attempt. */
  readonly attempt: Attempt;
  /** The checkpoint the figures belong to. */
  readonly checkpointId: CheckpointId;
  /** The figures. */
  readonly metrics: CheckpointMetrics;
}

/**
 * A task attempt changed its execution state. A higher attempt than the coordinator knows
 * announces a new deployment of the task.
 * @direction task-to-coordinator
 * @channel control
 * @delivery at-least-once
 * @idempotencyKey jobId taskId attempt state
 */
export interface TaskStateChanged {
  /** The discriminant: `taskStateChanged`. */
  readonly type: 'taskStateChanged';
  /** The job. */
  readonly jobId: JobId;
  /** The task. */
  readonly taskId: TaskId;
  /** The attempt whose state changed. */
  readonly attempt: Attempt;
  /** The new state. */
  readonly state: TaskExecutionState;
}

/**
 * The task attempt is alive. Sent every heartbeat interval from deployment until the attempt
 * ends; a coordinator with a heartbeat timeout declares an attempt that stayed silent that long
 * failed (its unacknowledged checkpoints abort with `TASK_FAILURE`) and rejects its later
 * heartbeats as `stale-attempt`. No idempotency key: every heartbeat is news, and taking one twice
 * is harmless, so redelivery filters must let each through (a key of job, task and attempt would
 * drop every heartbeat of an attempt after its first).
 * @direction task-to-coordinator
 * @channel control
 * @delivery at-most-once
 * @idempotencyKey none
 */
export interface Heartbeat {
  /** The discriminant: `heartbeat`. */
  readonly type: 'heartbeat';
  /** The job. */
  readonly jobId: JobId;
  /** The task. */
  readonly taskId: TaskId;
  /** The attempt that is alive. */
  readonly attempt: Attempt;
}

/** Messages the coordinator sends to tasks. */
export type CoordinatorToTaskMessage = TriggerCheckpoint | NotifyCheckpointComplete | NotifyCheckpointAborted;

/** Messages tasks send to the coordinator. */
export type TaskToCoordinatorMessage =
  | AcknowledgeCheckpoint
  | DeclineCheckpoint
  | ReportCheckpointMetrics
  | TaskStateChanged
  | Heartbeat;

/** Every control message of the protocol. */
export type ControlMessage = CoordinatorToTaskMessage | TaskToCoordinatorMessage;

/** The `type` of every control message. */
export type ControlMessageType = ControlMessage['type'];

/** The types of the messages the coordinator sends, in declaration order. */
export const COORDINATOR_TO_TASK_TYPES = Object.freeze([
  'triggerCheckpoint',
  'notifyCheckpointComplete',
  'notifyCheckpointAborted',
] as const satisfies readonly CoordinatorToTaskMessage['type'][]);

/** The types of the messages tasks send, in declaration order. */
export const TASK_TO_COORDINATOR_TYPES = Object.freeze([
  'acknowledgeCheckpoint',
  'declineCheckpoint',
  'reportCheckpointMetrics',
  'taskStateChanged',
  'heartbeat',
] as const satisfies readonly TaskToCoordinatorMessage['type'][]);

/**
 * Why a checkpoint failed (Flink's `CheckpointFailureReason`), with the two properties the
 * failure manager needs: pre-flight (failed before any task was involved) and counted (toward
 * the tolerable-failure threshold). The table is the newest Flink behaviour (reference 1.10).
 * @packageDocumentation
 */

/** Every failure reason, as a string literal. */
export type CheckpointFailureReason =
  | 'PERIODIC_SCHEDULER_SHUTDOWN'
  | 'TOO_MANY_CHECKPOINT_REQUESTS'
  | 'MINIMUM_TIME_BETWEEN_CHECKPOINTS'
  | 'NOT_ALL_REQUIRED_TASKS_RUNNING'
  | 'IO_EXCEPTION'
  | 'BLOCKING_OUTPUT_EXIST'
  | 'CHECKPOINT_ASYNC_EXCEPTION'
  | 'CHANNEL_STATE_SHARED_STREAM_EXCEPTION'
  | 'CHECKPOINT_EXPIRED'
  | 'CHECKPOINT_SUBSUMED'
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_DECLINED_TASK_NOT_READY'
  | 'CHECKPOINT_DECLINED_TASK_CLOSING'
  | 'CHECKPOINT_DECLINED_SUBSUMED'
  | 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'
  | 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM'
  | 'CHECKPOINT_COORDINATOR_SHUTDOWN'
  | 'CHECKPOINT_COORDINATOR_SUSPEND'
  | 'JOB_FAILOVER_REGION'
  | 'TASK_FAILURE'
  | 'TASK_CHECKPOINT_FAILURE'
  | 'UNKNOWN_TASK_CHECKPOINT_NOTIFICATION_FAILURE'
  | 'TRIGGER_CHECKPOINT_FAILURE'
  | 'FINALIZE_CHECKPOINT_FAILURE';

/** The properties of one failure reason. */
export interface FailureReasonInfo {
  /** Failure before tasks were involved (no pending checkpoint existed). */
  readonly preFlight: boolean;
  /** Counts toward the tolerable consecutive-failure threshold. */
  readonly counted: boolean;
  /** One line for people. */
  readonly description: string;
}

/** The failure-reason table: pre-flight and counted flags per reason (reference 1.10). */
export const FAILURE_REASONS: Readonly<Record<CheckpointFailureReason, FailureReasonInfo>> = Object.freeze({
  PERIODIC_SCHEDULER_SHUTDOWN: { preFlight: true, counted: false, description: 'periodic request while the periodic scheduler is stopped' },
  TOO_MANY_CHECKPOINT_REQUESTS: { preFlight: true, counted: false, description: 'the request queue overflowed' },
  MINIMUM_TIME_BETWEEN_CHECKPOINTS: { preFlight: true, counted: false, description: 'periodic request dropped by the minimum pause' },
  NOT_ALL_REQUIRED_TASKS_RUNNING: { preFlight: true, counted: false, description: 'a task to trigger is not running' },
  IO_EXCEPTION: { preFlight: true, counted: true, description: 'I/O failure while triggering (id counter, storage)' },
  BLOCKING_OUTPUT_EXIST: { preFlight: true, counted: false, description: 'a running task has a blocking output' },
  CHECKPOINT_ASYNC_EXCEPTION: { preFlight: false, counted: true, description: "a task's asynchronous snapshot failed" },
  CHANNEL_STATE_SHARED_STREAM_EXCEPTION: { preFlight: false, counted: false, description: 'a task sharing the channel-state file failed' },
  CHECKPOINT_EXPIRED: { preFlight: false, counted: true, description: 'the checkpoint timed out' },
  CHECKPOINT_SUBSUMED: { preFlight: false, counted: false, description: 'a newer checkpoint completed' },
  CHECKPOINT_DECLINED: { preFlight: false, counted: true, description: 'a task declined' },
  CHECKPOINT_DECLINED_TASK_NOT_READY: { preFlight: false, counted: false, description: 'a task was not running when triggered' },
  CHECKPOINT_DECLINED_TASK_CLOSING: { preFlight: false, counted: false, description: 'a task was closing' },
  CHECKPOINT_DECLINED_SUBSUMED: { preFlight: false, counted: false, description: 'a task saw a newer barrier mid-alignment' },
  CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER: { preFlight: false, counted: false, description: 'a task received a cancel marker' },
  CHECKPOINT_DECLINED_INPUT_END_OF_STREAM: { preFlight: false, counted: false, description: 'an input ended mid-alignment' },
  CHECKPOINT_COORDINATOR_SHUTDOWN: { preFlight: false, counted: false, description: 'the coordinator shut down' },
  CHECKPOINT_COORDINATOR_SUSPEND: { preFlight: false, counted: false, description: 'the periodic scheduler was stopped' },
  JOB_FAILOVER_REGION: { preFlight: false, counted: false, description: 'the job is failing over' },
  TASK_FAILURE: { preFlight: false, counted: false, description: 'a task failed before acknowledging' },
  TASK_CHECKPOINT_FAILURE: { preFlight: false, counted: false, description: 'the task is unknown to its host' },
  UNKNOWN_TASK_CHECKPOINT_NOTIFICATION_FAILURE: { preFlight: false, counted: false, description: 'notification to an unknown task' },
  TRIGGER_CHECKPOINT_FAILURE: { preFlight: false, counted: false, description: 'triggering failed (hooks, coordinators, RPC)' },
  FINALIZE_CHECKPOINT_FAILURE: { preFlight: false, counted: true, description: 'finalizing or storing the checkpoint failed' },
});

/** Every failure reason, in declaration order. */
export const CHECKPOINT_FAILURE_REASONS = Object.freeze(Object.keys(FAILURE_REASONS)) as readonly CheckpointFailureReason[];

/** The reasons a task may send in a `declineCheckpoint` message. */
export type DeclineReason = Extract<
  CheckpointFailureReason,
  | 'CHECKPOINT_DECLINED'
  | 'CHECKPOINT_ASYNC_EXCEPTION'
  | 'CHECKPOINT_DECLINED_TASK_NOT_READY'
  | 'CHECKPOINT_DECLINED_TASK_CLOSING'
  | 'CHECKPOINT_DECLINED_SUBSUMED'
  | 'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER'
  | 'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM'
  | 'CHANNEL_STATE_SHARED_STREAM_EXCEPTION'
  | 'TASK_CHECKPOINT_FAILURE'
>;

/** Every reason a task may decline with. */
export const DECLINE_REASONS: readonly DeclineReason[] = Object.freeze([
  'CHECKPOINT_DECLINED',
  'CHECKPOINT_ASYNC_EXCEPTION',
  'CHECKPOINT_DECLINED_TASK_NOT_READY',
  'CHECKPOINT_DECLINED_TASK_CLOSING',
  'CHECKPOINT_DECLINED_SUBSUMED',
  'CHECKPOINT_DECLINED_ON_CANCELLATION_BARRIER',
  'CHECKPOINT_DECLINED_INPUT_END_OF_STREAM',
  'CHANNEL_STATE_SHARED_STREAM_EXCEPTION',
  'TASK_CHECKPOINT_FAILURE',
]);

/**
 * Whether a failure reason counts toward the tolerable-failure threshold.
 * @param reason - the failure reason.
 */
export function isCountedFailure(reason: CheckpointFailureReason): boolean {
  return FAILURE_REASONS[reason].counted;
}

/**
 * Whether a failure reason is pre-flight (no task was involved yet).
 * @param reason - the failure reason.
 */
export function isPreFlightFailure(reason: CheckpointFailureReason): boolean {
  return FAILURE_REASONS[reason].preFlight;
}

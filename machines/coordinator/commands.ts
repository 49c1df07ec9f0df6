/**
 * What the coordinator machine asks the outside world to do, as data. The machine performs no
 * effect itself; the runtime (or the model checker) carries these out.
 * @packageDocumentation
 */
import type {
  AcknowledgeCheckpoint,
  CheckpointFailureReason,
  CheckpointId,
  CheckpointOptions,
  Rejection,
  SnapshotKind,
  StateHandle,
  TaskAttemptRef,
  TaskId,
} from '../../spec/index.js';
import type { CoordinatorTimer } from './events.js';
import type { CompletedCheckpoint } from './types.js';

/** Every command of the coordinator machine, discriminated by `kind`. */
export type CoordinatorCommand =
  /** Send `triggerCheckpoint` to each recipient. */
  | { readonly kind: 'trigger'; readonly checkpointId: CheckpointId; readonly timestamp: number; readonly options: CheckpointOptions; readonly recipients: readonly TaskAttemptRef[] }
  /** Send `notifyCheckpointComplete` to each recipient. */
  | { readonly kind: 'notifyComplete'; readonly checkpointId: CheckpointId; readonly timestamp: number; readonly lastSubsumedCheckpointId: number; readonly recipients: readonly TaskAttemptRef[] }
  /** Send `notifyCheckpointAborted` to each recipient. */
  | { readonly kind: 'notifyAborted'; readonly checkpointId: CheckpointId; readonly timestamp: number; readonly latestCompletedCheckpointId: number; readonly recipients: readonly TaskAttemptRef[] }
  /** Arm (or re-arm) a timer; answer with `timer.fired`. */
  | { readonly kind: 'startTimer'; readonly timer: CoordinatorTimer; readonly delayMs: number }
  /** Disarm a timer. */
  | { readonly kind: 'cancelTimer'; readonly timer: CoordinatorTimer }
  /** Take the next id from the id counter; answer with `counter.allocated` or `counter.failed`. */
  | { readonly kind: 'allocateId'; readonly seq: number }
  /** Ask each hook to snapshot; answer with `hook.acknowledged` or `hook.failed` per hook. */
  | { readonly kind: 'triggerHooks'; readonly checkpointId: CheckpointId; readonly timestamp: number; readonly hooks: readonly string[] }
  /** Tell the hooks a checkpoint completed or aborted. */
  | { readonly kind: 'notifyHooks'; readonly checkpointId: CheckpointId; readonly outcome: 'complete' | 'aborted' }
  /** Add a completed checkpoint to the store, then drop the subsumed ones; answer with `finalize.*`. */
  | { readonly kind: 'storeCheckpoint'; readonly checkpoint: CompletedCheckpoint; readonly subsumed: readonly CheckpointId[] }
  /** Write a completed savepoint (not into the store); answer with `finalize.*`. */
  | { readonly kind: 'finalizeSavepoint'; readonly checkpoint: CompletedCheckpoint }
  /** Discard private state that no checkpoint will reference. */
  | { readonly kind: 'discardState'; readonly checkpointId: CheckpointId; readonly handles: readonly StateHandle[] }
  /** Restore these tasks (and, unless regional, the hooks) from `checkpoint`, or from nothing. */
  | { readonly kind: 'restoreState'; readonly scope: 'global' | 'regional' | 'initial'; readonly checkpoint: CompletedCheckpoint | null; readonly tasks: readonly TaskId[] }
  /** A checkpoint became pending (an observation; nothing to do). */
  | { readonly kind: 'pendingCreated'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind; readonly forced: boolean; readonly requestId: string | null; readonly plan: readonly TaskAttemptRef[]; readonly pendingCount: number }
  /** Outcome: a checkpoint or savepoint completed. */
  | { readonly kind: 'checkpointCompleted'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind; readonly requestId: string | null; readonly timestamp: number; readonly completedAt: number; readonly bytesPersisted: number }
  /** Outcome: a pending checkpoint was aborted. */
  | { readonly kind: 'checkpointAborted'; readonly checkpointId: CheckpointId; readonly snapshot: SnapshotKind; readonly requestId: string | null; readonly reason: CheckpointFailureReason }
  /** Outcome: a request failed before it became a pending checkpoint. */
  | { readonly kind: 'requestFailed'; readonly requestId: string | null; readonly snapshot: SnapshotKind; readonly reason: CheckpointFailureReason }
  /** The failure manager counted a failure (and maybe failed the job). */
  | { readonly kind: 'failureCounted'; readonly checkpointId: number; readonly reason: CheckpointFailureReason; readonly counter: number; readonly failedJob: boolean }
  /** Fail the job (tolerable failures exceeded, or a sync savepoint failed in a task). */
  | { readonly kind: 'failJob'; readonly reason: CheckpointFailureReason; readonly checkpointId: number; readonly taskId: TaskId | null }
  /**
   * The attempt stayed silent longer than the heartbeat timeout and was declared failed: recover
   * the task (its unacknowledged checkpoints were aborted with `TASK_FAILURE`).
   */
  | { readonly kind: 'taskLost'; readonly taskId: TaskId; readonly attempt: number; readonly silentForMs: number }
  /** An input was rejected; the machine's state did not change. */
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  /**
   * The rest of an acknowledgement batch, not applied yet because an acknowledgement before it
   * completed a checkpoint: deliver it as one `acknowledgeBatch` event after the replies to this
   * step's commands, exactly where the next single acknowledgement would have been processed.
   */
  | { readonly kind: 'continueBatch'; readonly acks: readonly AcknowledgeCheckpoint[] };

/** The `kind` of every coordinator command. */
export type CoordinatorCommandKind = CoordinatorCommand['kind'];

/**
 * The task machine's effects, as data. The machine emits each through its single `command`
 * action; the runtime (or a checker) decides what to do with them.
 * @packageDocumentation
 */
import type { Attempt, CheckpointId, TaskId } from '../../spec/ids.js';
import type { TaskToCoordinatorMessage } from '../../spec/messages.js';
import type { CheckpointOptions } from '../../spec/options.js';
import type { Rejection } from '../../spec/errors.js';
import type { StreamEvent } from '../../spec/stream-events.js';
import type { StreamBatchItem } from './events.js';
import type { PendingTransaction, SinkSnapshotState, TaskRestore, TaskTimerId, TransactionId } from './types.js';

/** Every effect of the task machine, discriminated on `kind`. */
export type TaskCommand =
  /** Send a control message to the coordinator (acknowledge, decline, metrics, state change). */
  | { readonly kind: 'sendToCoordinator'; readonly message: TaskToCoordinatorMessage }
  /** Broadcast an in-band event (barrier, cancel marker, end of partition) to every output channel. */
  | { readonly kind: 'broadcast'; readonly event: StreamEvent }
  /** Stop consuming input channel `channel` (aligned barrier received on it). */
  | { readonly kind: 'blockChannel'; readonly channel: number }
  /** Resume consuming input channel `channel`. */
  | { readonly kind: 'unblockChannel'; readonly channel: number }
  /** Unaligned: persist the in-flight data of `channel` into checkpoint `checkpointId` from now on. */
  | { readonly kind: 'startCapture'; readonly channel: number; readonly checkpointId: CheckpointId }
  /** Unaligned: the barrier of `checkpointId` passed on `channel`; stop capturing its in-flight data. */
  | { readonly kind: 'stopCapture'; readonly channel: number; readonly checkpointId: CheckpointId }
  /** Load the task's state (null: fresh start); answer with `task.initialized`. */
  | { readonly kind: 'initializeState'; readonly restore: TaskRestore | null }
  /**
   * Take the synchronous part of checkpoint `checkpointId` now, while carrying out this step's
   * commands (it runs on the task's thread, as in Flink): answer only a failure, with
   * `snapshot.syncFailed`. The step's next command is usually `snapshotAsync` for the same id; after
   * a failed synchronous part it does nothing. `sinkState` (two-phase-commit sinks) must be
   * persisted with the snapshot and handed back on restore.
   */
  | {
      readonly kind: 'snapshotSync';
      readonly checkpointId: CheckpointId;
      readonly timestamp: number;
      readonly options: CheckpointOptions;
      readonly unaligned: boolean;
      readonly sinkState: SinkSnapshotState | null;
    }
  /** Run the asynchronous part of `checkpointId`; answer with `snapshot.asyncCompleted` or `asyncFailed`. */
  | { readonly kind: 'snapshotAsync'; readonly checkpointId: CheckpointId }
  /** Abandon the snapshot of `checkpointId` (its answers will be ignored); discard what it wrote. */
  | { readonly kind: 'cancelSnapshot'; readonly checkpointId: CheckpointId }
  /** Two-phase commit: open a new transaction. */
  | { readonly kind: 'beginTransaction'; readonly transactionId: TransactionId }
  /** Two-phase commit: flush `transactionId` so it is committable; it belongs to `checkpointId`. */
  | { readonly kind: 'preCommit'; readonly checkpointId: CheckpointId; readonly transactionId: TransactionId }
  /** Two-phase commit: commit `transactionId`; its checkpoint completed. */
  | { readonly kind: 'commit'; readonly checkpointId: CheckpointId; readonly transactionId: TransactionId }
  /** Two-phase commit: abort the open (never pre-committed) transaction `transactionId`. */
  | { readonly kind: 'abortTransaction'; readonly transactionId: TransactionId }
  /** Two-phase commit, on restore: commit `transactionId` if it is not committed yet (idempotent). */
  | { readonly kind: 'recoverAndCommit'; readonly checkpointId: CheckpointId; readonly transactionId: TransactionId }
  /** Two-phase commit, on restore: abort the transaction that was open in the restored snapshot. */
  | { readonly kind: 'recoverAndAbort'; readonly transactionId: TransactionId }
  /**
   * Notice (no effect needed; spec Observation `committed`): the completion of `checkpointId`
   * (or, `recovered`, the restore from it) committed `transactions`. At most one per checkpoint
   * id and attempt: a commit round commits every pending transaction at or below the id.
   */
  | {
      readonly kind: 'committed';
      readonly taskId: TaskId;
      readonly attempt: Attempt;
      readonly checkpointId: CheckpointId;
      readonly transactions: readonly PendingTransaction[];
      readonly recovered: boolean;
    }
  /** Start timer `timer`; after `delayMs` send `timer.fired`. Starting a running timer restarts it. */
  | { readonly kind: 'startTimer'; readonly timer: TaskTimerId; readonly delayMs: number }
  /** Cancel timer `timer` (a firing already under way is ignored by the machine). */
  | { readonly kind: 'cancelTimer'; readonly timer: TaskTimerId }
  /** The event of type `eventType` was rejected and changed nothing. */
  | { readonly kind: 'rejected'; readonly eventType: string; readonly rejection: Rejection }
  /**
   * The rest of a `stream.batch` the machine stopped applying because one of its events must be
   * answered first (or taken by the statechart itself): deliver it as one `stream.batch` event at
   * `now`, after the replies to this step, where the next single event would have come.
   */
  | { readonly kind: 'continueBatch'; readonly events: readonly StreamBatchItem[]; readonly now: number };

/** The `kind` of every task command. */
export type TaskCommandKind = TaskCommand['kind'];

/** Receives the commands of one step, in order. */
export type Emit = (command: TaskCommand) => void;

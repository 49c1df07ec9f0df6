/**
 * What a task attempt needs from the world. Ports are called synchronously while the machine
 * steps; answers that take time (a restore, the asynchronous part of a snapshot) may be promises.
 * @packageDocumentation
 */
import type { CheckpointId, CheckpointOptions, StateHandle, StreamEvent, TaskToCoordinatorMessage } from '../../spec/index.js';
import type { SinkSnapshotState, TaskRestore, TransactionId } from '../../machines/task/index.js';

/** Sends control messages to the coordinator (acknowledge, decline, metrics, state changes). */
export interface TaskTransport {
  /**
   * Sends one message. Delivery may be at least once; the protocol tolerates duplicates.
   * @param message - the message.
   */
  send(message: TaskToCoordinatorMessage): void | Promise<void>;
}

/** The task's output channels. */
export interface TaskOutputs {
  /**
   * Broadcasts an in-band event (barrier, cancel marker, end of partition) to every output
   * channel, in order after the records already sent (FIFO per channel).
   * @param event - the event.
   */
  broadcast(event: StreamEvent): void;
}

/** Control of the task's input channels (tasks with inputs). */
export interface TaskInputs {
  /**
   * Stops consuming `channel` until unblocked (aligned barrier received on it). While blocked,
   * the caller must not deliver anything from it: the task rejects such input.
   * @param channel - the input channel.
   */
  block(channel: number): void;
  /**
   * Resumes consuming `channel`.
   * @param channel - the input channel.
   */
  unblock(channel: number): void;
  /**
   * Unaligned: from now on, persist the in-flight data of `channel` into checkpoint `checkpointId`.
   * @param channel - the input channel.
   * @param checkpointId - the checkpoint.
   */
  startCapture?(channel: number, checkpointId: CheckpointId): void;
  /**
   * Unaligned: the barrier passed on `channel`; stop capturing it.
   * @param channel - the input channel.
   * @param checkpointId - the checkpoint.
   */
  stopCapture?(channel: number, checkpointId: CheckpointId): void;
}

/** What the synchronous part of a snapshot is asked to take. */
export interface SnapshotRequest {
  /** The checkpoint. */
  readonly checkpointId: CheckpointId;
  /** Its timestamp. */
  readonly timestamp: number;
  /** Its options. */
  readonly options: CheckpointOptions;
  /** Whether it is taken unaligned (in-flight data is captured through {@link TaskInputs}). */
  readonly unaligned: boolean;
  /** A two-phase-commit sink's transactions: persist them and hand them back on restore. */
  readonly sinkState: SinkSnapshotState | null;
}

/** The asynchronous part of a snapshot: resolves with the state's handle (null: no state). */
export type AsyncSnapshotPart = () => StateHandle | null | Promise<StateHandle | null>;

/** The task's state: restore, and the two parts of each snapshot. */
export interface TaskSnapshots {
  /**
   * Loads the state to restore (null: fresh start). The task runs once this returns or resolves;
   * a throw or rejection fails the attempt.
   * @param restore - the checkpoint to restore from, or null.
   */
  restore?(restore: TaskRestore | null): void | Promise<void>;
  /**
   * The synchronous part of a snapshot (atomic with the task's processing). Returns the
   * asynchronous part, or directly the handle when there is nothing left to do. A throw fails the
   * attempt.
   * @param request - what to snapshot.
   */
  sync(request: SnapshotRequest): AsyncSnapshotPart | StateHandle | null;
  /**
   * The snapshot of `checkpointId` was abandoned (aborted, declined, or the attempt ended):
   * discard what it wrote. Its asynchronous part may still settle; the task ignores it.
   * @param checkpointId - the checkpoint.
   */
  cancel?(checkpointId: CheckpointId): void;
}

/**
 * A two-phase-commit sink participant (Flink's `TwoPhaseCommitSinkFunction` callbacks). A throw
 * fails the attempt.
 */
export interface TwoPhaseCommitSink {
  /**
   * Opens a new transaction receiving records.
   * @param transactionId - its id.
   */
  beginTransaction(transactionId: TransactionId): void;
  /**
   * Flushes the transaction so it can be committed later; it belongs to `checkpointId`.
   * @param transactionId - the transaction.
   * @param checkpointId - the checkpoint whose snapshot pre-commits it.
   */
  preCommit(transactionId: TransactionId, checkpointId: CheckpointId): void;
  /**
   * Commits a pre-committed transaction (its checkpoint completed).
   * @param transactionId - the transaction.
   * @param checkpointId - its checkpoint.
   */
  commit(transactionId: TransactionId, checkpointId: CheckpointId): void;
  /**
   * Aborts the open, never pre-committed transaction (the attempt ended).
   * @param transactionId - the transaction.
   */
  abort(transactionId: TransactionId): void;
  /**
   * On restore: commits a pre-committed transaction of the restored snapshot if it is not
   * committed yet. Must be idempotent.
   * @param transactionId - the transaction.
   * @param checkpointId - its checkpoint.
   */
  recoverAndCommit(transactionId: TransactionId, checkpointId: CheckpointId): void;
  /**
   * On restore: aborts the transaction that was open in the restored snapshot.
   * @param transactionId - the transaction.
   */
  recoverAndAbort(transactionId: TransactionId): void;
}

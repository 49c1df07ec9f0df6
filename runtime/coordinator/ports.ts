/**
 * What a coordinator needs from the world. Every port may answer synchronously or with a promise.
 * @packageDocumentation
 */
import type { CheckpointId, CoordinatorToTaskMessage, StateHandle } from '../../spec/index.js';
import type { CompletedCheckpoint } from '../../machines/coordinator/index.js';

/** Sends messages to tasks. Delivery may be at least once; the protocol tolerates it. */
export interface CoordinatorTransport {
  /**
   * Sends one message to the task it names. A rejected promise counts as a failed send: for a
   * trigger, the checkpoint aborts with `TRIGGER_CHECKPOINT_FAILURE`.
   * @param message - the message.
   */
  send(message: CoordinatorToTaskMessage): void | Promise<void>;
}

/** The completed-checkpoint store: durable where it matters, in memory for tests. */
export interface CompletedCheckpointStore {
  /** The retained checkpoints, oldest first (read once when a coordinator starts). */
  load(): readonly CompletedCheckpoint[] | Promise<readonly CompletedCheckpoint[]>;
  /**
   * Durably adds `checkpoint`, then removes the `subsumed` ids. Rejects when the add failed.
   * @param checkpoint - the completed checkpoint.
   * @param subsumed - ids to remove after the add.
   */
  add(checkpoint: CompletedCheckpoint, subsumed: readonly CheckpointId[]): void | Promise<void>;
}

/** The checkpoint id counter (Flink's `CheckpointIDCounter`): ids are never handed out twice. */
export interface CheckpointIdCounter {
  /** Returns the next id and advances; the first id is 1. Rejects on I/O failure. */
  getAndIncrement(): number | Promise<number>;
}

/** A master hook or operator coordinator: the coordinator's one generic extension point. */
export interface CheckpointHook {
  /**
   * Takes the hook's part of checkpoint `checkpointId`; resolve with a handle or null.
   * @param checkpointId - the checkpoint.
   * @param timestamp - its timestamp.
   */
  trigger(checkpointId: CheckpointId, timestamp: number): StateHandle | null | Promise<StateHandle | null>;
  /**
   * The checkpoint completed or aborted.
   * @param checkpointId - the checkpoint.
   * @param outcome - what happened.
   */
  notify?(checkpointId: CheckpointId, outcome: 'complete' | 'aborted'): void;
  /**
   * Restore from `state` (null: reset to "no checkpoint").
   * @param checkpointId - the restored checkpoint, or -1.
   * @param state - what the hook snapshotted then.
   */
  restore?(checkpointId: number, state: StateHandle | null): void;
}
